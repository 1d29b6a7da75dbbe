"""The audit log under row-level security (migration 0016_audit_scope): an administrator limited to
a township reads, on ``/audit``, only the events of accounts of its township; PostgreSQL's policies
alone do it; the whole deployment's administrator and the command line (the owner) read them all.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from geo import accounts, audit
from geo.settings import Settings
from tests.accounts import PASSWORD, sign_in_client
from tests.test_jurisdiction import townships, web_connection

ClientAs = Callable[[str | None], FlaskClient]


def _accounts(engine: Engine) -> dict[str, str]:
    """Fresh accounts: 'admin' (an admin limited to the first township), 'mine' (a viewer of a
    village of it), 'theirs' (a viewer of the last township), 'whole' (a viewer of everything);
    each has one export event recorded."""
    mine, other = townships(engine)
    tag = secrets.token_hex(3)
    names = {k: f"scope-{k}-{tag}" for k in ("admin", "mine", "theirs", "whole")}
    with engine.begin() as conn:
        village = conn.execute(
            text("SELECT min(code) FROM admin_unit WHERE parent_code = :t"), {"t": mine}
        ).scalar_one()
        accounts.add(conn, names["admin"], "admin", PASSWORD, unit_code=mine)
        accounts.add(conn, names["mine"], "viewer", PASSWORD, unit_code=village)
        accounts.add(conn, names["theirs"], "viewer", PASSWORD, unit_code=other)
        accounts.add(conn, names["whole"], "viewer", PASSWORD)
    for user in names.values():
        audit.record(engine, "export", account=user, address="10.8.8.8", target=f"layer of {user}")
    return names


def test_a_township_admin_reads_only_its_townships_events(
    client_as: ClientAs, engine: Engine
) -> None:
    names = _accounts(engine)
    mine, _ = townships(engine)
    township_admin = client_as(None)
    sign_in_client(township_admin, "admin", names["admin"])
    page = township_admin.get("/audit?kind=export&lang=en")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"layer of {names['mine']}" in body and f"layer of {names['admin']}" in body
    assert names["theirs"] not in body and names["whole"] not in body
    # asking for them by name finds nothing
    for user in (names["theirs"], names["whole"], "test-admin"):
        asked = township_admin.get(f"/audit?user={user}&lang=en").get_data(as_text=True)
        assert f"layer of {user}" not in asked and "<p>0 / 500</p>" in asked, user
    # the whole deployment's admin reads them all
    everything = client_as("admin").get("/audit?kind=export&lang=en").get_data(as_text=True)
    assert all(f"layer of {user}" in everything for user in names.values())
    # the command line (the owner) too
    with engine.connect() as conn:
        targets = {e.target for e in audit.events(conn, kind="export", limit=10_000)}
    assert {f"layer of {user}" for user in names.values()} <= targets
    # the rows carry the acting account's unit
    with engine.connect() as conn:
        units = dict(
            conn.execute(
                text("SELECT account, unit_code FROM audit WHERE account = ANY(:n)"),
                {"n": list(names.values())},
            ).all()
        )
    assert units[names["admin"]] == mine and str(units[names["mine"]]).startswith(mine)
    assert units[names["whole"]] is None


def test_the_policies_alone_keep_other_units_events_out(settings: Settings, engine: Engine) -> None:
    names = _accounts(engine)
    mine, _ = townships(engine)
    with web_connection(settings, engine) as web:
        web.execute("SELECT set_config('gridsight.scope', %s, true)", (mine,))
        rows = web.execute("SELECT account, unit_code FROM audit").fetchall()  # no filter of ours
        assert {names["admin"], names["mine"]} <= {a for a, _ in rows}
        assert all(str(unit).startswith(mine) for _, unit in rows)
        # a written unit is the account's, whatever the writer says
        web.execute(
            "INSERT INTO audit (account, kind, unit_code) VALUES (%s, 'export', %s)",
            (names["theirs"], mine),
        )
        seen = web.execute(
            "SELECT count(*) FROM audit WHERE account = %s", (names["theirs"],)
        ).fetchone()
        assert seen == (0,)
        web.rollback()
        # no scope: nothing; the whole deployment: everything
        assert web.execute("SELECT count(*) FROM audit").fetchone() == (0,)
        web.rollback()
        web.execute("SELECT set_config('gridsight.scope', '*', true)")
        with engine.connect() as owner:
            total = owner.execute(text("SELECT count(*) FROM audit")).scalar()
        assert web.execute("SELECT count(*) FROM audit").fetchone() == (total,)
        web.rollback()
