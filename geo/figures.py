"""Reading the figures of units: the coverage of the last refresh plus the incidents of a window.

Every percentage is rounded half-up to one decimal; ``None`` means "n/a" (a unit without roads has
no road coverage, one without cameras no working rate, one without incidents no incident coverage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from geo import limits
from geo._sql import fill, incident_window, statement, window_params
from geo.errors import DataError
from geo.metrics import COMBINED_PCT, COVERAGE, METRICS, Measure, Metric
from geo.metrics import get as get_metric

LEVELS = ("province", "city", "county", "township", "village", "grid")
OPEN_STATUSES = ("reported", "dispatched", "handling")

# The command line's columns, in order.
COLUMNS = (
    "code",
    "name",
    "level",
    "area_km2",
    *(m.key for m in COVERAGE),
    "gap_km2",
    "cameras",
    "cameras_online",
    "working_rate_pct",
    "incidents",
    "blind_incidents",
    "incident_coverage_pct",
)


def utc_now() -> dt.datetime:
    """Return the current time in UTC.

    This is the one clock every window is measured from (tests freeze it).
    """
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Window:
    """A time window ``(start, end]`` of incidents, with optional category and status filters."""

    start: dt.datetime
    end: dt.datetime
    categories: tuple[str, ...] = field(default=())
    statuses: tuple[str, ...] = field(default=())

    @classmethod
    def last_days(cls, days: int, end: dt.datetime | None = None, **filters: Any) -> Window:
        """Return the ``days`` days ending at ``end``.

        ``end`` defaults to the end of the current minute, so that every request within a minute,
        from any worker or the command line, means the same window.
        """
        days = limits.window_days(days, "a window of days")
        if end is None:
            end = _end_of_minute()
        return cls(end - dt.timedelta(days=days), end, **filters)

    @classmethod
    def since(cls, start: dt.datetime, **filters: Any) -> Window:
        """From ``start`` to the end of the current minute (the same end as :meth:`last_days`)."""
        return cls(start, _end_of_minute(), **filters)


def _end_of_minute() -> dt.datetime:
    return utc_now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def day_range(start: str | None, end: str | None) -> tuple[dt.date, dt.date] | None:
    """Parse the calendar days ``YYYY-MM-DD`` from ``start`` to ``end`` (both inclusive).

    None when either is missing.

    Raises :class:`DataError` when a date is malformed, the end comes before the start or the
    range is longer than :mod:`geo.limits` allows.
    """
    if not start or not end:
        return None
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise DataError(f"dates {start!r}, {end!r} are not allowed: expected YYYY-MM-DD") from None
    if last < first:
        raise DataError(f"the window ends ({end}) before it starts ({start})")
    limits.custom_days(first, last)
    return first, last


def custom_range(
    start: str | None, end: str | None, timezone: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Build a window from calendar days ``YYYY-MM-DD`` (both inclusive) in ``timezone``.

    ``timezone`` is an IANA name (the ``GRIDSIGHT_TIMEZONE`` setting). The window runs from the
    first day's midnight to the midnight after the last, timezone-aware; (None, None) when either
    date is missing.

    Raises :class:`DataError` as :func:`day_range` does.

    >>> custom_range("2026-03-01", "2026-03-01", "Europe/Berlin")[0].isoformat()
    '2026-03-01T00:00:00+01:00'
    """
    days = day_range(start, end)
    if days is None:
        return None, None
    zone = ZoneInfo(timezone)
    first, last = days
    begin = dt.datetime.combine(first, dt.time(), zone)
    return begin, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)


def pct(part: float, whole: float) -> float | None:
    """``100 * part / whole`` rounded half-up to one decimal; None when ``whole`` is 0.

    >>> pct(1, 3), pct(1, 8), pct(5, 0)
    (33.3, 12.5, None)
    """
    return share(part, whole)


@dataclass(frozen=True)
class UnitFigures:
    """Every figure of one unit. Areas in km², percentages 0-100 with one decimal, None = n/a.

    ``values`` holds every metric of :data:`geo.metrics.METRICS` by its key (:meth:`value`).
    """

    code: str
    name: str
    level: str
    parent_code: str | None
    population: int
    area_km2: float
    gap_km2: float
    cameras: int
    cameras_online: int
    incidents: int
    blind_incidents: int
    values: Mapping[str, float | None]

    def value(self, metric: Metric | str) -> float | None:
        """Return the value of ``metric`` (a :class:`Metric` or its key); None = n/a.

        Raises :class:`KeyError` naming the allowed keys for an unknown metric.
        """
        key = metric.key if isinstance(metric, Metric) else get_metric(metric).key
        return self.values[key]

    def row(self) -> dict[str, Any]:
        """Return the command line's columns of this unit."""
        values = {**{f.name: getattr(self, f.name) for f in fields(self)}, **self.values}
        return {c: values[c] for c in COLUMNS}


# An incident is in unit U when its ``unit_code`` (the smallest unit holding it, kept by the
# database: migration 0008) starts with U's prefix (its code; a province's first 2 digits, a city's
# first 4: ``gs_unit_prefix``, migration 0013_levels); blind when no online camera's view holds it
# (``watched``, migration 0007; DOMAIN.md, "Incident coverage"). One pass over the window's
# incidents of the units' code range, grouped by each code length the units have: no spatial join
# per unit.
# The codes that start with one of the units' codes lie between the lowest code and the highest
# code followed by ':' (the character after '9').
_SPAN = (
    'SELECT min(gs_unit_prefix(code, level) COLLATE "C"), '
    "max((gs_unit_prefix(code, level) || ':') COLLATE \"C\") FROM unit_coverage u WHERE $where"
)
_FIGURES = fill(
    """
WITH units AS MATERIALIZED (
    SELECT u.*, gs_unit_prefix(u.code, u.level) AS prefix FROM unit_coverage u WHERE $where),
lengths AS (SELECT DISTINCT length(prefix) AS n FROM units),
inc AS (
    SELECT i.unit_code, i.watched
    FROM incident i
    WHERE i.unit_code >= CAST(:low AS text) COLLATE "C"
      AND i.unit_code < CAST(:high AS text) COLLATE "C"
      AND $window
),
counts AS (
    SELECT left(inc.unit_code, lengths.n) AS code, count(*) AS incidents,
           count(*) FILTER (WHERE NOT inc.watched) AS blind
    FROM inc JOIN lengths ON length(inc.unit_code) >= lengths.n
    GROUP BY 1
)
SELECT u.code, u.name, u.level, u.parent_code, u.population, u.area_m2, u.road_m, $covered,
       u.cameras, u.cameras_online,
       coalesce(c.incidents, 0) AS incidents, coalesce(c.blind, 0) AS blind
FROM units u LEFT JOIN counts c ON c.code = u.prefix
ORDER BY u.code
""",
    window=incident_window("i"),
    covered=", ".join(f"u.{m.column}" for m in COVERAGE),  # the covered parts of every metric
)


def figures(
    conn: Connection, window: Window, level: str | None = None, codes: Sequence[str] | None = None
) -> list[UnitFigures]:
    """Read the figures of the units of ``level`` (or those in ``codes``), ordered by code.

    Reads the last refresh (call :func:`geo.coverage.refresh` first) and counts incidents of
    ``window`` live. Raises :class:`DataError` for an unknown level.
    """
    if level is not None and level not in LEVELS:
        raise DataError(f"level {level!r} is not allowed: expected one of {', '.join(LEVELS)}")
    where, params = "true", dict[str, Any]()
    if level is not None:
        where, params = "u.level = :level", {"level": level}
    if codes is not None:
        where += " AND u.code = ANY(:codes)"
        params["codes"] = list(codes)
    return [unit_figures(r) for r in raw_figures(conn, window, where, params)]


def raw_figures(
    conn: Connection, window: Window, where: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Unrounded sums (m², m, counts) of the units matching ``where`` (SQL on alias ``u``)."""
    conn.execute(text("SET LOCAL jit = off"))
    # the units' code range first, so that the planner sees it: the whole territory's range is read
    # by time (the window's index), one unit's by code (the code index)
    low, high = conn.execute(statement(_SPAN, where=where), params).one()
    if low is None:
        return []
    rows = (
        conn.execute(
            statement(_FIGURES, where=where),
            {
                **params,
                "low": low,
                "high": high,
                **window_params(window),
            },
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


# A unit with less road than this (metres) has none: a road that only touches it at a point (a
# corner it crosses) is measured within the engine's border tolerance (``BORDER_M``, 1 mm) of it.
NO_ROADS_M = 0.01


def share(part: float, whole: float, per: int = 100, decimals: int = 1) -> float | None:
    """``per * part / whole`` rounded half-up to ``decimals``; None when ``whole`` is 0.

    >>> share(1, 3), share(7, 3000, per=1000, decimals=2), share(1, 0)
    (33.3, 2.33, None)
    """
    if whole <= 0:
        return None
    quantum = Decimal(1).scaleb(-decimals)
    value = Decimal(repr(per * part / whole)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(value)


def metric_value(metric: Metric, r: Mapping[str, Any]) -> float | None:
    """Compute ``metric`` from a row of :func:`raw_figures` (with ``watched``: :func:`_counted`).

    A share of its :attr:`~Metric.denominator` (None: n/a, a unit without roads has no road
    coverage), or the count itself when it has none.
    """
    part = r[metric.numerator]
    if metric.denominator is None:
        return part  # type: ignore[no-any-return]
    whole = r[metric.denominator]
    if metric.measure is Measure.ROADS and whole < NO_ROADS_M:
        return None
    return share(part, whole, metric.per, metric.decimals)


def _counted(r: Mapping[str, Any]) -> dict[str, Any]:
    """Return the raw row with the figures derived from it: ``watched`` (incidents not blind)."""
    return {**r, "watched": r["incidents"] - r["blind"]}


def unit_figures(r: Mapping[str, Any]) -> UnitFigures:
    """Round the sums of :func:`raw_figures` into a unit's figures."""
    counted = _counted(r)
    area = r["area_m2"]
    return UnitFigures(
        code=r["code"],
        name=r["name"],
        level=r["level"],
        parent_code=r["parent_code"],
        population=r["population"],
        area_km2=round(area / 1e6, 3),
        gap_km2=round(max(area - r[str(COMBINED_PCT.column)], 0.0) / 1e6, 3),
        cameras=r["cameras"],
        cameras_online=r["cameras_online"],
        incidents=r["incidents"],
        blind_incidents=r["blind"],
        values={m.key: metric_value(m, counted) for m in METRICS},
    )
