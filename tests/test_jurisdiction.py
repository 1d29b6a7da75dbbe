"""Jurisdiction: PostgreSQL's row-level security alone keeps other units' rows from a scoped
session, the web app's role holds only its grants, and a township account sees only its township in
the app.

In the app, the test account ``test-township`` (a leader limited to the demo's first township, see
tests/accounts.py) signs in; the app sets the scope from the account.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from geo import jurisdiction
from geo.coverage import refresh
from geo.db import MIGRATIONS_DIR, grant_app_role
from geo.figures import Window, figures
from geo.settings import Settings

_spec = importlib.util.spec_from_file_location(
    "m0013", MIGRATIONS_DIR / "versions" / "0013_jurisdiction.py"
)
assert _spec and _spec.loader
_m0013 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_m0013)
SCOPED: dict[str, str] = _m0013.SCOPED

# table -> the column naming where a row is (an array for lines); plan_item goes by its plan
KEYS = {
    "admin_unit": "code",
    "grid_cell": "code",
    "unit_coverage": "code",
    "unit_piece": "code",
    "incident": "unit_code",
    "camera": "unit_code",
    "patrol_track": "unit_code",
    "road": "unit_codes",
    "patrol_route": "unit_codes",
    "plan": "scope_code",
    "plan_item": "(SELECT scope_code FROM plan p WHERE p.id = plan_id)",
}


def townships(engine: Engine) -> tuple[str, str]:
    """Two townships of the demo county: the first and the last by code."""
    with engine.connect() as conn:
        low, high = conn.execute(
            text("SELECT min(code), max(code) FROM admin_unit WHERE level = 'township'")
        ).one()
    return str(low), str(high)


def web_connection(settings: Settings, engine: Engine) -> psycopg.Connection[Any]:
    """A plain psycopg connection as the web app's role (no SQLAlchemy event, no app code)."""
    url, set_role = jurisdiction.web_url(settings, engine.url.render_as_string(hide_password=False))
    assert not set_role
    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    )


@pytest.fixture
def a_plan_each(engine: Engine) -> Iterator[tuple[str, str]]:
    """Two saved plans, one per township (committed: the web role's connection must see them)."""
    mine, other = townships(engine)
    with engine.begin() as conn:
        ids = [
            conn.execute(
                text("INSERT INTO plan (name, scope_code) VALUES (:n, :s) RETURNING id"),
                {"n": f"plan of {s}", "s": s},
            ).scalar()
            for s in (mine, other)
        ]
        for plan_id in ids:
            conn.execute(
                text(
                    "INSERT INTO plan_item (plan_id, kind, azimuth_deg, fov_deg, range_m, geom) "
                    "VALUES (:p, 'camera', 0, 90, 50, ST_SetSRID(ST_MakePoint(113.7, 37.6), 4326))"
                ),
                {"p": plan_id},
            )
    try:
        yield mine, other
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM plan WHERE id = ANY(:ids)"), {"ids": ids})


def test_policies_alone_keep_another_townships_rows_out(
    settings: Settings, engine: Engine, a_plan_each: tuple[str, str]
) -> None:
    mine, other = a_plan_each
    assert set(KEYS) == set(SCOPED)
    with web_connection(settings, engine) as web, engine.connect() as owner:
        web.execute("SELECT set_config('gridsight.scope', %s, true)", (mine,))
        for table, key in KEYS.items():
            keys = [r[0] for r in web.execute(f"SELECT {key} FROM {table}")]  # no filter of ours
            flat = [k for v in keys for k in (v if isinstance(v, list) else [v])]
            assert keys, f"{table}: the township sees none of its own rows"
            if table in ("road", "patrol_route"):  # a line is in scope when it touches the township
                assert all(any(str(k).startswith(mine) for k in v) for v in keys), table
            else:
                assert all(str(k).startswith(mine) for k in flat), f"{table}: rows outside {mine}"
            theirs = owner.execute(
                text(
                    f"SELECT count(*) FROM {table} WHERE EXISTS "
                    f"(SELECT 1 FROM unnest(ARRAY[{key}]::text[]) k WHERE k LIKE :p)"
                ),
                {"p": other + "%"},
            ).scalar()
            assert theirs, f"{table}: {other} has no rows, the test proves nothing"
            seen = web.execute(
                f"SELECT count(*) FROM {table} WHERE EXISTS "
                f"(SELECT 1 FROM unnest(ARRAY[{key}]::text[]) k WHERE k LIKE %s)",
                (other + "%",),
            ).fetchone()
            if table not in ("road", "patrol_route"):  # a line may cross both townships
                assert seen == (0,), f"{table}: {other}'s rows are visible"
        web.rollback()
        # no scope set: nothing at all; the whole deployment: everything
        assert web.execute("SELECT count(*) FROM incident").fetchone() == (0,)
        web.rollback()
        web.execute("SELECT set_config('gridsight.scope', '*', true)")
        total = owner.execute(text("SELECT count(*) FROM incident")).scalar()
        assert web.execute("SELECT count(*) FROM incident").fetchone() == (total,)
        web.rollback()


def test_a_county_scope_follows_the_parent_chain(settings: Settings, engine: Engine) -> None:
    with web_connection(settings, engine) as web, engine.connect() as owner:
        county = owner.execute(text("SELECT code FROM admin_unit WHERE level = 'county'")).scalar()
        web.execute("SELECT set_config('gridsight.scope', %s, true)", (county,))
        units = owner.execute(text("SELECT count(*) FROM admin_unit")).scalar()
        assert web.execute("SELECT count(*) FROM admin_unit").fetchone() == (units,)
        web.rollback()
        web.execute(
            "SELECT set_config('gridsight.scope', '990000', true)"
        )  # a province not in the data
        assert web.execute("SELECT count(*) FROM camera").fetchone() == (0,)
        web.rollback()


def test_writes_are_checked_against_the_scope(settings: Settings, engine: Engine) -> None:
    mine, other = townships(engine)
    with web_connection(settings, engine) as web:
        web.execute("SELECT set_config('gridsight.scope', %s, true)", (mine,))
        row = web.execute("INSERT INTO plan (name) VALUES ('mine') RETURNING scope_code").fetchone()
        assert row == (mine,)  # a plan belongs to the jurisdiction of who saved it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            web.execute("INSERT INTO plan (name, scope_code) VALUES ('theirs', %s)", (other,))
        web.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO camera (code, azimuth_deg, fov_deg, range_m, status, kind, geom) "
        "VALUES ('X', 0, 90, 50, 'online', 'gun', ST_SetSRID(ST_MakePoint(113.7, 37.6), 4326))",
        "UPDATE incident SET status = 'closed'",
        "DELETE FROM admin_unit",
        "UPDATE unit_coverage SET cameras = 0",
        "SELECT count(*) FROM coverage_change",
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "CREATE TABLE public.x (a int)",
        "ALTER TABLE camera DISABLE ROW LEVEL SECURITY",
        "SET ROLE gridsight",
    ],
)
def test_the_web_role_holds_only_its_grants(
    settings: Settings, engine: Engine, statement: str
) -> None:
    with web_connection(settings, engine) as web:
        attrs = web.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        assert attrs == (False, False, False, False)
        owns = web.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()
        assert owns == (0,)
        web.execute("SELECT set_config('gridsight.scope', '*', true)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            web.execute(statement)


def test_owner_sessions_see_everything_and_in_scope_says_so(engine: Engine) -> None:
    mine, other = townships(engine)
    with engine.begin() as conn:
        assert jurisdiction.in_scope(conn, other) and jurisdiction.scope_of(conn) is None
        conn.execute(text("SELECT set_config('gridsight.scope', :s, true)"), {"s": mine})
        assert jurisdiction.in_scope(conn, mine + "001") and not jurisdiction.in_scope(conn, other)


# -- the app, limited to a township ---------------------------------------------------------------


def test_the_api_sends_only_the_townships_features(
    client_as: Callable[[str | None], FlaskClient], engine: Engine
) -> None:
    mine, other = townships(engine)
    client = client_as("township")
    box = "bbox=113.0,37.0,114.5,38.2&zoom=16"
    layers = client.get(
        f"/api/layers?ids=cameras,incidents,grids,roads,units&{box}&days=90"
    ).get_json()
    with engine.connect() as conn:
        under = {"p": mine + "%"}
        units = set(
            conn.execute(text("SELECT code FROM unit_coverage WHERE code LIKE :p"), under).scalars()
        )
        cameras = conn.execute(
            text("SELECT count(*) FROM camera WHERE unit_code LIKE :p"), {"p": mine + "%"}
        ).scalar()
    points = [f for f in layers["cameras"]["features"] if f["properties"].get("part") != "view"]
    assert len(points) == cameras  # every camera of the township, none of another's
    for layer in ("grids", "units"):
        codes = {f["properties"]["code"] for f in layers[layer]["features"]}
        assert codes and codes <= units, layer
    answer = client.get(f"/api/layers/units?{box}&unit={other}&lang=en")
    assert answer.status_code == 403 and answer.get_json()["error"] == "Not in your jurisdiction"
    answer = client.get(f"/api/layers/units?{box}&unit={other}&lang=zh")
    assert answer.get_json()["error"] == "不在您的管辖范围内"
    # a popup: a camera of the township answers, one of the other township is not found
    with engine.connect() as conn:
        ours, theirs = (
            conn.execute(
                text("SELECT min(code) FROM camera WHERE unit_code LIKE :p"), {"p": t + "%"}
            ).scalar()
            for t in (mine, other)
        )
    assert client.get(f"/api/layers/cameras/popup?{box}&fid={ours}").status_code == 200
    assert client.get(f"/api/layers/cameras/popup?{box}&fid={theirs}").status_code == 404


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=20_000, polling=250)
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=20_000)


@pytest.mark.usefixtures("frozen_clock")  # the page and the test count in one window
def test_a_township_account_sees_its_township_as_the_top(
    page_as: Callable[[str | None], Page], base_url: str, settings: Settings, engine: Engine
) -> None:
    mine, other = townships(engine)
    blank_page, township_url = page_as("township"), base_url
    with engine.begin() as conn:
        refresh(
            conn, settings.patrol_buffer_m
        )  # what the page does first: earlier tests may have left changes pending
        township = figures(conn, Window.last_days(30), codes=[mine])[0]
        villages = [
            f for f in figures(conn, Window.last_days(30), level="village") if f.parent_code == mine
        ]
        other_name = conn.execute(
            text("SELECT name FROM admin_unit WHERE code = :c"), {"c": other}
        ).scalar()
        county_name = conn.execute(
            text("SELECT name FROM admin_unit WHERE level = 'county'")
        ).scalar()
    _open(blank_page, township_url + "/")
    expect(blank_page.locator(".gs-rank-row")).to_have_count(len(villages))
    expect(blank_page.locator(".gs-kpi-incidents .gs-kpi-value")).to_have_text(
        str(township.incidents)
    )
    expect(blank_page.locator(".gs-kpi-cameras .gs-kpi-value")).to_have_text(
        f"{township.cameras_online} / {township.cameras}"
    )
    expect(blank_page.locator(".gs-breadcrumbs")).to_have_text(township.name)
    body = blank_page.content()
    assert str(other_name) not in body and str(county_name) not in body
    # a deep link to another township: refused, in the page's language, and the top shown instead
    _open(blank_page, township_url + f"/?unit={other}")
    expect(blank_page.locator(".gs-denied")).to_have_text("Not in your jurisdiction")
    expect(blank_page.locator(".gs-rank-row")).to_have_count(len(villages))
    assert str(other_name) not in blank_page.content()
    _open(blank_page, township_url + f"/?unit={other}&lang=zh")
    expect(blank_page.locator(".gs-denied")).to_have_text("不在您的管辖范围内")


def test_an_external_server_the_app_login_or_set_role(
    settings: Settings, engine: Engine, tmp_path: Any
) -> None:
    """With DATABASE_URL: GRIDSIGHT_APP_DATABASE_URL names the web app's login (made a member of
    gridsight_app by 'python -m geo db grant LOGIN'); without it, the owner's connections switch
    to gridsight_app. Either way the web engine is scoped."""
    mine, _ = townships(engine)
    owner_url = make_url(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP ROLE IF EXISTS gridsight_test_login"))
        conn.execute(text("CREATE ROLE gridsight_test_login LOGIN PASSWORD 'test-login-pw'"))
        grant_app_role(conn, member="gridsight_test_login")
    app_url = owner_url.set(
        username="gridsight_test_login", password="test-login-pw", database="elsewhere"
    )
    external = settings.replace(
        data_dir=tmp_path, app_database_url=app_url.render_as_string(hide_password=False)
    )
    try:
        for chosen in (external, settings.replace(data_dir=tmp_path)):
            web = jurisdiction.web_engine(chosen, engine)
            token = jurisdiction.current_scope.set(mine)
            try:
                with web.connect() as conn:
                    assert (
                        conn.execute(text("SELECT current_database()")).scalar()
                        == owner_url.database
                    )
                    assert (
                        conn.execute(
                            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                        ).scalar()
                        is False
                    )
                    codes = (
                        conn.execute(text("SELECT DISTINCT left(code, 9) FROM admin_unit"))
                        .scalars()
                        .all()
                    )
                    assert codes == [mine]
            finally:
                jurisdiction.current_scope.reset(token)
                web.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(text("REVOKE gridsight_app FROM gridsight_test_login"))
            conn.execute(text("DROP ROLE gridsight_test_login"))


def test_the_maps_box_queries_keep_their_index_under_the_policies(
    settings: Settings, engine: Engine
) -> None:
    """PostgreSQL uses an index under row-level security only for leakproof operators: without
    geometry_overlaps marked so (geo.db.grant_app_role), every map request would read whole
    tables."""
    mine, _ = townships(engine)
    with web_connection(settings, engine) as web:
        for scope in ("*", mine):
            web.execute("SELECT set_config('gridsight.scope', %s, true)", (scope,))
            web.execute("SET LOCAL enable_seqscan = off")  # a tiny box: the index if it may be used
            plan = "\n".join(
                r[0]
                for r in web.execute(
                    "EXPLAIN SELECT code FROM camera"
                    " WHERE geom && ST_MakeEnvelope(113.7, 37.6, 113.701, 37.601, 4326)"
                )
            )
            assert "camera_geom_idx" in plan, plan
            web.rollback()


def test_a_request_without_an_account_sees_nothing(settings: Settings, engine: Engine) -> None:
    """Until a request's account is known its scope is NOTHING (dashboard.auth sets it first): the
    web role then sees no row of any scoped table, whatever the SQL asks for."""
    web = jurisdiction.web_engine(settings, engine)
    token = jurisdiction.current_scope.set(jurisdiction.NOTHING)
    try:
        with web.connect() as conn:
            for table in SCOPED:
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    finally:
        jurisdiction.current_scope.reset(token)
        web.dispose()
