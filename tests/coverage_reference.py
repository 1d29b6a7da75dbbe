"""An independent computation of the coverage metrics with Shapely and pyproj, for the tests.

A small synthetic county in UTM zone 49N (EPSG:32649): 4 km x 4 km, two townships (west, east),
four villages of 2 km x 2 km, sixteen 1 km cells. Roads cross the south and the west; the
north-east village has none. Sectors follow the definition the engine implements (an arc with a
vertex every 3 degrees at most, a disc of 120 segments; the area error of that is tested apart),
built here with Shapely, and the convergence from pyproj's projection factors, not the engine's
method. Using the same arc matters for roads: a road nearly tangent to a view's edge can cross a
finer arc for metres more, whatever the resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from pyproj import Proj, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

SRID = 32649
X0, Y0 = 738_000.0, 4_164_000.0  # south-west corner, near 113.7 E, 37.6 N
COUNTY = "150101"
TO_WGS84 = Transformer.from_crs(SRID, 4326, always_xy=True)
TO_UTM = Transformer.from_crs(4326, SRID, always_xy=True)
_PROJ = Proj(f"EPSG:{SRID}")


def _units() -> dict[str, tuple[str, str | None, Polygon]]:
    """code -> (level, parent code, polygon in EPSG:32649)."""
    units: dict[str, tuple[str, str | None, Polygon]] = {
        COUNTY: ("county", None, box(X0, Y0, X0 + 4000, Y0 + 4000))
    }
    for t in range(2):
        township = f"{COUNTY}{t + 1:03d}"
        units[township] = (
            "township",
            COUNTY,
            box(X0 + 2000 * t, Y0, X0 + 2000 * (t + 1), Y0 + 4000),
        )
        for v in range(2):
            village = f"{township}{v + 1:03d}"
            vx, vy = X0 + 2000 * t, Y0 + 2000 * v
            units[village] = ("village", township, box(vx, vy, vx + 2000, vy + 2000))
            for k in range(4):
                cx, cy = vx + 1000 * (k % 2), vy + 1000 * (k // 2)
                units[f"{village}{k + 1:03d}"] = (
                    "grid",
                    village,
                    box(cx, cy, cx + 1000, cy + 1000),
                )
    return units


UNITS = _units()
ROADS = {
    "RX1": LineString([(X0 - 100, Y0 + 1500), (X0 + 4100, Y0 + 1500)]),
    "RX2": LineString([(X0 + 500, Y0 - 100), (X0 + 500, Y0 + 4100)]),
}
NO_ROADS = f"{COUNTY}002002"  # the north-east village


@dataclass(frozen=True)
class Cam:
    """A camera at (x, y) metres in EPSG:32649."""

    x: float
    y: float
    azimuth: float
    fov: float
    range_m: float
    online: bool = True

    def lonlat(self) -> tuple[float, float]:
        lon, lat = TO_WGS84.transform(self.x, self.y)
        return float(lon), float(lat)

    def sector(self) -> Polygon:
        """The view region (arc vertices at most 3 degrees apart), azimuth from true north."""
        lon, lat = self.lonlat()
        x, y = TO_UTM.transform(lon, lat)
        if self.fov >= 360:
            return Point(x, y).buffer(self.range_m, quad_segs=30)
        grid_azimuth = self.azimuth - _PROJ.get_factors(lon, lat).meridian_convergence
        n = max(4, math.ceil(self.fov / 3))
        arc = [
            (
                x
                + self.range_m
                * math.sin(math.radians(grid_azimuth - self.fov / 2 + self.fov * i / n)),
                y
                + self.range_m
                * math.cos(math.radians(grid_azimuth - self.fov / 2 + self.fov * i / n)),
            )
            for i in range(n + 1)
        ]
        return Polygon([(x, y), *arc])


def expected(
    cams: list[Cam],
    routes: list[LineString],
    buffer_m: float,
    roads: list[LineString] | None = None,
) -> dict[str, dict[str, float | None]]:
    """Percentages per unit code, unrounded; None where the unit has no roads (``roads``: the
    network, by default :data:`ROADS`)."""
    working = shapely.union_all([c.sector() for c in cams if c.online])
    installed = shapely.union_all([c.sector() for c in cams])
    patrol = shapely.union_all([r.buffer(buffer_m, quad_segs=64) for r in routes])
    combined = shapely.union_all([working, patrol])
    network = shapely.union_all(list(ROADS.values()) if roads is None else roads)
    out: dict[str, dict[str, float | None]] = {}
    for code, (_level, _parent, poly) in UNITS.items():
        roads = network.intersection(poly)
        out[code] = {
            "camera_area_pct": 100 * working.intersection(poly).area / poly.area,
            "camera_area_installed_pct": 100 * installed.intersection(poly).area / poly.area,
            "patrol_pct": 100 * patrol.intersection(poly).area / poly.area,
            "combined_pct": 100 * combined.intersection(poly).area / poly.area,
            "camera_road_pct": None
            if roads.length == 0
            else 100 * roads.intersection(working).length / roads.length,
            "camera_road_installed_pct": None
            if roads.length == 0
            else 100 * roads.intersection(installed).length / roads.length,
        }
    return out


def to_wgs84_wkt(geom: shapely.Geometry) -> str:
    """``geom`` (EPSG:32649) as EWKT in EPSG:4326, polygons promoted to MultiPolygon."""
    projected = shapely.transform(
        geom,
        lambda xy: shapely.get_coordinates(shapely.points(*TO_WGS84.transform(xy[:, 0], xy[:, 1]))),
    )
    if isinstance(projected, Polygon):
        projected = MultiPolygon([projected])
    if isinstance(projected, LineString):
        projected = shapely.MultiLineString([projected])
    return f"SRID=4326;{projected.wkt}"
