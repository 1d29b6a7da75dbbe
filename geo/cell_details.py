"""Everything about one grid cell a leader asks for: who, what covers it, what happened there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import hierarchy
from geo._sql import incident_window, window_params
from geo.errors import NotFound
from geo.figures import UnitFigures, Window, figures

_WINDOW_FILTER = incident_window("i")


@dataclass(frozen=True)
class CellDetails:
    """What the cell panel shows about one grid cell.

    A cell's facts (aggregates and its grid worker, staff), its figures beside its village's and
    township's, its cameras (broken first), the window's incidents, the routes through it, and the
    incidents per day and category.
    """

    cell: dict[str, Any]
    figures: list[UnitFigures]  # cell, village, township
    cameras: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    daily: list[dict[str, Any]]  # day (YYYY-MM-DD, local), category, count


def cell_details(
    conn: Connection, code: str, window: Window, phone: bool = True, *, timezone: str
) -> CellDetails:
    """Read the details of grid cell ``code`` for ``window``.

    Raises :class:`NotFound` for another code. The grid worker's phone (staff personal data) is read
    only when ``phone`` is true; otherwise ``cell['grid_worker_phone']`` is None. Times and days are
    local to ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).
    """
    cell = (
        conn.execute(
            text("""
        SELECT g.code, g.name, g.population, g.households, g.grid_worker,
               CASE WHEN :phone THEN g.grid_worker_phone END AS grid_worker_phone,
               round((u.area_m2 / 1e6)::numeric, 3)::float AS area_km2
        FROM grid_cell g JOIN unit_coverage u USING (code) WHERE g.code = :code"""),
            {"code": code, "phone": phone},
        )
        .mappings()
        .first()
    )
    if cell is None:
        raise NotFound(f"no grid cell with code {code!r}")
    trail = [
        u.code for u in hierarchy.ancestry(conn, code) if len(u.code) >= 9
    ]  # cell, village, township
    by_code = {f.code: f for f in figures(conn, window, codes=trail)}
    params = {
        "code": code,
        **window_params(window),
        "tz": timezone,
    }
    cameras = (
        conn.execute(
            text("""
        SELECT c.code, c.name, c.kind, c.status
        FROM camera c JOIN grid_cell g ON ST_Intersects(g.geom, c.geom)
        WHERE g.code = :code ORDER BY c.status = 'online', c.status, c.code"""),
            params,
        )
        .mappings()
        .all()
    )
    # S608 below: the constant incident-window fragment
    incidents = (
        conn.execute(
            text(f"""
        SELECT i.code,
               to_char(i.occurred_at AT TIME ZONE CAST(:tz AS text), 'YYYY-MM-DD HH24:MI')
                   AS occurred,
               i.category, i.severity, i.status,
               NOT i.watched AS blind
        FROM incident i WHERE i.unit_code = :code AND {_WINDOW_FILTER}
        ORDER BY i.occurred_at DESC"""),  # noqa: S608
            params,
        )
        .mappings()
        .all()
    )
    routes = (
        conn.execute(
            text("""
        SELECT r.code, r.unit, r.shift
        FROM patrol_route r JOIN grid_cell g ON ST_Intersects(g.geom, r.geom)
        WHERE g.code = :code ORDER BY r.code"""),
            params,
        )
        .mappings()
        .all()
    )
    # S608 below: the constant incident-window fragment
    daily = (
        conn.execute(
            text(f"""
        SELECT to_char(i.occurred_at AT TIME ZONE CAST(:tz AS text), 'YYYY-MM-DD') AS day,
               i.category, count(*) AS count
        FROM incident i WHERE i.unit_code = :code AND {_WINDOW_FILTER}
        GROUP BY 1, 2 ORDER BY 1, 2"""),  # noqa: S608
            params,
        )
        .mappings()
        .all()
    )
    return CellDetails(
        dict(cell),
        [by_code[c] for c in reversed(trail) if c in by_code and len(c) >= 9],
        [dict(r) for r in cameras],
        [dict(r) for r in incidents],
        [dict(r) for r in routes],
        [dict(r) for r in daily],
    )
