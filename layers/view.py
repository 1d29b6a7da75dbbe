"""What a request is for, declared once.

The map page's state, the planning page's and the layer API's.

One :class:`View` holds the part of the map a layer request covers (bounds in EPSG:4326 degrees and
the zoom; the whole world for the pages' panels) and the state a page's address holds:
``?unit=140724001&metric=camera_road_pct&days=30&cat=theft&status=closed&target=60`` (or
``start=2026-11-01&end=2026-11-15`` for a custom range of local days, ``lang=en``, ``hs=lattice``).

One parser reads both, in two modes: :meth:`View.parse` (the layer API) refuses a bad value with
:class:`~geo.errors.DataError` (answered 400), :meth:`View.from_search` (an address a person typed
or kept) corrects it to the default, so that a link never breaks the page. The limits are those of
:mod:`geo.limits`. The browser builds its layer requests from :data:`FIELDS`, which the server
publishes in the page (``assets/gridsight.js`` loops over it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from geo import limits, metrics
from geo._sql import window_params
from geo.errors import DataError
from geo.figures import Window, custom_range, day_range
from geo.hotspots import METHODS
from geo.models import INCIDENT_CATEGORIES, INCIDENT_STATUSES
from geo.settings import DEFAULT_TIMEZONE

# The address's parameter of each field that has one, in the order addresses spell them.
PARAMS: dict[str, str] = {
    "unit": "unit",
    "metric": "metric",
    "days": "days",
    "lang": "lang",
    "cat": "cat",
    "status": "status",
    "start": "start",
    "end": "end",
    "method": "hs",
    "target": "target",
}
# What a page's state sends to the layer API (the browser adds bbox, zoom and its own lang).
FIELDS: tuple[str, ...] = tuple(p for p in PARAMS.values() if p != "lang")
LANGUAGES = ("zh", "en")
PAGE_TARGET = 60.0  # %, a page's target when neither its address nor the settings name one


@dataclass(frozen=True, kw_only=True)
class View:
    """A view: the map's box and zoom, and the page's state (``unit`` None: the top unit).

    Build it by keyword, or from an address with :meth:`parse` (strict) or :meth:`from_search`
    (lenient).
    """

    west: float = -180.0  # degrees, EPSG:4326
    south: float = -90.0
    east: float = 180.0
    north: float = 90.0
    zoom: int = 0
    unit: str | None = None
    metric: str = metrics.DEFAULT_MAP_METRIC
    days: int = 30  # the incident window: the last ``days`` days, unless start and end are set
    lang: str | None = None  # None: the address names none (the page's default language applies)
    cat: tuple[str, ...] = ()  # incident categories (none: every category)
    status: tuple[str, ...] = ()
    start: str | None = None  # a custom range of local days, YYYY-MM-DD, both inclusive
    end: str | None = None
    method: str | None = None  # hot spots: 'lattice' or 'grid' (``hs=``); None: not a planning view
    target: float | None = None  # %, of a coverage metric: shown units below it are marked
    fixed_classes: bool = False  # units coloured by fixed classes (the wall), not by quantiles
    timezone: str = DEFAULT_TIMEZONE  # IANA name (GRIDSIGHT_TIMEZONE): times shown, custom days

    @property
    def language(self) -> str:
        """The language answers are in: the view's, else Chinese."""
        return self.lang or "zh"

    @property
    def hotspot_method(self) -> str:
        """How hot spots are found for this view: its ``method``, else on the lattice."""
        return self.method or "lattice"

    def window(self, timezone: str | None = None) -> Window:
        """Return the incident window and filters of this view: the custom range, or the last days.

        A custom range's days are in ``timezone`` (an IANA name), else in the view's.
        """
        start, end = custom_range(self.start, self.end, timezone or self.timezone)
        if start is not None and end is not None:
            return Window(start, end, self.cat, self.status)
        return Window.last_days(self.days, categories=self.cat, statuses=self.status)

    @classmethod
    def parse(
        cls, args: Mapping[str, str], window_days: int = 30, timezone: str = DEFAULT_TIMEZONE
    ) -> View:
        """Build from a layer request's arguments and the state's.

        The request's are ``bbox=west,south,east,north&zoom=z&lang=zh|en``, the state's
        ``unit=CODE&metric=NAME&days=N``...; ``days`` defaults to ``window_days``.

        Raises
        ------
        DataError
            Naming the argument, its value and what is allowed, for the first bad one.
        """
        defaults = cls(days=window_days, zoom=12, timezone=timezone)
        return _parse(args, lenient=False, defaults=defaults)

    @classmethod
    def from_search(
        cls, search: str | None, metric: str | None = None, target: float | None = None
    ) -> View:
        """Build from a page's address ``?unit=140724&metric=patrol_pct&days=7&target=50``.

        A value that is malformed or not allowed is replaced by its default (``metric`` and
        ``target``: the settings' defaults when the address names none), so a link never breaks the
        page.
        """
        defaults = cls(target=PAGE_TARGET if target is None else target)
        if metric is not None and _allowed_metric(metric):
            defaults = dataclasses.replace(defaults, metric=metric)
        args = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
        return _parse(args, lenient=True, defaults=defaults)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> View:
        """Read the view a page's state store holds (:meth:`to_dict`; empty: the page's defaults).

        Keys it does not know (the map's target bounds, a refused unit) are ignored.
        """
        stored = data or {}
        known: dict[str, Any] = {"target": PAGE_TARGET}
        known.update({name: stored[param] for name, param in PARAMS.items() if param in stored})
        for name in ("cat", "status"):
            known[name] = tuple(known.get(name) or ())
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """Return the page's state for a ``dcc.Store``.

        These are the address's parameters, absent ones left out.
        """
        out: dict[str, Any] = {}
        for name, param in PARAMS.items():
            value = getattr(self, name)
            if value is not None:
                out[param] = list(value) if isinstance(value, tuple) else value
        return out

    def search(self, **changes: Any) -> str:
        """Return the address (``?...``) of this view's state.

        ``changes`` (field names) are applied.
        """
        view = dataclasses.replace(self, **changes)
        values = {
            param: ",".join(v) if isinstance(v, tuple | list) else v
            for param, v in view.to_dict().items()
        }
        if view.target is not None:
            values["target"] = f"{float(view.target):g}"
        return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def below_target(self, value: float | None) -> bool:
        """Return whether ``value`` of this view's metric is below its target.

        Percentages only: incidents per 1,000 residents have no target.
        """
        return (
            metrics.get(self.metric).is_percentage
            and self.target is not None
            and value is not None
            and value < self.target
        )

    def params(self) -> dict[str, Any]:
        """Bind parameters every layer query may use; ``tolerance`` is half a pixel in degrees."""
        window = self.window()
        return {
            "west": self.west,
            "south": self.south,
            "east": self.east,
            "north": self.north,
            "zoom": self.zoom,
            "tolerance": 180.0 / (256 * 2**self.zoom),
            **window_params(window),
            "tz": self.timezone,
        }


def parse_target(raw: str | None, default: float) -> float:
    """Parse a target percentage (0-100, rounded to one decimal), else return ``default``.

    >>> parse_target("55.25", 60.0), parse_target("x", 60.0), parse_target("120", 60.0)
    (55.2, 60.0, 60.0)
    """
    try:
        return _target(raw or "")
    except DataError:
        return default


# -- the one parser --------------------------------------------------------------------------------


def _parse(args: Mapping[str, str], *, lenient: bool, defaults: View) -> View:
    """Read every argument with its reader.

    A bad value raises, or (``lenient``) keeps its default.
    """
    values: dict[str, Any] = {}
    readers: dict[str, Callable[[str], Any]] = {
        "unit": _unit,
        "metric": _metric,
        "days": limits.window_days,
        "method": _method,
        "target": _target,
    }
    for name, read in readers.items():
        raw = args.get(PARAMS[name]) or ""
        if raw:
            try:
                values[name] = read(raw)
            except DataError:
                if not lenient:
                    raise
    lang = args.get("lang")
    values["lang"] = lang if lang in LANGUAGES else None if lenient else "zh"
    values["cat"] = _choices("cat", args.get("cat", ""), INCIDENT_CATEGORIES, lenient)
    values["status"] = _choices("status", args.get("status", ""), INCIDENT_STATUSES, lenient)
    start, end = args.get("start") or None, args.get("end") or None
    try:
        day_range(start, end)
    except DataError:
        if not lenient:
            raise
        start = end = None
    values["start"], values["end"] = (start, end) if start and end else (None, None)
    if not lenient or "bbox" in args:
        values.update(_box(args.get("bbox", ""), args.get("zoom") or str(defaults.zoom)))
    return dataclasses.replace(defaults, **values)


def _box(bbox: str, zoom_raw: str) -> dict[str, Any]:
    """Read ``bbox=west,south,east,north`` (degrees, EPSG:4326) and ``zoom``.

    They are checked, clipped to the world, and no larger than :data:`geo.limits.MAX_VIEW_PX` at
    that zoom.
    """
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
        zoom = int(zoom_raw)
    except ValueError:
        raise DataError(
            "bbox must be 'west,south,east,north' in degrees and zoom an integer"
        ) from None
    finite = all(math.isfinite(v) for v in (west, south, east, north))
    if not finite or west >= east or south >= north:
        raise DataError(f"bbox {west},{south},{east},{north} is not a box west<east, south<north")
    if not limits.ZOOM[0] <= zoom <= limits.ZOOM[1]:
        raise DataError(
            f"zoom {zoom} is not allowed: expected {limits.ZOOM[0]} to {limits.ZOOM[1]}"
        )
    west, south, east, north = max(west, -180), max(south, -90), min(east, 180), min(north, 90)
    limits.view_box(west, south, east, north, zoom)
    return {"west": west, "south": south, "east": east, "north": north, "zoom": zoom}


def _unit(raw: str) -> str:
    if not (raw.isdigit() and len(raw) in (6, 9, 12, 15)):
        raise DataError(f"unit {raw!r} is not a unit code (6, 9, 12 or 15 digits)")
    return raw


def _allowed_metric(name: str) -> bool:
    return name in metrics.MAP_METRICS


def _metric(raw: str) -> str:
    if not _allowed_metric(raw):
        raise DataError(
            f"metric {raw!r} is not allowed: expected one of {', '.join(metrics.MAP_METRICS)}"
        )
    return raw


def _method(raw: str) -> str:
    if raw not in METHODS:
        raise DataError(f"hs {raw!r} is not allowed: expected one of {', '.join(METHODS)}")
    return raw


def _target(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise DataError(f"target {raw!r} is not allowed: expected a percentage from 0 to 100")
    return round(value, 1)


def _choices(name: str, raw: str, allowed: tuple[str, ...], lenient: bool) -> tuple[str, ...]:
    """Comma-separated values of ``allowed``; unknown ones raise, or (``lenient``) are dropped."""
    values = tuple(v for v in raw.split(",") if v)
    unknown = sorted(set(values) - set(allowed))
    if unknown and not lenient:
        raise DataError(
            f"{name} {','.join(unknown)!r} is not allowed: expected some of {', '.join(allowed)}"
        )
    return tuple(v for v in values if v in allowed)
