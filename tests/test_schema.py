"""The schema: created from empty by the migrations, and the database rejects impossible rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from geo.db import make_engine, upgrade
from geo.models import Base
from geo.settings import Settings
from tests.conftest import fresh_database

LAYER_TABLES = [
    "admin_unit",
    "grid_cell",
    "road",
    "camera",
    "patrol_route",
    "patrol_track",
    "incident",
]


def test_migrations_build_an_empty_database_and_are_idempotent(base_settings: Settings) -> None:
    engine = make_engine(fresh_database(base_settings, "gridsight_test_schema"))
    try:
        upgrade(engine)
        upgrade(engine)  # a second run changes nothing
        insp = inspect(engine)
        tables = set(insp.get_table_names())
        assert set(LAYER_TABLES) <= tables
        with engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            gist = conn.execute(
                text(
                    "SELECT count(DISTINCT tablename) FROM pg_indexes "
                    "WHERE indexdef LIKE '%USING gist%' AND tablename = ANY(:t)"
                ),
                {"t": LAYER_TABLES},
            ).scalar()
            srids = (
                conn.execute(
                    text("SELECT DISTINCT srid FROM geometry_columns WHERE f_table_name = ANY(:t)"),
                    {"t": LAYER_TABLES},
                )
                .scalars()
                .all()
            )
        assert head is not None
        assert gist == len(LAYER_TABLES)
        assert srids == [4326]
    finally:
        engine.dispose()


def test_models_mirror_the_migrated_schema(engine: Any) -> None:
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        db_columns = {c["name"] for c in insp.get_columns(table.name)}
        assert {c.name for c in table.columns} <= db_columns, table.name


SQUARE = (
    "SRID=4326;MULTIPOLYGON(((113.70 37.60, 113.71 37.60, 113.71 37.61, 113.70 37.61,"
    " 113.70 37.60)))"
)
POINT = "SRID=4326;POINT(113.705 37.605)"
LINE = "SRID=4326;MULTILINESTRING((113.70 37.60, 113.71 37.61))"

GOOD: dict[str, dict[str, Any]] = {
    "admin_unit": {
        "code": "140724999",
        "name": "测试镇",
        "level": "township",
        "parent_code": "140724",
        "geom": SQUARE,
    },
    "grid_cell": {
        "code": "140724001001999",
        "name": "测试网格",
        "village_code": "140724001001",
        "population": 10,
        "households": 4,
        "geom": SQUARE,
    },
    "road": {"code": "RT1", "name": "测试路", "class": "main", "geom": LINE},
    "camera": {
        "code": "CT1",
        "name": "测试",
        "azimuth_deg": 90,
        "fov_deg": 60,
        "range_m": 80,
        "status": "online",
        "kind": "gun",
        "geom": POINT,
    },
    "patrol_route": {"code": "PT1", "unit": "测试组", "shift": "day", "geom": LINE},
    "incident": {
        "code": "ET1",
        "occurred_at": "2026-01-01T10:00:00+08:00",
        "category": "theft",
        "severity": 2,
        "status": "reported",
        "geom": POINT,
    },
}

BAD = [
    ("camera", "fov_deg", 0),
    ("camera", "fov_deg", 361),
    ("camera", "fov_deg", -10),
    ("camera", "range_m", 0),
    ("camera", "range_m", -5),
    ("camera", "status", "broken"),
    ("camera", "kind", "drone"),
    ("camera", "azimuth_deg", 360),
    ("camera", "geom", SQUARE),
    ("incident", "category", "murder_mystery"),
    ("incident", "severity", 0),
    ("incident", "severity", 5),
    ("incident", "status", "lost"),
    ("incident", "geom", LINE),
    ("grid_cell", "village_code", "140724999999"),
    ("grid_cell", "code", "140724001002001"),
    ("grid_cell", "geom", POINT),
    ("grid_cell", "population", -1),
    ("admin_unit", "parent_code", "999999"),
    ("admin_unit", "level", "province"),
    ("admin_unit", "code", "14072499"),
    ("admin_unit", "geom", "SRID=4326;MULTIPOLYGON(((0 0, 1 1, 1 0, 0 1, 0 0)))"),
    ("road", "class", "motorway"),
    ("road", "geom", POINT),
    ("patrol_route", "shift", "evening"),
    ("camera", "geom", "SRID=3857;POINT(0 0)"),
]


def _insert(conn: Connection, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    values = ", ".join(f":{c}" for c in row)
    conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({values})"), row)


@pytest.mark.parametrize("table", sorted(GOOD))
def test_a_valid_row_is_accepted(conn: Connection, table: str) -> None:
    _insert(conn, table, GOOD[table])
    assert (
        conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE code = :c"), {"c": GOOD[table]["code"]}
        ).scalar()
        == 1
    )


@pytest.mark.parametrize(("table", "column", "value"), BAD)
def test_the_database_rejects_an_impossible_row(
    conn: Connection, table: str, column: str, value: Any
) -> None:
    row = {**GOOD[table], column: value}
    with pytest.raises(DBAPIError), conn.begin_nested():
        _insert(conn, table, row)


def test_duplicate_codes_are_rejected(conn: Connection) -> None:
    with pytest.raises(DBAPIError, match="duplicate key"), conn.begin_nested():
        _insert(conn, "camera", GOOD["camera"])
        _insert(conn, "camera", GOOD["camera"])


def test_camera_view_follows_every_change(conn: Connection) -> None:
    _insert(conn, "camera", GOOD["camera"])
    area = text("SELECT ST_Area(ST_Transform(view_geom, 32649)) FROM camera WHERE code = 'CT1'")
    before = conn.execute(area).scalar()
    conn.execute(text("UPDATE camera SET range_m = 160 WHERE code = 'CT1'"))
    after = conn.execute(area).scalar()
    assert after == pytest.approx(before * 4, rel=1e-3)
    conn.execute(text("UPDATE camera SET fov_deg = 360 WHERE code = 'CT1'"))
    disc = conn.execute(area).scalar()
    assert disc == pytest.approx(3.14159265 * 160**2, rel=1e-3)
