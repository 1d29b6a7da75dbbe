"""Bench accounts on the bench's own databases, and signing a test client or a page in with them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from geo import accounts
from geo.errors import NotFound


def account(engine: Engine, role: str) -> tuple[str, str]:
    """Return ``(name, password)`` of ``bench-<role>``, made (or given a new password) now."""
    name, password = f"bench-{role}", accounts.generate_password()
    with engine.begin() as conn:
        try:
            accounts.get(conn, name)
            accounts.reset_password(conn, name, password)
        except NotFound:
            accounts.add(conn, name, role, password)
    return name, password


def _token(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    if not found:
        raise RuntimeError("the sign-in page has no csrf_token")
    return found.group(1)


def sign_in_client(client: Any, name: str, password: str) -> None:
    """Sign a Flask test client in; it sends this server's Origin from then on."""
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    token = _token(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"bench sign-in refused: {answer.status_code}")


def sign_in_page(page: Any, url: str, name: str, password: str) -> None:
    """Sign a Playwright page's context in at ``url``."""
    token = _token(page.request.get(f"{url}/login").text())
    answer = page.request.post(
        f"{url}/login",
        form={"username": name, "password": password, "csrf_token": token},
        headers={"Origin": url},
        max_redirects=0,
    )
    if answer.status != 303:
        raise RuntimeError(f"bench sign-in refused: {answer.status}")
