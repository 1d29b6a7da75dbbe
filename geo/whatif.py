"""What-if: the figures of every unit a hypothetical camera or patrol route would change.

Nothing is written. The new coverage is the hypothetical view (or route buffer) minus what the
mosaic already covers, so the answer equals what a refresh would give after really adding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import limits
from geo._coverage_sql import BORDER_M, QUAD_SEGS, ROAD_SHAPE
from geo._sql import complete, fill, incident_window, window_params
from geo.coverage import metric_srid
from geo.errors import DataError
from geo.figures import UnitFigures, Window, raw_figures, unit_figures
from geo.metrics import COVERAGE, Cover, Measure, Metric


@dataclass(frozen=True)
class Camera:
    """A hypothetical working camera.

    Position in EPSG:4326 degrees, angles in degrees, range in m.
    """

    lon: float
    lat: float
    azimuth_deg: float
    fov_deg: float
    range_m: float

    def check(self) -> None:
        """Raise :class:`DataError` naming the field when a value is impossible or over a limit.

        The limits are in :mod:`geo.limits` (range at most 20 km).
        """
        limits.number("camera longitude", self.lon, -180, 180)
        limits.number("camera latitude", self.lat, -90, 90)
        limits.number("azimuth_deg", self.azimuth_deg, -360, 720)
        limits.number("fov_deg", self.fov_deg, 0, 360, low_open=True)
        limits.number("range_m", self.range_m, 0, limits.MAX_CAMERA_RANGE_M, low_open=True)


@dataclass(frozen=True)
class Route:
    """A hypothetical patrol route: a line of (lon, lat) points in EPSG:4326."""

    points: tuple[tuple[float, float], ...]

    def check(self) -> None:
        """Raise :class:`DataError` for a route that is not allowed.

        That is fewer than 2 or more than ``MAX_ROUTE_POINTS`` points, a point that is not a
        longitude/latitude, or a route longer than ``MAX_ROUTE_KM`` (:mod:`geo.limits`).
        """
        if not 2 <= len(self.points) <= limits.MAX_ROUTE_POINTS:
            raise DataError(
                f"a route has {len(self.points)} points; expected 2 to {limits.MAX_ROUTE_POINTS}"
            )
        for x, y in self.points:
            limits.number("route longitude", x, -180, 180)
            limits.number("route latitude", y, -90, 90)
        length = limits.route_length_km(self.points)
        if length > limits.MAX_ROUTE_KM:
            raise DataError(
                f"a route of {length:,.0f} km is not allowed: "
                f"expected at most {limits.MAX_ROUTE_KM:g} km"
            )

    def wkt(self) -> str:
        """Return the route as WKT (a LINESTRING, EPSG:4326 longitude/latitude)."""
        return (
            "LINESTRING(" + ", ".join(f"{x!r} {y!r}" for x, y in self.points) + ")"
        )  # exact doubles


@dataclass(frozen=True)
class Change:
    """A unit's figures before and after the hypothetical change."""

    before: UnitFigures
    after: UnitFigures


# The new coverage of each coverage metric comes from the cameras (working, like every new one) when
# a working view covers it, and from the routes when a patrol does. Metrics covered by the same
# things share one *shape* (named, e.g., 'patrol+working_view'), computed once.
def _shape_name(metric: Metric) -> str:
    return "+".join(sorted(c.value for c in metric.covered_by))


def _shape_sql(metric: Metric) -> str | None:
    """Return SQL selecting the new shapes that cover ``metric``, or None when nothing new can.

    The SQL selects (name, the union of the new views and/or route buffers that cover ``metric``);
    None is for a metric of the other cameras only.
    """
    sources = [
        s
        for s, cover in (("cams", Cover.WORKING_VIEW), ("routes", Cover.PATROL))
        if cover in metric.covered_by
    ]
    name = _shape_name(metric)
    if not sources:
        return None
    if len(sources) == 1:
        return fill(
            "SELECT '$name', g FROM $source WHERE g IS NOT NULL", name=name, source=sources[0]
        )
    union = " UNION ALL ".join(fill("SELECT g FROM $source", source=s) for s in sources)
    return fill(
        "SELECT '$name', ST_Union(g) FROM ($union) x HAVING count(g) > 0", name=name, union=union
    )


_SHAPES = {_shape_name(m): m for m in COVERAGE}  # one metric per shape: their classes are the same
_SHAPE_CLASSES = ", ".join(
    f"('{name}', '{c.value}')" for name, m in _SHAPES.items() for c in m.classes
)
_SHAPE_SQL = "\n          UNION ALL ".join(
    q for q in (_shape_sql(m) for m in _SHAPES.values()) if q is not None
)


def _kinds(measure: Measure) -> str:
    """Return the SQL list of the shapes a metric of ``measure`` is measured on."""
    names = sorted({_shape_name(m) for m in COVERAGE if m.measure is measure})
    return "(" + ", ".join(f"'{n}'" for n in names) + ")"


# Per unit: the area and road length that the new coverage adds to each shape ('area ' or 'roads '
# and the shape's name), the blind incidents it sees ('seen') and the new cameras in it ('camera').
# ``n`` is each shape minus what the mosaic already covers of the classes of its metrics.
_DELTA = """
WITH m (kind, class) AS (VALUES $kind_classes),
cam AS MATERIALIZED (
    SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS p,
           ST_Transform(
               gs_camera_view(ST_SetSRID(ST_MakePoint(lon, lat), 4326), az, fov, rng, :srid), :srid)
               AS g
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]), CAST(:azs AS float8[]),
                CAST(:fovs AS float8[]), CAST(:rngs AS float8[])) AS c(lon, lat, az, fov, rng)),
route AS (SELECT ST_Buffer(ST_Transform(ST_GeomFromText(w, 4326), :srid), :buffer, '$quad_segs')
                     AS g
          FROM unnest(CAST(:routes AS text[])) AS r(w)),
cams AS MATERIALIZED (SELECT ST_Union(g) AS g FROM cam),
routes AS MATERIALIZED (SELECT ST_Union(g) AS g FROM route),
shape (kind, g) AS ($shapes),
n AS MATERIALIZED (
    SELECT kind, CASE WHEN covered IS NULL THEN g ELSE ST_Difference(g, covered) END AS g
    FROM (SELECT s.kind, s.g, (SELECT ST_Union(p.geom) FROM coverage_piece p
                               JOIN m ON m.class = p.kind
                               WHERE m.kind = s.kind AND ST_Intersects(p.geom, s.g)) AS covered
          FROM shape s) x),
area AS (SELECT u.code, n.kind, sum(ST_Area(ST_Intersection(u.geom, n.g))) AS a
         FROM unit_piece u JOIN n ON ST_Intersects(u.geom, n.g)
         WHERE n.kind IN $area_kinds GROUP BY 1, 2),
road AS (SELECT code, kind, sum(ST_Length(ST_Intersection(line, area))) AS l FROM (
             SELECT u.code, n.kind, ST_Intersection(r.geom, n.g) AS line,
                    ST_Union($road_shape) AS area
             FROM n JOIN road_piece r ON ST_Intersects(r.geom, n.g)
             JOIN unit_piece u ON ST_DWithin(u.geom, r.geom, $border_m)
             WHERE n.kind IN $road_kinds GROUP BY u.code, n.kind, r.id, r.geom, n.g) x
         GROUP BY 1, 2),
view AS (SELECT ST_Transform(g, 4326) AS g FROM cams WHERE g IS NOT NULL),
seen AS (SELECT i.geom, i.unit_code FROM incident i, view
         WHERE $incident_window
           AND ST_Intersects(view.g, i.geom)
           AND NOT i.watched),
-- counted in the units whose code starts its unit_code, as the figures count it
-- (a border incident once)
newly AS (SELECT u.code, count(*) AS c FROM unit_coverage u
          JOIN seen ON ST_Intersects(u.geom, seen.geom) AND starts_with(seen.unit_code, u.code)
          GROUP BY 1),
host AS (SELECT u.code, count(*) AS c FROM unit_coverage u
         JOIN cam ON ST_Intersects(u.geom, cam.p) GROUP BY 1)
SELECT code, 'area ' || kind, a AS value FROM area
UNION ALL SELECT code, 'roads ' || kind, l FROM road
UNION ALL SELECT code, 'seen', c FROM newly
UNION ALL SELECT code, 'camera', c FROM host
"""
_DELTA_SQL = complete(
    _DELTA,
    kind_classes=_SHAPE_CLASSES,
    shapes=_SHAPE_SQL,
    area_kinds=_kinds(Measure.AREA),
    road_kinds=_kinds(Measure.ROADS),
    quad_segs=QUAD_SEGS,
    road_shape=fill(ROAD_SHAPE, g="u.geom"),
    border_m=BORDER_M,
    incident_window=incident_window("i"),
)
# The column of each coverage metric, by the delta that adds to it.
_FIELDS = {
    f"{'area' if m.measure is Measure.AREA else 'roads'} {_shape_name(m)}": str(m.column)
    for m in COVERAGE
}


def what_if(
    conn: Connection,
    change: Camera | Route | Sequence[Camera | Route],
    window: Window,
    patrol_buffer_m: float = 100.0,
) -> list[Change]:
    """Compute the figures, before and after, of every unit (cell to county) ``change`` affects.

    Reads the last refresh; writes nothing.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    change
        One camera or route, or several together (a plan). New cameras count as working.
    window
        The incident window of the incident figures.
    patrol_buffer_m
        Width of the new routes' patrol buffers, in metres of the metric CRS.

    Returns
    -------
    list of Change
        One entry per affected unit.

    Raises
    ------
    DataError
        For an impossible camera or route.
    """
    changes = [change] if isinstance(change, Camera | Route) else list(change)
    check_items(changes)
    cams = [c for c in changes if isinstance(c, Camera)]
    routes = [r.wkt() for r in changes if isinstance(r, Route)]
    if not cams and not routes:
        return []
    conn.execute(text("SET LOCAL jit = off"))
    params: dict[str, Any] = {
        "srid": metric_srid(conn),
        **window_params(window),
        "buffer": patrol_buffer_m,
        "lons": [c.lon for c in cams],
        "lats": [c.lat for c in cams],
        "azs": [c.azimuth_deg % 360 for c in cams],
        "fovs": [c.fov_deg for c in cams],
        "rngs": [c.range_m for c in cams],
        "routes": routes,
    }
    deltas: dict[str, dict[str, float]] = {}
    for code, kind, value in conn.execute(text(_DELTA_SQL), params):
        deltas.setdefault(code, {})[kind] = float(value or 0)
    return _changes(conn, window, deltas)


def _changes(conn: Connection, window: Window, deltas: dict[str, dict[str, float]]) -> list[Change]:
    if not deltas:
        return []
    rows = raw_figures(conn, window, "u.code = ANY(:codes)", {"codes": sorted(deltas)})
    out = []
    for row in rows:
        delta = deltas[row["code"]]
        after = dict(row)
        for kind, column in _FIELDS.items():
            after[column] = row[column] + delta.get(kind, 0.0)
        after["blind"] = row["blind"] - int(delta.get("seen", 0))
        after["cameras"] = row["cameras"] + int(delta.get("camera", 0))
        after["cameras_online"] = row["cameras_online"] + int(delta.get("camera", 0))
        out.append(Change(unit_figures(row), unit_figures(after)))
    order = {"province": -2, "city": -1, "county": 0, "township": 1, "village": 2, "grid": 3}
    return sorted(out, key=lambda c: (order[c.before.level], c.before.code))


def check_items(items: Sequence[Camera | Route]) -> None:
    """Raise :class:`DataError` for more than ``MAX_ITEMS`` items or an impossible one."""
    if len(items) > limits.MAX_ITEMS:
        raise DataError(
            f"{len(items)} cameras and routes at once; at most {limits.MAX_ITEMS} are allowed"
        )
    for item in items:
        item.check()


def codes(changes: Sequence[Change]) -> list[str]:
    """Return the codes of the units in ``changes``."""
    return [c.before.code for c in changes]


def view_shapes(conn: Connection, cameras: Sequence[Camera]) -> list[str]:
    """Build the view region of each camera as GeoJSON text (EPSG:4326).

    The engine's function builds them.
    """
    if not cameras:
        return []
    rows = conn.execute(
        text("""
        SELECT ST_AsGeoJSON(
                   gs_camera_view(ST_SetSRID(ST_MakePoint(lon, lat), 4326), az, fov, rng, :srid), 7)
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]), CAST(:azs AS float8[]),
                    CAST(:fovs AS float8[]), CAST(:rngs AS float8[]))
             WITH ORDINALITY AS c(lon, lat, az, fov, rng, n)
        ORDER BY n"""),
        {
            "srid": metric_srid(conn),
            "lons": [c.lon for c in cameras],
            "lats": [c.lat for c in cameras],
            "azs": [c.azimuth_deg % 360 for c in cameras],
            "fovs": [c.fov_deg for c in cameras],
            "rngs": [c.range_m for c in cameras],
        },
    )
    return [r[0] for r in rows]
