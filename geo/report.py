"""Figures as text: an aligned table, CSV (n/a empty) or JSON (n/a null)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from geo.figures import COLUMNS, UnitFigures

FORMATS = ("table", "csv", "json")


def render(units: Sequence[UnitFigures], fmt: str) -> str:
    """The command line's columns of ``units`` in ``fmt`` ('table', 'csv' or 'json')."""
    rows = [u.row() for u in units]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        return out.getvalue().rstrip("\n")
    cells = [list(COLUMNS)] + [["n/a" if row[c] is None else str(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)) for r in cells)


def _width(value: str) -> int:
    # CJK characters take two columns in a terminal
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _pad(value: str, width: int) -> str:
    return value + " " * (width - _width(value))
