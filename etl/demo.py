"""The demo county (示范县): a fictional county generated procedurally from a seed.

Everything is generated in UTM zone 49N (EPSG:32649, metres) around 37.6° N, 113.7° E and converted
to EPSG:4326 when loaded. The same seed, size and end time give identical data.

Structure of one county: a town center with small community cells, ``townships`` townships as a
Voronoi partition of the county, villages partitioning each township, 1-8 grid cells partitioning
each village (smaller and more numerous near the center), highways, main roads from the center to
every township, local roads to every village and a street grid in the town; cameras concentrated on
main roads and in settlements (some offline or faulty); patrol routes on the roads with a few days
of GPS tracks; and a year of incidents with hot spots and daily and weekly rhythms.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import substring

from etl import _names

METRIC_SRID = 32649
CENTER_LONLAT = (113.7, 37.6)
CENTER_XY = (738_357.3, 4_164_863.8)  # CENTER_LONLAT in EPSG:32649
COUNTY_CODE = 140724
_CATEGORIES = ["theft", "dispute", "assault", "traffic", "fire", "fraud", "public_order", "other"]
_CATEGORY_P = [0.25, 0.20, 0.08, 0.15, 0.03, 0.10, 0.12, 0.07]
_HOUR_W = np.array(
    [
        2,
        1.5,
        1,
        0.8,
        0.7,
        0.8,
        1.2,
        2,
        3,
        3.5,
        3.5,
        3.5,
        3.8,
        3.5,
        3.5,
        3.8,
        4,
        4.5,
        5.5,
        6,
        6,
        5,
        4,
        3,
    ]
)
_WEEKDAY_W = np.array([1.0, 0.95, 0.95, 1.0, 1.15, 1.3, 1.2])


@dataclass(frozen=True)
class DemoSize:
    """How big a demo set to make. Defaults: one county as DOMAIN.md describes it."""

    counties: int = 1
    townships: int = 10
    villages_per_township: int = 24
    cameras_per_county: int = 4000
    incidents_per_county: int = 30_000
    routes_per_county: int = 30
    track_days: int = 3


@dataclass
class DemoData:
    """Generated rows, geometries in EPSG:32649 (metres). Keys match the database columns."""

    admin_units: list[dict[str, Any]] = field(default_factory=list)
    grid_cells: list[dict[str, Any]] = field(default_factory=list)
    roads: list[dict[str, Any]] = field(default_factory=list)
    cameras: list[dict[str, Any]] = field(default_factory=list)
    patrol_routes: list[dict[str, Any]] = field(default_factory=list)
    patrol_tracks: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)


def default_end() -> dt.datetime:
    """Return the default end of the incident year: now, truncated to the hour, in UTC."""
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def generate(
    seed: int = 7, size: DemoSize | None = None, end: dt.datetime | None = None
) -> DemoData:
    """Generate the demo data set (geometries in EPSG:32649).

    Parameters
    ----------
    seed: the random seed; the same seed, size and end give identical data.
    size: how many counties and features; default one county.
    end: the end of the year of incidents and of the GPS tracks (timezone-aware); default now.
    """
    size = size or DemoSize()
    end = end or default_end()
    data = DemoData()
    per_row = max(1, math.ceil(math.sqrt(size.counties)))
    for i in range(size.counties):
        rng = np.random.default_rng([seed, i])
        offset = ((i % per_row) * 52_000.0, (i // per_row) * 52_000.0)
        _County(rng, i, offset, size, end, data).build()
    return data


def county_code(index: int) -> int:
    """Return the code of the demo's county number ``index`` (0 is the demo county, 140724).

    Codes count up from :data:`COUNTY_CODE`, skipping those ending in ``00``, which are city codes
    (a code's level is in its digits: migration 0013_levels): a 140-county province has 140801, not
    140800.

    >>> county_code(0), county_code(75), county_code(76)
    (140724, 140799, 140801)
    """
    code = COUNTY_CODE
    for _ in range(index):
        code += 2 if (code + 1) % 100 == 0 else 1
    return code


def _polygons(geom: shapely.Geometry) -> MultiPolygon:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and g.area > 0]
    return MultiPolygon(parts)


# metres: every generated polygon is snapped to a 1 mm grid, so shared edges match exactly
_GRID = 0.001


def _union(parts: list[MultiPolygon]) -> MultiPolygon:
    return _polygons(shapely.union_all(parts, grid_size=_GRID))


def _partition(area: Polygon | MultiPolygon, seeds: np.ndarray) -> list[MultiPolygon]:
    """Voronoi cells of ``seeds`` clipped to ``area``: an exact partition, in seed order."""
    if len(seeds) == 1:
        return [_polygons(shapely.set_precision(area, _GRID))]
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(seeds), extend_to=area.envelope.buffer(100), ordered=True
    )
    return [_polygons(c.intersection(area, grid_size=_GRID)) for c in cells.geoms]


def _points_in(
    rng: np.random.Generator,
    area: shapely.Geometry,
    n: int,
    center: tuple[float, float] | None = None,
    sigma: float = 0.0,
) -> np.ndarray:
    """Draw ``n`` random points inside ``area``.

    Uniform, or Gaussian around ``center`` when sigma > 0.
    """
    minx, miny, maxx, maxy = area.bounds
    prepared = shapely.prepared.prep(area)
    out: list[tuple[float, float]] = []
    if n <= 0:
        return np.empty((0, 2))
    while len(out) < n:
        if sigma > 0 and center is not None:
            xy = rng.normal(center, sigma, size=(n * 2, 2))
        else:
            xy = rng.uniform((minx, miny), (maxx, maxy), size=(n * 4, 2))
        for x, y in xy:
            if len(out) < n and prepared.contains(Point(x, y)):
                out.append((x, y))
    return np.array(out)


class _County:
    def __init__(
        self,
        rng: np.random.Generator,
        index: int,
        offset: tuple[float, float],
        size: DemoSize,
        end: dt.datetime,
        data: DemoData,
    ) -> None:
        self.rng, self.size, self.end, self.data = rng, size, end, data
        self.code, self.index = f"{county_code(index):06d}", index
        self.center = (CENTER_XY[0] + offset[0], CENTER_XY[1] + offset[1])
        self.township_centers: list[tuple[float, float]] = []
        self.village_seeds: list[tuple[float, float, str]] = []  # x, y, township code
        self.cells: list[dict[str, Any]] = []
        self.roads: list[tuple[LineString, str]] = []
        self.streets: list[LineString] = []

    def build(self) -> None:
        county = self._county_shape()
        suffix = "" if self.index == 0 else str(self.index + 1)  # 示范县, 示范县2, ...
        self.data.admin_units.append(
            {"code": self.code, "name": f"示范县{suffix}", "level": "county", "parent_code": None}
        )
        county = self._townships(county)
        self._roads(county)
        self._cameras()
        self._patrols()
        self._incidents()

    # -- territory -----------------------------------------------------------------------------
    def _county_shape(self) -> Polygon:
        theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
        phases = self.rng.uniform(0, 2 * np.pi, 4)
        radius = 17_500 * (1 + sum(0.07 * np.sin((k + 2) * theta + phases[k]) for k in range(4)))
        xy = np.column_stack(
            [
                self.center[0] + radius * np.sin(theta) * 1.15,
                self.center[1] + radius * np.cos(theta) * 0.9,
            ]
        )
        return Polygon(xy)

    def _townships(self, county: Polygon) -> MultiPolygon:
        """Seeds for townships, villages and cells; cells are one Voronoi partition of the county.

        Parents are unions of their children, so every level tiles the next exactly, vertex for
        vertex, in any CRS; the Voronoi regions of township and village seeds only guide where the
        seeds of the level below go.
        """
        n = self.size.townships
        angles = np.linspace(0, 2 * np.pi, n - 1, endpoint=False) + self.rng.uniform(0, 0.5)
        dists = self.rng.uniform(6_000, 12_000, n - 1)
        seeds = np.vstack(
            [
                [self.center],
                np.column_stack(
                    [
                        self.center[0] + dists * np.sin(angles) * 1.1,
                        self.center[1] + dists * np.cos(angles) * 0.85,
                    ]
                ),
            ]
        )
        village_seeds: list[
            tuple[float, float, str, str, float]
        ] = []  # x, y, code, name, dist to township
        for i, (region, seed) in enumerate(zip(_partition(county, seeds), seeds, strict=True)):
            code = f"{self.code}{i + 1:03d}"
            center = (float(seed[0]), float(seed[1]))
            self.township_centers.append(center)
            self.data.admin_units.append(
                {
                    "code": code,
                    "name": _names.TOWNSHIPS[i % len(_names.TOWNSHIPS)],
                    "level": "township",
                    "parent_code": self.code,
                }
            )
            village_seeds += self._village_seeds(code, region, center, urban=i == 0)
        vxy = np.array([(v[0], v[1]) for v in village_seeds])
        cell_seeds: list[tuple[float, float, int]] = []
        for j, region in enumerate(_partition(county, vxy)):
            x, y, code, name, dist_township = village_seeds[j]
            self.village_seeds.append((x, y, code[:9]))
            self.data.admin_units.append(
                {"code": code, "name": name, "level": "village", "parent_code": code[:9]}
            )
            n_cells = self._cell_count(math.dist((x, y), self.center), dist_township)
            cell_seeds += [(cx, cy, j) for cx, cy in _points_in(self.rng, region, n_cells)]
        self._cells(county, cell_seeds, village_seeds)
        return self._roll_up()

    def _village_seeds(
        self, township: str, area: MultiPolygon, center: tuple[float, float], urban: bool
    ) -> list[tuple[float, float, str, str, float]]:
        n = max(
            2, self.size.villages_per_township + (16 if urban else int(self.rng.integers(-6, 4)))
        )
        n_near = n // 2 if urban else n // 4
        seeds = np.vstack(
            [
                _points_in(self.rng, area, n_near, center, 1_500 if urban else 1_200),
                _points_in(self.rng, area, n - n_near),
            ]
        )
        out = []
        for j, (x, y) in enumerate(seeds):
            name = _names.village_name(
                self.rng, urban and math.dist((x, y), self.center) < 3_000, j
            )
            out.append(
                (float(x), float(y), f"{township}{j + 1:03d}", name, math.dist((x, y), center))
            )
        return out

    def _cell_count(self, dist_center: float, dist_township: float) -> int:
        if dist_center < 3_000:
            return int(self.rng.integers(5, 9))
        if dist_township < 2_000:
            return int(self.rng.integers(3, 6))
        return int(self.rng.integers(1, 4))

    def _cells(
        self,
        county: Polygon,
        seeds: list[tuple[float, float, int]],
        villages: list[tuple[float, float, str, str, float]],
    ) -> None:
        numbering: dict[int, int] = {}
        xy = np.array([(x, y) for x, y, _v in seeds])
        for (x, y, v), poly in zip(seeds, _partition(county, xy), strict=True):
            if poly.is_empty:
                continue
            k = numbering[v] = numbering.get(v, 0) + 1
            _vx, _vy, village, name, dist_township = villages[v]
            dist_center = math.dist((x, y), self.center)
            density = (
                150
                + 9_000 * math.exp(-dist_center / 1_800)
                + 900 * math.exp(-dist_township / 1_500)
            )
            population = int(poly.area / 1e6 * density * self.rng.lognormal(0, 0.3))
            cell = {
                "code": f"{village}{k:03d}",
                "name": f"{name}第{k}网格",
                "village_code": village,
                "population": population,
                "households": int(population / 2.8),
                "grid_worker": _names.staff_name(self.rng),
                "grid_worker_phone": _names.work_phone(self.rng),
                "geom": poly,
            }
            self.cells.append(cell)
            self.data.grid_cells.append(cell)

    def _roll_up(self) -> MultiPolygon:
        """Set every village, township and the county to the union of its children."""
        units = [u for u in self.data.admin_units if u["code"].startswith(self.code)]
        children: dict[str, list[MultiPolygon]] = {}
        for cell in self.cells:
            children.setdefault(cell["village_code"], []).append(cell["geom"])
        for level in ("village", "township", "county"):
            for unit in units:
                if unit["level"] == level:
                    unit["geom"] = _union(children.get(unit["code"], []))
                    if unit["parent_code"]:
                        children.setdefault(unit["parent_code"], []).append(unit["geom"])
        # a village whose seeds all fell outside the county would be empty: drop it
        self.data.admin_units[:] = [u for u in self.data.admin_units if not u["geom"].is_empty]
        return next(u["geom"] for u in units if u["level"] == "county")

    # -- roads -----------------------------------------------------------------------------------
    def _add_road(
        self, line: LineString, cls: str, name: str, county: Polygon | None = None
    ) -> None:
        geom = line.intersection(county) if county is not None else line
        for part in getattr(geom, "geoms", [geom]):
            if isinstance(part, LineString) and part.length > 20:
                code = f"R{self.code}{len(self.roads) + 1:05d}"
                self.roads.append((part, cls))
                self.data.roads.append({"code": code, "name": name, "class": cls, "geom": part})

    def _wiggly(
        self, a: tuple[float, float], b: tuple[float, float], jitter: float, steps: int = 6
    ) -> LineString:
        t = np.linspace(0, 1, steps + 1)
        xy = np.outer(1 - t, a) + np.outer(t, b)
        normal = np.array([-(b[1] - a[1]), b[0] - a[0]]) / max(math.dist(a, b), 1)
        bend = np.sin(np.pi * t) * self.rng.normal(0, jitter)
        xy[1:-1] += np.outer(bend[1:-1], normal)[:, :] + self.rng.normal(
            0, jitter / 5, (steps - 1, 2)
        )
        return LineString(xy)

    def _roads(self, county: Polygon) -> None:
        cx, cy = self.center
        for k, angle in enumerate(self.rng.uniform(0, np.pi, 2)):
            dx, dy = 40_000 * math.sin(angle), 40_000 * math.cos(angle)
            line = self._wiggly((cx - dx, cy - dy), (cx + dx, cy + dy), 1_500, 10)
            self._add_road(line, "highway", f"G{208 + k * 99}国道", county)
        centers = self.township_centers
        for i, tc in enumerate(centers[1:], start=1):
            self._add_road(
                self._wiggly(self.center, tc, 600), "main", f"{_names.TOWNSHIPS[i]}公路", county
            )
            nxt = centers[1 + i % (len(centers) - 1)]
            if math.dist(tc, nxt) < 16_000:
                self._add_road(self._wiggly(tc, nxt, 500), "main", "县道环线", county)
        self._streets(county)
        network = shapely.union_all(
            [line for line, cls in self.roads if cls in ("highway", "main")] + self.streets
        )
        for x, y, _township in self.village_seeds:
            if math.dist((x, y), self.center) < 2_300:
                continue
            target = shapely.ops.nearest_points(network, Point(x, y))[0]
            if target.distance(Point(x, y)) > 30:
                self._add_road(
                    self._wiggly((x, y), (target.x, target.y), 120, 3), "local", "乡村道路", county
                )
            if self.rng.random() < 0.12:
                far = (x + self.rng.normal(0, 700), y + self.rng.normal(0, 700))
                self._add_road(self._wiggly((x, y), far, 150, 3), "track", "机耕路", county)

    def _streets(self, county: Polygon) -> None:
        """Add the town's street grid, every 400 m, turned 17° like the old town's walls."""
        cx, cy = self.center
        town = Point(cx, cy).buffer(2_400)
        for offset in np.arange(-2_400, 2_401, 400):
            for line in (
                LineString([(cx + offset, cy - 2_500), (cx + offset, cy + 2_500)]),
                LineString([(cx - 2_500, cy + offset), (cx + 2_500, cy + offset)]),
            ):
                line = shapely.affinity.rotate(line, 17, origin=(cx, cy))
                street = line.intersection(town)
                if street.is_empty:
                    continue
                self.streets.append(street)
                cls = "main" if abs(offset) in (0.0, 1_200.0) else "local"
                self._add_road(street, cls, "城区街道", county)

    # -- cameras -----------------------------------------------------------------------------------
    def _cameras(self) -> None:
        n = self.size.cameras_per_county
        self._road_lines = [line for line, cls in self.roads if cls != "track"]
        self._road_index = shapely.STRtree(self._road_lines)
        mains = [line for line, cls in self.roads if cls in ("highway", "main")]
        locals_ = [line for line, cls in self.roads if cls == "local"]
        picks = ["main"] * int(n * 0.45) + ["town"] * int(n * 0.12) + ["village"] * int(n * 0.10)
        picks += ["local"] * (n - len(picks))
        for i, where in enumerate(picks):
            if where == "main":
                self._road_camera(i, mains, town_bias=True)
            elif where == "local":
                self._road_camera(i, locals_ + self.streets, town_bias=False)
            else:
                self._settlement_camera(i, town=where == "town")

    def _pick_on(self, lines: list[LineString], town_bias: bool) -> tuple[Point, float]:
        weights = np.array([line.length for line in lines])
        if town_bias:
            weights = weights * np.array(
                [
                    1 + 3 * math.exp(-line.centroid.distance(Point(self.center)) / 4_000)
                    for line in lines
                ]
            )
        line = lines[int(self.rng.choice(len(lines), p=weights / weights.sum()))]
        d = float(self.rng.uniform(0, line.length))
        p, q = line.interpolate(d), line.interpolate(min(d + 5, line.length))
        heading = math.degrees(math.atan2(q.x - p.x, q.y - p.y)) if p.distance(q) > 0 else 0.0
        return p, heading

    def _road_camera(self, i: int, lines: list[LineString], town_bias: bool) -> None:
        p, heading = self._pick_on(lines, town_bias)
        kind = "checkpoint" if self.rng.random() < 0.06 else "gun"
        fov = 40.0 if kind == "checkpoint" else float(self.rng.uniform(50, 90))
        azimuth = heading + (180 if self.rng.random() < 0.5 else 0) + self.rng.normal(0, 8)
        self._camera(i, p, azimuth, fov, float(self.rng.uniform(90, 150)), kind)

    def _settlement_camera(self, i: int, town: bool) -> None:
        if town:
            x, y = self.rng.normal(self.center, 1_100)
        else:
            sx, sy, _t = self.village_seeds[int(self.rng.integers(len(self.village_seeds)))]
            x, y = self.rng.normal((sx, sy), 250)
        p = Point(x, y)
        nearest = self._road_lines[int(self._road_index.nearest(p))]
        if nearest.distance(p) < 250:  # poles stand by the street
            p = nearest.interpolate(nearest.project(p))
        kind = str(self.rng.choice(["dome", "ptz", "gun"], p=[0.45, 0.2, 0.35]))
        fov = 360.0 if kind != "gun" else float(self.rng.uniform(60, 100))
        self._camera(
            i,
            p,
            float(self.rng.uniform(0, 360)),
            fov,
            float(self.rng.uniform(30, 80) if kind != "gun" else self.rng.uniform(50, 120)),
            kind,
        )

    def _camera(
        self, i: int, p: Point, azimuth: float, fov: float, range_m: float, kind: str
    ) -> None:
        rural = min(1.0, p.distance(Point(self.center)) / 15_000)
        status = str(
            self.rng.choice(
                ["online", "offline", "fault"],
                p=[0.9 - 0.15 * rural, 0.06 + 0.1 * rural, 0.04 + 0.05 * rural],
            )
        )
        installed = dt.date(2015, 1, 1) + dt.timedelta(days=int(self.rng.integers(0, 4000)))
        self.data.cameras.append(
            {
                "code": f"C{self.code}{i + 1:05d}",
                "name": f"{'监控点'}{i + 1:04d}",
                "azimuth_deg": round(azimuth % 360, 1)
                % 360,  # registries record a tenth of a degree
                "fov_deg": round(fov, 1),
                "range_m": round(range_m, 1),
                "status": status,
                "kind": kind,
                "installed_on": installed,
                "geom": p,
            }
        )

    # -- patrols -----------------------------------------------------------------------------------
    def _patrols(self) -> None:
        network = [line for line, cls in self.roads if cls != "track"]
        for r in range(self.size.routes_per_county):
            hub = (
                self.center
                if r < self.size.routes_per_county * 0.4
                else self.township_centers[1 + r % (len(self.township_centers) - 1)]
            )
            near = [line for line in network if line.distance(Point(hub)) < 1_500]
            self.rng.shuffle(near)  # type: ignore[arg-type]
            pieces = []
            for line in near[: int(self.rng.integers(2, 5))]:
                d = line.project(Point(hub))
                start = max(0.0, d - self.rng.uniform(500, 2_000))
                stop = min(line.length, d + self.rng.uniform(500, 2_000))
                pieces.append(substring(line, start, stop))
            if not pieces:
                continue
            shift = str(self.rng.choice(["day", "night", "all"], p=[0.45, 0.35, 0.2]))
            unit = f"巡逻{self.code[-3:]}-{r + 1:02d}组"  # unique across up to 1,000 counties
            geom = shapely.MultiLineString(
                [p for p in pieces if isinstance(p, LineString) and p.length > 10]
            )
            if geom.is_empty:
                continue
            self.data.patrol_routes.append(
                {
                    "code": f"P{self.code}{r + 1:03d}",
                    "name": f"{unit}路线",
                    "unit": unit,
                    "shift": shift,
                    "geom": geom,
                }
            )
            self._tracks(unit, shift, geom)

    def _tracks(self, unit: str, shift: str, route: shapely.MultiLineString) -> None:
        path = LineString([c for line in route.geoms for c in line.coords])
        hours = {
            "day": range(8, 20),
            "night": [*range(20, 24), *range(0, 8)],
            "all": range(0, 24, 2),
        }[shift]
        speed = 4.0  # metres per second
        for day in range(self.size.track_days):
            base = (self.end - dt.timedelta(days=day + 1)).replace(hour=0)
            for hour in hours:
                pos = float(self.rng.uniform(0, path.length))
                for minute in range(0, 60, 2):
                    pos = (pos + speed * 120) % (2 * path.length)
                    along = pos if pos <= path.length else 2 * path.length - pos
                    p = path.interpolate(along)
                    noisy = Point(p.x + self.rng.normal(0, 5), p.y + self.rng.normal(0, 5))
                    at = base + dt.timedelta(hours=hour, minutes=minute)
                    if at < self.end:
                        self.data.patrol_tracks.append(
                            {"unit": unit, "recorded_at": at, "geom": noisy}
                        )

    # -- incidents ---------------------------------------------------------------------------------
    def _incidents(self) -> None:
        n = self.size.incidents_per_county
        spots = [self.center] * 3 + [tuple(self.rng.normal(self.center, 1_200)) for _ in range(5)]
        spots += [tuple(self.rng.normal(c, 400)) for c in self.township_centers[1:]]
        spot_sigma = self.rng.uniform(120, 350, len(spots))
        spot_w = self.rng.pareto(1.5, len(spots)) + 1
        cell_pop = np.array([c["population"] + 1 for c in self.cells], dtype=float)
        lines = [line for line, _cls in self.roads]
        road_len = np.array([line.length for line in lines])
        kinds = self.rng.choice(3, size=n, p=[0.5, 0.35, 0.15])
        points: list[Point] = []
        for kind in kinds:
            if kind == 0:
                s = int(self.rng.choice(len(spots), p=spot_w / spot_w.sum()))
                points.append(Point(self.rng.normal(spots[s], spot_sigma[s])))
            elif kind == 1:
                cell = self.cells[
                    int(self.rng.choice(len(self.cells), p=cell_pop / cell_pop.sum()))
                ]
                points.append(Point(_points_in(self.rng, cell["geom"], 1)[0]))
            else:
                line = lines[int(self.rng.choice(len(lines), p=road_len / road_len.sum()))]
                points.append(line.interpolate(float(self.rng.uniform(0, line.length))))
        times = self._incident_times(n)
        order = sorted(range(n), key=lambda k: times[k])
        for seq, idx in enumerate(order):
            at = times[idx]
            age_h = (self.end - at).total_seconds() / 3600
            status = (
                "closed"
                if age_h > 72
                else str(
                    self.rng.choice(
                        ["reported", "dispatched", "handling", "closed"],
                        p=[0.4, 0.25, 0.25, 0.1] if age_h < 6 else [0.05, 0.1, 0.25, 0.6],
                    )
                )
            )
            self.data.incidents.append(
                {
                    "code": f"E{self.code}{at:%y%m%d}{seq + 1:06d}",
                    "occurred_at": at,
                    "category": str(self.rng.choice(_CATEGORIES, p=_CATEGORY_P)),
                    "severity": int(self.rng.choice([1, 2, 3, 4], p=[0.5, 0.3, 0.15, 0.05])),
                    "status": status,
                    "geom": points[idx],
                }
            )

    def _incident_times(self, n: int) -> list[dt.datetime]:
        days = np.arange(365)
        first = (self.end - dt.timedelta(days=365)).replace(hour=0)
        weekday = np.array([(first + dt.timedelta(days=int(d))).weekday() for d in days])
        season = 1 + 0.25 * np.sin((days + first.timetuple().tm_yday - 100) / 365 * 2 * np.pi)
        w_day = _WEEKDAY_W[weekday] * season
        chosen_days = self.rng.choice(days, size=n, p=w_day / w_day.sum())
        hours = self.rng.choice(24, size=n, p=_HOUR_W / _HOUR_W.sum())
        seconds = self.rng.integers(0, 3600, size=n)
        out = []
        for d, h, s in zip(chosen_days, hours, seconds, strict=True):
            at = first + dt.timedelta(days=int(d), hours=int(h), seconds=int(s))
            if at >= self.end:  # the part of today still to come: fold back a day
                at -= dt.timedelta(days=1)
            out.append(at)
        return out
