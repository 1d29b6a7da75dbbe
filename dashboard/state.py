"""What the map page shows, as a URL query string, so that every view can be shared as a link.

``?unit=140724001&metric=camera_road_pct&days=30``: the unit whose children are drawn (default: the
county), the metric that colours them, and the incident window in days. Unknown or malformed values
fall back to the defaults; a link never breaks the page.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from geo.errors import DataError
from geo.figures import Window, custom_range
from geo.vocabulary import INCIDENT_CATEGORY, INCIDENT_STATUS

METRICS: dict[str, tuple[str, str]] = {
    "camera_area_pct": ("Camera coverage (area)", "视频覆盖率(面积)"),
    "camera_road_pct": ("Camera coverage (roads)", "视频覆盖率(道路)"),
    "patrol_pct": ("Patrol coverage", "巡逻覆盖率"),
    "combined_pct": ("Combined coverage", "综合覆盖率"),
    "working_rate_pct": ("Camera working rate", "摄像机完好率"),
    "incident_rate": ("Incidents per 1,000 residents", "每千人警情"),
}
WINDOWS = (7, 30, 90)
CATEGORIES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_CATEGORY.items()}
STATUSES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_STATUS.items()}
_CODE = re.compile(r"^[0-9]{6}([0-9]{3}){0,3}$")


@dataclass(frozen=True)
class ViewState:
    """The map page's state: ``unit`` None means the top (the county)."""

    unit: str | None = None
    metric: str = "camera_area_pct"
    days: int = 30
    lang: str | None = None
    cat: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    start: str | None = None  # a custom range of local days, YYYY-MM-DD, both inclusive
    end: str | None = None

    @classmethod
    def from_search(cls, search: str | None) -> ViewState:
        """Parse a query string such as ``?unit=140724&metric=patrol_pct&days=7``."""
        args = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
        unit = args.get("unit")
        metric = args.get("metric", cls.metric)
        days = args.get("days", "")
        lang = args.get("lang")
        cat = tuple(c for c in args.get("cat", "").split(",") if c in CATEGORIES)
        status = tuple(s for s in args.get("status", "").split(",") if s in STATUSES)
        start, end = args.get("start"), args.get("end")
        try:
            custom_range(start, end)
        except DataError:
            start = end = None
        return cls(
            start=start if end else None, end=end if start else None,
            unit=unit if unit and _CODE.match(unit) else None,
            metric=metric if metric in METRICS else cls.metric,
            days=int(days) if days.isdigit() and 1 <= int(days) <= 3660 else cls.days,
            lang=lang if lang in ("zh", "en") else None,
            cat=cat, status=status,
        )

    def search(self, **changes: Any) -> str:
        """The query string of this state with ``changes`` applied."""
        values = {**asdict(self), **changes}
        values = {k: ",".join(v) if isinstance(v, (tuple, list)) else v for k, v in values.items()}
        return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ViewState:
        if not data:
            return cls()
        # the map's target and a refused link: not part of the state
        known = {k: v for k, v in data.items() if k not in ("bounds", "denied")}
        return cls(**{**known, "cat": tuple(data.get("cat") or ()), "status": tuple(data.get("status") or ())})

    def window(self) -> Window:
        """The incident window and filters of this state: the custom range, or the last days."""
        start, end = custom_range(self.start, self.end)
        if start is not None and end is not None:
            return Window(start, end, self.cat, self.status)
        return Window.last_days(self.days, categories=self.cat, statuses=self.status)
