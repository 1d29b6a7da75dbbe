"""The coverage engine: every metric of DOMAIN.md for every unit, computed by PostGIS.

How it works
------------
All areas and lengths are measured in the database's metric CRS (``gs_metric_srid()``, by default
UTM zone 49N, EPSG:32649; scale error below 0.05 % over the demo county). A *mosaic* of small
disjoint pieces covers the union of all camera views and patrol buffers, each piece of one class by
what covers it (see :mod:`geo._coverage_sql`): working, installed, patrol and combined coverage are
sums over classes. A unit's covered area is the sum, over the pieces it touches, of the piece's
area inside it; overlapping views count once because the unions dissolved them. The road network is
dissolved into pieces the same way. Results are kept in ``unit_coverage``.

A refresh is *full* after a change of units or roads, of the patrol buffer, after more than
``INCREMENTAL_MAX_COST`` worth of camera/route changes (a bulk import), or on demand; otherwise
it is *incremental*: only the mosaic inside the region of the changed cameras and routes is rebuilt,
and every unit touching that region gets ``new pieces - old pieces`` added to its figures, which is
exact for any unit, the county included. A parent is never averaged from its children's
percentages: each unit is measured on its own geometry, except that a full refresh sums the covered
areas (square metres) of a parent its children tile exactly from theirs, and its covered road
lengths too when no road runs along a child's border (``TILING`` in :mod:`geo._coverage_sql`).
What comes from the units and roads alone (metric shapes, areas, road pieces and lengths, tiling)
is kept between full refreshes until units or roads change, or ``rebuild_units`` asks.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import _coverage_sql as sql
from geo import meta
from geo._sql import fill, fill_all, statement

# Past this cost of changes (a changed camera region 1, a changed route region ROUTE_COST) a full
# refresh is faster than rebuilding the changed regions one by one (``make bench`` measures both).
INCREMENTAL_MAX_COST = 200
ROUTE_COST = 10
COMPUTED_AT = (
    "coverage_computed_at"  # gs_meta key: when the last refresh wrote the figures (ISO 8601)
)
REFRESH_LOCK = 7_361_624_101  # advisory lock key: one refresh at a time


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did.

    ``mode`` is 'full', 'incremental' or 'none' (nothing had changed); ``units``: whether the units'
    metric shapes, areas, road lengths and tiling were rebuilt too.
    """

    mode: str
    changes: int
    seconds: float
    units: bool = False


def metric_srid(conn: Connection) -> int:
    """Return the EPSG code of the projected CRS (metres) in which coverage is measured."""
    return int(conn.execute(text("SELECT gs_metric_srid()")).scalar_one())


def refresh(
    conn: Connection, patrol_buffer_m: float, full: bool = False, rebuild_units: bool = False
) -> RefreshReport:
    """Bring ``unit_coverage`` and the mosaic up to date with the data, in the caller's transaction.

    Parameters
    ----------
    conn
        A connection inside a transaction (the refresh commits or rolls back with it).
    patrol_buffer_m
        The patrol buffer width in metres (setting ``GRIDSIGHT_PATROL_BUFFER_M``).
    full
        Recompute every coverage figure even when an incremental refresh would do.
    rebuild_units
        Rebuild what comes from the units and roads alone (metric shapes, areas, road lengths,
        tiling) too; a full refresh does so anyway when units or roads changed since.
    """
    started = time.perf_counter()
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})
    # PostGIS functions carry high planner costs, which trigger JIT compilation, costlier than the
    # statements themselves.
    conn.execute(text("SET LOCAL jit = off"))
    conn.execute(statement("DROP TABLE IF EXISTS $tables", tables=", ".join(sql.TEMP_TABLES)))
    plan = plan_refresh(conn, patrol_buffer_m, full, rebuild_units)
    full, rebuild_units = plan.full, plan.rebuild_units
    if plan.mode == "none":
        return RefreshReport("none", 0, time.perf_counter() - started)
    params = {"srid": metric_srid(conn), "buffer": patrol_buffer_m, "max_id": plan.max_id}
    if rebuild_units:
        _rebuild_units(conn, params)
        meta.put(conn, "coverage_units", plan.units_stamp)
    elif full:
        conn.execute(text(sql.RESET))
    run_script(conn, sql.WHOLE_REGION if full else sql.CHANGED_REGION, params)
    run_script(conn, sql.SOURCES_FULL if full else sql.SOURCES_IN_REGION, params)
    run_script(conn, sql.MOSAIC, params)
    units = fill(sql.MEASURED_AREAS, u="u") if full else _in_region("u", full)
    _apply_areas(conn, "gs_new_pieces", "+", units)
    if not full:
        _apply_areas(conn, "gs_old_pieces", "-", units)
    near = "true" if full else sql.ROADS_NEAR_REGION
    run_script(conn, fill_all(sql.ROAD_SIDES, near=near), params)
    measured_roads = fill(sql.MEASURED_ROADS, u="u") if full else units
    _apply_roads(conn, "gs_pieces_after", "gs_covered_roads_after", "+", measured_roads)
    if not full:
        _apply_roads(conn, "gs_pieces_before", "gs_covered_roads_before", "-", units)
    if full:
        roll_up(conn)
    conn.execute(
        text("INSERT INTO coverage_piece (kind, geom) SELECT kind, geom FROM gs_new_pieces")
    )
    counts = fill(sql.CAMERAS_BY_UNIT, units="unit_coverage", where=_in_region("u2", full))
    conn.execute(statement(sql.CAMERA_COUNTS, counts=counts))
    mark_refreshed(conn, plan, patrol_buffer_m)
    return RefreshReport(plan.mode, plan.changes, time.perf_counter() - started, rebuild_units)


@dataclass(frozen=True)
class RefreshPlan:
    """What a refresh will do.

    ``mode`` 'full', 'incremental' or 'none'; ``rebuild_units``: rebuild what comes from the units
    and roads too; it handles the changes up to ``max_id`` (``changes``
    of them); ``units_stamp``: what ``gs_meta.coverage_units`` says once the units are rebuilt.
    """

    mode: str
    rebuild_units: bool
    max_id: int
    changes: int
    units_stamp: str

    @property
    def full(self) -> bool:
        """Return whether the refresh is a full one."""
        return self.mode == "full"


def plan_refresh(
    conn: Connection, patrol_buffer_m: float, full: bool = False, rebuild_units: bool = False
) -> RefreshPlan:
    """Decide what a refresh must do.

    The decision comes from the pending changes and what the last one was made with (patrol buffer,
    units version, metric CRS); ``full`` and ``rebuild_units`` ask for more.

    Parameters
    ----------
    conn
        Connection whose transaction the refresh runs in.
    patrol_buffer_m
        The patrol buffer width in metres; a different width than the last refresh's makes the
        refresh full.
    full
        Ask for a full refresh.
    rebuild_units
        Ask for the units' metric shapes, areas, road lengths and tiling to be rebuilt too.
    """
    max_id, changes, needs_full, cost = conn.execute(
        text(
            "SELECT max(id), count(*), coalesce(bool_or(region IS NULL), false), "
            "coalesce(sum(CASE layer WHEN 'route' THEN :route ELSE 1 END), 0) FROM coverage_change"
        ),
        {"route": ROUTE_COST},
    ).one()
    buffer_then = meta.get(conn, "coverage_patrol_buffer_m")
    units_stamp = f"{sql.UNITS_VERSION} srid={metric_srid(conn)}"
    rebuild_units = rebuild_units or needs_full or meta.get(conn, "coverage_units") != units_stamp
    if (
        buffer_then is None
        or float(buffer_then) != patrol_buffer_m
        or rebuild_units
        or cost > INCREMENTAL_MAX_COST
    ):
        full = True
    mode = "full" if full else "incremental" if changes else "none"
    return RefreshPlan(mode, rebuild_units, int(max_id or 0), int(changes), units_stamp)


def mark_refreshed(conn: Connection, plan: RefreshPlan, patrol_buffer_m: float) -> None:
    """Mark the changes ``plan`` handled as done; record the patrol buffer used and the time.

    ``patrol_buffer_m`` is that buffer's width in metres.
    """
    conn.execute(text("DELETE FROM coverage_change WHERE id <= :m"), {"m": plan.max_id})
    meta.put(conn, "coverage_patrol_buffer_m", repr(patrol_buffer_m))
    stamp = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    meta.put(conn, COMPUTED_AT, stamp.isoformat())


def _rebuild_units(conn: Connection, params: dict[str, float | int]) -> None:
    """Rebuild the units' metric shapes, areas, population, road pieces, road lengths and tiling."""
    rebuild_units_in(conn, params, sql.LIVE_TABLES)


def rebuild_units_in(
    conn: Connection, params: dict[str, float | int], tables: dict[str, str]
) -> None:
    """Rebuild the units' metric shapes, areas, population, road pieces, road lengths and tiling.

    They go into ``tables`` (keys of :data:`geo._coverage_sql.LIVE_TABLES`: the live tables or work
    tables).
    """
    run_script(conn, fill_all(sql.UNITS, **tables), params)
    conn.execute(statement(sql.ROAD_LENGTHS, **tables, where="true"))
    conn.execute(statement(sql.TILING, **tables, parents_of_c="true", parents_of_a="true"))


def computed_at(conn: Connection) -> dt.datetime | None:
    """When the last refresh wrote the coverage figures (time zone aware), or None if none has."""
    stamp = meta.get(conn, COMPUTED_AT)
    return None if stamp is None else dt.datetime.fromisoformat(stamp)


def gap(conn: Connection, code: str) -> dict[str, Any] | None:
    """Return the coverage gap of unit ``code`` as a GeoJSON MultiPolygon in EPSG:4326.

    None when there is no such unit. Its area is ``area × (1 − combined)``: the part covered by
    neither a working camera nor a patrol.
    """
    geojson = conn.execute(text(sql.GAP), {"code": code}).scalar()
    return None if geojson is None else dict(json.loads(geojson))


def run_script(conn: Connection, script: Sequence[str], params: dict[str, float | int]) -> None:
    """Run the statements of ``script`` in order (each complete: see :func:`geo._sql.statement`).

    Each is bound only the parameters it uses.
    """
    for sql_text in script:
        stmt = statement(sql_text)
        conn.execute(stmt, {k: v for k, v in params.items() if k in stmt.compile().params})


def roll_up(conn: Connection, units: str = "unit_coverage") -> None:
    """Sum the figures of the parents their children tile from the children, bottom level first.

    ``units`` is the unit table.
    """
    for level in sql.PARENT_LEVELS:
        conn.execute(statement(sql.ROLL_UP_AREAS, units=units), {"level": level})
        conn.execute(statement(sql.ROLL_UP_ROADS, units=units), {"level": level})


def _in_region(alias: str, full: bool) -> str:
    """Return the SQL condition on unit ``alias``: its shape meets the refreshed region.

    Always true when ``full``.
    """
    return "true" if full else fill("ST_Intersects($u.geom_m, (SELECT g FROM gs_region))", u=alias)


# Add (sign '+') or subtract ('-') the covered areas and road lengths of the pieces, per unit.
# Add ($sign '+') or subtract ('-') the sums x.<column> ($sums: AREA_SUMS, ROAD_SUMS) to each unit.
_ADD = """
UPDATE unit_coverage u SET $assign
FROM ($sums) x
WHERE u.code = x.code"""


def _apply_areas(conn: Connection, pieces: str, sign: str, units: str) -> None:
    """Add (sign '+') or subtract ('-') the area ``pieces`` cover in each unit meeting ``units``."""
    areas = fill(sql.AREA_BY_CLASS, pieces=pieces, units="unit_coverage", where=units)
    sums = fill(sql.AREA_SUMS, areas=areas)
    conn.execute(statement(_ADD, assign=_added(sql.AREA_COLUMNS, sign), sums=sums))


def _apply_roads(conn: Connection, pieces: str, covered: str, sign: str, units: str) -> None:
    """Add (sign '+') or subtract ('-') the length of roads that ``pieces`` cover in each unit.

    The roads are those in ``gs_roads_to_measure``, the units those meeting ``units``; the covered
    lines go to table ``covered``.
    """
    run_script(conn, fill_all(sql.COVERED_ROADS, table=covered, pieces=pieces), {})
    lengths = fill(sql.LENGTH_BY_UNIT, lines=covered, units="unit_coverage", where=units)
    sums = fill(sql.ROAD_SUMS, lengths=lengths)
    conn.execute(statement(_ADD, assign=_added(sql.ROAD_COLUMNS, sign), sums=sums))


def _added(columns: tuple[str, ...], sign: str) -> str:
    """Return SQL assignments adding (sign '+') or subtracting ('-') the sums ``x.<column>``.

    They apply to the unit's ``columns`` (the metrics' columns, from :mod:`geo.metrics`, never from
    input).

    >>> _added(("camera_road_m",), "-")
    'camera_road_m = u.camera_road_m - coalesce(x.camera_road_m, 0)'
    """
    return ", ".join(f"{c} = u.{c} {sign} coalesce(x.{c}, 0)" for c in columns)
