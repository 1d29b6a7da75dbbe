"""``make bench``: performance figures, one per line as ``name: value unit``.

Runs against its own databases (``gridsight_bench`` and ``gridsight_bench_province`` on the embedded
cluster or on DATABASE_URL's server), never against the working database.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from bench import _drilldown, _osm, _planning, _playback, _shapely_coverage, _throughput, _wall
from etl.demo import DemoSize
from etl.loading import load_demo
from geo import meta
from geo.coverage import refresh
from geo.coverage_parallel import refresh_with_sessions
from geo.db import (
    database_exists,
    database_url,
    make_engine,
    recreate_database,
    sibling_url,
    upgrade,
)
from geo.figures import Window
from geo.settings import Settings
from geo.verify import choose_units, verify
from geo.whatif import Camera, what_if

BUFFER = 100.0
SESSIONS = 2  # database sessions of a full refresh: this machine's cores


def _print(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.3f} {unit}", flush=True)


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _fresh(settings: Settings, name: str, size: DemoSize) -> tuple[Engine, float]:
    engine = make_engine(recreate_database(database_url(settings), name))
    upgrade(engine)
    started = time.perf_counter()
    load_demo(engine, seed=7, size=size, patrol_buffer_m=BUFFER)
    return engine, time.perf_counter() - started


def _full(engine: Engine, rebuild_units: bool = False, sessions: int = SESSIONS) -> float:
    """Time a full recompute of every coverage figure on ``sessions`` database sessions, in seconds.

    With ``rebuild_units``, what comes from the units and roads alone is recomputed too, as after a
    unit or road change. One session is the serial refresh an import runs in its own transaction.
    """
    if sessions > 1:
        return refresh_with_sessions(
            engine, BUFFER, full=True, rebuild_units=rebuild_units, sessions=sessions
        ).seconds
    with engine.begin() as conn:
        return refresh(conn, BUFFER, full=True, rebuild_units=rebuild_units).seconds


def demo_county(settings: Settings) -> None:
    """Measure the demo county and print each figure.

    Load, full recomputes against the in-memory floor, verification, camera changes, drill-down,
    playback, planning and throughput.
    """
    engine, load_s = _fresh(settings, "gridsight_bench", DemoSize())
    _print("demo_generate_and_load", load_s, "s")
    full = min(_full(engine) for _ in range(3))
    _print("coverage_full_recompute_demo", full, "s")
    _print(
        "coverage_full_recompute_with_units_demo", min(_full(engine, True) for _ in range(3)), "s"
    )
    one_session = min(_full(engine, sessions=1) for _ in range(3))
    _print("coverage_full_recompute_one_session_demo", one_session, "s")
    # the floor: per cell in memory, single-threaded, parents summed (bench/_shapely_coverage.py)
    floor_s = min(_timed(lambda: _shapely_coverage.compute(engine, BUFFER), 3))
    _print("coverage_full_inmemory_floor_demo", floor_s, "s")
    _print("coverage_full_recompute_vs_floor", full / floor_s, "x")
    _print("coverage_full_recompute_one_session_vs_floor", one_session / floor_s, "x")
    # CPU seconds, which a busy shared machine distorts far less than the wall clock: the serial
    # refresh's database backend against the floor's process
    engine_cpu = min(_serial_cpu(engine) for _ in range(3))
    if engine_cpu < math.inf:
        floor_cpu = min(_cpu(lambda: _shapely_coverage.compute(engine, BUFFER)) for _ in range(3))
        _print("coverage_full_recompute_one_session_cpu_demo", engine_cpu, "s")
        _print("coverage_full_inmemory_floor_cpu_demo", floor_cpu, "s")
        _print("coverage_full_recompute_one_session_cpu_vs_floor", engine_cpu / floor_cpu, "x")
    _print("verify_sample_100_demo", min(_timed(lambda: _verify(engine, 100), 2)), "s")

    _camera_changes(engine, "")
    steps = _drilldown.server_step_seconds(settings, engine)
    _print("drilldown_step_server_p95_demo", _p95(steps) * 1000, "ms")
    clicks = _drilldown.click_to_drawn_seconds(settings, engine)
    _print("drilldown_click_to_drawn_max_demo", max(clicks) * 1000, "ms")
    playback(settings, engine)
    _planning.run(engine, BUFFER, settings.timezone, _print)
    _throughput.run(engine, engine.url.render_as_string(hide_password=False), _print)
    engine.dispose()


def _cpu(fn: Callable[[], object]) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def _serial_cpu(engine: Engine) -> float:
    """Measure the CPU seconds of the database backend running a serial full recompute.

    ``inf`` when the server's process cannot be read (another machine).
    """
    with engine.begin() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def used() -> float:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        try:
            before = used()
        except OSError:
            return math.inf
        refresh(conn, BUFFER, full=True)
        return used() - before


def _verify(engine: Engine, units: int) -> None:
    """Do ``python -m geo verify --sample N``'s work: recompute ``units`` units from raw rows."""
    with engine.connect() as conn:
        verify(conn, choose_units(conn, sample=units, seed=1), Window.last_days(30), BUFFER)


def playback(settings: Settings, engine: Engine) -> None:
    """Measure the map's time playback in Chromium: 30 days of the county, frames per second."""
    figures = _playback.fps(settings, engine)
    _print("playback_30_days_incidents_demo", figures["incidents"], "incidents")
    _print("playback_30_days_fps_demo", figures["fps"], "frames/s")
    _print("playback_frame_draw_median_demo", figures["drawMedianMs"], "ms")
    _print("playback_frame_draw_p95_demo", figures["drawP95Ms"], "ms")


def _camera_changes(engine: Engine, prefix: str) -> None:
    """Measure the refresh after one camera changes and the what-if latency for one camera.

    ``prefix`` names the data set in the printed figures.
    """

    def one_camera_change() -> float:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE camera SET status ="
                    " CASE status WHEN 'online' THEN 'offline' ELSE 'online' END "
                    "WHERE code = (SELECT code FROM camera ORDER BY random() LIMIT 1)"
                )
            )
            return refresh(conn, BUFFER).seconds

    changes = [one_camera_change() for _ in range(15)]
    _print(f"{prefix}coverage_refresh_one_camera_median", statistics.median(changes) * 1000, "ms")
    _print(f"{prefix}coverage_refresh_one_camera_max", max(changes) * 1000, "ms")
    with engine.connect() as conn:
        points = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM camera ORDER BY code LIMIT 20")
        ).all()
    window = Window.last_days(30)

    def one_what_if(i: int) -> float:
        lon, lat = points[i]
        with engine.begin() as conn:
            started = time.perf_counter()
            what_if(conn, Camera(lon + 0.0005, lat, 37.0 * i, 90, 120), window)
            return time.perf_counter() - started

    latencies = [one_what_if(i) for i in range(len(points))]
    _print(f"{prefix}whatif_one_camera_median", statistics.median(latencies) * 1000, "ms")
    _print(f"{prefix}whatif_one_camera_max", max(latencies) * 1000, "ms")


def planning_only(settings: Settings) -> None:
    """Measure planning and throughput only, on a fresh demo county; print each figure."""
    engine, _load_s = _fresh(settings, "gridsight_bench", DemoSize())
    _planning.run(engine, BUFFER, settings.timezone, _print)
    _throughput.run(engine, engine.url.render_as_string(hide_password=False), _print)
    engine.dispose()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _reused(settings: Settings, name: str, stamp: str) -> Engine | None:
    """Return an engine on benchmark database ``name`` if it holds the set ``stamp`` names.

    None when the database does not exist or holds another set.
    """
    server = database_url(settings)
    if not database_exists(server, name):
        return None
    engine = make_engine(sibling_url(server, name))
    upgrade(engine)
    with engine.connect() as conn:
        if meta.get(conn, "bench_set") == stamp:
            return engine
    engine.dispose()
    return None


def province(settings: Settings, counties: int, reuse: bool = False) -> None:
    """Measure a synthetic province of ``counties`` counties; print each figure.

    With ``reuse``, an earlier benchmark database holding the same set is used as it is.
    """
    size = DemoSize(counties=counties)
    name, stamp = "gridsight_bench_province", f"seed=7 {size}"
    engine = _reused(settings, name, stamp) if reuse else None
    if engine is None:
        engine, load_s = _fresh(settings, name, size)
        with engine.begin() as conn:
            meta.put(conn, "bench_set", stamp)
        _print("province_generate_load_and_refresh", load_s, "s")
    with engine.connect() as conn:
        cells, cameras, incidents = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM grid_cell), (SELECT count(*) FROM camera),"
                " (SELECT count(*) FROM incident)"
            )
        ).one()
    _print("province_counties", counties, "counties")
    _print("province_grid_cells", cells, "cells")
    _print("province_cameras", cameras, "cameras")
    _print("province_incidents", incidents, "incidents")
    # with the units first: a reused set may have been loaded before the units were kept
    _print("coverage_full_recompute_with_units_province", _full(engine, True), "s")
    _print("coverage_full_recompute_province", _full(engine), "s")
    _print("coverage_full_recompute_one_session_province", _full(engine, sessions=1), "s")
    _print("province_verify_sample_100", min(_timed(lambda: _verify(engine, 100), 2)), "s")
    _camera_changes(engine, "province_")
    _print(
        "drilldown_step_server_p95_province",
        _p95(_drilldown.server_step_seconds(settings, engine, 3)) * 1000,
        "ms",
    )
    engine.dispose()


def wall_soak(settings: Settings, refreshes: int) -> None:
    """Soak the command wall for ``refreshes`` polls on a fresh demo county; print each figure."""
    url = recreate_database(database_url(settings), "gridsight_bench_wall")
    engine = make_engine(url)
    upgrade(engine)
    load_demo(engine, seed=7, size=DemoSize(), patrol_buffer_m=BUFFER)
    figures = _wall.soak(engine, url, refreshes)
    units = {"refreshes": "polls", "seconds": "s", "incidents_written": "incidents"}
    for name, value in figures.items():
        _print(f"wall_soak_{name}", value, units.get(name, "nodes" if "nodes" in name else "MB"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks that ``argv`` selects (see ``python -m bench --help``); return 0."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--province-counties",
        type=int,
        default=140,
        help="counties in the province-size set (140 ≈ 100k cells); 0 skips it",
    )
    parser.add_argument(
        "--wall-refreshes",
        type=int,
        default=1000,
        help="wall display soak: polls at a 0.1 s interval (0 skips it)",
    )
    parser.add_argument(
        "--wall-only", action="store_true", help="only the wall soak, on a fresh demo county"
    )
    parser.add_argument(
        "--planning-only", action="store_true", help="only the planning figures (fresh demo county)"
    )
    parser.add_argument(
        "--province-only", action="store_true", help="only the province-size figures"
    )
    parser.add_argument(
        "--playback-only",
        action="store_true",
        help="only the map's time playback in Chromium (fresh demo county)",
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="only the server throughput with and without authorization (fresh demo county)",
    )
    parser.add_argument(
        "--osm-only",
        action="store_true",
        help="only importing OpenStreetMap roads (tests/data/real/'s real export, or --osm-file)",
    )
    parser.add_argument(
        "--osm-file",
        type=Path,
        default=_osm.NINGHUA,
        help="the .osm or .osm.pbf file of the OpenStreetMap figures (in China)",
    )
    parser.add_argument(
        "--reuse-province",
        action="store_true",
        help="measure the province-size set already loaded by an earlier run of the same size "
        "(its incidents end when that run loaded them) instead of generating it again",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.planning_only:
        planning_only(settings)
        return 0
    if args.playback_only:
        engine, _load_s = _fresh(settings, "gridsight_bench", DemoSize())
        playback(settings, engine)
        engine.dispose()
        return 0
    if args.throughput_only:
        engine, _ = _fresh(settings, "gridsight_bench", DemoSize())
        _throughput.run(engine, engine.url.render_as_string(hide_password=False), _print)
        engine.dispose()
        return 0
    if args.osm_only:
        _osm.run(settings, _print, args.osm_file)
        return 0
    if args.province_only:
        province(settings, args.province_counties, args.reuse_province)
        return 0
    if not args.wall_only:
        demo_county(settings)
        _osm.run(settings, _print, args.osm_file)
    if args.wall_refreshes > 0:
        wall_soak(settings, args.wall_refreshes)
    if args.province_counties > 0 and not args.wall_only:
        province(settings, args.province_counties, args.reuse_province)
    return 0


if __name__ == "__main__":
    sys.exit(main())
