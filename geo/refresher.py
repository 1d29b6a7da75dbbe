"""The background refresher: brings the coverage figures up to date with rows other programs wrote.

Imports and plan apply refresh the figures in their own transaction; a page never does (it shows the
figures as stored, with when they were computed). Rows written by another program (a dispatch
system's feed, an operator's SQL) are picked up here: every ``period_s`` seconds a thread checks
whether changes are pending (:func:`geo.coverage.plan_refresh`) and refreshes when they are.

Each server process may run one; the refresh's advisory lock is taken with ``pg_try_...``, so while
one process (or an import, or a plan being applied) refreshes, the others skip their turn instead of
queueing behind it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from geo.coverage import REFRESH_LOCK, RefreshReport, plan_refresh, refresh

log = logging.getLogger(__name__)


def refresh_if_stale(engine: Engine, patrol_buffer_m: float) -> RefreshReport | None:
    """Refresh the coverage figures if rows changed since the last refresh, in one transaction.

    Parameters
    ----------
    engine: the owner's engine (the role that writes the figures).
    patrol_buffer_m: the patrol buffer width in metres (setting ``GRIDSIGHT_PATROL_BUFFER_M``).

    Returns
    -------
    The refresh's report (mode 'none' when nothing had changed), or None when another session held
    the refresh lock (it is refreshing: this turn is skipped).
    """
    with engine.begin() as conn:
        locked = conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK}
        ).scalar_one()
        if not locked:
            return None
        if plan_refresh(conn, patrol_buffer_m).mode == "none":
            return RefreshReport("none", 0, 0.0)
        return refresh(conn, patrol_buffer_m)


class Refresher:
    """A daemon thread calling :func:`refresh_if_stale` every ``period_s`` seconds until stopped.

    ``refreshes`` counts the refreshes that changed the figures (mode other than 'none'). A failed
    turn (the database unreachable, a statement refused) is logged and the next turn tries again.
    """

    def __init__(self, engine: Engine, patrol_buffer_m: float, period_s: float) -> None:
        if period_s <= 0:
            raise ValueError(f"period_s {period_s!r} is not allowed: expected a number above 0")
        self.engine = engine
        self.patrol_buffer_m = patrol_buffer_m
        self.period_s = period_s
        self.refreshes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridsight-refresher", daemon=True)

    def start(self) -> Refresher:
        """Start the thread (its first check comes after one period); returns ``self``."""
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the thread to end and wait up to ``timeout_s`` seconds for a running refresh."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                report = refresh_if_stale(self.engine, self.patrol_buffer_m)
            except SQLAlchemyError as exc:  # the database away or restarting: next turn
                log.warning("background coverage refresh failed, retrying: %s", exc)
                continue
            except Exception:  # a bug must not end the thread silently: log it, try next turn
                log.exception("background coverage refresh failed")
                continue
            if report is not None and report.mode != "none":
                self.refreshes += 1
                log.info("background coverage refresh: %s, %d changes", report.mode, report.changes)
