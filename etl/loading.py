"""Loading data sets into PostGIS: the demo county, in one transaction, then its coverage."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Engine, text

from etl import bulk
from etl.demo import METRIC_SRID, DemoData, DemoSize, generate
from geo import meta
from geo.coverage_parallel import refresh_with_sessions
from geo.errors import DataError

_TABLE_OF = {
    "admin_units": "admin_unit",
    "grid_cells": "grid_cell",
    "roads": "road",
    "cameras": "camera",
    "patrol_routes": "patrol_route",
    "patrol_tracks": "patrol_track",
    "incidents": "incident",
}


@dataclass(frozen=True)
class LoadReport:
    """Rows written per table and the seconds it took."""

    counts: dict[str, int]
    seconds: float

    def summary(self) -> str:
        """Describe the load in one line: rows per table and seconds."""
        parts = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        return f"loaded {parts} in {self.seconds:.1f} s"


def load_demo(
    engine: Engine,
    seed: int = 7,
    size: DemoSize | None = None,
    end: dt.datetime | None = None,
    force: bool = False,
    patrol_buffer_m: float = 100.0,
    refresh_sessions: int = 2,
) -> LoadReport:
    """Generate the demo county and load it, replacing earlier demo data, in one transaction.

    Then the coverage figures are recomputed from scratch with ``patrol_buffer_m`` metres, on
    ``refresh_sessions`` database sessions (:func:`geo.coverage_parallel.refresh_with_sessions`).
    Until that ends, the figures are the old data's; should it fail, the next refresh (any read
    through the dashboard or ``python -m geo coverage``) computes them, since the load's changes
    stay pending.

    Raises
    ------
    DataError
        When the database holds data that is not demo data (imported data is never overwritten
        silently); pass ``force=True`` to replace it anyway.
    """
    started = time.perf_counter()
    data = generate(seed, size, end)
    with engine.begin() as conn:
        dataset = meta.get(conn, "dataset")
        has_rows = conn.execute(text("SELECT EXISTS (SELECT 1 FROM admin_unit)")).scalar()
        if has_rows and dataset != "demo" and not force:
            raise DataError(
                "The database holds data that is not the demo county (imported data); "
                "'etl demo' would delete it. Use another database, or pass --force to replace it."
            )
        bulk.delete_all(conn)
        counts = write(conn, data)
        meta.put(conn, "dataset", "demo")
        meta.put(conn, "demo_seed", str(seed))
    refresh_with_sessions(
        engine, patrol_buffer_m, full=True, rebuild_units=True, sessions=refresh_sessions
    )
    return LoadReport(counts, time.perf_counter() - started)


def write(conn: Connection, data: DemoData) -> dict[str, int]:
    """Reproject ``data`` (EPSG:32649) to EPSG:4326 and COPY every table; return row counts."""
    counts: dict[str, int] = {}
    for f in fields(DemoData):
        rows = getattr(data, f.name)
        table = _TABLE_OF[f.name]
        projected: Any = bulk.to_wgs84([r["geom"] for r in rows], METRIC_SRID) if rows else []
        counts[table] = bulk.copy_rows(
            conn, table, ({**row, "geom": g} for row, g in zip(rows, projected, strict=True))
        )
        # statistics for the new rows at once: the triggers of the next tables (an incident looks
        # up the cameras that see it and the cell it lies in) and the refresh are planned with them
        # (without them, the planner would check each incident against every camera)
        conn.execute(text(f"ANALYZE {table}"))
    return counts
