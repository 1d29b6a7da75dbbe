"""Geometries of an import: CRS and datum to WGS-84, plausibility of coordinates, type, repair.

Each check raises :class:`BadGeometry` with what was expected; the caller names the file and the
feature. Coordinates are checked twice: in the declared CRS (a geographic CRS holds degrees within
±180/±90, which catches swapped axes and projected metres declared as degrees) and after conversion,
against the area where the database measures coverage (the area of use of its metric CRS, widened
by ``MARGIN_DEG``), which catches degrees declared as a projected CRS.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from etl import datum
from geo.errors import DataError

MARGIN_DEG = 3.0
MAX_REPAIR_CHANGE = 0.01  # a repair may change a polygon's area by less than 1 %


class BadGeometry(ValueError):
    """The geometry cannot be imported; the message says what is wrong and what was expected."""


def parse_crs(text: str, what: str) -> CRS:
    """A pyproj CRS from ``EPSG:4326``, ``4326``, WKT or PROJ text; ``what`` names its origin."""
    try:
        return CRS.from_user_input(int(text) if text.isdigit() else text)
    except CRSError as exc:
        raise DataError(f"{what}: {text[:80]!r} is not a CRS GDAL/PROJ knows ({exc}); "
                        "expected e.g. EPSG:4326 or EPSG:4547") from None


class Conversion:
    """From the file's CRS (and web datum) to EPSG:4326, checked against the metric CRS's area."""

    def __init__(self, source: CRS, web_datum: str, metric_srid: int) -> None:
        self.source, self.datum, self.metric_srid = source, web_datum, metric_srid
        metric = CRS.from_epsg(metric_srid)
        area = metric.area_of_use
        w, s, e, n = (-180.0, -90.0, 180.0, 90.0) if area is None else area.bounds
        self.bounds = (w - MARGIN_DEG, s - MARGIN_DEG, e + MARGIN_DEG, n + MARGIN_DEG)
        self._to_wgs84 = Transformer.from_crs(source, 4326, always_xy=True)
        self._to_metric = Transformer.from_crs(4326, metric, always_xy=True)

    def _declared_problem(self, x: float, y: float, any_degrees_out: bool, could_swap: bool) -> str:
        """Why a feature's coordinates cannot be in the declared CRS ('' when they can)."""
        crs = self.source.to_string()
        if not self.source.is_geographic:
            if any_degrees_out:
                return ""
            return (f"coordinates ({x:g}, {y:g}) look like degrees, but the CRS {crs} is projected "
                    "(metres): give the file's real CRS (a .prj, or --crs EPSG:4326)")
        if not any_degrees_out:
            return ""
        if could_swap:
            return (f"latitude {y:g} is beyond ±90: longitude and latitude look swapped; "
                    "expected longitude first (x = longitude, y = latitude)")
        return (f"coordinates ({x:g}, {y:g}) are not degrees although the CRS is {crs}: they look like "
                "projected metres; give the file's real CRS (a .prj, or --crs EPSG:xxxx)")

    def to_wgs84(self, geoms: list[shapely.Geometry]) -> tuple[list[shapely.Geometry], list[str]]:
        """Every geometry in EPSG:4326 (lon, lat), converted in one pass, and per geometry the reason
        it cannot be imported ('' when it can): coordinates impossible in the source CRS, or outside
        the area the database measures after conversion."""
        if not geoms:
            return [], []
        arr = np.asarray(geoms, dtype=object)
        xy, index = shapely.get_coordinates(arr, return_index=True)
        x, y = xy[:, 0], xy[:, 1]
        first = np.searchsorted(index, np.arange(len(arr)))

        def per_geometry(mask: np.ndarray) -> np.ndarray:
            return np.bincount(index, weights=mask, minlength=len(arr)) > 0

        out_of_degrees = per_geometry((np.abs(x) > 180) | (np.abs(y) > 90))
        beyond_swap = per_geometry((np.abs(x) > 90) | (np.abs(y) > 180))
        problems = [self._declared_problem(x[f], y[f], bool(o), not bool(b))
                    for f, o, b in zip(first, out_of_degrees, beyond_swap, strict=True)]
        lon, lat = self._to_wgs84.transform(x, y)
        if self.datum in datum.TO_WGS84:
            lon, lat = datum.TO_WGS84[self.datum](np.asarray(lon), np.asarray(lat))
        lon, lat = np.asarray(lon), np.asarray(lat)
        w, s, e, n = self.bounds
        outside = per_geometry(~(np.isfinite(lon) & np.isfinite(lat) & (lon >= w) & (lon <= e)
                                 & (lat >= s) & (lat <= n)))
        for i in np.flatnonzero(outside):
            if not problems[i]:
                f = first[i]
                problems[i] = (
                    f"lies at ({lon[f]:.4f}, {lat[f]:.4f}) in WGS-84, outside the area this database measures "
                    f"(EPSG:{self.metric_srid}, {w:g}..{e:g}°E, {s:g}..{n:g}°N): is the CRS "
                    f"{self.source.to_string()} right, or are longitude and latitude swapped?")
        converted = shapely.set_coordinates(arr.copy(), np.column_stack([lon, lat]))
        return list(converted), problems

    def metric_area(self, geom: shapely.Geometry) -> float:
        """Area of a WGS-84 polygon in square metres (metric CRS)."""
        def project(points: np.ndarray) -> np.ndarray:
            x, y = self._to_metric.transform(points[:, 0], points[:, 1])
            return np.column_stack([x, y])

        return float(shapely.area(shapely.transform(geom, project)))


def check_shape(geom: shapely.Geometry | None, allowed: tuple[str, ...]) -> shapely.Geometry:
    """The 2D geometry if it is non-empty, finite and of an allowed type."""
    if geom is None or shapely.is_empty(geom):
        raise BadGeometry(f"empty; expected a {' or '.join(allowed)}")
    if geom.geom_type not in allowed:
        raise BadGeometry(f"a {geom.geom_type}; expected a {' or '.join(allowed)}")
    if not np.all(np.isfinite(shapely.get_coordinates(geom))):
        raise BadGeometry("has NaN or infinite coordinates; expected finite numbers")
    return geom


def repair(geom: shapely.Geometry, conversion: Conversion) -> tuple[shapely.Geometry, str]:
    """A valid polygon and a note when it was repaired (area change below 1 %).

    Raises
    ------
    BadGeometry
        When the polygon is invalid and the repair would change its area by 1 % or more.
    """
    if geom.geom_type not in ("Polygon", "MultiPolygon") or shapely.is_valid(geom):
        return geom, ""
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(parts) if parts else shapely.MultiPolygon()
    before, after = conversion.metric_area(geom), conversion.metric_area(fixed)
    change = abs(after - before) / before if before > 0 else 1.0
    if shapely.is_empty(fixed) or change >= MAX_REPAIR_CHANGE:
        raise BadGeometry(f"invalid polygon ({reason}); repairing it would change its area by "
                          f"{change:.1%}; expected a valid polygon (repairs are made only under 1 %)")
    return fixed, f"invalid polygon ({reason}) repaired, area changed by {change:.3%}"
