"""The selected grid cell's coverage gap and blind incidents, drawn over everything else."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

from geo.coverage import gap
from layers.base import Field, Layer, LegendEntry
from layers.view import View


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
            text("""
        SELECT i.code, ST_AsGeoJSON(i.geom, 6) AS geometry,
               to_char(i.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS occurred, i.category
        FROM incident i  -- the cell's incidents as its figures count them (incident.unit_code)
        WHERE i.unit_code = :code AND i.occurred_at > :start AND i.occurred_at <= :end
          AND (cardinality(CAST(:categories AS text[])) = 0 OR i.category = ANY(CAST(:categories AS text[])))
          AND (cardinality(CAST(:statuses AS text[])) = 0 OR i.status = ANY(CAST(:statuses AS text[])))
          AND NOT i.watched
        ORDER BY i.occurred_at DESC LIMIT :limit"""),
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
