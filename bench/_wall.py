"""Wall display soak: a thousand refreshes or more with a shortened interval.

Incidents (one new soak incident replacing the previous, so the data does not grow) and camera
changes arrive meanwhile; DOM nodes, JS heap (after garbage collection) and the server's resident
memory are measured at the start, the middle and the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from bench import _auth
from geo import accounts
from geo.settings import PROJECT_DIR

SAMPLES = 10


def _rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` and its children (gunicorn's worker), MB."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.is_file() else []
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 + sum(_rss_mb(k) for k in kids)
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextmanager
def _server(database_url: str, interval_s: float) -> Iterator[tuple[str, int]]:
    """Run ``python app.py`` in a process of its own (its memory its own); yield URL and pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRIDSIGHT_WALL_REFRESH_S": str(interval_s),
        "GRIDSIGHT_LANGUAGE": "zh",
        "GRIDSIGHT_PORT": str(port),
        "GRIDSIGHT_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def soak(
    engine: Engine, database_url: str, refreshes: int = 1000, interval_s: float = 0.1
) -> dict[str, float]:
    """Run the wall for ``refreshes`` polls; return the figures at the first and the last sample."""
    from tests.browser import chromium, offline_page

    responses = 0

    def count(response: object) -> None:
        nonlocal responses
        if "_dash-update-component" in getattr(response, "url", ""):
            responses += 1

    samples: list[tuple[int, float, float]] = []
    with engine.connect() as conn:
        cameras = list(
            conn.execute(
                text("SELECT code FROM camera WHERE status = 'online' ORDER BY code LIMIT 20")
            ).scalars()
        )
    started = time.perf_counter()
    with _server(database_url, interval_s) as (url, pid), chromium() as browser:
        page = offline_page(browser, [], [])
        page.set_viewport_size({"width": 1920, "height": 1080})
        cdp = page.context.new_cdp_session(page)
        page.on("response", count)
        with engine.begin() as conn:  # a wall display signs in with its kiosk link
            page.goto(f"{url}/kiosk/{accounts.issue_kiosk(conn, _auth.account(engine, 'wall')[0])}")
        page.goto(f"{url}/wall")
        page.wait_for_selector(".gs-wall-item", timeout=30_000)
        step = max(refreshes // SAMPLES, 1)
        written = 0
        while responses < refreshes:
            page.wait_for_timeout(200)
            if responses // 10 > written:  # an incident every 10 polls, a camera flip every 50
                written += 1
                with engine.begin() as conn:  # one soak incident at a time: the data does not grow
                    conn.execute(text("DELETE FROM incident WHERE code LIKE 'ESOAK%'"))
                    conn.execute(
                        text(
                            "INSERT INTO incident"
                            " (code, occurred_at, category, severity, status, geom) "
                            "SELECT 'ESOAK' || lpad(CAST(:n AS text), 6, '0'), now(), 'theft', 1,"
                            " 'reported', geom "
                            "FROM incident ORDER BY code LIMIT 1"
                        ),
                        {"n": written},
                    )
                    if written % 5 == 0:
                        conn.execute(
                            text(
                                "UPDATE camera SET status = CASE status WHEN 'online' THEN 'fault' "
                                "ELSE 'online' END WHERE code = :c"
                            ),
                            {"c": cameras[written % len(cameras)]},
                        )
            # the first sample after one tenth of the run: the page's code paths have all run once
            if responses >= step * (len(samples) + 1):
                cdp.send("HeapProfiler.collectGarbage")
                heap = cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20
                nodes = cdp.send("Memory.getDOMCounters")["nodes"]
                samples.append((nodes, heap, _rss_mb(pid)))
        page.close()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incident WHERE code LIKE 'ESOAK%'"))
        conn.execute(
            text("UPDATE camera SET status = 'online' WHERE code = ANY(:c)"), {"c": cameras}
        )
    first, mid, last = samples[0], samples[len(samples) // 2], samples[-1]
    return {
        "refreshes": responses,
        "seconds": time.perf_counter() - started,
        "incidents_written": written,
        "dom_nodes_start": first[0],
        "dom_nodes_end": last[0],
        "dom_nodes_max": max(s[0] for s in samples),
        "js_heap_mb_start": first[1],
        "js_heap_mb_mid": mid[1],
        "js_heap_mb_end": last[1],
        "js_heap_mb_max": max(s[1] for s in samples),
        "server_rss_mb_start": first[2],
        "server_rss_mb_mid": mid[2],
        "server_rss_mb_end": last[2],
    }
