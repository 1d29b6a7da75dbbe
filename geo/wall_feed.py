"""What the wall shows live: change versions, today's incidents, the feed, the last 24 hours.

Every worker polls ``gs_live`` (one row per topic, bumped by triggers when incidents or cameras
change, visible at commit), so a change made by anyone reaches every wall on the next poll. "Today"
is the calendar day in the configured time zone (``GRIDSIGHT_TIMEZONE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from geo.figures import OPEN_STATUSES

FEED_SIZE = 10
ARRIVAL_MARGIN_S = (
    30  # an incident written by a transaction that took longer is shown, not highlighted
)


def versions(conn: Connection) -> dict[str, int]:
    """Read the change version of each topic ('incident', 'camera', 'coverage')."""
    return {topic: int(v) for topic, v in conn.execute(text("SELECT topic, version FROM gs_live"))}


@dataclass(frozen=True)
class FeedItem:
    """One incident of the live feed; ``township``/``village`` are '' outside every unit."""

    code: str
    category: str
    status: str
    occurred_at: dt.datetime
    township: str
    village: str
    lon: float
    lat: float
    severity: int = 1  # 1-4


def feed(conn: Connection, limit: int = FEED_SIZE) -> list[FeedItem]:
    """Read the latest ``limit`` incidents by time of occurrence.

    Each comes with the village and township it lies in.
    """
    rows = conn.execute(
        text("""
        SELECT i.code, i.category, i.status, i.severity, i.occurred_at,
               coalesce(t.name, '') AS township,
               coalesce(v.name, '') AS village, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat
        FROM (SELECT * FROM incident ORDER BY occurred_at DESC, code LIMIT :n) i
        -- the units holding it, from its unit_code (kept by the database; codes nest)
        LEFT JOIN admin_unit v ON v.level = 'village' AND v.code = left(i.unit_code, 12)
        LEFT JOIN admin_unit t ON t.level = 'township' AND t.code = left(i.unit_code, 9)
        ORDER BY i.occurred_at DESC, i.code"""),
        {"n": limit},
    )
    return [
        FeedItem(
            r.code,
            r.category,
            r.status,
            r.occurred_at,
            r.township,
            r.village,
            r.lon,
            r.lat,
            r.severity,
        )
        for r in rows
    ]


def arrivals(conn: Connection, since: dt.datetime, opened: dt.datetime) -> list[str]:
    """Return the codes of incidents written since ``since``, but not before ``opened``.

    ``since`` less a margin for transactions still running then; what was there when the page
    opened is not news.
    """
    after = max(since - dt.timedelta(seconds=ARRIVAL_MARGIN_S), opened)
    return list(
        conn.execute(
            text(
                "SELECT code FROM incident WHERE created_at > :t ORDER BY created_at DESC LIMIT 200"
            ),
            {"t": after},
        ).scalars()
    )


def db_now(conn: Connection) -> dt.datetime:
    """Read the database's clock (the one ``created_at`` uses)."""
    now: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return now


@dataclass(frozen=True)
class Today:
    """Incidents today so far, on the same weekday last week up to the same time, and open now.

    Also the counts per hour of the last 24 hours (oldest first; the last bar is the current hour).
    """

    today: int
    same_day_last_week: int
    open_now: int
    hourly: list[int]
    hours: list[int]


def today(conn: Connection, now: dt.datetime, zone: ZoneInfo) -> Today:
    """Count today's incidents at ``now`` in time zone ``zone``.

    "Today" starts at the local midnight of ``now`` in ``zone``; the hourly counts cover the 24
    hours ending with ``now``'s hour.
    """
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hour = local.replace(minute=0, second=0, microsecond=0)
    first_hour = hour - dt.timedelta(hours=23)
    row = conn.execute(
        text("""
        SELECT count(*) FILTER (WHERE occurred_at >= :midnight AND occurred_at <= :now) AS today,
               count(*) FILTER (WHERE occurred_at >= :midnight - interval '7 days'
                                  AND occurred_at <= :now - interval '7 days') AS last_week
        FROM incident WHERE occurred_at >= :midnight - interval '7 days'"""),
        {"midnight": midnight, "now": now},
    ).one()
    open_now = conn.execute(
        text("SELECT count(*) FROM incident WHERE status = ANY(:s)"), {"s": list(OPEN_STATUSES)}
    ).scalar_one()
    counts: dict[int, int] = {
        int(slot): int(n)
        for slot, n in conn.execute(
            text("""
        SELECT floor(extract(epoch FROM occurred_at - :first) / 3600)::int AS slot, count(*)
        FROM incident WHERE occurred_at >= :first AND occurred_at <= :now GROUP BY slot"""),
            {"first": first_hour, "now": now},
        )
    }
    hourly = [int(counts.get(i, 0)) for i in range(24)]
    hours = [(first_hour + dt.timedelta(hours=i)).hour for i in range(24)]
    return Today(int(row.today), int(row.last_week), int(open_now), hourly, hours)


def recent(conn: Connection, start: dt.datetime) -> list[tuple[str, str, float, float]]:
    """(code, category, lon, lat) of every incident since ``start``, oldest first."""
    rows = conn.execute(
        text(
            "SELECT code, category, ST_X(geom), ST_Y(geom) FROM incident "
            "WHERE occurred_at >= :s ORDER BY occurred_at, code LIMIT 5000"
        ),
        {"s": start},
    )
    return [(r[0], r[1], float(r[2]), float(r[3])) for r in rows]
