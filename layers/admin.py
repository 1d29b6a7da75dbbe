"""Administrative boundaries: townships (always) and villages (from zoom 11)."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from layers._sql import in_view, simplified
from layers.base import Field, Layer, LegendEntry
from layers.view import View


def _query(level: str) -> TextClause:
    return text(f"""
        SELECT u.code AS fid, {simplified("u.geom")} AS geometry, u.code, u.name, u.level,
               p.name AS parent_name
        FROM admin_unit u LEFT JOIN admin_unit p ON p.code = u.parent_code
        WHERE u.level = '{level}' AND {in_view("u.geom")}
        ORDER BY u.code LIMIT :limit""")  # noqa: S608 (fragments from layers._sql; values bound)


_FIELDS = (
    Field("code", "Code", "编码"),
    Field("name", "Name", "名称"),
    Field("parent_name", "Part of", "上级"),
)


def _townships(view: View) -> TextClause:
    return _query("township")


def _villages(view: View) -> TextClause:
    return _query("village")


TOWNSHIPS = Layer(
    id="townships",
    title_en="Townships",
    title_zh="乡镇街道",
    query=_townships,
    fields=_FIELDS,
    legend=(LegendEntry("#f59e0b", "Township boundary", "乡镇边界", "line"),),
    style="township",
    pages=("map", "plan"),
)
VILLAGES = Layer(
    id="villages",
    title_en="Villages",
    title_zh="村/社区",
    query=_villages,
    fields=_FIELDS,
    legend=(LegendEntry("#a78bfa", "Village boundary", "村界", "line"),),
    style="village",
    min_zoom=11,
)
