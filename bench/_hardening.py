"""Hostile-load figures of issue 17 against a running server (``python app.py``), from outside.

``python -m bench._hardening URL PID`` prints, as ``name: value unit``:

- the answer to ``/api/layers`` with 50 repeated ids and a world box at zoom 22 (status, bytes,
  seconds) and the server's resident memory before and after (``/proc/PID``);
- the same for every layer once over a whole province-size box at zoom 8 (the largest view allowed);
- a trivial request's latency alone, then while 24 hot-spot requests with 24 different windows run
  at once (and how those were answered).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

TRIVIAL = "/api/layers/townships?bbox=113.6,37.55,113.8,37.65&zoom=13"
VIEW_IDS = "townships,villages,grids,units,roads,routes,cameras,incidents"


def _get(url: str, timeout: float = 600) -> tuple[int, int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            size = len(r.read())
            status = r.status
    except urllib.error.HTTPError as exc:
        size, status = len(exc.read()), exc.code
    return status, size, time.perf_counter() - started


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def layer_requests(base: str, pid: int) -> None:
    fifty = ",".join((VIEW_IDS.split(",") * 7)[:50])
    for name, query in (
        ("fifty_ids_world_z22", f"ids={fifty}&bbox=-180,-90,180,90&zoom=22"),
        ("every_layer_province_z8", f"ids={VIEW_IDS}&bbox=108,33,118,41&zoom=8"),
    ):
        rss, _ = _rss_mb(pid)
        status, size, seconds = _get(f"{base}/api/layers?{query}")
        after, peak = _rss_mb(pid)
        print(
            f"{name}: status {status}, {size / 2**20:.2f} MB in {seconds:.2f} s; "
            f"server RSS {rss:.0f} -> {after:.0f} MB (peak {peak:.0f} MB)"
        )


def flood(base: str, clients: int = 24) -> None:
    alone = [_get(base + TRIVIAL)[2] for _ in range(5)]
    print(f"trivial_alone_median: {statistics.median(alone) * 1000:.0f} ms")
    answers: list[tuple[int, int, float]] = []

    def hot(days: int) -> None:
        answers.append(
            _get(f"{base}/api/layers/hotspots?bbox=113.4,37.4,114,37.8&zoom=11&days={days}")
        )

    threads = [threading.Thread(target=hot, args=(7 + i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(1.0)
    during: list[float] = []
    while any(t.is_alive() for t in threads) and len(during) < 10:
        during.append(_get(base + TRIVIAL)[2])
        time.sleep(0.5)
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    statuses = sorted({a[0] for a in answers})
    print(
        f"trivial_during_{clients}_hotspots: median {statistics.median(during) * 1000:.0f} ms, "
        f"max {max(during) * 1000:.0f} ms ({len(during)} requests)"
    )
    print(
        f"hotspot_flood: {clients} requests in {total:.1f} s, statuses {statuses} "
        f"({sum(1 for a in answers if a[0] == 200)} answered 200),"
        f" slowest {max(a[2] for a in answers):.1f} s"
    )


def main(argv: list[str]) -> int:
    base, pid = argv[0].rstrip("/"), int(argv[1])
    layer_requests(base, pid)
    flood(base)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
