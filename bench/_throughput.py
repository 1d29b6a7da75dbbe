"""Throughput of the production server with and without sign-in and authorization.

Requests per second and p95 latency of the layer endpoint and of a drill-down step, at 1, 8 and 32
concurrent clients (threads with a keep-alive connection each, on loopback).

Both servers (gunicorn, the same workers and threads) run at once on the same database, and the
measurement alternates between them in short rounds, so that the machine's drift (other work on
its two cores) falls on both alike.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlencode

from sqlalchemy import Engine, make_url, text

import layers
from bench import _auth
from dashboard import ids
from dashboard.state import ViewState
from geo import hierarchy, metrics
from geo.db import copy_database, make_engine
from geo.settings import PROJECT_DIR, Settings

CLIENTS = (1, 8, 32)
ROUNDS = 6  # a multiple of the three servers: each goes first as often
ROUND_S = 3.0
WORKERS = 2  # per server; each has GRIDSIGHT_THREADS (4) threads


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(database_url: str, authorize: bool) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRIDSIGHT_PORT": str(port),
        "GRIDSIGHT_WORKERS": str(WORKERS),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._serve", *([] if authorize else ["--no-auth"])],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, "/login")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _wait(port: int, path: str) -> None:
    """Wait (at most about a minute) until the server on ``port`` answers ``path``."""
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status in (200, 404):
                return
        except OSError:
            time.sleep(0.1)


class _Client:
    """One keep-alive connection, signed in when ``account`` is given."""

    def __init__(self, port: int, account: tuple[str, str] | None) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Origin": f"http://127.0.0.1:{port}"}
        if account is not None:
            status, body, cookie = self._send("GET", "/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', body)
            assert token and cookie
            self.headers["Cookie"] = cookie
            form = urlencode(
                {"username": account[0], "password": account[1], "csrf_token": token.group(1)}
            )
            status, _, cookie = self._send(
                "POST", "/login", form, "application/x-www-form-urlencoded"
            )
            assert status == 303 and cookie, status
            self.headers["Cookie"] = cookie

    def _send(
        self, method: str, path: str, body: str | None = None, kind: str | None = None
    ) -> tuple[int, str, str | None]:
        headers = dict(self.headers)
        if kind:
            headers["Content-Type"] = kind
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (
            http.client.RemoteDisconnected,
            ConnectionError,
        ):  # an idle keep-alive closed by the server
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        return response.status, text, cookie.split(";")[0] if cookie else None

    def get(self, path: str) -> None:
        status, _, _ = self._send("GET", path)
        assert status == 200, (path, status)

    def post_json(self, path: str, payload: Mapping[str, object]) -> None:
        status, _, _ = self._send("POST", path, json.dumps(payload), "application/json")
        assert status == 200, (path, status)


def _layer_paths(engine: Engine) -> tuple[str, str]:
    """Return the map's layer requests for the county at zoom 11 and its first township at 13.

    Every layer the map draws, in one request each.
    """
    with engine.connect() as conn:
        county = hierarchy.top(conn)[0]
        township = hierarchy.children(conn, county.code)[0]
    every = ",".join(layer.id for layer in layers.for_page("map"))

    def layer_query(unit: hierarchy.Unit, zoom: int, code: str | None) -> str:
        (s, w), (n, e) = unit.bounds
        args = {
            "ids": every,
            "bbox": f"{w},{s},{e},{n}",
            "zoom": str(zoom),
            "days": "30",
            "metric": metrics.DEFAULT_MAP_METRIC,
            **({"unit": code} if code else {}),
        }
        return "/api/layers?" + urlencode(args)

    return layer_query(county, 11, None), layer_query(township, 13, township.code)


def _requests(engine: Engine) -> dict[str, Callable[[_Client], None]]:
    """Return the two measured requests.

    The map's layer request for the county, and a drill-down step to the first township (its
    panels callback and its layers).
    """
    with engine.connect() as conn:
        county = hierarchy.top(conn)[0]
        township = hierarchy.children(conn, county.code)[0]
    county_layers, township_layers = _layer_paths(engine)
    outputs = [(i, "children") for i in (ids.KPIS, ids.BREADCRUMBS, ids.RANKING, ids.UNIT_FIGURES)]
    outputs += [(i, "href") for i in (ids.BRIEFING_PDF, ids.BRIEFING_PNG)]
    panels = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [
            {"id": ids.STATE, "property": "data", "value": ViewState(unit=township.code).to_dict()}
        ],
        "state": [{"id": ids.LANG_STORE, "property": "data", "value": "zh"}],
        "changedPropIds": [],
    }

    def drill(client: _Client) -> None:
        client.post_json("/_dash-update-component", panels)
        client.get(township_layers)

    return {"layers": lambda client: client.get(county_layers), "drilldown_step": drill}


def _round(
    port: int,
    account: tuple[str, str] | None,
    clients: int,
    request: Callable[[_Client], None],
    seconds: float,
) -> list[float]:
    """Measure the latencies (s) of the requests ``clients`` threads completed in ``seconds``."""
    conns = [_Client(port, account) for _ in range(clients)]
    for c in conns:  # warm the connection and the server's caches
        request(c)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def work(client: _Client) -> None:
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            request(client)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.conn.close()
    return latencies


def check_cost_ms(engine: Engine, settings: Settings, repeat: int = 400) -> tuple[float, float]:
    """Measure the median milliseconds of a cheap request in-process, with and without sign-in.

    The request is ``/_dash-dependencies``, with and without sign-in and authorization: their
    difference is what the checks cost every request.
    """
    from dashboard import build_app

    timings = []
    for authorize in (True, False):
        client = build_app(settings, engine, authorize=authorize).server.test_client()
        if authorize:
            _auth.sign_in_client(client, *_auth.account(engine, "viewer"))
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            assert client.get("/_dash-dependencies").status_code == 200
            samples.append(time.perf_counter() - started)
        timings.append(statistics.median(samples) * 1000)
    return timings[0], timings[1]


def without_policies(engine: Engine, database_url: str) -> str:
    """Copy the bench database with row-level security switched off on every table; return its URL.

    A server on the copy answers as every request did before jurisdiction: no policy is evaluated.
    """
    engine.dispose()
    url = make_url(database_url)
    copy = copy_database(database_url, str(url.database), f"{url.database}_nopolicies")
    bare = make_engine(copy)
    with bare.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relrowsecurity"
            )
        ).scalars()
        for table in list(tables):
            conn.execute(
                text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY")
            )
    bare.dispose()
    return copy


# The three servers: sign-in, roles and row-level security; row-level security alone (no sign-in,
# the whole deployment's scope); neither (no sign-in, on a copy without policies).
_SERVERS = ("auth", "noauth", "bare")


def run(engine: Engine, database_url: str, emit: Callable[[str, float, str], None]) -> None:
    """Measure the throughput with and without authorization and emit the figures.

    ``throughput_<request>_<n>clients_<auth|noauth|bare>_rps`` and ``..._p95`` for every request
    kind and client count; ``authorization_cost_<request>_<n>clients`` (share of throughput lost to
    sign-in and roles), ``policies_cost_...`` (lost to row-level security alone) and
    ``jurisdiction_cost_...`` (lost to all of it: ``auth`` against ``bare``).
    """
    with_checks, without_checks = check_cost_ms(
        engine, Settings.from_env(database_url=database_url)
    )
    emit("authorization_check_cost_per_request", with_checks - without_checks, "ms")
    account = _auth.account(engine, "leader")
    requests = _requests(engine)
    bare_url = without_policies(engine, database_url)
    with (
        _server(database_url, True) as with_auth,
        _server(database_url, False) as without,
        _server(bare_url, False) as bare,
    ):
        ports = {"auth": with_auth, "noauth": without, "bare": bare}
        for kind, request in requests.items():
            for clients in CLIENTS:
                done: dict[str, list[float]] = {name: [] for name in _SERVERS}
                for r in range(ROUNDS):
                    order = _SERVERS[r % 3 :] + _SERVERS[: r % 3]  # each goes first alike
                    for name in order:
                        who = account if name == "auth" else None
                        done[name] += _round(ports[name], who, clients, request, ROUND_S)
                rps = {name: len(v) / (ROUNDS * ROUND_S) for name, v in done.items()}
                for name in _SERVERS:
                    emit(f"throughput_{kind}_{clients}clients_{name}_rps", rps[name], "req/s")
                    p95 = statistics.quantiles(done[name], n=20)[-1] if len(done[name]) > 1 else 0.0
                    emit(f"throughput_{kind}_{clients}clients_{name}_p95", p95 * 1000, "ms")
                for label, a, b in (
                    ("authorization", "auth", "noauth"),
                    ("policies", "noauth", "bare"),
                    ("jurisdiction", "auth", "bare"),
                ):
                    cost = 100 * (1 - rps[a] / rps[b])
                    emit(f"{label}_cost_{kind}_{clients}clients", cost, "%")
