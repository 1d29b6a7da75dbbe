"""Test accounts (one per role, and one limited to a township) and helpers that sign them in."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from playwright.sync_api import Page
from sqlalchemy import Engine, text

from geo import accounts

PASSWORD = "test-password-0123"
# The township of the demo county the limited account sees (its first township).
TOWNSHIP_ROLE = "township"


def name(role: str) -> str:
    """The test account of ``role`` ('township': a leader limited to the demo's first township)."""
    return f"test-{role}"


def make_test_accounts(engine: Engine) -> None:
    """Create ``test-<role>`` for every role and ``test-township``, all with :data:`PASSWORD`."""
    with engine.begin() as conn:
        for role in accounts.ROLES:
            accounts.add(conn, name(role), role, PASSWORD)
        township = conn.execute(
            text("SELECT min(code) FROM admin_unit WHERE level = 'township'")
        ).scalar_one()
        accounts.add(conn, name(TOWNSHIP_ROLE), "leader", PASSWORD, unit_code=township)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the sign-in page has no csrf_token"
    return found.group(1)


def sign_in_client(client: FlaskClient, role: str, username: str | None = None) -> None:
    """Sign ``client`` in as the test account of ``role`` (or the account ``username``, with the
    test password); the client then sends this server's Origin header with every request."""
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login",
        data={"username": username or name(role), "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]


def sign_in_page(page: Page, base_url: str, role: str, username: str | None = None) -> None:
    """Sign ``page``'s browser context in at ``base_url`` as the test account of ``role`` (or the
    account ``username``, with the test password; the cookie is for 127.0.0.1, so other test
    servers on loopback with the same data folder accept it)."""
    token = _csrf(page.request.get(f"{base_url}/login").text())
    answer = page.request.post(
        f"{base_url}/login",
        form={"username": username or name(role), "password": PASSWORD, "csrf_token": token},
        headers={"Origin": base_url},
        max_redirects=0,
    )
    assert answer.status == 303, answer.text()[:500]
