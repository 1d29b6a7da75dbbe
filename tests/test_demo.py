"""The demo county: its structure, its numbers, and the same seed giving the same data."""

from __future__ import annotations

import datetime as dt

import shapely
from sqlalchemy import Engine, text

from etl.demo import DemoSize, generate
from tests.conftest import DEMO_END

SMALL = DemoSize(
    townships=4,
    villages_per_township=6,
    cameras_per_county=200,
    incidents_per_county=500,
    routes_per_county=4,
    track_days=1,
)


def _fingerprint(seed: int) -> list[tuple[str, str, str]]:
    data = generate(seed, SMALL, end=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    out = []
    for name in ("admin_units", "grid_cells", "roads", "cameras", "patrol_routes", "incidents"):
        for row in getattr(data, name):
            attrs = repr(sorted((k, v) for k, v in row.items() if k != "geom"))
            out.append((name, attrs, shapely.to_wkb(row["geom"], hex=True)))
    out += [("track", str(t["recorded_at"]), t["geom"].wkt) for t in data.patrol_tracks]
    return out


def test_same_seed_gives_identical_data() -> None:
    assert _fingerprint(3) == _fingerprint(3)


def test_another_seed_gives_other_data() -> None:
    assert _fingerprint(3) != _fingerprint(4)


def test_loaded_county_has_the_structure_of_the_brief(engine: Engine) -> None:
    with engine.connect() as conn:
        counts = dict(
            conn.execute(text("SELECT level, count(*) FROM admin_unit GROUP BY level")).all()
        )
        cells = conn.execute(text("SELECT count(*) FROM grid_cell")).scalar()
        per_village = conn.execute(
            text(
                "SELECT min(n), max(n)"
                " FROM (SELECT count(*) n FROM grid_cell GROUP BY village_code) x"
            )
        ).one()
        cameras, offline = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE status <> 'online') FROM camera")
        ).one()
        routes = conn.execute(text("SELECT count(*) FROM patrol_route")).scalar()
        incidents, first, last = conn.execute(
            text("SELECT count(*), min(occurred_at), max(occurred_at) FROM incident")
        ).one()
        classes = set(conn.execute(text("SELECT DISTINCT class FROM road")).scalars())
        tracks = conn.execute(text("SELECT count(*) FROM patrol_track")).scalar()
    assert counts["county"] == 1 and 8 <= counts["township"] <= 12
    assert 200 <= counts["village"] <= 300
    assert per_village[0] >= 1 and per_village[1] <= 8 and cells > counts["village"]
    assert 2000 <= cameras <= 4000 and 0.05 < offline / cameras < 0.3
    assert 20 <= routes <= 40 and tracks > 1000
    assert 20_000 <= incidents <= 50_000
    assert (last - first).days >= 360 and last <= DEMO_END
    assert {"highway", "main", "local"} <= classes


def test_cells_tile_their_village_and_villages_their_township(engine: Engine) -> None:
    with engine.connect() as conn:
        worst_cells = conn.execute(
            text("""
            SELECT max(abs(v_area - c_area) / v_area) FROM (
              SELECT ST_Area(v.geom::geography) v_area, sum(ST_Area(g.geom::geography)) c_area
              FROM admin_unit v JOIN grid_cell g ON g.village_code = v.code
              GROUP BY v.code, v.geom) x
        """)
        ).scalar()
        overlaps = conn.execute(
            text("""
            SELECT count(*) FROM grid_cell a JOIN grid_cell b
              ON a.village_code = b.village_code AND a.code < b.code
             AND ST_Intersects(a.geom, b.geom)
            WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1
        """)
        ).scalar()
    assert worst_cells < 1e-6
    assert overlaps == 0


def test_the_incident_rhythm_peaks_in_the_evening(engine: Engine) -> None:
    with engine.connect() as conn:
        by_hour = dict(
            conn.execute(
                text(
                    "SELECT extract(hour FROM occurred_at AT TIME ZONE 'UTC')::int, count(*)"
                    " FROM incident GROUP BY 1"
                )
            ).all()
        )
    assert by_hour[19] > 3 * by_hour[4]


def test_a_province_size_demo_has_county_codes_only() -> None:
    """County codes count up from the demo county's, skipping the city codes (``xxxx00``) that
    the database refuses for a county: a 140-county set once stopped at 140800."""
    from etl.demo import COUNTY_CODE, county_code

    codes = [county_code(i) for i in range(1000)]
    assert codes[0] == COUNTY_CODE == 140724
    assert codes[75:77] == [140799, 140801]
    assert len(set(codes)) == 1000 and codes == sorted(codes)
    assert all(len(str(c)) == 6 and c % 100 != 0 for c in codes)
