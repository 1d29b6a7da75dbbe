"""`python app.py` serves with gunicorn, several workers, and they answer alike: a session made on
one worker is good on every other, and so is a sign-in failure count."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from sqlalchemy import Engine

from dashboard import build_app
from geo.settings import PROJECT_DIR, Settings
from tests.accounts import PASSWORD, name, sign_in_client


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


def test_a_fresh_app_serves_every_script_of_the_page_to_concurrent_first_requests(
    settings: Settings, engine: Engine
) -> None:
    # Dash lists the scripts it may serve on a worker's first request, and marked that done before
    # doing it: a fresh (or recycled) gunicorn worker answered 500 to the page's scripts asked for
    # meanwhile by its other threads, and the page stayed blank. The list is made before requests.
    app = build_app(settings, engine)
    assert {"dash", "dash_leaflet"} <= set(app.registered_paths)
    client = app.server.test_client()
    sign_in_client(client, "viewer")
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert len(scripts) > 5
    fresh = build_app(settings, engine)  # served straight away, by eight threads at once
    cookie = client.get_cookie("gridsight_session")
    assert cookie is not None
    statuses: list[int] = []

    def fetch(path: str) -> None:
        other = fresh.server.test_client()
        other.set_cookie("gridsight_session", cookie.value)
        statuses.append(other.get(path).status_code)

    threads = [threading.Thread(target=fetch, args=(s,)) for s in scripts[:8]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(threads)
