"""Planning figures on the demo county.

Hot spots, dosage, blind spots, the what-if of one placed camera (the planning page's server work),
the camera optimiser against a greedy baseline, and the route suggestion.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy
from sqlalchemy import Engine, text

from geo import blindspots, dosage, hotspots, optimise, routing
from geo.figures import Window
from geo.whatif import Camera, view_shapes, what_if

Printer = Callable[[str, float, str], None]


def run(engine: Engine, buffer_m: float, timezone: str, out: Printer) -> None:
    """Print the planning figures (``name: value unit``) through ``out``.

    Shifts are local to ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).
    """
    window = Window.last_days(30)
    with engine.begin() as conn:
        hotspots.gi_star(numpy.arange(4.0), [[1], [0, 2], [1, 3], [2]])  # import esda once, untimed
        started = time.perf_counter()
        analysis = hotspots.analyse(conn, window, "lattice", 250.0)
        out("plan_hotspots_gi_lattice_250m", time.perf_counter() - started, "s")
        out("plan_hotspots_count", len(analysis.hot_spots), "hot spots")
        started = time.perf_counter()
        hotspots.analyse(conn, window, "cells")
        out("plan_hotspots_gi_cells", time.perf_counter() - started, "s")
        started = time.perf_counter()
        hotspots.density(conn, window)
        out("plan_kernel_density", time.perf_counter() - started, "s")
        started = time.perf_counter()
        report = dosage.hot_spot_dosage(conn, analysis, window, buffer_m, timezone)
        out("plan_dosage_hot_spots", time.perf_counter() - started, "s")
        out("plan_hot_spots_visited", report.share_visited() or 0.0, "%")
        started = time.perf_counter()
        dosage.cell_dosage(conn, window, buffer_m, timezone)
        out("plan_dosage_all_cells", time.perf_counter() - started, "s")
        started = time.perf_counter()
        blindspots.blind_spots(conn, window, analysis)
        out("plan_blind_spots", time.perf_counter() - started, "s")
        points = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM incident ORDER BY code LIMIT 20")
        ).all()
    placed = []
    for n, (lon, lat) in enumerate(points):
        with engine.begin() as conn:
            started = time.perf_counter()
            cam = Camera(lon, lat, 30.0 * n, 90, 100)
            what_if(conn, [cam], window, buffer_m)
            view_shapes(conn, [cam])
            placed.append(time.perf_counter() - started)
    out("plan_whatif_place_camera_server_median", statistics.median(placed) * 1000, "ms")
    out("plan_whatif_place_camera_server_max", max(placed) * 1000, "ms")
    with engine.begin() as conn:
        started = time.perf_counter()
        result = optimise.plan_cameras(conn, 50, window, buffer_m)
        out("plan_optimise_50_cameras", time.perf_counter() - started, "s")
        out("plan_optimise_coverage_before", result.coverage_before_pct or 0.0, "%")
        out("plan_optimise_coverage_after", result.coverage_after_pct or 0.0, "%")
        cands = optimise.candidates(conn, window)
        for count in (10, 25, 50):
            out(
                f"plan_optimise_{count}_mclp_incidents",
                optimise.covered(cands, optimise.solve(cands, count)),
                "incidents",
            )
            out(
                f"plan_optimise_{count}_greedy_incidents",
                optimise.covered(cands, optimise.greedy(cands, count)),
                "incidents",
            )
        unit = conn.execute(
            text("SELECT unit FROM patrol_route ORDER BY code LIMIT 1")
        ).scalar_one()
        started = time.perf_counter()
        suggestion = routing.suggest_route(
            conn, analysis, unit, "night", 20_000, window, timezone, buffer_m
        )
        out("plan_route_suggestion_20km", time.perf_counter() - started, "s")
        out("plan_route_hot_spots_reached", len(suggestion.hot_spots), "hot spots")
