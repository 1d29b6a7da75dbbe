"""`python app.py` serves with gunicorn, several workers, and they answer alike: a session made on
one worker is good on every other, and so is a sign-in failure count."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

from sqlalchemy import Engine

from geo.settings import PROJECT_DIR, Settings
from tests.accounts import PASSWORD, name


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a new connection: any worker
    conn.request(method, path, body=body, headers={**headers, "Connection": "close"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_app_py_serves_with_several_gunicorn_workers_that_agree(
    settings: Settings, engine: Engine
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "GRIDSIGHT_PORT": str(port),
        "GRIDSIGHT_WORKERS": "3",
        "GRIDSIGHT_THREADS": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(600):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        origin = {"Origin": f"http://127.0.0.1:{port}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/login")
        first = conn.getresponse()
        page = first.read().decode()
        assert "gunicorn" in (first.getheader("Server") or "")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        cookie = (first.getheader("Set-Cookie") or "").split(";")[0]
        form = urlencode(
            {"username": name("viewer"), "password": PASSWORD, "csrf_token": token.group(1)}
        )
        signed = _request(
            port,
            "POST",
            "/login",
            {**origin, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            form,
        )
        assert signed.status == 303
        session = (signed.getheader("Set-Cookie") or "").split(";")[0]
        query = "/api/layers/townships?bbox=113.3,37.3,114.1,37.9&zoom=11"
        statuses = {_request(port, "GET", query, {"Cookie": session}).status for _ in range(24)}
        assert statuses == {200}
        assert {_request(port, "GET", query, {}).status for _ in range(6)} == {401}
        workers = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) == 3
    finally:
        proc.terminate()
        proc.wait(timeout=60)
