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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import _coverage_sql as sql
from geo import meta

# Past this cost of changes (a changed camera region 1, a changed route region ROUTE_COST) a full
# refresh is faster than rebuilding the changed regions. Measured on the demo county: full 3.4 s;
# incrementally one camera 0.15 s, 4,000 new cameras 51 s (13 ms each), 30 new routes 6 s (0.2 s each).
INCREMENTAL_MAX_COST = 200
ROUTE_COST = 10
COMPUTED_AT = (
    "coverage_computed_at"  # gs_meta key: when the last refresh wrote the figures (ISO 8601)
)
REFRESH_LOCK = 7_361_624_101  # advisory lock key: one refresh at a time
_TEMP_TABLES = (
    "gs_new",
    "gs_old",
    "gs_region",
    "gs_changed",
    "gs_views",
    "gs_buffers",
    "gs_tiled",
    "gs_w",
    "gs_o",
    "gs_o2",
    "gs_p",
    "gs_wo",
    "gs_roads",
    "gs_kept",
    "gs_after",
    "gs_before",
    "gs_rc_gs_after",
    "gs_rc_gs_before",
)


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: ``mode`` is 'full', 'incremental' or 'none' (nothing had changed);
    ``units``: whether the units' metric shapes, areas, road lengths and tiling were rebuilt too."""

    mode: str
    changes: int
    seconds: float
    units: bool = False


def metric_srid(conn: Connection) -> int:
    """The EPSG code of the projected CRS (metres) in which coverage is measured."""
    return int(conn.execute(text("SELECT gs_metric_srid()")).scalar_one())


def refresh(
    conn: Connection, patrol_buffer_m: float, full: bool = False, rebuild_units: bool = False
) -> RefreshReport:
    """Bring ``unit_coverage`` and the mosaic up to date with the data, in the caller's transaction.

    Parameters
    ----------
    conn: a connection inside a transaction (the refresh commits or rolls back with it).
    patrol_buffer_m: the patrol buffer width in metres (setting ``GRIDSIGHT_PATROL_BUFFER_M``).
    full: recompute every coverage figure even when an incremental refresh would do.
    rebuild_units: rebuild what comes from the units and roads alone (metric shapes, areas, road
        lengths, tiling) too; a full refresh does so anyway when units or roads changed since.
    """
    started = time.perf_counter()
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})
    # PostGIS functions carry high planner costs, which trigger JIT compilation: 0.1-0.3 s per
    # statement, more than the statements themselves take here.
    conn.execute(text("SET LOCAL jit = off"))
    conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}"))
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
    units = sql.MEASURED_AREAS.format(u="u") if full else _in_region("u", full)
    _apply_areas(conn, "gs_new", "+", units)
    if not full:
        _apply_areas(conn, "gs_old", "-", units)
    run_script(conn, sql.ROAD_SIDES.format(near="true" if full else sql.ROADS_NEAR_REGION), params)
    _apply_roads(conn, "gs_after", "+", sql.MEASURED_ROADS.format(u="u") if full else units)
    if not full:
        _apply_roads(conn, "gs_before", "-", units)
    if full:
        roll_up(conn)
    conn.execute(text("INSERT INTO coverage_piece (kind, geom) SELECT kind, geom FROM gs_new"))
    counts = sql.CAMERAS_BY_UNIT.format(units="unit_coverage", where=_in_region("u2", full))
    conn.execute(text(sql.CAMERA_COUNTS.format(counts=counts)))
    finish(conn, plan, patrol_buffer_m)
    return RefreshReport(plan.mode, plan.changes, time.perf_counter() - started, rebuild_units)


@dataclass(frozen=True)
class RefreshPlan:
    """What a refresh will do: ``mode`` 'full', 'incremental' or 'none'; ``rebuild_units``: rebuild
    what comes from the units and roads too; it handles the changes up to ``max_id`` (``changes``
    of them); ``units_stamp``: what ``gs_meta.coverage_units`` says once the units are rebuilt."""

    mode: str
    rebuild_units: bool
    max_id: int
    changes: int
    units_stamp: str

    @property
    def full(self) -> bool:
        return self.mode == "full"


def plan_refresh(
    conn: Connection, patrol_buffer_m: float, full: bool = False, rebuild_units: bool = False
) -> RefreshPlan:
    """Decide what a refresh must do from the pending changes and what the last one was made with
    (patrol buffer, units version, metric CRS); ``full`` and ``rebuild_units`` ask for more."""
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


def finish(conn: Connection, plan: RefreshPlan, patrol_buffer_m: float) -> None:
    """Mark the changes ``plan`` handled as done; record the patrol buffer used and the time."""
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
    """Rebuild the units' metric shapes, areas, population, road pieces, road lengths and tiling into
    ``tables`` (keys of :data:`geo._coverage_sql.LIVE_TABLES`: the live tables or work tables)."""
    run_script(conn, sql.UNITS.format(**tables), params)
    conn.execute(text(sql.ROAD_LENGTHS.format(**tables, where="true")))
    conn.execute(text(sql.TILING.format(**tables, parents_of_c="true", parents_of_a="true")))


def computed_at(conn: Connection) -> dt.datetime | None:
    """When the last refresh wrote the coverage figures (time zone aware), or None if none has."""
    stamp = meta.get(conn, COMPUTED_AT)
    return None if stamp is None else dt.datetime.fromisoformat(stamp)


def gap(conn: Connection, code: str) -> dict[str, Any] | None:
    """The coverage gap of unit ``code`` as a GeoJSON MultiPolygon in EPSG:4326 (None: no such unit).

    Its area is ``area × (1 − combined)``: the part covered by neither a working camera nor a patrol.
    """
    geojson = conn.execute(text(sql.GAP), {"code": code}).scalar()
    return None if geojson is None else dict(json.loads(geojson))


def run_script(conn: Connection, script: str, params: dict[str, float | int]) -> None:
    """Run a multi-statement script, binding only the parameters each statement uses."""
    for statement in (s.strip() for s in script.split(";\n")):
        if statement:
            stmt = text(statement)
            conn.execute(stmt, {k: v for k, v in params.items() if k in stmt.compile().params})


def roll_up(conn: Connection, units: str = "unit_coverage") -> None:
    """Sum the figures of the parents their children tile from the children, bottom level first
    (``units``: the unit table)."""
    for level in sql.PARENT_LEVELS:
        conn.execute(text(sql.ROLL_UP_AREAS.format(units=units)), {"level": level})
        conn.execute(text(sql.ROLL_UP_ROADS.format(units=units)), {"level": level})


def _in_region(alias: str, full: bool) -> str:
    """SQL condition on unit ``alias``: its shape meets the refreshed region (always true when full)."""
    return "true" if full else f"ST_Intersects({alias}.geom_m, (SELECT g FROM gs_region))"


def _apply_areas(conn: Connection, pieces: str, sign: str, units: str) -> None:
    """Add (sign '+') or subtract ('-') the area that ``pieces`` cover in each unit meeting ``units``."""
    areas = sql.AREA_BY_CLASS.format(pieces=pieces, units="unit_coverage", where=units)
    conn.execute(
        text(f"""
        UPDATE unit_coverage u SET {_added(sql.AREA_COLUMNS, sign)}
        FROM ({sql.AREA_SUMS.format(areas=areas)}) x
        WHERE u.code = x.code""")
    )


def _apply_roads(conn: Connection, pieces: str, sign: str, units: str) -> None:
    """Add (sign '+') or subtract ('-') the length of the roads in ``gs_roads`` that ``pieces`` cover,
    in each unit meeting ``units``."""
    covered = f"gs_rc_{pieces}"
    run_script(conn, sql.COVERED_ROADS.format(name=covered, pieces=pieces), {})
    lengths = sql.LENGTH_BY_UNIT.format(lines=covered, units="unit_coverage", where=units)
    conn.execute(
        text(f"""
        UPDATE unit_coverage u SET {_added(sql.ROAD_COLUMNS, sign)}
        FROM ({sql.ROAD_SUMS.format(lengths=lengths)}) x
        WHERE u.code = x.code""")
    )


def _added(columns: tuple[str, ...], sign: str) -> str:
    """SQL assignments adding (sign '+') or subtracting ('-') the sums ``x.<column>`` to the unit's
    ``columns`` (the metrics' columns, from :mod:`geo.metrics`, never from input).

    >>> _added(("camera_road_m",), "-")
    'camera_road_m = u.camera_road_m - coalesce(x.camera_road_m, 0)'
    """
    return ", ".join(f"{c} = u.{c} {sign} coalesce(x.{c}, 0)" for c in columns)
