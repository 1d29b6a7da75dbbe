"""The audit log: who did what, when, from where, with what outcome (append-only).

Every sign-in (and failed one), every write (import, plan saved/applied/deleted, account change),
every export and every view of staff personal data is one row of table ``audit`` (migration
``0013_auth``); a trigger refuses UPDATE, DELETE and TRUNCATE. :func:`record` writes in a
transaction of its own, so a refused or failed action stays recorded when the action rolls back.

Refusals are recorded at a bounded rate (migration ``0015_audit_throttle``): at most
:func:`refusals_per_minute` events of kind ``denied`` per account and address, and of kind
``sign_in_failed`` per address, each minute; the rest are counted in the database and summed up in
one row of kind ``suppressed`` once the minute has closed (written before the key's next recorded
event, or by :func:`flush`, which the readers call first). The counts are the database's, so the
limit holds across every web worker.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from geo.errors import DataError

# kind -> what it records
KINDS: dict[str, str] = {
    "sign_in": "a successful sign-in (password or kiosk link)",
    "sign_in_failed": "a refused sign-in (wrong password, unknown or disabled account, throttled)",
    "sign_out": "a sign-out",
    "account_added": "an account was created",
    "account_disabled": "an account was disabled",
    "password_reset": "an account's password was replaced",
    "kiosk_issued": "a wall display's sign-in link was issued",
    "import": "a data import (confirmed on the import page or the command line)",
    "delete": "rows of a layer deleted (python -m etl delete)",
    "plan_saved": "a plan was saved",
    "plan_applied": "a plan was applied to the real layers",
    "plan_deleted": "a plan was deleted",
    "export": "an export (plan, layer, figures)",
    "personal_data_view": "staff personal data (a grid worker's phone) was shown",
    "denied": "a request refused for the account's role",
    "suppressed": "how many refusals of one account and address (denied) or one address "
    "(sign_in_failed) were left out of the log beyond the limit per minute",
}


@dataclass(frozen=True)
class Event:
    """One audit row. ``at`` is timezone-aware (UTC from the database)."""

    id: int
    at: dt.datetime
    account: str | None
    address: str | None
    kind: str
    target: str
    outcome: str
    detail: dict[str, Any]

    def line(self) -> str:
        """Format the event as one tab-separated line.

        The line is ``time  account  address  kind  target  outcome  detail``, with the time in
        ISO 8601 (UTC) and the detail as compact JSON.
        """
        detail = (
            json.dumps(self.detail, ensure_ascii=False, separators=(",", ":"))
            if self.detail
            else ""
        )
        fields = [
            self.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            self.account or "-",
            self.address or "-",
            self.kind,
            self.target or "-",
            self.outcome,
            detail,
        ]
        return "\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields).rstrip()


def record(
    engine_or_conn: Engine | Connection,
    kind: str,
    *,
    account: str | None,
    address: str | None,
    target: str = "",
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event.

    Given an engine, it is written in a transaction of its own (it survives the caller's rollback);
    given a connection, in the caller's transaction.

    Raises :class:`ValueError` for a ``kind`` not in :data:`KINDS` (a programming error).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}; expected one of {', '.join(KINDS)}")
    params = {
        "account": account,
        "address": address,
        "kind": kind,
        "target": target[:500],
        "outcome": outcome[:500],
        "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
    }
    sql = text(
        "INSERT INTO audit (account, address, kind, target, outcome, detail) "
        "VALUES (:account, :address, :kind, :target, :outcome, CAST(:detail AS jsonb))"
    )
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            conn.execute(sql, params)
    else:
        engine_or_conn.execute(sql, params)


def refusals_per_minute(conn: Connection) -> int:
    """Return how many refused events the database records each minute before it only counts them.

    The events are ``denied`` (per account and address) or ``sign_in_failed`` (per address).
    """
    return int(conn.execute(text("SELECT gs_audit_refusals_per_minute()")).scalar_one())


def flush(engine: Engine) -> int:
    """Write the ``suppressed`` summaries of every closed minute that left refusals out.

    They are written in a transaction of its own; returns how many were written. Call before reading
    the log.
    """
    with engine.begin() as conn:
        return int(conn.execute(text("SELECT gs_audit_flush()")).scalar_one())


def parse_since(raw: str) -> dt.datetime:
    """Parse ``--since``: an ISO 8601 date or time, or a duration back from now.

    A time without offset is UTC; a duration is such as ``30m``, ``12h``, ``7d``. Raises
    :class:`DataError` naming the value otherwise.
    """
    raw = raw.strip()
    units = {"m": 60, "h": 3600, "d": 86400}
    if raw[-1:] in units and raw[:-1].isdigit():
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=int(raw[:-1]) * units[raw[-1]])
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise DataError(
            f"--since {raw!r}: expected an ISO 8601 date or time (2026-12-01, "
            "2026-12-01T08:00+08:00) or a duration such as 30m, 12h, 7d"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def events(
    conn: Connection,
    *,
    account: str | None = None,
    since: dt.datetime | None = None,
    kind: str | None = None,
    limit: int = 1000,
) -> list[Event]:
    """Return the newest ``limit`` events (at most 10,000) matching the filters, oldest first.

    Raises :class:`DataError` for an unknown ``kind``.
    """
    if kind is not None and kind not in KINDS:
        raise DataError(f"unknown audit kind {kind!r}; expected one of {', '.join(KINDS)}")
    rows = conn.execute(
        text("""
        SELECT * FROM (
            SELECT id, at, account, address, kind, target, outcome, detail FROM audit
            WHERE (CAST(:account AS text) IS NULL OR account = :account)
              AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
              AND (CAST(:kind AS text) IS NULL OR kind = :kind)
            ORDER BY id DESC LIMIT :limit) newest
        ORDER BY id"""),
        {
            "account": account,
            "since": since,
            "kind": kind,
            "limit": max(1, min(int(limit), 10_000)),
        },
    )
    return [
        Event(r.id, r.at, r.account, r.address, r.kind, r.target, r.outcome, dict(r.detail or {}))
        for r in rows
    ]
