"""``python -m geo verify``: the stored figures of units against an independent recomputation.

The recomputation never reads what the engine writes (``unit_coverage``, the mosaic, road and unit
pieces, ``camera.view_geom``, ``incident.watched`` or ``incident.unit_code``): it reads the raw rows
(the unit's own polygon, cameras' positions and angles, roads, patrol routes, incidents) and works
in memory with Shapely and pyproj, following DOMAIN.md directly:

- each unit in the UTM zone of its centre (found from its longitude, not read from the engine's
  settings): percentages are ratios, which a zone's scale error (under 0.1 % within the zone)
  leaves alone. Lines between the stored vertices are straight in that projection, as the engine
  reads them: a street drawn on a border between the border's vertices is on it in that sense (in
  degrees, or in another projection, a kilometre-long segment bends by up to decimetres);
- camera view sectors built geodesically on the WGS-84 ellipsoid (``pyproj.Geod``: the arc at range
  ``range_m`` from the camera, :data:`ARC_SEGMENTS` segments), not the engine's projected arc;
- patrol buffers of the routes in that projection; the road network dissolved, measured inside the
  unit grown by 1 mm (units are closed: a road on a border is in both units).

A figure *differs* when a percentage is more than :data:`MAX_PP` percentage points off, or when an
incident count is off by more than the incidents lying within :data:`EDGE_M` of a view's edge or of
the unit's border (where the 3-degree chords of the engine's arc or a border decide).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from sqlalchemy import Connection, text

from geo._sql import fill, incident_window, window_params
from geo.errors import DataError
from geo.figures import LEVELS, Window, figures
from geo.metrics import COVERAGE, Cover, Measure

ARC_SEGMENTS = 256
DEFAULT_SAMPLE = 100
MAX_PP = 0.5
EDGE_M = 0.5
BORDER_M = 0.001  # a road within 1 mm of a unit's border is on it (DOMAIN.md: units are closed)
_GEOD = Geod(ellps="WGS84")
_DEG_M = 111_000.0  # metres per degree of latitude, a little less: box margins err on the wide side

# The figures compared: (name, kind) with kind 'pct' (percentage points) or 'count'.
FIGURES = (
    *((m.key, "pct") for m in COVERAGE),
    ("cameras", "count"),
    ("cameras_online", "count"),
    ("incidents", "count"),
    ("blind_incidents", "count"),
)


@dataclass(frozen=True)
class Check:
    """One figure of one unit: as stored, as recomputed, and the difference allowed.

    Percentages in percent (None: n/a), counts as numbers.
    """

    code: str
    level: str
    figure: str
    stored: float | None
    recomputed: float | None
    allowed: float

    @property
    def ok(self) -> bool:
        """Whether the stored and recomputed figures agree within :attr:`allowed` (both n/a too)."""
        if self.stored is None or self.recomputed is None:
            return self.stored is None and self.recomputed is None
        return abs(self.stored - self.recomputed) <= self.allowed + 1e-9


def choose_units(
    conn: Connection,
    sample: int | None = None,
    unit: str | None = None,
    level: str | None = None,
    seed: int | None = None,
) -> list[str]:
    """Choose the codes of the units to verify.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    sample
        How many units to draw at random; default :data:`DEFAULT_SAMPLE` when neither ``unit`` nor
        ``level`` is given, otherwise all of them.
    unit
        Verify this one unit only.
    level
        Draw among the units of this level only; without it the sample holds one unit of each
        level.
    seed
        Makes the sample repeatable.

    Returns
    -------
    list of str
        The unit codes, sorted.

    Raises
    ------
    DataError
        For an unknown unit or level, a sample below 1, or a unit with a sample or a level.
    """
    if level is not None and level not in LEVELS:
        raise DataError(f"level {level!r} is not allowed: expected one of {', '.join(LEVELS)}")
    if sample is not None and sample < 1:
        raise DataError(f"--sample {sample} is not allowed: expected at least 1 unit")
    if unit is not None and (sample is not None or level is not None):
        raise DataError("--unit names one unit: it is not allowed with --sample or --level")
    rows = conn.execute(
        text("SELECT code, level FROM admin_unit UNION ALL SELECT code, 'grid' FROM grid_cell")
    ).all()
    levels = {str(code): str(lvl) for code, lvl in rows}
    if unit is not None:
        if unit not in levels:
            raise DataError(
                f"unit {unit!r} does not exist: expected the code of an admin unit or a grid cell"
            )
        return [unit]
    rng = random.Random(seed)
    codes = sorted(c for c, lvl in levels.items() if level is None or lvl == level)
    if sample is None and level is None:
        sample = DEFAULT_SAMPLE
    if sample is None or sample >= len(codes):
        return codes
    chosen: list[str] = []
    if level is None:  # one of each level first, then the rest at random
        for lvl in LEVELS:
            of_level = [c for c in codes if levels[c] == lvl]
            if of_level and len(chosen) < sample:
                chosen.append(rng.choice(of_level))
    rest = [c for c in codes if c not in set(chosen)]
    return sorted(chosen + rng.sample(rest, sample - len(chosen)))


def verify(
    conn: Connection, codes: Sequence[str], window: Window, patrol_buffer_m: float
) -> list[Check]:
    """Compare every figure of :data:`FIGURES` of the units ``codes``, stored and recomputed.

    The stored figures are the engine's last refresh and the window's incidents as the page shows
    them; the recomputation is described in the module docstring.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    codes
        Codes of the units (admin units or grid cells) to check.
    window
        The incident window (time range, categories, statuses).
    patrol_buffer_m
        Half-width of a patrol route's coverage, in metres.

    Returns
    -------
    list of Check
        One check per unit and figure.
    """
    stored = {f.code: f for f in figures(conn, window, codes=list(codes))}
    max_range = float(
        conn.execute(text("SELECT coalesce(max(range_m), 0) FROM camera")).scalar_one()
    )
    checks: list[Check] = []
    for code in codes:
        mine, edge = _recompute(conn, code, window, patrol_buffer_m, max_range)
        shown = stored.get(code)
        level = str(mine.pop("level"))
        for figure, kind in FIGURES:
            value = None if shown is None else shown.row()[figure]
            allowed = MAX_PP if kind == "pct" else float(edge.get(figure, 0))
            checks.append(Check(code, level, figure, value, mine[figure], allowed))
    return checks


def _recompute(
    conn: Connection, code: str, window: Window, buffer_m: float, max_range: float
) -> tuple[dict[str, Any], dict[str, int]]:
    """Recompute the unrounded figures of unit ``code`` from the raw rows.

    Also returns the incidents near an edge (the tolerance of each count).
    """
    row = conn.execute(
        text(
            "SELECT level, ST_AsBinary(geom) FROM admin_unit WHERE code = :c "
            "UNION ALL SELECT 'grid', ST_AsBinary(geom) FROM grid_cell WHERE code = :c"
        ),
        {"c": code},
    ).first()
    if row is None:
        raise DataError(f"unit {code!r} does not exist")
    unit_ll = shapely.from_wkb(bytes(row[1]))
    lon0, lat0 = unit_ll.centroid.x, unit_ll.centroid.y
    to_m = Transformer.from_crs(4326, utm_zone(lon0, lat0), always_xy=True)

    def project(g: Any) -> Any:
        return shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

    unit = project(unit_ll)
    lat_m = _DEG_M * max(math.cos(math.radians(abs(lat0) + 1)), 0.05)
    box = unit_ll.bounds
    cams = _rows(
        conn,
        "SELECT status, azimuth_deg, fov_deg, range_m, ST_AsBinary(geom) FROM camera",
        box,
        (max_range + 1) / lat_m,
    )
    sectors = project(
        sector_array(
            [(g.x, g.y, float(az), float(fov), float(rng)) for _s, az, fov, rng, g in cams]
        )
    )
    online = np.array([c[0] == "online" for c in cams], dtype=bool)
    working = _union_near(list(sectors[online]), unit)
    others = _union_near(list(sectors[~online]), unit)
    routes = [
        project(g)
        for (g,) in _rows(
            conn, "SELECT ST_AsBinary(geom) FROM patrol_route", box, (buffer_m + 1) / lat_m
        )
    ]
    patrol = _union_near([r.buffer(buffer_m, quad_segs=64) for r in routes], unit)
    roads = _union_near(
        [project(g) for (g,) in _rows(conn, "SELECT ST_AsBinary(geom) FROM road", box, 1e-4)],
        unit.buffer(1.0),
    )
    shapely.prepare(unit)
    lines = _inside(unit.buffer(BORDER_M, join_style="mitre"), roads)
    road = shapely.MultiLineString(
        [g for g in lines if g.geom_type == "LineString" and not g.is_empty]
    )
    area = unit.area

    def pct(part: Any, whole: float) -> float | None:
        return None if whole <= 0 else 100.0 * float(part) / whole

    def on_road(cover: Any) -> float | None:
        return (
            None
            if road.length < 0.01
            else pct(shapely.intersection(road, cover).length, road.length)
        )

    in_unit = [c for c in cams if shapely.covers(unit_ll, c[-1])]
    incidents = project(
        np.array(
            [
                g
                for (g,) in _rows(
                    conn,
                    fill(
                        "SELECT ST_AsBinary(geom) FROM incident WHERE $window",
                        window=incident_window(""),
                    ),
                    box,
                    1e-5,
                    window_params(window),
                )
            ],
            dtype=object,
        )
    )
    border, view_edges = unit.boundary, working.boundary
    for g in (unit, border, working, view_edges):
        shapely.prepare(g)
    inside = np.asarray(shapely.covers(unit, incidents), dtype=bool)
    near_border = np.asarray(shapely.dwithin(border, incidents, EDGE_M), dtype=bool)
    seen = np.asarray(shapely.covers(working, incidents), dtype=bool)
    near_view = np.asarray(shapely.dwithin(view_edges, incidents, EDGE_M), dtype=bool) & (
        inside | near_border
    )
    covers = {Cover.WORKING_VIEW: working, Cover.OTHER_VIEW: others, Cover.PATROL: patrol}
    unions: dict[frozenset[Cover], Any] = {}  # metrics covered by the same things share one union
    figures_: dict[str, Any] = {"level": row[0]}
    for metric in COVERAGE:  # what covers each metric, by its declaration (geo/metrics.py)
        by = frozenset(metric.covered_by)
        if by not in unions:
            parts = [covers[c] for c in sorted(by)]
            unions[by] = parts[0] if len(parts) == 1 else shapely.union_all(parts)
        cover = unions[by]
        figures_[metric.key] = (
            pct(_area_inside(unit, cover), area)
            if metric.measure is Measure.AREA
            else on_road(cover)
        )
    figures_ |= {
        "cameras": len(in_unit),
        "cameras_online": sum(1 for c in in_unit if c[0] == "online"),
        "incidents": int(inside.sum()),
        "blind_incidents": int((inside & ~seen).sum()),
    }
    edge = {
        "incidents": int(near_border.sum()),
        "blind_incidents": int(near_border.sum() + near_view.sum()),
    }
    return figures_, edge


def utm_zone(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS-84 UTM zone holding (``lon``, ``lat``) in degrees.

    >>> utm_zone(113.7, 37.6), utm_zone(-70.6, -33.4)
    (32649, 32719)
    """
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def _rows(
    conn: Connection,
    select: str,
    box: tuple[float, float, float, float],
    margin_deg: float,
    params: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Fetch the rows of ``select`` whose geometry meets ``box`` grown by ``margin_deg`` degrees.

    The last column of ``select`` is WKB in EPSG:4326; it is filtered with the raw table's own
    spatial index and returned parsed.
    """
    where = " AND " if " WHERE " in select else " WHERE "
    margin_lon = margin_deg / max(math.cos(math.radians(max(abs(box[1]), abs(box[3])) + 1)), 0.05)
    rows = conn.execute(
        text(select + where + "geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"),
        {
            **(params or {}),
            "x0": box[0] - margin_lon,
            "y0": box[1] - margin_deg,
            "x1": box[2] + margin_lon,
            "y1": box[3] + margin_deg,
        },
    ).all()
    return [(*r[:-1], shapely.from_wkb(bytes(r[-1]))) for r in rows]


def sector_array(cameras: Sequence[tuple[float, float, float, float, float]]) -> np.ndarray:
    """Build the view regions of ``cameras`` as polygons in EPSG:4326.

    Geodesic sectors whose arc has :data:`ARC_SEGMENTS` segments per full turn (at least 2),
    geodesic discs where fov >= 360.

    Parameters
    ----------
    cameras
        ``(lon, lat, azimuth, fov, range)`` per camera: lon, lat in EPSG:4326 degrees, azimuth and
        fov in degrees clockwise from true north, range in metres.

    Returns
    -------
    numpy.ndarray
        One Shapely polygon per camera, in EPSG:4326.

    >>> disc, half = sector_array(
    ...     [(113.7, 37.6, 0.0, 360.0, 100.0), (113.7, 37.6, 90.0, 180.0, 100.0)]
    ... )
    >>> len(disc.exterior.coords), len(half.exterior.coords)
    (257, 131)
    """
    if not cameras:
        return np.array([], dtype=object)
    lon, lat, azimuth, fov, range_m = (np.array(c, dtype=float) for c in zip(*cameras, strict=True))
    full = fov >= 360
    segments = np.where(
        full, ARC_SEGMENTS, np.maximum(2, np.ceil(ARC_SEGMENTS * fov / 360))
    ).astype(int)
    arc_points = np.where(
        full, segments, segments + 1
    )  # a disc's last point would repeat its first
    owner = np.repeat(np.arange(len(cameras)), arc_points)
    step = np.arange(len(owner)) - np.repeat(np.cumsum(arc_points) - arc_points, arc_points)
    bearings = azimuth[owner] - fov[owner] / 2 + fov[owner] * step / segments[owner]
    x, y, _back = _GEOD.fwd(lon[owner], lat[owner], bearings, range_m[owner])
    # a sector's ring: the camera, its arc, the camera again; a disc's: its arc, closed
    starts = np.cumsum(arc_points) - arc_points
    ring_points = arc_points + np.where(full, 0, 1)
    ring_start = np.cumsum(ring_points) - ring_points
    ring_owner = np.repeat(np.arange(len(cameras)), ring_points)
    ring_x, ring_y = np.empty(len(ring_owner)), np.empty(len(ring_owner))
    apex = ring_start[~full]  # a sector starts at the camera
    ring_x[apex], ring_y[apex] = lon[~full], lat[~full]
    shift = np.where(full, 0, 1)
    arc_at = np.repeat(ring_start + shift - starts, arc_points) + np.arange(len(owner))
    ring_x[arc_at], ring_y[arc_at] = x, y
    rings = shapely.linearrings(ring_x, ring_y, indices=ring_owner)
    return np.asarray(shapely.polygons(rings))


def _inside(unit: Any, geom: Any) -> np.ndarray:
    """Clip the parts of ``geom`` (disjoint polygons, or lines) to ``unit`` (prepared).

    The parts inside are kept as they are, only the others are intersected.
    """
    parts = shapely.get_parts(geom)
    if not len(parts):
        return np.array([], dtype=object)
    inside = np.asarray(shapely.contains_properly(unit, parts), dtype=bool)
    return np.concatenate(
        [parts[inside], shapely.get_parts(shapely.intersection(parts[~inside], unit))]
    )


def _area_inside(unit: Any, geom: Any) -> float:
    """Area of ``geom`` inside ``unit`` (prepared), in the units of their CRS."""
    return float(shapely.area(_inside(unit, geom)).sum())


def _union_near(shapes: list[Any], unit: Any) -> Any:
    """Return the union of the ``shapes`` that meet ``unit`` (an empty polygon if none)."""
    near = [s for s in shapes if s.intersects(unit)]
    return shapely.union_all(near) if near else shapely.Polygon()


def render(checks: Sequence[Check]) -> str:
    """Render ``checks`` as an aligned table.

    Columns: unit, level, figure, stored, recomputed, difference, allowed, 'ok' or 'DIFFERS'.
    """
    counts = {name for name, kind in FIGURES if kind == "count"}

    def shown(v: float | None, digits: int) -> str:
        return "n/a" if v is None else f"{v:.{digits}f}"

    lines = [("code", "level", "figure", "stored", "recomputed", "diff", "allowed", "")]
    for c in checks:
        digits = 0 if c.figure in counts else 2
        diff = (
            ""
            if c.stored is None or c.recomputed is None
            else f"{c.stored - c.recomputed:+.{digits}f}"
        )
        lines.append(
            (
                c.code,
                c.level,
                c.figure,
                shown(c.stored, digits),
                shown(c.recomputed, digits),
                diff,
                f"{c.allowed:g}",
                "ok" if c.ok else "DIFFERS",
            )
        )
    widths = [max(len(r[i]) for r in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in lines
    )
