"""Grid cells (网格), drawn from zoom 13, with their grid worker and population."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from layers._sql import in_view, simplified
from layers.base import Field, Layer, LegendEntry
from layers.view import View

_SQL = text(f"""
    SELECT g.code AS fid, {simplified("g.geom")} AS geometry, g.code, g.name, v.name AS village,
           g.population, g.households, g.grid_worker,
           round((ST_Area(g.geom::geography) / 1e6)::numeric, 3)::float AS area_km2
    FROM grid_cell g JOIN admin_unit v ON v.code = g.village_code
    WHERE {in_view("g.geom")}
    ORDER BY g.code LIMIT :limit""")  # noqa: S608 (fragments from layers._sql; values bound)


def _query(view: View) -> TextClause:
    return _SQL


# From zoom 14: a township's view (zoom 13) shows its villages, a village's view its cells.
LAYER = Layer(
    id="grids",
    title_en="Grid cells",
    title_zh="网格",
    query=_query,
    fields=(
        Field("code", "Code", "编码"),
        Field("name", "Name", "名称"),
        Field("village", "Village", "所属村"),
        Field("population", "Population", "人口"),
        Field("households", "Households", "户数"),
        Field("area_km2", "Area (km²)", "面积(平方公里)"),
        Field("grid_worker", "Grid worker", "网格员"),
    ),
    legend=(LegendEntry("#38bdf8", "Grid cell", "网格", "fill"),),
    style="grid",
    min_zoom=14,
)
