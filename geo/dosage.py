"""Patrol dosage from GPS tracks: how often, how long and how regularly patrols were at a place.

For each area (a hot spot or a grid cell), over the *period* (the span of the track points in the
window, from the first point to the last):

- a **hit** is a track point within ``patrol_buffer_m`` of the area (the area buffered in the metric
  CRS, tested against the points in EPSG:4326 through the spatial index);
- a **visit** is a run of consecutive points of one unit that are all hits, with no more than
  :data:`MAX_STEP_S` between them; its shift is the shift of its first point;
- **minutes of presence** add, for every hit, the time to that unit's next point, capped at
  :data:`MAX_STEP_S` (a point stands for the time until the next one);
- the **longest gap** of a shift is the longest time, inside that shift's hours in the period, with
  no hit at all, counted from the shift's start and to its end.

Shifts are local times (the ``timezone`` setting): day from 08:00 to 20:00, night from 20:00 to
08:00.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from geo.coverage import metric_srid
from geo.figures import Window
from geo.hotspots import Analysis, spot_sql

SHIFTS = ("day", "night")
DAY_START_H, NIGHT_START_H = 8, 20
MAX_STEP_S = 600.0  # a point stands for at most 10 minutes

_HITS = """
WITH area AS MATERIALIZED ({areas}),
zone AS MATERIALIZED (SELECT id, ST_Transform(ST_Buffer(geom, :buffer, 'quad_segs=16'), 4326) AS g
                      FROM area),
pt AS (SELECT id, unit, recorded_at,
              lead(recorded_at) OVER (PARTITION BY unit ORDER BY recorded_at) AS next_at,
              row_number() OVER (PARTITION BY unit ORDER BY recorded_at) AS rn
       FROM patrol_track WHERE recorded_at > :start AND recorded_at <= :end),
hit AS (SELECT zone.id AS area, t.id FROM zone JOIN patrol_track t ON ST_Intersects(zone.g, t.geom)
        WHERE t.recorded_at > :start AND t.recorded_at <= :end)
SELECT hit.area, pt.unit, pt.recorded_at, pt.rn,
       least(coalesce(extract(epoch FROM pt.next_at - pt.recorded_at), 0), :step) AS held
FROM hit JOIN pt ON pt.id = hit.id ORDER BY hit.area, pt.unit, pt.recorded_at
"""
_PERIOD = (
    "SELECT min(recorded_at), max(recorded_at) FROM patrol_track "
    "WHERE recorded_at > :start AND recorded_at <= :end"
)
_CELLS = "SELECT code AS id, ST_Transform(geom, :srid) AS geom FROM grid_cell"


@dataclass
class Dosage:
    """Patrol dosage of one area; per-shift dictionaries are keyed by :data:`SHIFTS`."""

    id: str
    visits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHIFTS, 0))
    minutes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SHIFTS, 0.0))
    longest_gap_min: dict[str, float | None] = field(
        default_factory=lambda: dict.fromkeys(SHIFTS, None)
    )
    units: set[str] = field(default_factory=set)

    @property
    def total_visits(self) -> int:
        """Visits to the area over all shifts."""
        return sum(self.visits.values())


@dataclass(frozen=True)
class Report:
    """Dosage of every area over ``period`` (None when the window holds no track points)."""

    period: tuple[dt.datetime, dt.datetime] | None
    areas: tuple[Dosage, ...]

    def share_visited(self) -> float | None:
        """Percentage of areas with at least one visit; None when there are no areas."""
        if not self.areas:
            return None
        return 100.0 * sum(1 for a in self.areas if a.total_visits) / len(self.areas)

    def never_visited(self) -> list[str]:
        """Return the ids of the areas no patrol visited in the period."""
        return [a.id for a in self.areas if not a.total_visits]


def shift_of(moment: dt.datetime, tz: ZoneInfo) -> str:
    """Return 'day' or 'night' for an aware datetime, by its local hour in ``tz``."""
    return "day" if DAY_START_H <= moment.astimezone(tz).hour < NIGHT_START_H else "night"


def shift_instances(
    start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Return the shifts that overlap ``[start, end]``, clipped to it.

    As (shift, from, to), with aware datetimes.
    """
    out = []
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    while True:
        base = dt.datetime.combine(day, dt.time(), tz)
        bounds = (
            (
                "day",
                base + dt.timedelta(hours=DAY_START_H),
                base + dt.timedelta(hours=NIGHT_START_H),
            ),
            (
                "night",
                base + dt.timedelta(hours=NIGHT_START_H),
                base + dt.timedelta(hours=24 + DAY_START_H),
            ),
        )
        for name, a, b in bounds:
            a, b = max(a, start), min(b, end)
            if a < b:
                out.append((name, a, b))
        if base + dt.timedelta(hours=24 + DAY_START_H) >= end:
            return out
        day += dt.timedelta(days=1)


def dosage(
    conn: Connection,
    areas: str,
    params: dict[str, Any],
    window: Window,
    buffer_m: float,
    timezone: str,
) -> Report:
    """Measure the patrol dosage of the areas of SQL subquery ``areas`` over ``window``'s tracks.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    areas
        SQL subquery yielding rows ``(id, geom)``, geom in the metric CRS.
    params
        The bind parameters of ``areas``.
    window
        The time window whose patrol tracks count.
    buffer_m
        A track point within this many metres of an area visits it.
    timezone
        IANA time zone whose local hours make the day and night shifts.

    Returns
    -------
    Report
        The period the tracks cover (None without track points) and each area's dosage, by id.
    """
    tz = ZoneInfo(timezone)
    bind = params | {
        "srid": metric_srid(conn),
        "start": window.start,
        "end": window.end,
        "buffer": buffer_m,
        "step": MAX_STEP_S,
    }
    # S608 below: areas: SQL from this module
    ids = [row[0] for row in conn.execute(text(f"SELECT id FROM ({areas}) a ORDER BY id"), bind)]  # noqa: S608
    period = conn.execute(text(_PERIOD), bind).one()
    if period[0] is None:
        return Report(None, tuple(Dosage(i) for i in ids))
    out = {i: Dosage(i) for i in ids}
    hits: dict[str, list[dt.datetime]] = defaultdict(list)
    last: dict[tuple[str, str], tuple[int, dt.datetime]] = {}
    for area, unit, at, rn, held in conn.execute(text(_HITS.format(areas=areas)), bind):
        d = out[area]
        shift = shift_of(at, tz)
        previous = last.get((area, unit))
        if (
            previous is None
            or rn != previous[0] + 1
            or (at - previous[1]).total_seconds() > MAX_STEP_S
        ):
            d.visits[shift] += 1
        last[(area, unit)] = (rn, at)
        d.minutes[shift] += float(held) / 60.0
        d.units.add(unit)
        hits[area].append(at)
    instances = shift_instances(period[0], period[1], tz)
    for area, d in out.items():
        d.longest_gap_min = _longest_gaps(sorted(hits.get(area, [])), instances)
    return Report((period[0], period[1]), tuple(out[i] for i in ids))


def _longest_gaps(
    times: list[dt.datetime], instances: list[tuple[str, dt.datetime, dt.datetime]]
) -> dict[str, float | None]:
    gaps: dict[str, float | None] = dict.fromkeys(SHIFTS, None)
    for name, a, b in instances:
        inside = [t for t in times if a <= t <= b]
        edges = [a, *inside, b]
        longest = max((y - x).total_seconds() for x, y in itertools.pairwise(edges)) / 60.0
        current = gaps[name]
        gaps[name] = longest if current is None else max(current, longest)
    return gaps


def hot_spot_dosage(
    conn: Connection, analysis: Analysis, window: Window, buffer_m: float, timezone: str
) -> Report:
    """Measure the patrol dosage of every hot spot of ``analysis``."""
    sql, params = spot_sql(analysis)
    return dosage(conn, sql, params, window, buffer_m, timezone)


def cell_dosage(conn: Connection, window: Window, buffer_m: float, timezone: str) -> Report:
    """Measure the patrol dosage of every grid cell."""
    return dosage(conn, _CELLS, {}, window, buffer_m, timezone)
