"""Patrol routes, by shift."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from geo.vocabulary import SHIFT
from layers._sql import clipped, in_view, simplified
from layers.base import Field, Layer, LegendEntry
from layers.view import View

# A route is sent cut to the account's jurisdiction (its length is the part inside).
# S608 below: fragments from layers._sql; values bound
_SQL = text(f"""
    SELECT r.code AS fid, {simplified("c.geom")} AS geometry, r.code, r.name, r.unit, r.shift,
           round(ST_Length(c.geom::geography))::int AS length_m
    FROM patrol_route r CROSS JOIN LATERAL (SELECT {clipped("r.geom")} AS geom) c
    WHERE {in_view("r.geom")} AND NOT ST_IsEmpty(c.geom) ORDER BY r.code LIMIT :limit""")  # noqa: S608


def _query(view: View) -> TextClause:
    return _SQL


LAYER = Layer(
    id="routes",
    title_en="Patrol routes",
    title_zh="巡逻路线",
    query=_query,
    fields=(
        Field("code", "Code", "编码"),
        Field("name", "Name", "名称"),
        Field("unit", "Unit", "巡逻单位"),
        Field("shift", "Shift", "班次", SHIFT),
        Field("length_m", "Length (m)", "长度(米)"),
    ),
    legend=(
        LegendEntry("#3b82f6", "Day shift", "白班", "line"),
        LegendEntry("#c084fc", "Night shift", "夜班", "line"),
        LegendEntry("#2dd4bf", "All day", "全天", "line"),
    ),
    style="route",
    pages=("map", "plan"),
)
