"""The incidents of one unit and window for the map's time playback, as compact columns.

The browser draws every playback frame from these columns (no request per frame), so they hold
exactly the incidents the unit's figures count: those whose ``unit_code`` starts with the unit's
code, ``start < occurred_at <= end``, with the window's category and status filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo._sql import fill, incident_window, window_params
from geo.errors import DataError
from geo.figures import Window

MAX_INCIDENTS = 200_000  # a year of a large city; the browser holds 6 numbers per incident

_SQL = text(
    fill(
        """
    SELECT extract(epoch FROM occurred_at)::float8 * 1000 AS t,
           round(ST_X(geom)::numeric, 6)::float8 AS x, round(ST_Y(geom)::numeric, 6)::float8 AS y,
           severity AS s,
           extract(hour FROM occurred_at AT TIME ZONE CAST(:tz AS text))::int AS h,
           (extract(isodow FROM occurred_at AT TIME ZONE CAST(:tz AS text))::int - 1) AS d
    FROM incident
    WHERE unit_code >= CAST(:code AS text) COLLATE "C"
      AND unit_code < CAST(:code || ':' AS text) COLLATE "C"
      AND $window
    ORDER BY occurred_at, code
    LIMIT :limit""",
        window=incident_window(""),
    )
)


@dataclass(frozen=True)
class Playback:
    """Column arrays, one entry per incident, in time order.

    ``t`` milliseconds since 1970 (UTC), ``x``/``y`` longitude/latitude (EPSG:4326 degrees, 6
    decimals), ``s`` severity 1-4, ``h`` the hour of day 0-23 and ``d`` the weekday 0 (Monday) - 6
    in the display time zone; ``start`` and ``end`` the window in milliseconds since 1970.
    """

    unit: str
    start: float
    end: float
    t: list[float]
    x: list[float]
    y: list[float]
    s: list[int]
    h: list[int]
    d: list[int]

    def as_json(self) -> dict[str, object]:
        """Return the columns as a JSON-ready dictionary (the body of ``GET /api/playback``)."""
        return {
            "unit": self.unit,
            "start": self.start,
            "end": self.end,
            "count": len(self.t),
            "t": self.t,
            "x": self.x,
            "y": self.y,
            "s": self.s,
            "h": self.h,
            "d": self.d,
        }


def incidents(conn: Connection, code: str, window: Window, timezone: str) -> Playback:
    """Return the incidents of unit ``code`` in ``window`` (see the module's doc) as columns.

    Hours and weekdays are in ``timezone`` (an IANA name).

    Raises
    ------
    DataError
        When the unit holds more than :data:`MAX_INCIDENTS` incidents in the window (choose a
        shorter window or a smaller unit).
    """
    rows = conn.execute(
        _SQL,
        {
            "code": code,
            **window_params(window),
            "tz": timezone,
            "limit": MAX_INCIDENTS + 1,
        },
    ).all()
    if len(rows) > MAX_INCIDENTS:
        raise DataError(
            f"unit {code} has more than {MAX_INCIDENTS} incidents in this window: "
            "choose a shorter window or a smaller unit for the playback"
        )
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), (), ()]
    t, x, y, s, h, d = (list(c) for c in columns)
    return Playback(
        code, window.start.timestamp() * 1000, window.end.timestamp() * 1000, t, x, y, s, h, d
    )
