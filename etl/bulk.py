"""Bulk loading of generated or imported rows into PostGIS by COPY, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Connection, text

from geo.errors import DataError

# table -> (columns in COPY order, geometry type the column expects)
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "admin_unit": (("code", "name", "level", "parent_code", "geom"), "MultiPolygon"),
    "grid_cell": (
        (
            "code",
            "name",
            "village_code",
            "population",
            "households",
            "grid_worker",
            "grid_worker_phone",
            "geom",
        ),
        "MultiPolygon",
    ),
    "road": (("code", "name", "class", "geom"), "MultiLineString"),
    "camera": (
        (
            "code",
            "name",
            "azimuth_deg",
            "fov_deg",
            "range_m",
            "status",
            "kind",
            "installed_on",
            "geom",
        ),
        "Point",
    ),
    "patrol_route": (("code", "name", "unit", "shift", "geom"), "MultiLineString"),
    "patrol_track": (("unit", "recorded_at", "geom"), "Point"),
    "incident": (("code", "occurred_at", "category", "severity", "status", "geom"), "Point"),
}
# Children first, for deleting; the reverse order for inserting.
DELETE_ORDER = (
    "incident",
    "patrol_track",
    "patrol_route",
    "camera",
    "road",
    "grid_cell",
    "admin_unit",
)


def to_wgs84(geoms: Sequence[shapely.Geometry], source_srid: int) -> np.ndarray:
    """Reproject shapely geometries from ``source_srid`` to EPSG:4326 (lon, lat order)."""
    transformer = Transformer.from_crs(source_srid, 4326, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out: np.ndarray = shapely.transform(np.asarray(geoms, dtype=object), project)
    return out


def _promote(geom: shapely.Geometry, kind: str) -> shapely.Geometry:
    if kind == "MultiPolygon" and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if kind == "MultiLineString" and geom.geom_type == "LineString":
        return shapely.MultiLineString([geom])
    return geom


def copy_rows(
    conn: Connection, table: str, rows: Iterable[dict[str, Any]], into: str | None = None
) -> int:
    """COPY ``rows`` into ``table``, or into the table ``into`` with the same columns.

    Parameters
    ----------
    conn
        Connection whose transaction the rows join.
    table
        Key of :data:`TABLES` naming the columns and their kinds.
    rows
        Rows keyed by column, geometries already in EPSG:4326.
    into
        Table to write instead of ``table`` (a staging table with the same columns).

    Returns
    -------
    int
        The row count.
    """
    columns, kind = TABLES[table]
    raw = conn.connection.driver_connection
    if raw is None:
        raise DataError("no database connection")
    count = 0
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {into or table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = []
            for col in columns:
                if col == "geom":
                    geom = shapely.set_srid(_promote(row["geom"], kind), 4326)
                    values.append(shapely.to_wkb(geom, hex=True, include_srid=True))
                else:
                    values.append(row[col])
            copy.write_row(values)
            count += 1
    return count


def delete_all(conn: Connection) -> None:
    """Delete every row of every layer table (in the caller's transaction)."""
    for table in DELETE_ORDER:
        conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (table names from DELETE_ORDER)
