"""Figures as text: an aligned table, CSV (n/a empty) or JSON (n/a null)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from geo import csvcells
from geo.dosage import Report
from geo.figures import COLUMNS, UnitFigures, Window
from geo.optimise import Result

FORMATS = ("table", "csv", "json")


def render(units: Sequence[UnitFigures], fmt: str) -> str:
    """Render the command line's columns of ``units`` in ``fmt`` ('table', 'csv' or 'json')."""
    rows = [u.row() for u in units]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            csvcells.mapping({k: ("" if v is None else v) for k, v in row.items()}) for row in rows
        )
        return out.getvalue().rstrip("\n")
    cells = [list(COLUMNS)] + [
        ["n/a" if row[c] is None else str(row[c]) for c in COLUMNS] for row in rows
    ]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)) for r in cells)


def _width(value: str) -> int:
    # CJK characters take two columns in a terminal
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _pad(value: str, width: int) -> str:
    return value + " " * (width - _width(value))


PLAN_COLUMNS = (
    "lon",
    "lat",
    "azimuth_deg",
    "fov_deg",
    "range_m",
    "incidents_newly_covered",
    "code",
    "status",
    "kind",
)


def plan_rows(result: Result) -> list[dict[str, Any]]:
    """Return one row per proposed camera.

    ``code``, ``status`` and ``kind`` make the CSV importable as cameras
    (``python -m etl import cameras``).
    """
    return [
        {
            "lon": p.camera.lon,
            "lat": p.camera.lat,
            "azimuth_deg": p.camera.azimuth_deg,
            "fov_deg": p.camera.fov_deg,
            "range_m": p.camera.range_m,
            "incidents_newly_covered": p.incidents_newly_covered,
            "code": f"PLAN-C{n:02d}",
            "status": "online",
            "kind": "dome" if p.camera.fov_deg >= 360 else "gun",
        }
        for n, p in enumerate(result.proposals, 1)
    ]


def plan_summary(result: Result) -> str:
    """One line: the county's incident coverage before and after the proposed cameras."""

    def shown(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.1f} %"

    return (
        f"incident coverage {shown(result.coverage_before_pct)}"
        f" -> {shown(result.coverage_after_pct)} "
        f"({result.incidents_newly_covered} incidents newly covered"
        f" by {len(result.proposals)} cameras; "
        f"{result.candidates} candidates, {result.demand} coverable blind incidents,"
        f" {result.seconds:.1f} s)"
    )


def render_plan(result: Result, window: Window, fmt: str) -> str:
    """Render the proposals as CSV (:data:`PLAN_COLUMNS`) or JSON (with coverage before, after)."""
    rows = plan_rows(result)
    if fmt == "json":
        return json.dumps(
            {
                "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(),
                "incident_coverage_before_pct": result.coverage_before_pct,
                "incident_coverage_after_pct": result.coverage_after_pct,
                "incidents_newly_covered": result.incidents_newly_covered,
                "cameras": rows,
            },
            ensure_ascii=False,
            indent=1,
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PLAN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csvcells.mapping(row) for row in rows)
    return out.getvalue().rstrip("\n")


DOSAGE_COLUMNS = (
    "id",
    "visits_day",
    "visits_night",
    "minutes_day",
    "minutes_night",
    "longest_gap_day_min",
    "longest_gap_night_min",
    "units",
)


def render_dosage(report: Report, fmt: str) -> str:
    """Render patrol dosage, one row per area, as CSV or JSON.

    In the CSV, gaps are empty when the period has no such shift.
    """
    rows = [
        {
            "id": a.id,
            "visits_day": a.visits["day"],
            "visits_night": a.visits["night"],
            "minutes_day": round(a.minutes["day"], 1),
            "minutes_night": round(a.minutes["night"], 1),
            "longest_gap_day_min": _round(a.longest_gap_min["day"]),
            "longest_gap_night_min": _round(a.longest_gap_min["night"]),
            "units": len(a.units),
        }
        for a in report.areas
    ]
    if fmt == "json":
        period = None if report.period is None else [t.isoformat() for t in report.period]
        return json.dumps(
            {"period": period, "share_visited_pct": report.share_visited(), "areas": rows},
            ensure_ascii=False,
            indent=1,
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DOSAGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        csvcells.mapping({k: ("" if v is None else v) for k, v in row.items()}) for row in rows
    )
    return out.getvalue().rstrip("\n")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
