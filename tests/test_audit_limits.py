"""The audit log under a flood of refusals (migration 0015_audit_throttle): at most N ``denied``
events per account and address and N ``sign_in_failed`` per address are recorded each minute,
whatever the number of web workers; the rest become one ``suppressed`` row once the minute closes.

A minute passing is simulated by moving the key's window start back (as the owner): the counts and
the summaries are the database's, the clock is the only thing the test shortcuts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from geo import accounts, audit, jurisdiction
from geo.settings import Settings
from tests.accounts import PASSWORD, sign_in_client

ClientAs = Callable[[str | None], FlaskClient]


def _signed_in(
    client_as: ClientAs, engine: Engine, role: str, address: str
) -> tuple[FlaskClient, str]:
    """A client from ``address`` signed in as a fresh account of ``role``, and its name."""
    user = f"flood-{secrets.token_hex(4)}"
    with engine.begin() as conn:
        accounts.add(conn, user, role, PASSWORD)
    client = client_as(None)
    client.environ_base["REMOTE_ADDR"] = address
    sign_in_client(client, role, user)
    return client, user


def _events(engine: Engine, account: str | None, address: str, kind: str) -> list[audit.Event]:
    with engine.connect() as conn:
        return [
            e
            for e in audit.events(conn, account=account, kind=kind, limit=10_000)
            if e.address == address
        ]


def _close_the_minute(engine: Engine, kind: str, account: str, address: str) -> None:
    with engine.begin() as conn:
        moved = conn.execute(
            text(
                "UPDATE audit_throttle SET window_start = window_start - interval '61 seconds' "
                "WHERE kind = :k AND account = :a AND address = :ad"
            ),
            {"k": kind, "a": account, "ad": address},
        ).rowcount
    assert moved == 1


def test_a_flood_of_denied_requests_records_n_then_one_summary(
    client_as: ClientAs, engine: Engine
) -> None:
    address = "10.9.9.1"
    wall, user = _signed_in(client_as, engine, "wall", address)
    with engine.connect() as conn:
        limit = audit.refusals_per_minute(conn)
    extra = 25
    for _ in range(limit + extra):
        assert wall.get("/plan").status_code == 403
    assert len(_events(engine, user, address, "denied")) == limit
    assert _events(engine, user, address, "suppressed") == []  # the minute is not over
    # another account from the same address is counted apart
    other, other_user = _signed_in(client_as, engine, "wall", address)
    assert other.get("/plan").status_code == 403
    assert len(_events(engine, other_user, address, "denied")) == 1
    # the minute closes: the readers write the summary first (the /audit page, the command line)
    _close_the_minute(engine, "denied", user, address)
    admin = client_as("admin")
    page = admin.get("/audit?kind=suppressed&lang=en").get_data(as_text=True)
    assert f"{extra} more denied events suppressed" in page and user in page
    (summary,) = _events(engine, user, address, "suppressed")
    assert summary.target == "denied" and summary.detail["suppressed"] == extra
    assert summary.detail["per_minute"] == limit
    assert audit.flush(engine) == 0  # written once
    # the next minute records again
    assert wall.get("/plan").status_code == 403
    assert len(_events(engine, user, address, "denied")) == limit + 1


def test_the_next_recorded_refusal_writes_the_summary_before_itself(engine: Engine) -> None:
    address = "10.9.9.2"
    with engine.connect() as conn:
        limit = audit.refusals_per_minute(conn)
    for _ in range(limit + 3):
        audit.record(engine, "denied", account="flood-next", address=address, target="/plan")
    _close_the_minute(engine, "denied", "flood-next", address)
    audit.record(engine, "denied", account="flood-next", address=address, target="/import")
    with engine.connect() as conn:
        last = audit.events(conn, account="flood-next", limit=2)
    assert [e.kind for e in last] == ["suppressed", "denied"]
    assert last[0].outcome == "3 more denied events suppressed" and last[1].target == "/import"


def test_the_limit_holds_across_concurrent_connections(settings: Settings, engine: Engine) -> None:
    """Eight connections of the web app's role (as eight workers would hold) record refusals of
    one account and address at once: exactly N are written, every other one is counted."""
    address = "10.9.9.3"
    web = jurisdiction.web_engine(settings, engine)
    with engine.connect() as conn:
        limit = audit.refusals_per_minute(conn)

    def refuse(_: int) -> None:
        token = jurisdiction.current_scope.set(None)
        try:
            for _ in range(12):
                audit.record(web, "denied", account="flood-workers", address=address, target="/x")
        finally:
            jurisdiction.current_scope.reset(token)

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(refuse, range(8)))
    finally:
        web.dispose()
    assert len(_events(engine, "flood-workers", address, "denied")) == limit
    _close_the_minute(engine, "denied", "flood-workers", address)
    audit.flush(engine)
    (summary,) = _events(engine, "flood-workers", address, "suppressed")
    assert summary.detail["suppressed"] == 8 * 12 - limit


def test_failed_sign_ins_from_one_address_are_limited_whatever_the_names(
    client_as: ClientAs, engine: Engine
) -> None:
    address = "10.9.9.4"
    client = client_as(None)
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR=address)
    with engine.connect() as conn:
        limit = audit.refusals_per_minute(conn)
    for i in range(limit + 7):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        answer = client.post(
            "/login",
            data={"username": f"guess-{i}", "password": "wrong!", "csrf_token": token.group(1)},
        )
        assert answer.status_code in (401, 429)
    assert len(_events(engine, None, address, "sign_in_failed")) == limit
    _close_the_minute(engine, "sign_in_failed", "", address)
    audit.flush(engine)
    (summary,) = _events(engine, None, address, "suppressed")
    assert summary.outcome == "7 more sign_in_failed events suppressed"


def test_the_web_role_cannot_read_or_reset_the_counts(settings: Settings, engine: Engine) -> None:
    web = jurisdiction.web_engine(settings, engine)
    try:
        for statement in ("SELECT count(*) FROM audit_throttle", "DELETE FROM audit_throttle"):
            with web.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(statement))
    finally:
        web.dispose()
