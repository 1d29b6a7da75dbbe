"""SQL fragments shared by the layer queries (all geometry in EPSG:4326)."""

from __future__ import annotations

from geo._sql import clipped_to_scope, incident_window

__all__ = ["clustered", "in_view", "incident_window", "local_time", "simplified"]

IN_VIEW = "{col} && ST_MakeEnvelope(:west, :south, :east, :north, 4326)"


def in_view(col: str = "geom") -> str:
    """Bounding-box test of ``col`` against the view (uses the GiST index)."""
    return IN_VIEW.format(col=col)


def clipped(col: str = "geom") -> str:
    """Return SQL of ``col`` cut to the request's jurisdiction.

    That is the part inside the scope unit's polygon for an account limited to a unit, ``col``
    itself for the whole deployment (migration 0014_scope_clip; the polygon is looked up once per
    statement). Same CRS as ``col`` (EPSG:4326 here).
    """
    return clipped_to_scope(col)


def simplified(col: str = "geom") -> str:
    """Return SQL of the GeoJSON text of ``col`` simplified to half a pixel at the view's zoom.

    Coordinates keep 6 decimals (~0.1 m).
    """
    return f"ST_AsGeoJSON(ST_SimplifyPreserveTopology({col}, :tolerance), 6)"


def local_time(col: str) -> str:
    """Return SQL of ``col`` (timestamptz) as 'YYYY-MM-DD HH24:MI' in the display time zone.

    It binds ``:tz``, an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting, which
    :meth:`layers.view.View.params` binds.
    """
    return f"to_char({col} AT TIME ZONE CAST(:tz AS text), 'YYYY-MM-DD HH24:MI')"


# Zoomed out, point layers send clusters rather than thousands of points nobody can tell apart: the
# points that fall in one square of CLUSTER_PX screen pixels (EPSG:3857 at the view's zoom) become
# one feature at their centroid with their number ``n``; a square holding one point sends the point.
CLUSTER_MAX_ZOOM = 13  # the township's view; a village's (zoom 15) shows every point
CLUSTER_PX = 40
_EQUATOR_M = 40075016.686  # EPSG:3857 metres around the world, i.e. 256 pixels at zoom 0


def clustered(points: str, columns: tuple[str, ...], summaries: dict[str, str]) -> str:
    """Return SQL gathering the rows of ``points`` into clusters.

    ``points`` has the columns ``fid``, ``geom`` and ``columns``.

    A cluster's row has ``fid`` 'cluster:x:y', its centroid as ``geometry`` (GeoJSON, EPSG:4326),
    ``n`` and every aggregate of ``summaries`` (name → SQL over the cluster's rows); the ``columns``
    are NULL. A lone point keeps its ``fid``, geometry and ``columns``, with ``n`` NULL. Largest
    clusters first. Binds ``:zoom`` and ``:limit``.
    """
    side = f"({CLUSTER_PX} * {_EQUATOR_M} / (256 * power(2, :zoom)))"
    aggregates = "".join(f", {sql} AS {name}" for name, sql in summaries.items())
    lone = "".join(f", CASE WHEN k.n = 1 THEN g.{c} END AS {c}" for c in columns)
    totals = "".join(f", CASE WHEN k.n > 1 THEN k.{name} END AS {name}" for name in summaries)
    return f"""
    WITH p AS MATERIALIZED ({points}),
    g AS (SELECT p.*, floor(ST_X(m) / {side}) AS gx, floor(ST_Y(m) / {side}) AS gy
          FROM p CROSS JOIN LATERAL ST_Transform(p.geom, 3857) AS m),
    k AS (SELECT gx, gy, count(*) AS n, min(fid) AS first,
                 ST_Centroid(ST_Collect(geom)) AS centre{aggregates}
          FROM g GROUP BY gx, gy)
    SELECT CASE WHEN k.n = 1 THEN g.fid ELSE 'cluster:' || k.gx || ':' || k.gy END AS fid,
           ST_AsGeoJSON(CASE WHEN k.n = 1 THEN g.geom ELSE k.centre END, 6) AS geometry{lone},
           CASE WHEN k.n > 1 THEN k.n END AS n{totals}
    FROM k JOIN g ON g.gx = k.gx AND g.gy = k.gy AND g.fid = k.first
    ORDER BY k.n DESC, fid LIMIT :limit"""  # noqa: S608 (fragments from layers._sql; values bound)
