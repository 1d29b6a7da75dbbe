"""The selected grid cell's coverage gap and blind incidents, drawn over everything else."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

from geo._sql import fill
from geo.coverage import gap
from layers._sql import incident_window, local_time
from layers.base import Field, Layer, LegendEntry
from layers.view import View

# The cell's blind incidents, as its figures count them (incident.unit_code).
_BLIND = text(
    fill(
        """
        SELECT i.code, ST_AsGeoJSON(i.geom, 6) AS geometry, $occurred AS occurred, i.category
        FROM incident i
        WHERE i.unit_code = :code AND $window
          AND NOT i.watched
        ORDER BY i.occurred_at DESC LIMIT :limit""",
        occurred=local_time("i.occurred_at"),
        window=incident_window("i"),
    )
)


def _rows(conn: Connection, view: View, limit: int) -> list[Mapping[str, Any]]:
    if view.unit is None or len(view.unit) != 15:
        return []
    polygon = gap(conn, view.unit)
    rows: list[Mapping[str, Any]] = []
    if polygon and polygon.get("coordinates"):
        rows.append(
            {
                "fid": f"{view.unit}/gap",
                "geometry": json.dumps(polygon),
                "code": view.unit,
                "what": "gap",
                "occurred": None,
                "category": None,
            }
        )
    blind = (
        conn.execute(
            _BLIND,
            {**view.params(), "code": view.unit, "limit": limit},
        )
        .mappings()
        .all()
    )
    rows += [
        {
            "fid": r["code"],
            "geometry": r["geometry"],
            "code": r["code"],
            "what": "blind",
            "occurred": r["occurred"],
            "category": r["category"],
        }
        for r in blind
    ]
    return rows


LAYER = Layer(
    id="focus",
    title_en="Gap and blind incidents (cell)",
    title_zh="盲区与盲区警情(网格)",
    query=None,
    rows=_rows,
    fields=(
        Field("code", "Code", "编码"),
        Field("what", "What", "类型"),
        Field("occurred", "Occurred", "发生时间"),
        Field("category", "Category", "类别"),
    ),
    legend=(
        LegendEntry("#f43f5e", "Coverage gap", "覆盖盲区", "fill"),
        LegendEntry("#f43f5e", "Blind incident", "盲区警情", "point"),
    ),
    style="focus",
    point="focus",
)
