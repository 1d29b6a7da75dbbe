"""What the map page shows, as a URL query string, so that every view can be shared as a link.

``?unit=140724001&metric=camera_road_pct&days=30&target=60``: the unit whose children are drawn
(default: the county), the metric that colours them (default ``GRIDSIGHT_DEFAULT_METRIC``), the
incident window in days and the target (%) below which units are marked (default
``GRIDSIGHT_TARGET_PCT``). Unknown or malformed values fall back to the defaults; a link never breaks
the page.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from geo import metrics
from geo.errors import DataError
from geo.figures import Window, custom_range, day_range
from geo.vocabulary import INCIDENT_CATEGORY, INCIDENT_STATUS

# The metrics the map can colour by: key -> (English, Chinese) name.
METRICS: dict[str, tuple[str, str]] = {
    m.key: (m.label_en, m.label_zh) for m in metrics.shown_in(metrics.Shown.MAP)
}
WINDOWS = (7, 30, 90)
CATEGORIES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_CATEGORY.items()}
STATUSES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_STATUS.items()}
_CODE = re.compile(r"^[0-9]{6}([0-9]{3}){0,3}$")


@dataclass(frozen=True)
class ViewState:
    """The map page's state: ``unit`` None means the top (the county)."""

    unit: str | None = None
    metric: str = metrics.DEFAULT_MAP_METRIC
    days: int = 30
    lang: str | None = None
    cat: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    start: str | None = None  # a custom range of local days, YYYY-MM-DD, both inclusive
    end: str | None = None
    target: float = 60.0  # %, of a coverage metric: units below it are marked

    @classmethod
    def from_search(
        cls, search: str | None, metric: str | None = None, target: float | None = None
    ) -> ViewState:
        """Parse a query string such as ``?unit=140724&metric=patrol_pct&days=7&target=50``;
        ``metric`` and ``target`` are the defaults when it names none (the settings')."""
        args = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
        unit = args.get("unit")
        default_metric = metric if metric in METRICS else cls.metric
        default_target = cls.target if target is None else target
        metric = args.get("metric", default_metric)
        target = parse_target(args.get("target"), default_target)
        days = args.get("days", "")
        lang = args.get("lang")
        cat = tuple(c for c in args.get("cat", "").split(",") if c in CATEGORIES)
        status = tuple(s for s in args.get("status", "").split(",") if s in STATUSES)
        start, end = args.get("start"), args.get("end")
        try:
            day_range(start, end)
        except DataError:
            start = end = None
        return cls(
            start=start if end else None,
            end=end if start else None,
            unit=unit if unit and _CODE.match(unit) else None,
            metric=metric if metric in METRICS else default_metric,
            target=target,
            days=int(days) if days.isdigit() and 1 <= int(days) <= 3660 else cls.days,
            lang=lang if lang in ("zh", "en") else None,
            cat=cat,
            status=status,
        )

    def below_target(self, value: float | None) -> bool:
        """Whether ``value`` of this state's metric is below its target (percentages only: incidents
        per 1,000 residents have no target)."""
        is_pct = metrics.get(self.metric).is_percentage
        return is_pct and value is not None and value < self.target

    def search(self, **changes: Any) -> str:
        """The query string of this state with ``changes`` applied."""
        values = {**asdict(self), **changes}
        values = {k: ",".join(v) if isinstance(v, (tuple, list)) else v for k, v in values.items()}
        values["target"] = f"{float(values['target']):g}"
        return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ViewState:
        if not data:
            return cls()
        # the map's target and a refused link: not part of the state
        known = {k: v for k, v in data.items() if k not in ("bounds", "denied")}
        return cls(
            **{
                **known,
                "cat": tuple(data.get("cat") or ()),
                "status": tuple(data.get("status") or ()),
            }
        )

    def window(self, timezone: str) -> Window:
        """The incident window and filters of this state: the custom range (its days in
        ``timezone``, an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting), or the last days."""
        start, end = custom_range(self.start, self.end, timezone)
        if start is not None and end is not None:
            return Window(start, end, self.cat, self.status)
        return Window.last_days(self.days, categories=self.cat, statuses=self.status)


def parse_target(raw: str | None, default: float) -> float:
    """A target percentage from an address (0-100, at most one decimal), else ``default``.

    >>> parse_target("55.25", 60.0), parse_target("x", 60.0), parse_target("120", 60.0)
    (55.2, 60.0, 60.0)
    """
    try:
        value = float(raw or "")
    except ValueError:
        return default
    return round(value, 1) if 0 <= value <= 100 else default
