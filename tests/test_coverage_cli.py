"""`python -m geo coverage` and what-if on the demo county."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import Connection, Engine, text

from geo.coverage import refresh
from geo.figures import COLUMNS, Window, figures
from geo.settings import PROJECT_DIR, Settings
from geo.whatif import Camera, Route, what_if


def _cli(settings: Settings, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}
    result = subprocess.run(
        [sys.executable, "-m", "geo", "coverage", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


def test_csv_has_the_columns_in_order_and_empty_na(settings: Settings, engine: Engine) -> None:
    rows = list(csv.reader(io.StringIO(_cli(settings, "--level", "grid", "--format", "csv"))))
    assert tuple(rows[0]) == COLUMNS
    with engine.connect() as conn:
        cells = conn.execute(text("SELECT count(*) FROM grid_cell")).scalar()
    assert len(rows) - 1 == cells
    road = COLUMNS.index("camera_road_pct")
    assert any(r[road] == "" for r in rows[1:]), "some rural cells have no roads: n/a is empty"
    assert all(r[road] == "" or 0 <= float(r[road]) <= 100 for r in rows[1:])


def test_json_county_matches_the_library_and_tells_the_demo_story(
    settings: Settings, engine: Engine
) -> None:
    window = Window.last_days(30)  # the command line is given the same window's end
    county = json.loads(
        _cli(
            settings,
            "--level",
            "county",
            "--format",
            "json",
            "--window-days",
            "30",
            "--window-end",
            window.end.isoformat(),
        )
    )
    assert len(county) == 1 and list(county[0]) == list(COLUMNS)
    with engine.connect() as conn:
        mine = figures(conn, window, level="county")[0].row()
    assert county[0] == mine
    assert 25 <= county[0]["camera_road_pct"] <= 38  # the county report's ~32 %
    town, rural = (
        json.loads(_cli(settings, "--level", "township", "--format", "json"))[i] for i in (0, -1)
    )
    assert town["camera_area_pct"] > 3 * rural["camera_area_pct"]


def test_a_units_incidents_are_those_inside_it(engine: Engine) -> None:
    """Counted by code prefix (incident.unit_code), they equal a spatial count, less any incident on
    the unit's border (counted once, in the lower code)."""
    window = Window.last_days(30)
    with engine.connect() as conn:
        cell = conn.execute(
            text(  # the busiest cell of the window, and its village, township and county
                "SELECT g.code FROM grid_cell g JOIN incident i ON ST_Intersects(g.geom, i.geom) "
                "WHERE i.occurred_at > :s GROUP BY g.code ORDER BY count(*) DESC, g.code LIMIT 1"
            ),
            {"s": window.start},
        ).scalar_one()
        codes = [cell[:6], cell[:9], cell[:12], cell]
        got = {f.code: (f.incidents, f.blind_incidents) for f in figures(conn, window, codes=codes)}
        for code in codes:
            inside, on_border, blind = conn.execute(
                text("""
                SELECT count(*), count(*) FILTER (WHERE ST_Intersects(ST_Boundary(u.geom), i.geom)),
                       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM camera c
                                                          WHERE c.status = 'online'
                                                          AND ST_Intersects(c.view_geom, i.geom)))
                FROM unit_coverage u JOIN incident i ON ST_Intersects(u.geom, i.geom)
                WHERE u.code = :c AND i.occurred_at > :s AND i.occurred_at <= :e"""),
                {"c": code, "s": window.start, "e": window.end},
            ).one()
            assert inside - on_border <= got[code][0] <= inside, code
            assert inside > 0 and got[code][1] <= blind
            if on_border == 0:
                assert got[code] == (inside, blind), code


def test_table_is_aligned_with_a_header(settings: Settings) -> None:
    lines = _cli(settings, "--level", "township").splitlines()
    assert lines[0].split() == list(COLUMNS) and len(lines) == 11


@pytest.mark.parametrize("azimuth", [0.0, 135.0])
def test_what_if_a_camera_equals_really_adding_it(conn: Connection, azimuth: float) -> None:
    window = Window.last_days(30)
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM grid_cell"
            " ORDER BY code LIMIT 1"
        )
    ).one()
    camera = Camera(lon, lat, azimuth, 90, 150)
    changes = what_if(conn, camera, window)
    assert {c.before.level for c in changes} == {"county", "township", "village", "grid"}
    assert any(
        c.after.value("camera_area_pct") != c.before.value("camera_area_pct") for c in changes
    )
    conn.execute(
        text(
            "INSERT INTO camera (code, azimuth_deg, fov_deg, range_m, status, kind, geom) "
            "VALUES ('WHATIF', :a, 90, 150, 'online', 'gun',"
            " ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
        ),
        {"a": azimuth, "x": lon, "y": lat},
    )
    assert refresh(conn, 100.0).mode == "incremental"
    real = {f.code: f for f in figures(conn, window, codes=[c.before.code for c in changes])}
    for change in changes:
        assert change.after == real[change.before.code]


def test_what_if_a_route_equals_really_adding_it(conn: Connection) -> None:
    window = Window.last_days(30)
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM grid_cell"
            " ORDER BY code DESC LIMIT 1"
        )
    ).one()
    route = Route(((lon - 0.01, lat), (lon, lat + 0.005), (lon + 0.01, lat)))
    changes = what_if(conn, route, window)
    assert any(
        (c.after.value("patrol_pct") or 0) > (c.before.value("patrol_pct") or 0) for c in changes
    )
    conn.execute(
        text(
            "INSERT INTO patrol_route (code, unit, shift, geom) "
            "VALUES ('WHATIF', 'test', 'day', ST_Multi(ST_GeomFromText(:w, 4326)))"
        ),
        {"w": route.wkt()},
    )
    refresh(conn, 100.0)
    real = {f.code: f for f in figures(conn, window, codes=[c.before.code for c in changes])}
    for change in changes:
        assert change.after == real[change.before.code]


def test_what_if_refuses_an_impossible_camera(conn: Connection) -> None:
    from geo.errors import DataError

    with pytest.raises(DataError, match="fov_deg 400"):
        what_if(conn, Camera(113.7, 37.6, 0, 400, 100), Window.last_days(30))


def test_incremental_refresh_equals_full_on_the_demo_county(conn: Connection) -> None:
    from tests.test_coverage import raw

    conn.execute(
        text(
            "UPDATE camera SET status = CASE status WHEN 'online' THEN 'fault' ELSE 'online' END "
            "WHERE code IN (SELECT code FROM camera ORDER BY code LIMIT 25)"
        )
    )
    conn.execute(
        text(
            "UPDATE camera SET azimuth_deg = (azimuth_deg + 90)::numeric % 360,"
            " range_m = range_m * 1.5 "
            "WHERE code IN (SELECT code FROM camera ORDER BY code DESC LIMIT 10)"
        )
    )
    conn.execute(
        text(
            "UPDATE patrol_route SET geom = ST_Translate(geom, 0.001, 0.001) "
            "WHERE code = (SELECT min(code) FROM patrol_route)"
        )
    )
    assert refresh(conn, 100.0).mode == "incremental"
    incremental = raw(conn)
    refresh(conn, 100.0, full=True)
    for code, values in raw(conn).items():
        assert incremental[code] == pytest.approx(values, rel=1e-6, abs=1e-2), code
