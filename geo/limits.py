"""The limits of every entry point, declared once.

The entry points are the importer, what-ifs, plans, the optimiser, route suggestion, incident
windows and map layer requests.

A value outside a limit raises :class:`~geo.errors.DataError` naming the input, the value and what
is allowed; the web app answers it with 400, the command lines print it. The checks here are pure
(no database); the functions return the value to use (de-duplicated, converted) so that a caller
cannot check one thing and use another.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from geo.errors import DataError

# -- cameras, routes, plans ----------------------------------------------------------------------
MAX_CAMERA_RANGE_M = (
    20_000.0  # a camera's view radius, metres (typical 20-150 m; long-range towers)
)
MAX_ITEMS = 200  # cameras and routes in one what-if or plan
MAX_ROUTE_POINTS = 2_000  # vertices of one hypothetical route
MAX_ROUTE_KM = 500.0  # length of one hypothetical route (geodesic approximation), km
MAX_PLAN_NAME = 200  # characters
OPTIMISE_COUNT = (1, 50)  # cameras the optimiser may propose
ROUTE_BUDGET_KM = (0.5, 200.0)  # length budget of a suggested route, km

# -- incident windows -----------------------------------------------------------------------------
WINDOW_DAYS = (1, 3660)  # "the last N days"
FIRST_DAY = dt.date(1990, 1, 1)  # a custom range's dates lie in [FIRST_DAY, LAST_DAY]
LAST_DAY = dt.date(2100, 12, 31)

# -- map layer requests ---------------------------------------------------------------------------
ZOOM = (0, 22)
# A view's box may span at most this many pixels (256-px tiles) each way at its zoom: a screen is
# under 8k; the rest leaves room for links and scripts asking for a county and its surroundings at
# street level (each layer is capped at GRIDSIGHT_MAX_FEATURES anyway), while the world or a
# province at a deep zoom (every feature unsimplified) is refused: at zoom 22 a box of about 10 km.
MAX_VIEW_PX = 262_144
MAX_FID_CHARS = 64

# -- uploads and archives -------------------------------------------------------------------------
UPLOAD_MAX_AGE_S = 3600  # an upload not confirmed within an hour is removed
MAX_ARCHIVE_MEMBERS = 1000

# -- expensive requests ---------------------------------------------------------------------------
HEAVY_SLOTS = (
    2  # expensive computations (hot spots, what-ifs, optimiser) at once per server process
)
HEAVY_WAIT_S = 30.0  # how long a request waits for a slot before it is answered 503

# -- GDAL -----------------------------------------------------------------------------------------
# The only GDAL drivers the importer opens, by file extension (lower case, with the dot; a name
# ending in one of them, longest first). Every other driver is skipped before GDAL loads.
IMPORT_DRIVERS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".gpx": "GPX",
    # LIBKML reads ExtendedData (attributes); the plain KML driver reads only name and description
    ".kml": "LIBKML",
    ".osm": "OSM",  # OpenStreetMap XML and PBF: roads (etl/osm.py)
    ".osm.pbf": "OSM",
    ".pbf": "OSM",
}
# Drivers the exporter writes with (etl/exporting.py); CSV is read and written by Python.
EXPORT_DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")


def driver_for(name: str) -> str | None:
    """Return the GDAL driver allowed to open a file called ``name``, or None.

    >>> driver_for("a.GeoJSON"), driver_for("x.vrt"), driver_for("roads.shp")
    ('GeoJSON', None, 'ESRI Shapefile')
    """
    lowered = name.lower()
    for suffix in sorted(IMPORT_DRIVERS, key=len, reverse=True):
        if lowered.endswith(suffix):
            return IMPORT_DRIVERS[suffix]
    return None


def number(name: str, raw: Any, low: float, high: float, *, low_open: bool = False) -> float:
    """Return ``raw`` as a finite float in [low, high] (``(low, high]`` with ``low_open``).

    >>> number("fov_deg", "90", 0, 360, low_open=True)
    90.0

    Raises :class:`DataError` naming ``name`` and the range otherwise.
    """
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    above = value > low if low_open else value >= low
    if not (math.isfinite(value) and above and value <= high):
        bracket = "(" if low_open else "["
        raise DataError(
            f"{name} {raw!r} is not allowed: expected a number in {bracket}{low:g}, {high:g}]"
        )
    return value


def whole(name: str, raw: Any, low: int, high: int) -> int:
    """Return ``raw`` as an int in [low, high] (a float must be whole).

    Raises :class:`DataError` otherwise.

    >>> whole("days", "30", 1, 3660), whole("count", 10.0, 1, 50)
    (30, 10)
    """
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        value = None
    if value is None or not low <= value <= high:
        raise DataError(
            f"{name} {raw!r} is not allowed: expected a whole number from {low} to {high}"
        )
    return value


def window_days(raw: Any, name: str = "days") -> int:
    """Check the length of a "last N days" window, in days (1-3660), and return it."""
    return whole(name, raw, *WINDOW_DAYS)


def custom_days(first: dt.date, last: dt.date) -> None:
    """Check a custom range of local days (both inclusive): inside 1990-2100, at most 3660 days."""
    for day in (first, last):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise DataError(
                f"date {day.isoformat()} is not allowed: expected a date from "
                f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
            )
    if (last - first).days + 1 > WINDOW_DAYS[1]:
        raise DataError(
            f"the window {first.isoformat()} – {last.isoformat()}"
            f" is {(last - first).days + 1} days; "
            f"at most {WINDOW_DAYS[1]} are allowed"
        )


def distinct(name: str, values: Iterable[str], most: int) -> list[str]:
    """Return ``values`` without repeats, in their first order.

    Raises :class:`DataError` when there are more than ``most``.

    >>> distinct("ids", ["a", "b", "a"], 5)
    ['a', 'b']
    """
    unique = list(dict.fromkeys(v for v in values if v))
    if len(unique) > most:
        raise DataError(f"{name} names {len(unique)} different values; at most {most} are allowed")
    return unique


def view_span_px(
    west: float, south: float, east: float, north: float, zoom: int
) -> tuple[float, float]:
    """Return how many pixels (256-px Web Mercator tiles) the box spans at ``zoom``.

    As (width, height); the box is in EPSG:4326 degrees.

    >>> [round(v) for v in view_span_px(113.0, 37.0, 114.0, 38.0, 10)]
    [728, 918]
    """
    scale = 256 * 2**zoom

    def merc_y(lat: float) -> float:
        lat = max(-85.0511, min(85.0511, lat))
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)

    return (east - west) / 360 * scale, (merc_y(north) - merc_y(south)) * scale


def view_box(west: float, south: float, east: float, north: float, zoom: int) -> None:
    """Check that a view's box spans at most :data:`MAX_VIEW_PX` pixels each way at ``zoom``.

    The box is in EPSG:4326 degrees. A larger box at a deep zoom asks for every feature at full
    detail.
    """
    width, height = view_span_px(west, south, east, north, zoom)
    if max(width, height) > MAX_VIEW_PX:
        raise DataError(
            f"bbox {west:g},{south:g},{east:g},{north:g}"
            f" spans {width:,.0f} × {height:,.0f} pixels at "
            f"zoom {zoom}; at most {MAX_VIEW_PX} each way are allowed"
            " (a smaller box or a lower zoom)"
        )


def route_length_km(points: Sequence[tuple[float, float]]) -> float:
    """Approximate length of a line of (lon, lat) degrees in km (spherical, radius 6371 km).

    >>> round(route_length_km([(113.0, 37.0), (113.0, 38.0)]), 1)
    111.2
    """
    total = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        p1, p2 = math.radians(y1), math.radians(y2)
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(x2 - x1) / 2) ** 2
        )
        total += 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
    return total
