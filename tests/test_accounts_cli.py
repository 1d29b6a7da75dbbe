"""`python -m geo users ...` and `python -m geo audit`, run as an administrator would, and signing
in with what they print, in Chromium (the form at /login in both languages)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo import accounts
from geo.settings import PROJECT_DIR, Settings


def _geo(
    settings: Settings,
    *args: str,
    stdin: str | None = None,
    check: bool = True,
    data_dir: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}
    if data_dir is not None:
        env["GRIDSIGHT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=PROJECT_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def _sign_in(client: FlaskClient, user: str, password: str) -> int:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post(
        "/login", data={"username": user, "password": password, "csrf_token": token.group(1)}
    ).status_code


def test_users_add_list_reset_disable_and_audit(
    settings: Settings, engine: Engine, client_as: Callable[[str | None], FlaskClient]
) -> None:
    township = "140724001"
    added = _geo(
        settings, "users", "add", "cli-leader", "--role", "leader", "--unit", township
    ).stdout
    password = added.split("password (shown once): ")[1].strip()
    assert len(password) >= accounts.MIN_PASSWORD
    listing = _geo(settings, "users", "list").stdout
    assert f"cli-leader\tleader\t{township}\tenabled" in listing.splitlines()
    client = client_as(None)
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    assert _sign_in(client, "cli-leader", password) == 303
    new = "a password from standard input"
    _geo(settings, "users", "reset-password", "cli-leader", "--password-stdin", stdin=new + "\n")
    assert (
        client.get(
            "/api/layers/townships", query_string={"bbox": "113,37,114,38", "zoom": "10"}
        ).status_code
        == 401
    )
    assert (
        _sign_in(client, "cli-leader", password) == 401
        and _sign_in(client, "cli-leader", new) == 303
    )
    _geo(settings, "users", "disable", "cli-leader")
    assert "cli-leader\tleader\t140724001\tdisabled" in _geo(settings, "users", "list").stdout
    for bad, message in (
        (["add", "x y", "--role", "viewer"], "account name 'x y'"),
        (["add", "cli-2", "--role", "viewer", "--unit", "999999"], "--unit '999999'"),
        (["add", "cli-2", "--role", "viewer", "--password-stdin"], "at least 10 characters"),
        (["add", "cli-leader", "--role", "viewer"], "already exists"),
        (["disable", "nobody-here"], "no account named 'nobody-here'"),
    ):
        result = _geo(settings, "users", *bad, stdin="short\n", check=False)
        assert result.returncode == 2 and message in result.stderr, (bad, result.stderr)
    log = _geo(settings, "audit", "--since", "1h").stdout.splitlines()
    mine = [line.split("\t") for line in log if "cli-leader" in line]
    kinds = [f[3] for f in mine]
    assert (
        kinds.index("account_added")
        < kinds.index("sign_in")
        < kinds.index("password_reset")
        < kinds.index("account_disabled")
    )
    assert all(
        f[1].startswith("cli:") for f in mine if f[3] != "sign_in" and f[3] != "sign_in_failed"
    )
    only = _geo(settings, "audit", "--user", "cli-leader", "--kind", "sign_in").stdout.splitlines()
    assert len(only) == 2 and all("\tsign_in\t" in line for line in only)
    wrong = _geo(settings, "audit", "--since", "yesterday", check=False)
    assert wrong.returncode == 2 and "--since 'yesterday'" in wrong.stderr


def test_a_kiosk_link_from_the_command_line_opens_the_wall(
    settings: Settings, engine: Engine, base_url: str, page_as: Callable[[str | None], Page]
) -> None:
    _geo(settings, "users", "add", "cli-wall", "--role", "wall")
    link = _geo(settings, "users", "kiosk", "cli-wall", "--base-url", base_url).stdout.strip()
    assert link.startswith(f"{base_url}/kiosk/")
    page = page_as(None)
    page.goto(link + "?lang=en")
    assert page.url == f"{base_url}/wall?lang=en"
    expect(page.locator(".gs-wall-item")).to_have_count(10, timeout=20_000)
    with engine.connect() as conn:
        signed = "SELECT count(*) FROM audit WHERE account = 'cli-wall' AND kind = 'sign_in'"
        assert conn.execute(text(signed)).scalar() == 1


def test_demo_accounts_are_made_once_and_printed(base_settings: Settings, tmp_path: Path) -> None:
    from tests.conftest import synthetic_county

    empty = synthetic_county(base_settings, "gridsight_test_accounts")
    try:
        fresh = base_settings.replace(database_url=empty.url.render_as_string(hide_password=False))
        first = _geo(fresh, "users", "demo", data_dir=tmp_path).stdout
        listing = tmp_path / accounts.DEMO_FILE
        assert listing.stat().st_mode & 0o777 == 0o600
        lines = listing.read_text().splitlines()
        assert [line.split("\t")[1] for line in lines] == [*accounts.ROLES, "leader"]
        township = lines[-1].split("\t")
        assert township[0] == "demo-township" and len(township[2]) == 9
        for line in lines:
            user, _role, _unit, password = line.split("\t")
            assert f"{user}" in first and password in first
            with empty.connect() as conn:
                assert accounts.get(conn, user).name == user
        again = _geo(fresh, "users", "demo", data_dir=tmp_path).stdout
        assert "existing account" in again and str(listing) in again
        with empty.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM account")).scalar() == len(lines)
    finally:
        empty.dispose()


def test_signing_in_in_the_browser_returns_to_the_page_asked_for(
    page_as: Callable[[str | None], Page], base_url: str
) -> None:
    from tests.accounts import PASSWORD, name

    page = page_as(None)
    page.goto(f"{base_url}/plan?lang=zh")
    assert page.url == f"{base_url}/login?lang=zh&next=/plan%3Flang%3Dzh"
    expect(page.locator("h1")).to_have_text("网格态势 Gridsight")
    page.get_by_label("账号").fill(name("planner"))
    page.get_by_label("密码").fill("wrong password!")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".gs-error")).to_have_text("账号或密码错误，或账号已停用")
    page.get_by_label("账号").fill(name("planner"))
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/plan?lang=zh")
    expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    # a planner may not open the import page
    assert page.goto(f"{base_url}/import").status == 403  # type: ignore[union-attr]
