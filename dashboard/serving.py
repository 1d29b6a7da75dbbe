"""The production server: gunicorn, several worker processes of a few threads each.

Every worker builds its own app (``create_app``) after the fork, so none shares a database
connection with another; nothing a request needs lives in one worker's memory (sessions are signed
cookies checked against the database, sign-in throttling and the audit are tables, figures are
cached in PostgreSQL), so any worker answers any request alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from geo.settings import Settings

# Largest request line and header sizes gunicorn accepts (bytes); bodies are bounded by the app's
# MAX_CONTENT_LENGTH (GRIDSIGHT_MAX_UPLOAD_MB).
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


def worker_count(settings: Settings) -> int:
    """Return the number of server workers: ``GRIDSIGHT_WORKERS``, or when 0 one per core plus one.

    Each has ``GRIDSIGHT_THREADS`` threads; the database does the heavy work, so more processes
    would mostly add memory.
    """
    return settings.workers or (os.cpu_count() or 1) + 1


def options(settings: Settings) -> dict[str, Any]:
    """Return Gunicorn's settings for ``settings``.

    Address, workers, threads, request limits, time limits.
    """
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": f"{host}:{settings.port}",
        "workers": worker_count(settings),
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": settings.request_timeout_s,
        "graceful_timeout": 30,
        "keepalive": 5,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "max_requests": 5000,  # workers are replaced now and then, so no leak can grow for ever
        "max_requests_jitter": 500,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "gridsight",
    }


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Any], config: dict[str, Any]) -> None:
        self._factory, self._config = factory, config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._config.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def serve(settings: Settings, factory: Callable[[], Any]) -> None:
    """Serve the WSGI app that ``factory()`` builds (called once in every worker) until stopped."""
    _Server(factory, options(settings)).run()
