"""Geometries of an import: CRS and datum to WGS-84, plausibility of coordinates, type, repair.

Each check raises :class:`BadGeometry` with what was expected; the caller names the file and the
feature. Coordinates are checked twice: in the declared CRS (a geographic CRS holds degrees within
±180/±90, which catches swapped axes and projected metres declared as degrees) and after conversion,
against the area where the database measures coverage (:func:`geo.metric_crs.measured_area`: all
of China for a CRS chosen from the data or an empty database, an EPSG CRS's area of use widened by
3°), which catches degrees declared as a projected CRS. A refusal names the first vertex at fault
(its number in the feature, from 1) and says which of these it is.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from etl import datum
from geo import metric_crs
from geo.errors import DataError

MAX_REPAIR_CHANGE = 0.01  # a repair may change a polygon's area by less than 1 %


class BadGeometry(ValueError):
    """The geometry cannot be imported; the message says what is wrong and what was expected."""


def parse_crs(text: str, what: str) -> CRS:
    """Parse a pyproj CRS from ``EPSG:4326``, ``4326``, WKT or PROJ text.

    ``what`` names where the text came from, for the error message.

    Raises
    ------
    DataError
        When GDAL/PROJ does not know the CRS.
    """
    try:
        return CRS.from_user_input(int(text) if text.isdigit() else text)
    except CRSError as exc:
        raise DataError(
            f"{what}: {text[:80]!r} is not a CRS GDAL/PROJ knows ({exc}); "
            "expected e.g. EPSG:4326 or EPSG:4547"
        ) from None


def _first(index: np.ndarray, mask: np.ndarray, count: int) -> np.ndarray:
    """Find, per geometry, its first vertex where ``mask`` holds.

    Returns its position in the flat coordinate array, or -1.
    """
    out = np.full(count, -1)
    hits = np.flatnonzero(mask)
    geoms, first = np.unique(index[hits], return_index=True)
    out[geoms] = hits[first]
    return out


class Conversion:
    """The conversion from the file's CRS (and web datum) to EPSG:4326.

    Coordinates are checked against the area the database measures.

    ``metric_srid`` is the database's metric CRS; ``bounds`` (degrees west, south, east, north) the
    area accepted, by default the area where that CRS measures true.
    """

    def __init__(
        self,
        source: CRS,
        web_datum: str,
        metric_srid: int,
        bounds: tuple[float, float, float, float] | None = None,
    ) -> None:
        self.source, self.datum, self.metric_srid = source, web_datum, metric_srid
        self.bounds = bounds or metric_crs.measured_area(metric_srid)
        self._to_wgs84 = Transformer.from_crs(source, 4326, always_xy=True)
        self._to_metric = Transformer.from_crs(4326, metric_crs.crs_of(metric_srid), always_xy=True)

    def _declared_problem(self, x: float, y: float, vertex: int, swapped: bool) -> str:
        """Why a vertex's coordinates cannot be in the declared CRS."""
        crs = self.source.to_string()
        at = f"vertex {vertex} ({x:g}, {y:g})"
        if not self.source.is_geographic:
            return (
                f"{at}: the coordinates look like degrees, "
                f"but the CRS {crs} is projected (metres): "
                "give the file's real CRS (a .prj, or --crs EPSG:4326)"
            )
        if swapped:
            return (
                f"{at}: latitude {y:g} is beyond ±90: longitude and latitude look swapped; "
                "expected longitude first (x = longitude, y = latitude)"
            )
        return (
            f"{at} is not degrees although the CRS is {crs}: "
            "the coordinates look like projected metres; "
            "give the file's real CRS (a .prj, or --crs EPSG:xxxx)"
        )

    def _outside_problem(self, lon: float, lat: float, vertex: int) -> str:
        """Say why a vertex, converted to WGS-84, is refused.

        It is outside China, or outside what the database's CRS measures (then the remedy is
        choosing another, not fixing the file).
        """
        w, s, e, n = self.bounds
        at = f"vertex {vertex} lies at ({lon:.4f}, {lat:.4f}) in WGS-84"
        cw, cs, ce, cn = metric_crs.CHINA
        if cw <= lon <= ce and cs <= lat <= cn and (w, s, e, n) != metric_crs.CHINA:
            return (
                f"{at}, outside the area the database measures in "
                f"({metric_crs.describe(self.metric_srid)}, "
                f"{w:g}..{e:g}° E, {s:g}..{n:g}° N); "
                "to hold data there, choose a metric CRS for all of "
                "it: python -m geo crs auto (recomputes every figure)"
            )
        return (
            f"{at}, outside China ({cw:g}..{ce:g}° E, {cs:g}..{cn:g}° N): "
            f"is the CRS {self.source.to_string()} "
            "right, or are longitude and latitude swapped?"
        )

    def to_wgs84(self, geoms: list[shapely.Geometry]) -> tuple[list[shapely.Geometry], list[str]]:
        """Convert every geometry to EPSG:4326 (lon, lat) in one pass.

        Returns the converted geometries and, per geometry, the reason it cannot be imported (''
        when it can): coordinates impossible in the source CRS, or outside the area the database
        measures after conversion; each reason names the first vertex at fault.
        """
        if not geoms:
            return [], []
        arr = np.asarray(geoms, dtype=object)
        xy, index = shapely.get_coordinates(arr, return_index=True)
        x, y = xy[:, 0], xy[:, 1]
        start = np.searchsorted(index, np.arange(len(arr)))
        if self.source.is_geographic:
            wrong = _first(index, (np.abs(x) > 180) | (np.abs(y) > 90), len(arr))
        else:  # projected metres that all lie within ±180/±90 are degrees
            degrees = np.bincount(
                index, weights=(np.abs(x) <= 180) & (np.abs(y) <= 90), minlength=len(arr)
            )
            all_degrees = degrees == np.bincount(index, minlength=len(arr))
            wrong = np.where(all_degrees, start, -1)
        beyond_swap = (
            np.bincount(index, weights=(np.abs(x) > 90) | (np.abs(y) > 180), minlength=len(arr)) > 0
        )
        problems = [
            ""
            if v < 0
            else self._declared_problem(x[v], y[v], int(v - start[i] + 1), not beyond_swap[i])
            for i, v in enumerate(wrong)
        ]
        lon, lat = self._to_wgs84.transform(x, y)
        if self.datum in datum.TO_WGS84:
            lon, lat = datum.TO_WGS84[self.datum](np.asarray(lon), np.asarray(lat))
        lon, lat = np.asarray(lon), np.asarray(lat)
        w, s, e, n = self.bounds
        outside = _first(
            index,
            ~(
                np.isfinite(lon)
                & np.isfinite(lat)
                & (lon >= w)
                & (lon <= e)
                & (lat >= s)
                & (lat <= n)
            ),
            len(arr),
        )
        for i in np.flatnonzero((outside >= 0) & (wrong < 0)):
            v = outside[i]
            problems[i] = self._outside_problem(float(lon[v]), float(lat[v]), int(v - start[i] + 1))
        converted = shapely.set_coordinates(arr.copy(), np.column_stack([lon, lat]))
        return list(converted), problems

    def metric_area(self, geom: shapely.Geometry) -> float:
        """Area of a WGS-84 polygon in square metres (metric CRS)."""

        def project(points: np.ndarray) -> np.ndarray:
            x, y = self._to_metric.transform(points[:, 0], points[:, 1])
            return np.column_stack([x, y])

        return float(shapely.area(shapely.transform(geom, project)))


def check_shape(geom: shapely.Geometry | None, allowed: tuple[str, ...]) -> shapely.Geometry:
    """Return the 2D geometry if it is non-empty, finite and of an allowed type.

    Raises
    ------
    BadGeometry
        Otherwise, saying what is wrong and what was expected.
    """
    if geom is None or shapely.is_empty(geom):
        raise BadGeometry(f"empty; expected a {' or '.join(allowed)}")
    if geom.geom_type not in allowed:
        raise BadGeometry(f"a {geom.geom_type}; expected a {' or '.join(allowed)}")
    if not np.all(np.isfinite(shapely.get_coordinates(geom))):
        raise BadGeometry("has NaN or infinite coordinates; expected finite numbers")
    return geom


def repair(geom: shapely.Geometry, conversion: Conversion) -> tuple[shapely.Geometry, str]:
    """Return a valid polygon and a note when it was repaired (area change below 1 %).

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
        raise BadGeometry(
            f"invalid polygon ({reason}); repairing it would change its area by "
            f"{change:.1%}; expected a valid polygon (repairs are made only under 1 %)"
        )
    return fixed, f"invalid polygon ({reason}) repaired, area changed by {change:.3%}"
