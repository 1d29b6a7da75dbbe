"""Place names of points: the township and village a point lies in, for tables that list places."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text


def names_at(conn: Connection, points: Sequence[tuple[float, float]]) -> list[str]:
    """Name the township and village holding each (lon, lat) in EPSG:4326 degrees.

    Returns "township · village" (or the part found, or "") for each point, in the order given; one
    query for all points (the units' GiST index finds the holders).
    """
    if not points:
        return []
    rows = conn.execute(
        text("""
        SELECT p.n, coalesce(t.name, '') AS township, coalesce(v.name, '') AS village
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
             WITH ORDINALITY AS p(lon, lat, n)
        LEFT JOIN LATERAL (SELECT name FROM admin_unit WHERE level = 'township'
                           AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                           ORDER BY code LIMIT 1) t ON true
        LEFT JOIN LATERAL (SELECT name FROM admin_unit WHERE level = 'village'
                           AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                           ORDER BY code LIMIT 1) v ON true
        ORDER BY p.n"""),
        {"lons": [p[0] for p in points], "lats": [p[1] for p in points]},
    )
    return [" · ".join(x for x in (r.township, r.village) if x) for r in rows]
