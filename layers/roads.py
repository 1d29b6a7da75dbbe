"""The road network, coloured by class; the base map when no tile server is set."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from geo.vocabulary import ROAD_CLASS
from layers._sql import clipped, in_view, simplified
from layers.base import Field, Layer, LegendEntry
from layers.view import View

# Classes drawn from which zoom: the county view shows only highways and main roads. A road is
# sent cut to the account's jurisdiction (its length is the part inside).
_SQL = text(f"""
    SELECT r.code AS fid, {simplified("c.geom")} AS geometry, r.code, r.name, r.class,
           round(ST_Length(c.geom::geography))::int AS length_m
    FROM road r CROSS JOIN LATERAL (SELECT {clipped("r.geom")} AS geom) c
    WHERE {in_view("r.geom")} AND (r.class IN ('highway', 'main') OR :zoom >= 13)
      AND NOT ST_IsEmpty(c.geom)
    ORDER BY CASE r.class WHEN 'highway' THEN 0 WHEN 'main' THEN 1 WHEN 'local' THEN 2 ELSE 3 END,
             r.code
    LIMIT :limit""")  # noqa: S608 (fragments from layers._sql; values bound)


def _query(view: View) -> TextClause:
    return _SQL


LAYER = Layer(
    id="roads",
    title_en="Roads",
    title_zh="道路",
    query=_query,
    fields=(
        Field("code", "Code", "编码"),
        Field("name", "Name", "名称"),
        Field("class", "Class", "等级", ROAD_CLASS),
        Field("length_m", "Length (m)", "长度(米)"),
    ),
    legend=(
        LegendEntry("#fbbf24", "Highway", "国道/高速", "line"),
        LegendEntry("#e5e7eb", "Main road", "主干道", "line"),
        LegendEntry("#9ca3af", "Local road (zoom in)", "支路(放大显示)", "line"),
        LegendEntry("#78716c", "Track (zoom in)", "机耕路(放大显示)", "line"),
    ),
    style="road",
    pages=("map", "plan"),
)
