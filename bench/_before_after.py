"""Throughput of this code against the code from before accounts and jurisdiction (issue 17).

``python -m bench._before_after BEFORE_DIR``, where ``BEFORE_DIR`` is a checkout of that code
(``git worktree add /tmp/before 48ee971``: main just before issue 17's first merge). Each code gets
its own database on the same server, loaded with the same demo county (seed 7) by its own code:
``gridsight_bench`` (this code's schema) and ``gridsight_bench_before`` (0012's). Both run under
gunicorn with the same options (:func:`dashboard.serving.options`: 2 workers of 4 threads), and the
bench alternates between them in short rounds (:mod:`bench._throughput`), so that the machine's
drift falls on both alike.

What had to be adapted for the old code: no sign-in (it has none; this code's side signs in as a
leader of the whole deployment); its app is built by its own ``build_app`` inside a gunicorn
application defined here (it had no production server); and the drill-down step posts each code's
own panels callback (the old one has three outputs: KPIs, breadcrumbs and ranking; this one adds
the unit's figures and the briefing links). The layer request is the same on both: every layer
this map draws (the old map also drew the planning layers; they are left out of both).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from bench import _auth, _throughput
from dashboard import serving
from etl.demo import DemoSize
from etl.loading import load_demo
from geo.db import database_url, make_engine, recreate_database, upgrade
from geo.settings import Settings

# Run by the old code (cwd and sys.path[0] = its checkout): its app under gunicorn.
_OLD_SERVER = """
import json, os
from gunicorn.app.base import BaseApplication
from dashboard import build_app
from geo.db import connect
from geo.settings import Settings

class Server(BaseApplication):
    def load_config(self):
        for key, value in json.loads(os.environ["BENCH_GUNICORN"]).items():
            self.cfg.set(key, value)
    def load(self):
        settings = Settings.from_env()
        return build_app(settings, connect(settings)).server

Server().run()
"""
# Run by the old code: load the demo, then print its drill-down step's panels callback body.
_OLD_LOAD = """
import json, sys
from sqlalchemy import text
from dashboard import ids
from dashboard.state import ViewState
from etl.loading import load_demo
from geo.db import make_engine, upgrade

engine = make_engine(sys.argv[1])
upgrade(engine)
load_demo(engine, seed=7, patrol_buffer_m=100.0)
with engine.connect() as conn:
    township = conn.execute(
        text("SELECT min(code) FROM admin_unit WHERE level = 'township'")).scalar()
outputs = [(ids.KPIS, "children"), (ids.BREADCRUMBS, "children"), (ids.RANKING, "children")]
print(json.dumps({
    "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
    "outputs": [{"id": i, "property": p} for i, p in outputs],
    "inputs": [{"id": ids.STATE, "property": "data", "value": ViewState(unit=township).to_dict()}],
    "state": [{"id": ids.LANG_STORE, "property": "data", "value": "zh"}],
    "changedPropIds": [],
}))
"""


def _old_env(before: Path, url: str, port: int) -> dict[str, str]:
    settings = Settings.from_env().replace(port=port, workers=_throughput.WORKERS)
    return {
        **os.environ,
        "PYTHONPATH": str(before),
        "DATABASE_URL": url,
        "GRIDSIGHT_PORT": str(port),
        "BENCH_GUNICORN": json.dumps(serving.options(settings)),
    }


@contextmanager
def _old_server(before: Path, url: str) -> Iterator[int]:
    port = _throughput._free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _OLD_SERVER],
        cwd=before,
        env=_old_env(before, url, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _throughput._wait(port, "/")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _databases(settings: Settings, before: Path) -> tuple[Engine, str, dict[str, object]]:
    """Return the current code's bench database (loaded), the old one's URL, its panels body."""
    server = database_url(settings)
    engine = make_engine(recreate_database(server, "gridsight_bench"))
    upgrade(engine)
    load_demo(engine, seed=7, size=DemoSize(), patrol_buffer_m=100.0)
    old_url = recreate_database(server, "gridsight_bench_before")
    done = subprocess.run(
        [sys.executable, "-c", _OLD_LOAD, old_url],
        cwd=before,
        env={**os.environ, "PYTHONPATH": str(before)},
        check=True,
        capture_output=True,
        text=True,
    )
    return engine, old_url, json.loads(done.stdout.strip().splitlines()[-1])


def run(
    settings: Settings, before: Path, rounds: int, emit: Callable[[str, float, str], None]
) -> None:
    """Emit the requests per second and p95 of both code bases, and the cost.

    ``before_after_<request>_<n>clients_<now|before>_rps`` and ``..._p95`` (ms), and
    ``before_after_cost_<request>_<n>clients``: the share of the old code's throughput lost.
    """
    engine, old_url, old_panels = _databases(settings, before)
    account = _auth.account(engine, "leader")
    now_requests = _throughput._requests(engine)
    county_layers, township_layers = _throughput._layer_paths(engine)

    def old_drill(client: _throughput._Client) -> None:
        client.post_json("/_dash-update-component", old_panels)
        client.get(township_layers)

    old_requests: dict[str, Callable[[_throughput._Client], None]] = {
        "layers": lambda client: client.get(county_layers),
        "drilldown_step": old_drill,
    }
    now_url = engine.url.render_as_string(hide_password=False)
    with _throughput._server(now_url, True) as now, _old_server(before, old_url) as old:
        for kind in now_requests:
            for clients in _throughput.CLIENTS:
                done: dict[str, list[float]] = {"now": [], "before": []}
                for r in range(rounds):
                    for side in ("before", "now") if r % 2 else ("now", "before"):
                        done[side] += _throughput._round(
                            now if side == "now" else old,
                            account if side == "now" else None,
                            clients,
                            now_requests[kind] if side == "now" else old_requests[kind],
                            _throughput.ROUND_S,
                        )
                rps = {side: len(v) / (rounds * _throughput.ROUND_S) for side, v in done.items()}
                for side, latencies in done.items():
                    emit(f"before_after_{kind}_{clients}clients_{side}_rps", rps[side], "req/s")
                    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else 0
                    emit(f"before_after_{kind}_{clients}clients_{side}_p95", p95 * 1000, "ms")
                cost = 100 * (1 - rps["now"] / rps["before"])
                emit(f"before_after_cost_{kind}_{clients}clients", cost, "%")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a checkout of the code before issue 17")
    parser.add_argument("--rounds", type=int, default=_throughput.ROUNDS)
    args = parser.parse_args()
    started = time.perf_counter()

    def emit(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    run(Settings.from_env(), args.before.resolve(), args.rounds, emit)
    emit("before_after_wall_clock", time.perf_counter() - started, "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
