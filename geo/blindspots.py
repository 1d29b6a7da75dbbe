"""Blind spots: hot spots and incident clusters that no working camera sees and no patrol passes.

An incident is *unguarded* when it lies outside every working (online) camera's view and outside
every patrol buffer (the last coverage refresh's patrol pieces). Two kinds of blind spot:

- ``hot_spot``: a Gi* hot spot (:mod:`geo.hotspots`) with unguarded incidents; its shape is the
  part of the hot spot covered by neither cameras nor patrols (the gap);
- ``cluster``: a DBSCAN cluster (PostGIS ``ST_ClusterDBSCAN``, metric CRS) of unguarded incidents,
  ``eps_m`` apart at most, with ``min_incidents`` at least; its shape is their convex hull grown by
  :data:`HULL_MARGIN_M`.

Ranked by unguarded incidents, most first.

For an account limited to a unit, both shapes are cut at the unit's border (the hot spots by
:func:`geo.hotspots.spot_sql`, the hulls here), their areas and label points are those of the part
inside; whole-deployment accounts get them whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo._sql import clipped_to_scope, incident_window, window_params
from geo.coverage import metric_srid
from geo.figures import Window
from geo.hotspots import Analysis, spot_sql
from geo.metrics import COMBINED_PCT, PATROL_PCT, classes_sql

HULL_MARGIN_M = 30.0
# The mosaic classes a patrol buffer covers, and those a working camera or a patrol covers.
_PATROL = classes_sql(PATROL_PCT.classes)
_COMBINED = classes_sql(COMBINED_PCT.classes)

_UNGUARDED = f"""
unguarded AS MATERIALIZED (
    SELECT i.code, ST_Transform(i.geom, :srid) AS p FROM incident i
    WHERE {incident_window("i")}
      AND NOT i.watched
      AND NOT EXISTS (SELECT 1 FROM coverage_piece cp WHERE cp.kind IN {_PATROL}
                      AND ST_Intersects(cp.geom, ST_Transform(i.geom, :srid))))
"""  # noqa: S608 (constant fragments; values bound)

_SPOTS = f"""
WITH spot AS MATERIALIZED ({{spots}}), {_UNGUARDED},
counted AS (SELECT s.id, s.geom,
                   (SELECT count(*) FROM unguarded u WHERE ST_Intersects(s.geom, u.p)) AS n
            FROM spot s),
shaped AS (SELECT id, n,
                  CASE WHEN covered IS NULL THEN geom ELSE ST_Difference(geom, covered) END AS g
           FROM (
               SELECT c.id, c.n, c.geom, (SELECT ST_Union(cp.geom) FROM coverage_piece cp
                                          WHERE cp.kind IN {_COMBINED}
                                            AND ST_Intersects(cp.geom, c.geom)) AS covered
               FROM counted c WHERE c.n > 0) x)
SELECT 'hot_spot', id, n, ST_Area(g), ST_AsGeoJSON(ST_Transform(g, 4326), 6),
       ST_X(ST_Transform(ST_PointOnSurface(g), 4326)),
       ST_Y(ST_Transform(ST_PointOnSurface(g), 4326))
FROM shaped WHERE NOT ST_IsEmpty(g)
"""  # noqa: S608 (constant fragments; values bound)
_CLUSTERS = f"""
WITH {_UNGUARDED},
labelled AS (SELECT p, ST_ClusterDBSCAN(p, eps => :eps, minpoints => :minpts) OVER () AS cid
             FROM unguarded),
hull AS (SELECT cid, count(*) AS n,
                {clipped_to_scope("ST_Buffer(ST_ConvexHull(ST_Collect(p)), :margin)", ":srid")} AS g
         FROM labelled WHERE cid IS NOT NULL GROUP BY cid),
labelled_hull AS (SELECT n, g, CASE WHEN ST_Intersects(g, ST_Centroid(g)) THEN ST_Centroid(g)
                                    ELSE ST_PointOnSurface(g) END AS label
                  FROM hull WHERE NOT ST_IsEmpty(g))
SELECT 'cluster', 'C' || (row_number() OVER (ORDER BY n DESC, ST_XMin(g))), n, ST_Area(g),
       ST_AsGeoJSON(ST_Transform(g, 4326), 6), ST_X(ST_Transform(label, 4326)),
       ST_Y(ST_Transform(label, 4326))
FROM labelled_hull
"""  # noqa: S608 (constant fragments; values bound)


@dataclass(frozen=True)
class BlindSpot:
    """One blind spot: where incidents happen that no camera or patrol guards.

    ``incidents`` unguarded in the window, ``area_m2`` of its shape (metric CRS), the shape as
    GeoJSON text and a label point inside it (a cluster's centroid when that lies inside), in
    EPSG:4326 degrees.
    """

    kind: str
    id: str
    incidents: int
    area_m2: float
    geometry: str
    lon: float
    lat: float


def blind_spots(
    conn: Connection,
    window: Window,
    analysis: Analysis | None = None,
    eps_m: float = 150.0,
    min_incidents: int = 5,
) -> list[BlindSpot]:
    """Find the blind hot spots of ``analysis`` (if given) and clusters of unguarded incidents.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    window
        The incident window whose unguarded incidents count.
    analysis
        Hot spots whose parts left uncovered are blind spots too.
    eps_m
        DBSCAN neighbourhood radius for the clusters, in metres of the metric CRS.
    min_incidents
        Fewest unguarded incidents a cluster holds (DBSCAN's ``minpoints``).

    Returns
    -------
    list of BlindSpot
        Most unguarded incidents first.
    """
    params: dict[str, Any] = {
        "srid": metric_srid(conn),
        **window_params(window),
        "eps": eps_m,
        "minpts": min_incidents,
        "margin": HULL_MARGIN_M,
    }
    rows = list(conn.execute(text(_CLUSTERS), params))
    if analysis is not None and analysis.hot_spots:
        spots, extra = spot_sql(analysis)
        rows += list(conn.execute(text(_SPOTS.format(spots=spots)), params | extra))
    found = [
        BlindSpot(k, i, int(n), float(a), g, float(x), float(y)) for k, i, n, a, g, x, y in rows
    ]
    return sorted(found, key=lambda b: (-b.incidents, b.kind, b.id))
