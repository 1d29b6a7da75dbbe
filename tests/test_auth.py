"""Accounts, sign-in and roles on the real app: every route and callback refused to anonymous
requests (enumerated from the app, not listed by hand), roles checked on the server, no phone
numbers below ``leader``, throttled sign-ins, sessions that end, kiosk links, security headers,
the Host allow-list, the Origin check and the audit rows all of it writes."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from dashboard import build_app, ids
from dashboard.state import ViewState
from geo import accounts, audit
from geo.settings import Settings
from tests.accounts import PASSWORD, name

ClientAs = Callable[[str | None], FlaskClient]
# Routes anyone may reach: the sign-in and sign-out pages, kiosk links, the app's code and styles.
PUBLIC_RULES = {
    "/login",
    "/logout",
    "/kiosk/<token>",
    "/_favicon.ico",
    "/assets/<path:filename>",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
}
VIEW = {"bbox": "113.3,37.3,114.1,37.9", "zoom": "16", "lang": "en"}


def _sample(rule: str) -> str:
    return re.sub(r"<[^>]+>", "x", rule)


def _callback_body(
    output: str,
    inputs: list[dict[str, Any]] | None = None,
    state: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "output": output,
        "outputs": [],
        "inputs": inputs or [],
        "state": state or [],
        "changedPropIds": [],
    }


def _refused_anonymously(response: Any) -> bool:
    if response.status_code == 401:
        return True
    return bool(response.status_code == 303 and response.headers["Location"].startswith("/login"))


def test_every_route_refuses_anonymous_requests(client_as: ClientAs) -> None:
    client = client_as(None)
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    rules = list(client.application.url_map.iter_rules())
    assert len(rules) >= 12
    open_rules = set()
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"OPTIONS", "HEAD"}):
            response = client.open(_sample(rule.rule), method=method)
            if not _refused_anonymously(response):
                open_rules.add(rule.rule)
    assert open_rules <= PUBLIC_RULES, open_rules - PUBLIC_RULES
    assert client.get("/api/layers", query_string={"ids": "grids", **VIEW}).status_code == 401
    page = client.get("/plan?lang=en")
    assert (
        page.status_code == 303
        and page.headers["Location"] == "/login?lang=en&next=/plan%3Flang%3Den"
    )


def test_every_dash_callback_has_a_role_and_refuses_anonymous_calls(
    client_as: ClientAs, settings: Settings, engine: Engine
) -> None:
    app = build_app(settings, engine)
    roles = app.server.extensions["gridsight_callback_roles"]
    assert set(app.callback_map) == set(roles) and len(roles) >= 8
    client = app.server.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    assert set(roles.values()) == {"wall", "viewer", "planner", "data"}
    for output in roles:
        response = client.post("/_dash-update-component", json=_callback_body(output))
        assert response.status_code == 401, output
    signed = client_as("admin")
    unknown = signed.post("/_dash-update-component", json=_callback_body("..no-such.children.."))
    assert unknown.status_code == 403


def test_a_wall_account_cannot_open_import_or_plan_or_call_their_callbacks(
    client_as: ClientAs, engine: Engine
) -> None:
    wall = client_as("wall")
    assert wall.get("/wall").status_code == 200
    assert wall.get("/").status_code == 303  # the map is above a wall: it is sent to the wall
    for path in ("/import", "/plan", "/plan?lang=zh", "/map"):
        response = wall.get(path)
        assert response.status_code in (303, 403), path
        if response.status_code == 303:
            assert response.headers["Location"] == "/wall"
    for page in ("import", "plan"):
        layout = wall.get("/_dash-layout", headers={"Referer": f"http://localhost/{page}"})
        assert layout.status_code == 403
    roles = wall.application.extensions["gridsight_callback_roles"]
    above = [o for o, r in roles.items() if r != "wall"]
    assert any(ids.IMPORT_RESULT in o for o in above) and any(ids.PLAN_MESSAGE in o for o in above)
    for output in above:
        assert (
            wall.post("/_dash-update-component", json=_callback_body(output)).status_code == 403
        ), output
    assert wall.get("/api/layers/cameras", query_string=VIEW).status_code == 403
    with engine.connect() as conn:
        denied = audit.events(conn, account=name("wall"), kind="denied", limit=100)
    assert {e.target for e in denied} >= {"/plan", "/_dash-update-component"}


def _cell_with_phone(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT code, grid_worker_phone FROM grid_cell "
                "WHERE grid_worker_phone IS NOT NULL ORDER BY code LIMIT 1"
            )
        ).one()
    return str(row[0]), str(row[1])


def _cell_panel(client: FlaskClient, code: str) -> str:
    roles = client.application.extensions["gridsight_callback_roles"]
    output = next(o for o in roles if ids.KPIS in o)
    body = _callback_body(
        output,
        [{"id": ids.STATE, "property": "data", "value": ViewState(unit=code).to_dict()}],
        [{"id": ids.LANG_STORE, "property": "data", "value": "en"}],
    )
    body["outputs"] = [
        {"id": i, "property": "children"}
        for i in (ids.KPIS, ids.BREADCRUMBS, ids.RANKING, ids.UNIT_FIGURES)
    ]
    body["outputs"] += [{"id": i, "property": "href"} for i in (ids.BRIEFING_PDF, ids.BRIEFING_PNG)]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def test_phones_only_for_leaders_and_every_view_audited(
    client_as: ClientAs, engine: Engine
) -> None:
    code, phone = _cell_with_phone(engine)
    viewer = client_as("viewer")
    panel = _cell_panel(viewer, code)
    assert code in panel and phone not in panel
    for path, args in (
        ("/api/layers/grids/popup", {"fid": code}),
        ("/api/layers/grids", {}),
        ("/api/layers", {"ids": "grids,townships"}),
    ):
        answer = viewer.get(path, query_string={**VIEW, **args})
        assert answer.status_code == 200 and phone not in answer.get_data(as_text=True), path
    with engine.connect() as conn:
        before = len(audit.events(conn, kind="personal_data_view", limit=10_000))
    assert phone in _cell_panel(client_as("leader"), code)
    with engine.connect() as conn:
        views = audit.events(conn, kind="personal_data_view", limit=10_000)
    assert len(views) == before + 1
    assert (
        views[-1].account == name("leader")
        and views[-1].target == code
        and views[-1].address == "127.0.0.1"
    )


def _login(client: FlaskClient, user: str, password: str) -> Any:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post(
        "/login", data={"username": user, "password": password, "csrf_token": token.group(1)}
    )


def test_failed_sign_ins_slow_down_per_account_and_per_address(
    client_as: ClientAs, engine: Engine
) -> None:
    with engine.begin() as conn:
        accounts.add(conn, "throttled-one", "viewer", PASSWORD)
    client = client_as(None)
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR="10.1.1.1")
    free = accounts.FREE_FAILURES["account"]
    for _ in range(free + 1):
        assert _login(client, "throttled-one", "wrong password!").status_code == 401
    refused = _login(client, "throttled-one", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "try again in" in refused.get_data(as_text=True)
    time.sleep(int(refused.headers["Retry-After"]) + 0.2)
    assert _login(client, "throttled-one", PASSWORD).status_code == 303
    # per address: many names from one address
    other = client_as(None)
    other.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR="10.2.2.2")
    for i in range(accounts.FREE_FAILURES["address"] + 1):
        assert _login(other, f"nobody-{i}", "wrong password!").status_code == 401
    assert _login(other, name("viewer"), PASSWORD).status_code == 429
    # another address is not slowed by them
    assert client_as("viewer").get("/api/layers/townships", query_string=VIEW).status_code == 200
    with engine.connect() as conn:
        failed = audit.events(conn, kind="sign_in_failed", limit=10_000)
    assert sum(e.account == "throttled-one" and e.address == "10.1.1.1" for e in failed) == free + 2


def test_sessions_end_when_idle_disabled_or_reset(client_as: ClientAs, engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.add(conn, "short-lived", "viewer", PASSWORD)
    client = client_as(None)
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    assert _login(client, "short-lived", PASSWORD).status_code == 303
    assert client.get("/api/layers/townships", query_string=VIEW).status_code == 200
    with client.session_transaction() as session:
        session["t"] = int(time.time()) - 31 * 60  # 31 minutes without a request
    assert client.get("/api/layers/townships", query_string=VIEW).status_code == 401
    assert _login(client, "short-lived", PASSWORD).status_code == 303
    with engine.begin() as conn:
        accounts.reset_password(conn, "short-lived", PASSWORD + "x")
    assert client.get("/api/layers/townships", query_string=VIEW).status_code == 401
    assert _login(client, "short-lived", PASSWORD + "x").status_code == 303
    with engine.begin() as conn:
        accounts.disable(conn, "short-lived")
    assert client.get("/api/layers/townships", query_string=VIEW).status_code == 401
    assert _login(client, "short-lived", PASSWORD + "x").status_code == 401


def test_a_kiosk_link_signs_a_wall_in_until_revoked(client_as: ClientAs, engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.add(conn, "wall-kiosk", "wall", accounts.generate_password())
        token = accounts.issue_kiosk(conn, "wall-kiosk")
    client = client_as(None)
    answer = client.get(f"/kiosk/{token}?lang=en")
    assert answer.status_code == 303 and answer.headers["Location"] == "/wall?lang=en"
    cookie = answer.headers["Set-Cookie"]
    assert (
        "HttpOnly" in cookie
        and "SameSite=Lax" in cookie
        and "Expires=" in cookie
        and "Secure" not in cookie
    )
    assert client.get("/wall").status_code == 200
    with client.session_transaction() as session:
        session["t"] = int(time.time()) - 7 * 86400  # a week on the wall: no idle timeout
    assert (
        client.get("/_dash-layout", headers={"Referer": "http://localhost/wall"}).status_code == 200
    )
    assert client.get("/plan").status_code == 403
    with engine.begin() as conn:
        accounts.issue_kiosk(conn, "wall-kiosk")  # a new link revokes the old one
    assert (
        client.get("/_dash-layout", headers={"Referer": "http://localhost/wall"}).status_code == 401
    )
    assert client_as(None).get(f"/kiosk/{token}").status_code == 401


def test_security_headers_host_allow_list_and_origin_check(client_as: ClientAs) -> None:
    client = client_as("admin")
    for path in (
        "/",
        "/login",
        "/api/layers/townships?bbox=113.3,37.3,114.1,37.9&zoom=12",
        "/api/nothing",
        "/assets/gridsight.css",
    ):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert re.search(r"script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+;", csp), csp
        assert (
            "unsafe-eval" not in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert (
            headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        )
        assert headers["Referrer-Policy"] == "same-origin"
    evil = client.get("/", headers={"Host": "evil.example"})
    assert evil.status_code == 400 and "GRIDSIGHT_ALLOWED_HOSTS" in evil.get_data(as_text=True)
    roles = client.application.extensions["gridsight_callback_roles"]
    output = next(o for o in roles if ids.KPIS in o)
    cross = client.post(
        "/_dash-update-component",
        json=_callback_body(output),
        headers={"Origin": "http://evil.example"},
    )
    assert cross.status_code == 403 and "cross-site" in cross.get_data(as_text=True)
    bare = client_as(None)  # no Origin and no Referer on a POST: refused too
    assert bare.post("/login", data={"username": "x", "password": "y"}).status_code == 403
    secure = client_as(None)
    secure.environ_base["HTTP_ORIGIN"] = "https://localhost"
    page = secure.get("/login", base_url="https://localhost")
    assert "Secure" in page.headers["Set-Cookie"] and "Strict-Transport-Security" in page.headers


def test_the_sign_in_page_refuses_forged_forms_and_foreign_redirects(client_as: ClientAs) -> None:
    client = client_as(None)
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    no_token = client.post("/login", data={"username": name("admin"), "password": PASSWORD})
    assert no_token.status_code == 400
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post(
        "/login",
        data={
            "username": name("admin"),
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "//evil.example/x",
        },
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    zh = client_as(None).get("/login?lang=zh").get_data(as_text=True)
    assert "账号" in zh and "密码" in zh and 'name="username"' in zh and 'name="password"' in zh


def test_the_audit_log_is_append_only(engine: Engine) -> None:
    audit.record(engine, "export", account="someone", address="127.0.0.1", target="plan 1")
    for statement in (
        "UPDATE audit SET outcome = 'changed'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        last = audit.events(conn, account="someone", limit=1)[0]
    assert last.kind == "export" and last.outcome == "ok"
    assert json.loads(json.dumps(last.detail)) == {}


def test_the_audit_page_lists_and_filters_for_administrators_only(
    client_as: ClientAs, engine: Engine
) -> None:
    audit.record(
        engine,
        "export",
        account="page-test",
        address="10.0.0.9",
        target="<script>alert(1)</script>",
    )
    admin = client_as("admin")
    page = admin.get("/audit?user=page-test&kind=export&since=1h&lang=en")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Audit log" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
    assert body.count("<tr><td>") == 1
    assert (
        "page-test"
        not in admin.get("/audit?kind=sign_in").get_data(as_text=True).split("<tbody>")[1]
    )
    bad = admin.get("/audit?since=yesterday").get_data(as_text=True)
    assert "--since &#x27;yesterday&#x27;" in bad
    assert client_as("data").get("/audit").status_code == 403
    assert client_as(None).get("/audit").status_code == 303


def test_an_account_limited_to_a_unit_cannot_import(client_as: ClientAs, engine: Engine) -> None:
    """Imports write as the owner, outside row-level security: a data account limited to a township
    would write anywhere, so the import page, its upload route and its callbacks refuse it."""
    with engine.begin() as conn:
        township = conn.execute(
            text("SELECT min(code) FROM admin_unit WHERE level = 'township'")
        ).scalar_one()
        if (
            conn.execute(text("SELECT count(*) FROM account WHERE name = 'township-data'")).scalar()
            == 0
        ):
            accounts.add(conn, "township-data", "data", PASSWORD, unit_code=township)
    client = client_as(None)
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    assert _login(client, "township-data", PASSWORD).status_code == 303
    assert client.get("/import?lang=en").status_code == 403
    upload = client.post("/import/upload", data={"file": (io.BytesIO(b"{}"), "x.geojson")})
    assert upload.status_code == 403 and "whole deployment" in upload.get_json()["error"]
    assert client.get("/?lang=en").status_code == 200  # the map of its own township stays open
    whole = client_as("data")
    assert whole.get("/import?lang=en").status_code == 200


def test_a_click_queued_with_other_changes_still_drills(client_as: ClientAs) -> None:
    """Dash merges a units-layer click with the inputs the previous navigation set when the
    callback is still queued (a leader clicking right after going back): the click drills."""
    client = client_as("viewer")
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    roles = client.application.extensions["gridsight_callback_roles"]
    output = next(o for o in roles if o == f"{ids.URL}.search")
    units_layer = {"type": ids.LAYER_TYPE, "index": "units"}
    click = {"properties": {"code": "140724001"}}
    state = ViewState(target=60.0).to_dict()
    inputs = [
        {"id": units_layer, "property": "clickData", "value": click},
        {"id": ids.METRIC, "property": "value", "value": state["metric"]},
        {"id": ids.WINDOW, "property": "value", "value": state["days"]},
        {"id": ids.CATEGORIES, "property": "value", "value": []},
        {"id": ids.STATUSES, "property": "value", "value": []},
        {"id": ids.RANGE, "property": "start_date", "value": None},
        {"id": ids.RANGE, "property": "end_date", "value": None},
        {"id": ids.TARGET, "property": "value", "value": state["target"]},
    ]
    body = _callback_body(output, inputs, [{"id": ids.STATE, "property": "data", "value": state}])
    body["outputs"] = {"id": ids.URL, "property": "search"}
    layer_prop = '{"index":"units","type":"' + ids.LAYER_TYPE + '"}.clickData'
    for changed in ([f"{ids.METRIC}.value", layer_prop], [layer_prop, f"{ids.TARGET}.value"]):
        body["changedPropIds"] = changed
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert "unit=140724001" in response.get_data(as_text=True), changed
