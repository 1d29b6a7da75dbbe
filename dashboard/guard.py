"""What every web request goes through: errors answered in one place, expensive work bounded.

- A :class:`~geo.errors.DataError` (a bad value: the message says what was expected) is answered
  400, :class:`~geo.errors.NotFound` 404, :class:`~geo.errors.PermissionDenied` 403, an unreachable
  database 503 (``{"error": ...}`` each; the routes raise, they never map errors themselves), a
  statement cancelled by the web requests'
  ``statement_timeout`` 503, and a request that waited too long for a slot of expensive work 503
  with ``Retry-After``; never a 500 with a stack trace. Pages and callbacks that can show an error
  in place still do; this is the net under them.
- :func:`heavy` bounds the expensive computations (hot spots, kernel density, blind spots, what-ifs,
  the optimiser, route suggestion) to ``HEAVY_SLOTS`` at once per server process, so a flood of them
  waits for a slot instead of starving every other request of the two cores.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg.errors
from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from geo import limits
from geo.errors import DataError, GridsightError, NotFound, PermissionDenied

_HEAVY = "gridsight.heavy"


class Busy(GridsightError):
    """Every slot of expensive work stayed taken for ``HEAVY_WAIT_S`` seconds."""


def _json(status: int, message: str, **headers: str) -> Response:
    return Response(
        json.dumps({"error": message}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def cancelled(exc: BaseException) -> bool:
    """Return whether ``exc`` is PostgreSQL cancelling a statement (``statement_timeout``)."""
    return isinstance(exc, OperationalError) and isinstance(exc.orig, psycopg.errors.QueryCanceled)


def install(server: Flask, statement_timeout_s: float) -> None:
    """Register the error answers and the expensive-work slots on ``server``."""
    server.extensions[_HEAVY] = threading.BoundedSemaphore(limits.HEAVY_SLOTS)

    @server.errorhandler(DataError)
    def bad_value(exc: DataError) -> Response:
        return _json(400, str(exc))

    @server.errorhandler(413)
    def too_large(exc: Exception) -> Response:
        limit = server.config.get("MAX_CONTENT_LENGTH") or 0
        return _json(
            413,
            f"the request is over {limit:,} bytes; files are limited by GRIDSIGHT_MAX_UPLOAD_MB",
        )

    @server.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return _json(404, str(exc))

    @server.errorhandler(PermissionDenied)
    def forbidden(exc: PermissionDenied) -> Response:
        return _json(403, str(exc))

    @server.errorhandler(Busy)
    def busy(exc: Busy) -> Response:
        return _json(503, str(exc), **{"Retry-After": str(int(limits.HEAVY_WAIT_S))})

    @server.errorhandler(ValueError)
    @server.errorhandler(TypeError)
    @server.errorhandler(KeyError)
    @server.errorhandler(IndexError)
    @server.errorhandler(OverflowError)
    def malformed(exc: Exception) -> Response | HTTPException:
        # A hostile or broken client can post any value to a Dash callback; what a callback cannot
        # even convert is a bad request. Anywhere else it is a bug, answered 500 (and logged).
        if isinstance(exc, HTTPException):  # werkzeug's BadRequestKeyError is a KeyError too
            return exc
        if request.path.endswith("/_dash-update-component"):
            server.logger.warning("malformed callback input: %r", exc)
            return _json(400, f"malformed input: {type(exc).__name__}: {str(exc)[:200]}")
        server.logger.exception("internal error", exc_info=exc)
        return _json(500, "internal error")

    @server.errorhandler(OperationalError)
    def database(exc: OperationalError) -> Response:
        if cancelled(exc):
            return _json(503, timeout_message(statement_timeout_s))
        return _json(503, "the database is not reachable; retrying")


def timeout_message(statement_timeout_s: float) -> str:
    """Return what a user is told when the database cancelled a request's statement."""
    return (
        f"the request took longer than {statement_timeout_s:g} s"
        " (GRIDSIGHT_STATEMENT_TIMEOUT_S) and was "
        "stopped; ask for less (a shorter window, a smaller view, a smaller camera range)"
    )


@contextmanager
def heavy() -> Iterator[None]:
    """Hold one of the process's slots of expensive work (wait up to ``HEAVY_WAIT_S``).

    Re-entrant within a request (a callback computing hot spots and then dosage holds one slot).
    Raises :class:`Busy` when no slot frees in time.
    """
    if getattr(g, "_gridsight_heavy", False):
        yield
        return
    slots: threading.BoundedSemaphore = current_app.extensions[_HEAVY]
    if not slots.acquire(timeout=limits.HEAVY_WAIT_S):
        raise Busy(
            f"the server is busy with other heavy requests ({limits.HEAVY_SLOTS} at once); "
            f"waited {limits.HEAVY_WAIT_S:g} s; try again"
        )
    g._gridsight_heavy = True
    try:
        yield
    finally:
        g._gridsight_heavy = False
        slots.release()


def identity() -> str:
    """Return who is asking, as recorded on uploads.

    The signed-in account (``g.account``, set by :mod:`dashboard.auth` for every request), else the
    client's address.
    """
    account = getattr(g, "account", None)
    if account is not None:
        return f"user:{account.name}"
    return f"addr:{request.remote_addr or 'unknown'}"
