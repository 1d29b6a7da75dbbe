"""A full coverage refresh shared out over several database sessions, one core each.

PostgreSQL runs a statement on one core, and the engine's heavy statements (per-tile unions,
per-unit overlays, both ``LATERAL``) are of the kind PostgreSQL 15 never hands to parallel workers.
They are independent from one tile, unit or road piece to the next, though, so this module runs
the same SQL as :func:`geo.coverage.refresh`, cut into chunks, on ``sessions`` connections at once.
The chunks of one step hand their results to the next step through the unlogged tables of schema
``coverage_work`` (migration 0012), which is why the refresh spans several transactions:

1. *start*: empty the work tables; then, in one repeatable-read transaction of the lead session,
   decide what to do and export its snapshot, on which chunks of cameras and routes cut the views
   and patrol buffers along the union tiles (``coverage_work.source``) while the lead rebuilds the
   units and road pieces into ``coverage_work`` if needed; then deal the tiles out to chunks of
   about the same cost. Every later step works from what this snapshot saw;
2. *mosaic*: each chunk of tiles builds its pieces (``coverage_work.piece``); camera counts and,
   for rebuilt units, road lengths by chunk of units;
3. *covered roads*: covered road lines by chunk of road pieces; area sums by chunk of units (for
   rebuilt units: which parents their children tile, by chunk of parents, instead);
4. *road sums*: covered road lengths by chunk of units (for rebuilt units: the area sums too);
5. *write* (one transaction): write every figure, the mosaic and, if rebuilt, the units and road
   pieces into the live tables, and mark the changes of the snapshot as done.

Readers see the old figures until the last step commits, then all the new ones. A session-level
advisory lock (the same key as the serial refresh's transaction lock) keeps any other refresh out
from the first step to the last. A camera or route that changes while this runs is in
``coverage_change`` past the snapshot's last change, so the next refresh handles it. The result
equals the serial refresh's, figure for figure (tested, to 1e-9).

Only a refresh that owns its transactions can work this way: an import's refresh, which must
commit or roll back with the import's rows, uses the serial :func:`geo.coverage.refresh`.
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from geo import _coverage_sql as sql
from geo import meta
from geo._sql import fill, fill_all, statement
from geo.coverage import (
    REFRESH_LOCK,
    RefreshPlan,
    RefreshReport,
    mark_refreshed,
    metric_srid,
    plan_refresh,
    refresh,
    run_script,
)

# Chunks per session and step: more than one, so that a session finishing early takes another one
# (tiles and units differ in cost); few, since each chunk costs a transaction and its set-up.
CHUNKS_PER_SESSION = 4
WORK_TABLES = {
    "units": "coverage_work.unit",
    "unit_pieces": "coverage_work.unit_piece",
    "roads": "coverage_work.road_piece",
}
_WORK = (
    "unit",
    "unit_piece",
    "road_piece",
    "source",
    "tile",
    "piece",
    "covered_road",
    "area",
    "road",
    "cameras",
)

# The chunk (:j of :k) a unit or a road piece belongs to (tiles: coverage_work.tile).
_UNIT_CHUNK = "mod(hashtext(u.code) & 2147483647, :k) = :j"
_CAMERA_UNIT_CHUNK = "mod(hashtext(u2.code) & 2147483647, :k) = :j"
_PARENT_CHUNK = "mod(hashtext($c.parent_code) & 2147483647, :k) = :j"
_ROAD_CHUNK = "mod(r.id, :k) = :j"

# The scripts of the chunks; $units and $roads: the unit and road tables the chunks read.
_SOURCES_CHUNK = (
    *fill_all(
        sql.SOURCES,
        cameras="mod(hashtext(c.code) & 2147483647, :k) = :j",
        routes="mod(hashtext(r.code) & 2147483647, :k) = :j",
    ),
    fill("INSERT INTO coverage_work.source (kind, tx, ty, g) $sources", sources=sql.TILED_SOURCES),
)
_MOSAIC_CHUNK = (
    """
CREATE TEMP TABLE gs_tiled_sources ON COMMIT DROP AS
SELECT s.kind, s.tx, s.ty, s.g FROM coverage_work.source s JOIN coverage_work.tile t USING (tx, ty)
WHERE t.chunk = :j""",
    *sql.UNIONS,
    "INSERT INTO coverage_work.piece (kind, geom) SELECT kind, geom FROM gs_new_pieces",
)
_COVERED_ROADS_CHUNK = (
    fill(
        """
CREATE TEMP TABLE gs_roads_to_measure ON COMMIT DROP AS
SELECT r.id, r.geom FROM $roads r WHERE $chunk""",
        chunk=_ROAD_CHUNK,
    ),
    "ANALYZE gs_roads_to_measure",
    fill(
        """
INSERT INTO coverage_work.covered_road (kind, geom)
SELECT kind, geom FROM ($lines) x WHERE NOT ST_IsEmpty(geom)""",
        lines=fill(sql.COVERED_ROAD_LINES, pieces="coverage_work.piece"),
    ),
)
_AREAS_CHUNK = (
    fill(
        "INSERT INTO coverage_work.area (code, $columns) $sums",
        columns=", ".join(sql.AREA_COLUMNS),
        sums=fill(
            sql.AREA_SUMS,
            areas=fill(
                sql.AREA_BY_CLASS,
                pieces="coverage_work.piece",
                where=fill(
                    "$measured AND $chunk",
                    measured=fill(sql.MEASURED_AREAS, u="u"),
                    chunk=_UNIT_CHUNK,
                ),
            ),
        ),
    ),
)
_CAMERAS_CHUNK = (
    fill(
        "INSERT INTO coverage_work.cameras (code, n, online) $counts",
        counts=fill(sql.CAMERAS_BY_UNIT, where=_CAMERA_UNIT_CHUNK),
    ),
)
_ROADS_CHUNK = (
    fill(
        "INSERT INTO coverage_work.road (code, $columns) $sums",
        columns=", ".join(sql.ROAD_COLUMNS),
        sums=fill(
            sql.ROAD_SUMS,
            lengths=fill(
                sql.LENGTH_BY_UNIT,
                lines="coverage_work.covered_road",
                where=fill(
                    "$measured AND $chunk",
                    measured=fill(sql.MEASURED_ROADS, u="u"),
                    chunk=_UNIT_CHUNK,
                ),
            ),
        ),
    ),
)
# When the units are rebuilt: their road lengths, then which parents their children tile.
_ROAD_LENGTHS_CHUNK = (fill(sql.ROAD_LENGTHS, where=_UNIT_CHUNK),)
_TILING_CHUNK = (
    fill(
        sql.TILING,
        parents_of_c=fill(_PARENT_CHUNK, c="c"),
        parents_of_a=fill(_PARENT_CHUNK, c="a"),
    ),
)
# The sums of the tiled parents of one level (:level) from their children's, into the work tables
# (the children's are final by then: villages first, then townships, then counties).
_ROLL_UP_WORK = """
INSERT INTO coverage_work.$table (code, $columns)
SELECT c.parent_code, $sums FROM $units c LEFT JOIN coverage_work.$table x ON x.code = c.code
WHERE c.parent_code IN (SELECT code FROM $units WHERE level = :level AND $ok) GROUP BY c.parent_code
"""
_ROLL_UP_AREAS = fill(
    _ROLL_UP_WORK,
    table="area",
    columns=", ".join(sql.AREA_COLUMNS),
    ok="tiled",
    sums=", ".join(f"sum(coalesce(x.{c}, 0))" for c in sql.AREA_COLUMNS),
)
_ROLL_UP_ROADS = fill(
    _ROLL_UP_WORK,
    table="road",
    columns=", ".join(sql.ROAD_COLUMNS),
    ok="roads_tiled",
    sums=", ".join(f"sum(coalesce(x.{c}, 0))" for c in sql.ROAD_COLUMNS),
)
# Every figure of every unit from the work tables' sums (a: areas, r: roads), in one write per unit.
_FIGURES = fill(
    """
UPDATE $units u SET $sums,
       cameras = coalesce(c.n, 0), cameras_online = coalesce(c.online, 0)
FROM $units u2 LEFT JOIN coverage_work.area a ON a.code = u2.code
     LEFT JOIN coverage_work.road r ON r.code = u2.code
     LEFT JOIN coverage_work.cameras c ON c.code = u2.code
WHERE u.code = u2.code
""",
    sums=", ".join(
        [f"{c} = coalesce(a.{c}, 0)" for c in sql.AREA_COLUMNS]
        + [f"{c} = coalesce(r.{c}, 0)" for c in sql.ROAD_COLUMNS]
    ),
)


def refresh_with_sessions(
    engine: Engine,
    patrol_buffer_m: float,
    full: bool = False,
    rebuild_units: bool = False,
    sessions: int = 2,
) -> RefreshReport:
    """Bring the coverage figures up to date in transactions of their own.

    A full refresh runs on ``sessions`` connections of ``engine``; an incremental one runs serially.

    Parameters are those of :func:`geo.coverage.refresh`; ``sessions``: how many database
    sessions share the work (about the database server's cores).
    """
    started = time.perf_counter()
    if sessions < 2:
        with engine.begin() as conn:
            return refresh(conn, patrol_buffer_m, full, rebuild_units)
    with _refresh_lock(engine) as lead:
        if not plan_refresh(lead, patrol_buffer_m, full, rebuild_units).full:
            report = refresh(lead, patrol_buffer_m, full, rebuild_units)
            lead.commit()
            return report
        _empty_work_tables(lead)
        chunks = sessions * CHUNKS_PER_SESSION
        with ThreadPoolExecutor(sessions, thread_name_prefix="coverage") as pool:
            plan, units = _start(engine, lead, pool, chunks, patrol_buffer_m, full, rebuild_units)

            def step(*scripts: tuple[str, ...]) -> None:
                roads = _tables(plan)["roads"]
                filled = [fill_all(s, units=units, roads=roads) for s in scripts]
                _run_chunks(engine, pool, filled, chunks)

            # rebuilt units: the area sums need the tiling, which needs the road lengths
            if plan.rebuild_units:
                step(_MOSAIC_CHUNK, _ROAD_LENGTHS_CHUNK, _CAMERAS_CHUNK)
                _index(lead, "piece", "geom")
                step(_COVERED_ROADS_CHUNK, _TILING_CHUNK)
                _index(lead, "covered_road", "geom")
                step(_AREAS_CHUNK, _ROADS_CHUNK)
            else:
                step(_MOSAIC_CHUNK, _CAMERAS_CHUNK)
                _index(lead, "piece", "geom")
                step(_COVERED_ROADS_CHUNK, _AREAS_CHUNK)
                _index(lead, "covered_road", "geom")
                step(_ROADS_CHUNK)
        _finish(lead, plan, patrol_buffer_m, units)
        lead.commit()
        _empty_work_tables(lead)  # a province's pieces take a gigabyte or two
    return RefreshReport("full", plan.changes, time.perf_counter() - started, plan.rebuild_units)


@contextmanager
def _refresh_lock(engine: Engine) -> Iterator[Connection]:
    """Open a connection holding the refresh lock for its session (across its transactions)."""
    with engine.connect() as lead:
        lead.execute(text("SELECT pg_advisory_lock(:k)"), {"k": REFRESH_LOCK})
        lead.commit()
        try:
            yield lead
        finally:
            lead.rollback()
            lead.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REFRESH_LOCK})
            lead.commit()


def _empty_work_tables(lead: Connection) -> None:
    lead.execute(
        statement(
            "TRUNCATE $tables RESTART IDENTITY",
            tables=", ".join("coverage_work." + t for t in _WORK),
        )
    )
    lead.execute(
        text("DROP INDEX IF EXISTS coverage_work.piece_geom, coverage_work.covered_road_geom")
    )
    lead.commit()


def _tables(plan: RefreshPlan) -> dict[str, str]:
    """Name the unit and road tables the chunks read: the work tables when the units are rebuilt."""
    return WORK_TABLES if plan.rebuild_units else sql.LIVE_TABLES


def _start(
    engine: Engine,
    lead: Connection,
    pool: ThreadPoolExecutor,
    chunks: int,
    patrol_buffer_m: float,
    full: bool,
    rebuild_units: bool,
) -> tuple[RefreshPlan, str]:
    """Step 1: plan in a repeatable-read transaction of ``lead`` and share its snapshot.

    The snapshot goes to the chunks that tile the views and buffers, while ``lead`` rebuilds the
    units if the plan says so (their road lengths and tiling come in the next steps); then deal the
    tiles out. Returns the plan and the unit table the chunks read.
    """
    lead.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    plan = plan_refresh(lead, patrol_buffer_m, full, rebuild_units)
    snapshot = str(lead.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    params = {"srid": metric_srid(lead), "buffer": patrol_buffer_m}
    sources = [
        pool.submit(_chunk(engine, _SOURCES_CHUNK, {**params, "k": chunks, "j": j}, snapshot))
        for j in range(chunks)
    ]
    if plan.rebuild_units:
        run_script(lead, fill_all(sql.UNITS, **WORK_TABLES), params)
    _wait(sources)
    lead.commit()
    lead.execute(text("ANALYZE coverage_work.source"))
    _deal_tiles(lead, chunks)
    lead.commit()
    return plan, _tables(plan)["units"]


def _deal_tiles(lead: Connection, chunks: int) -> None:
    """Deal the tiles out to ``chunks`` chunks of about the same cost (their sources' vertices).

    Largest first: one town's tile can cost as much as a dozen rural ones.
    """
    tiles = lead.execute(
        text(
            "SELECT tx, ty, sum(ST_NPoints(g)) AS cost FROM coverage_work.source "
            "GROUP BY tx, ty ORDER BY cost DESC"
        )
    ).all()
    loads = [(0, j) for j in range(chunks)]
    dealt: dict[str, list[int]] = {"tx": [], "ty": [], "chunk": []}
    for tx, ty, cost in tiles:
        load, j = heapq.heappop(loads)
        heapq.heappush(loads, (load + int(cost), j))
        for key, value in (("tx", tx), ("ty", ty), ("chunk", j)):
            dealt[key].append(value)
    lead.execute(
        text(
            "INSERT INTO coverage_work.tile (tx, ty, chunk) SELECT * FROM "
            "unnest(CAST(:tx AS integer[]), CAST(:ty AS integer[]), CAST(:chunk AS integer[]))"
        ),
        dealt,
    )


def _run_chunks(
    engine: Engine, pool: ThreadPoolExecutor, scripts: list[tuple[str, ...]], chunks: int
) -> None:
    """Run every script once per chunk (:j of :k), each chunk in a transaction of its own.

    The chunks run on the pool's sessions, the first script's chunks first (list the costliest
    first: the sessions then end the step on small chunks, together); the first failure cancels what
    has not started and is raised.
    """
    _wait(
        [
            pool.submit(_chunk(engine, s, {"k": chunks, "j": j}))
            for s in scripts
            for j in range(chunks)
        ]
    )


def _chunk(
    engine: Engine,
    script: Sequence[str],
    params: dict[str, float | int],
    snapshot: str | None = None,
) -> Callable[[], None]:
    """Make a task running ``script`` in a transaction of its own.

    The transaction uses the exported snapshot ``snapshot``.
    """
    if snapshot is not None and not re.fullmatch(r"[0-9A-F-]+", snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")

    def run() -> None:
        with engine.begin() as conn:
            if snapshot is not None:
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                conn.execute(statement("SET TRANSACTION SNAPSHOT '$id'", id=snapshot))
            run_script(conn, script, params)

    return run


def _wait(futures: list[Future[None]]) -> None:
    """Wait for every task; the first failure cancels the tasks not started yet and is raised."""
    _done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for f in pending:
        f.cancel()
    wait(pending)
    for f in futures:
        if f.done() and not f.cancelled():
            f.result()


def _index(lead: Connection, table: str, column: str) -> None:
    """Index a work table the next step searches by location, and gather its statistics."""
    lead.execute(
        statement(
            "CREATE INDEX ${table}_$column ON coverage_work.$table USING gist ($column)",
            table=table,
            column=column,
        )
    )
    lead.execute(statement("ANALYZE coverage_work.$table", table=table))
    lead.commit()


def _finish(lead: Connection, plan: RefreshPlan, patrol_buffer_m: float, units: str) -> None:
    """Step 5, one transaction: move the figures into the live tables.

    Every figure, the mosaic and, if rebuilt, the units and road pieces go into the live tables.
    """
    for level in sql.PARENT_LEVELS:
        lead.execute(statement(_ROLL_UP_AREAS, units=units), {"level": level})
        lead.execute(statement(_ROLL_UP_ROADS, units=units), {"level": level})
    lead.execute(statement(_FIGURES, units=units))
    if plan.rebuild_units:
        _replace_units(lead)
        meta.put(lead, "coverage_units", plan.units_stamp)
    lead.execute(text("DELETE FROM coverage_piece"))
    lead.execute(
        text("INSERT INTO coverage_piece (kind, geom) SELECT kind, geom FROM coverage_work.piece")
    )
    mark_refreshed(lead, plan, patrol_buffer_m)


def _replace_units(lead: Connection) -> None:
    """Replace the live units, their pieces and the road pieces with the rebuilt ones."""
    columns = lead.execute(
        text(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'unit_coverage'"
        )
    ).scalar_one()
    lead.execute(text("DELETE FROM unit_coverage"))  # and, by cascade, unit_piece
    lead.execute(
        statement(
            "INSERT INTO unit_coverage ($columns) SELECT $columns FROM coverage_work.unit",
            columns=columns,
        )
    )
    lead.execute(
        text("INSERT INTO unit_piece (code, geom) SELECT code, geom FROM coverage_work.unit_piece")
    )
    lead.execute(text("DELETE FROM road_piece"))
    lead.execute(
        text("INSERT INTO road_piece (geom) SELECT geom FROM coverage_work.road_piece ORDER BY id")
    )
    for table in ("unit_coverage", "unit_piece", "road_piece"):
        lead.execute(statement("ANALYZE $table", table=table))
