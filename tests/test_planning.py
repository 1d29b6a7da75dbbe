"""Planning analytics: Gi* against esda run directly, dosage on known tracks, blind spots, the
camera optimiser on instances with a known optimum, saved plans, and the plan command line."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import Queen
from shapely.geometry import LineString, box
from sqlalchemy import Connection, text

from etl.importing import ImportOptions, import_source
from etl.sources import ReadOptions, read
from geo import _cli, blindspots, dosage, hotspots, optimise, plans, report, routing
from geo.__main__ import main as geo_main
from geo.coverage import refresh
from geo.errors import DataError
from geo.figures import Window, figures
from geo.settings import Settings
from geo.whatif import Camera, Route, what_if
from tests import coverage_reference as ref

SIZE = 250.0
TZ = ZoneInfo("Asia/Shanghai")
WINDOW = Window.last_days(30)


@pytest.fixture
def tx(synthetic_tx: Connection) -> Connection:
    """The session's synthetic county (conftest), rolled back after each test."""
    return synthetic_tx


def _incidents(conn: Connection, points: list[tuple[float, float]], days_ago: float = 1.0) -> None:
    """Incidents at (x, y) metres in EPSG:32649."""
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    for n, (x, y) in enumerate(points):
        conn.execute(
            text("""INSERT INTO incident (code, occurred_at, category, severity, status, geom)
                             VALUES (:c, :t, 'theft', 1, 'reported',
                                     ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 32649),
                                                  4326))"""),
            {"c": f"T{n:05d}", "t": at, "x": x, "y": y},
        )


def _pattern() -> list[tuple[float, float]]:
    """40 incidents in the 3x3 squares around square (5, 5) of the county, 12 scattered."""
    rng = random.Random(3)
    cx, cy = ref.X0 + 5.5 * SIZE, ref.Y0 + 5.5 * SIZE
    cluster = [
        (cx + rng.uniform(-1.4, 1.4) * SIZE, cy + rng.uniform(-1.4, 1.4) * SIZE) for _ in range(40)
    ]
    scattered = [
        (ref.X0 + rng.uniform(50, 3950), ref.Y0 + rng.uniform(50, 3950)) for _ in range(12)
    ]
    return cluster + scattered


def test_gi_star_equals_esda_run_directly_on_the_same_lattice(tx: Connection) -> None:
    points = _pattern()
    _incidents(tx, points)
    analysis = hotspots.analyse(tx, WINDOW, "lattice", SIZE)
    keys = [u.key for u in analysis.units]
    ij = [tuple(int(v) for v in k.split(",")) for k in keys]
    assert len(keys) >= 256  # the 16 x 16 squares of the 4 km county
    # independently: counts by flooring the known positions, contiguity from the squares' shapes
    counts = {k: 0 for k in ij}
    for x, y in points:
        counts[(int(x // SIZE), int(y // SIZE))] += 1
    y_values = np.array([counts[k] for k in ij], dtype=float)
    w = Queen.from_iterable(
        [box(i * SIZE, j * SIZE, (i + 1) * SIZE, (j + 1) * SIZE) for i, j in ij]
    )
    expected = G_Local(y_values, w, transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose([u.z for u in analysis.units], expected, atol=1e-9)
    assert [u.incidents for u in analysis.units] == [int(v) for v in y_values]
    centre = f"{int(ref.X0 // SIZE) + 5},{int(ref.Y0 // SIZE) + 5}"
    by_key = {u.key: u for u in analysis.units}
    assert by_key[centre].bin == 3
    assert centre in analysis.hot_spots[0].keys
    far = f"{int(ref.X0 // SIZE) + 14},{int(ref.Y0 // SIZE) + 14}"
    assert by_key[far].bin <= 0
    assert [hotspots.confidence_bin(z) for z in (2.6, 1.7, 1.0, -2.0)] == [3, 1, 0, -2]


def test_hot_spots_on_grid_cells_and_density(tx: Connection) -> None:
    _incidents(tx, _pattern())
    analysis = hotspots.analyse(tx, WINDOW, "cells")
    assert len(analysis.units) == 16
    by_key = {u.key: u for u in analysis.units}
    cluster = by_key[
        f"{ref.COUNTY}001001004"
    ]  # the cell from 1 to 2 km east and north holds the cluster
    assert cluster.incidents >= 36 and cluster.value == pytest.approx(
        cluster.incidents
    )  # per km² of 1 km²
    assert cluster.z > 0 and cluster.z > by_key[f"{ref.COUNTY}002002004"].z
    surface = dict(hotspots.density(tx, WINDOW, SIZE, 500.0))
    peak = max(surface, key=lambda k: surface[k])
    i, j = (int(v) for v in peak.split(","))
    assert abs(i - (int(ref.X0 // SIZE) + 5)) <= 1 and abs(j - (int(ref.Y0 // SIZE) + 5)) <= 1
    with pytest.raises(DataError, match="method"):
        hotspots.analyse(tx, WINDOW, "hexagons")


def _track(
    conn: Connection, unit: str, start: dt.datetime, points: list[tuple[float, float]]
) -> None:
    for n, (x, y) in enumerate(points):
        conn.execute(
            text("""INSERT INTO patrol_track (unit, recorded_at, geom)
                             VALUES (:u, :t,
                                     ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 32649),
                                                  4326))"""),
            {"u": unit, "t": start + dt.timedelta(minutes=2 * n), "x": x, "y": y},
        )


def test_dosage_counts_known_visits_minutes_and_gaps(tx: Connection) -> None:
    cell = f"{ref.COUNTY}001001001"  # 1 km square at the south-west corner
    inside, away = (ref.X0 + 500, ref.Y0 + 500), (ref.X0 + 3500, ref.Y0 + 3500)
    day = (dt.datetime.now(TZ) - dt.timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    # unit A, 09:00-12:00 every 2 minutes: inside 10:00-10:08 (5 points) and 11:00-11:04 (3 points)
    route = []
    for n in range(91):
        minute = 2 * n
        route.append(inside if 60 <= minute <= 68 or 120 <= minute <= 124 else away)
    _track(tx, "A", day, route)
    _track(tx, "B", day + dt.timedelta(minutes=90), [inside])  # one point at 10:30
    report = dosage.cell_dosage(tx, Window.last_days(30), 100.0, "Asia/Shanghai")
    assert report.period is not None
    assert report.period[0] == day and report.period[1] == day + dt.timedelta(minutes=180)
    d = {a.id: a for a in report.areas}[cell]
    assert d.visits == {"day": 3, "night": 0}
    assert d.minutes["day"] == pytest.approx(
        16.0
    )  # 8 points of A hold 2 minutes each; B's last holds none
    assert d.longest_gap_min == {
        "day": pytest.approx(60.0),
        "night": None,
    }  # 09:00 to the first hit
    assert d.units == {"A", "B"}
    north_east = {a.id: a for a in report.areas}[f"{ref.COUNTY}002002004"]
    assert north_east.visits["day"] == 3  # A away 09:00-09:58, 10:10-10:58, 11:06-12:00
    assert north_east.longest_gap_min["day"] == pytest.approx(12.0)  # 09:58 to 10:10
    assert report.share_visited() == pytest.approx(100 * 2 / 16)


def test_shift_instances_split_days_and_nights_locally() -> None:
    start = dt.datetime(2026, 11, 1, 6, 0, tzinfo=TZ)
    end = dt.datetime(2026, 11, 1, 22, 0, tzinfo=TZ)
    assert [(s, a.hour, b.hour) for s, a, b in dosage.shift_instances(start, end, TZ)] == [
        ("night", 6, 8),
        ("day", 8, 20),
        ("night", 20, 22),
    ]


def test_blind_spots_are_unguarded_hot_spots_and_clusters(tx: Connection) -> None:
    rng = random.Random(5)
    cx, cy = ref.X0 + 3000, ref.Y0 + 3000
    _incidents(tx, [(cx + rng.uniform(-40, 40), cy + rng.uniform(-40, 40)) for _ in range(8)])
    refresh(tx, 100.0)
    analysis = hotspots.analyse(tx, WINDOW, "lattice", SIZE)
    found = blindspots.blind_spots(tx, WINDOW, analysis, eps_m=150, min_incidents=5)
    assert [(b.kind, b.incidents) for b in found] == [("cluster", 8), ("hot_spot", 8)]
    lon, lat = ref.TO_WGS84.transform(cx, cy)
    assert abs(found[0].lon - lon) < 0.001 and abs(found[0].lat - lat) < 0.001
    # a working dome over them removes both
    tx.execute(
        text("""INSERT INTO camera (code, azimuth_deg, fov_deg, range_m, status, kind, geom)
                       VALUES ('DOME', 0, 360, 150, 'online', 'dome',
                               ST_SetSRID(ST_MakePoint(:x, :y), 4326))"""),
        {"x": lon, "y": lat},
    )
    refresh(tx, 100.0)
    assert blindspots.blind_spots(tx, WINDOW, analysis) == []
    # a patrol passing by guards them too, when the dome is broken
    tx.execute(text("UPDATE camera SET status = 'fault' WHERE code = 'DOME'"))
    line = ref.to_wgs84_wkt(LineString([(cx - 500, cy + 20), (cx + 500, cy + 20)]))
    tx.execute(
        text(
            "INSERT INTO patrol_route (code, unit, shift, geom)"
            " VALUES ('R', 'u', 'all', ST_GeomFromEWKT(:g))"
        ),
        {"g": line},
    )
    refresh(tx, 100.0)
    assert blindspots.blind_spots(tx, WINDOW, analysis) == []


def _cand(lon: float, covers: str, az: float = 0.0) -> optimise.Candidate:
    return optimise.Candidate(lon, 0.0, az, frozenset(covers))


def test_the_optimiser_finds_the_optimum_that_greedy_misses() -> None:
    # A covers 4, B and C 3 each; together B and C cover all 6, A with anything covers 5
    cands = [_cand(1, "abcd"), _cand(2, "abe"), _cand(3, "cdf"), _cand(4, "a")]
    assert optimise.covered(cands, optimise.greedy(cands, 2)) == 5
    chosen = optimise.solve(cands, 2)
    assert sorted(chosen) == [1, 2] and optimise.covered(cands, chosen) == 6
    # one camera per site: two directions at one site cannot both be chosen
    same_site = [_cand(1, "ab", 0), _cand(1, "cd", 90), _cand(2, "a")]
    chosen = optimise.solve(same_site, 2)
    assert (
        len({same_site[i].lon for i in chosen}) == len(chosen)
        and optimise.covered(same_site, chosen) == 3
    )
    with pytest.raises(DataError, match="count"):
        optimise.solve(cands, 0)


def test_a_plan_what_if_equals_applying_it(conn: Connection, settings: Settings) -> None:
    refresh(conn, settings.patrol_buffer_m)  # changes other tests committed are not the plan's
    window = Window.last_days(30)
    x = conn.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM incident ORDER BY occurred_at DESC LIMIT 1")
    ).one()
    items: list[Camera | Route] = [
        Camera(x[0], x[1], 45, 90, 120),
        Camera(x[0] + 0.002, x[1], 0, 360, 60),
        Route(((x[0] - 0.01, x[1] - 0.003), (x[0] + 0.01, x[1] + 0.003))),
    ]
    predicted = {
        c.after.code: c.after.row() for c in what_if(conn, items, window, settings.patrol_buffer_m)
    }
    plan_id = plans.save(conn, "test plan", items)
    assert plans.get(conn, plan_id).items == tuple(items)
    assert conn.execute(text("SELECT count(*) FROM camera WHERE code LIKE 'P%-C%'")).scalar() == 0
    geojson, summary = plans.export(conn, plan_id, window, settings.patrol_buffer_m)
    kinds = [f["properties"]["kind"] for f in json.loads(geojson)["features"]]
    assert kinds == ["camera", "camera", "route", "camera_view", "camera_view"]
    assert (
        summary.splitlines()[0] == ",".join(plans.SUMMARY_COLUMNS) and len(summary.splitlines()) > 6
    )
    plans.apply(conn, plan_id, settings.patrol_buffer_m)
    actual = {u.code: u.row() for u in figures(conn, window) if u.code in predicted}
    assert actual == predicted
    with pytest.raises(DataError, match="only once"):
        plans.apply(conn, plan_id, settings.patrol_buffer_m)


def test_importing_the_proposed_cameras_gives_the_predicted_coverage(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    refresh(conn, settings.patrol_buffer_m)
    window = Window.last_days(30)
    blind_before = figures(conn, window, level="county")[0].blind_incidents
    result = optimise.plan_cameras(conn, 4, window, settings.patrol_buffer_m)
    assert len(result.proposals) == 4
    assert result.coverage_after_pct is not None and result.coverage_before_pct is not None
    assert result.coverage_after_pct > result.coverage_before_pct
    assert (
        sum(p.incidents_newly_covered for p in result.proposals) == result.incidents_newly_covered
    )
    from geo.report import render_plan

    path = tmp_path / "proposed.csv"
    path.write_text(render_plan(result, window, "csv"), encoding="utf-8")
    with read(path, ReadOptions()) as source:
        imported = import_source(conn, "cameras", source, ImportOptions(), settings)
    assert imported.inserted == 4
    county = figures(conn, window, level="county")[0]
    assert county.value("incident_coverage_pct") == result.coverage_after_pct
    assert blind_before - county.blind_incidents == result.incidents_newly_covered


def test_the_plan_command_line(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.database_url
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert geo_main(["plan", "cameras", "--count", "2", "--format", "json"]) == 0
    body = json.loads(out.getvalue())
    assert [list(c)[:6] for c in body["cameras"]] == [
        ["lon", "lat", "azimuth_deg", "fov_deg", "range_m", "incidents_newly_covered"]
    ] * 2
    assert body["incident_coverage_after_pct"] > body["incident_coverage_before_pct"]
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert geo_main(["plan", "cameras", "--count", "2", "--format", "csv"]) == 0
    assert (
        out.getvalue()
        .splitlines()[0]
        .startswith("lon,lat,azimuth_deg,fov_deg,range_m,incidents_newly_covered")
    )
    assert "incident coverage" in err.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        assert geo_main(["plan", "dosage", "--areas", "cells", "--format", "csv"]) == 0
    lines = out.getvalue().splitlines()
    assert (
        lines[0] == ",".join(report.DOSAGE_COLUMNS) and len(lines) > 700
    )  # every cell of the demo county
    with redirect_stderr(err):
        assert _cli.run(geo_main, ["plan", "cameras"]) == 2  # --count is needed


def test_a_suggested_route_runs_on_roads_through_the_hot_spot(tx: Connection) -> None:
    rng = random.Random(9)
    hx, hy = ref.X0 + 3100, ref.Y0 + 1500  # on the east-west road
    _incidents(tx, [(hx + rng.uniform(-30, 30), hy + rng.uniform(-30, 30)) for _ in range(12)])
    start = ref.to_wgs84_wkt(
        LineString([(ref.X0 + 500, ref.Y0 + 1500), (ref.X0 + 500, ref.Y0 + 2500)])
    )
    tx.execute(
        text(
            "INSERT INTO patrol_route (code, unit, shift, geom) "
            "VALUES ('R1', 'U1', 'all', ST_GeomFromEWKT(:g))"
        ),
        {"g": start},
    )
    refresh(tx, 100.0)
    analysis = hotspots.analyse(tx, WINDOW, "lattice", SIZE)
    suggestion = routing.suggest_route(
        tx, analysis, "U1", "all", 10_000, WINDOW, "Asia/Shanghai", 100.0
    )
    assert [sid for sid, _ in suggestion.hot_spots] == [analysis.hot_spots[0].id]
    # from the crossing at 500 m east to the hot spot's nearest node and back, along the road
    assert 2 * 2400 <= suggestion.length_m <= 2 * 2800
    assert suggestion.route is not None
    xs = [ref.TO_UTM.transform(lon, lat) for lon, lat in suggestion.route.points]
    assert all(abs(y - (ref.Y0 + 1500)) < 1 for _, y in xs)  # never leaves the road
    assert suggestion.route.points[0] == pytest.approx(suggestion.route.points[-1])
    county = next(c for c in suggestion.changes if c.before.level == "county")
    assert (county.after.value("patrol_pct") or 0) > (county.before.value("patrol_pct") or 0)
    short = routing.suggest_route(tx, analysis, "U1", "all", 1_000, WINDOW, "Asia/Shanghai", 100.0)
    assert short.hot_spots == () and short.route is None
    with pytest.raises(DataError, match="shift"):
        routing.suggest_route(tx, analysis, "U1", "evening", 10_000, WINDOW, "Asia/Shanghai", 100.0)
