"""Surveillance cameras.

Clusters up to the township's zoom, points closer, view sectors too from zoom 15.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

from geo.vocabulary import CAMERA_KIND, CAMERA_STATUS
from layers._sql import CLUSTER_MAX_ZOOM, clipped, clustered, in_view, simplified
from layers.base import Field, Layer, LegendEntry
from layers.view import View

SECTOR_ZOOM = 15
_FIELDS = ("code", "name", "kind", "status", "azimuth_deg", "fov_deg", "range_m", "installed_on")
_COLUMNS = """code, name, kind, status, round(azimuth_deg::numeric, 1)::float AS azimuth_deg,
              fov_deg, range_m, installed_on::text AS installed_on"""
_NO_CLUSTER = "NULL::bigint AS n, NULL::bigint AS broken"
_POINTS = f"""
    SELECT code AS fid, ST_AsGeoJSON(geom, 6) AS geometry, {_COLUMNS}, 'point' AS part,
           {_NO_CLUSTER}
    FROM camera WHERE {in_view()}"""  # noqa: S608 (fragments from layers._sql; values bound)
# A sector reaching over the jurisdiction's border is cut at it.
# S608 below: fragments from layers._sql; values bound
_SECTORS = f"""
    SELECT code || '/view' AS fid, {simplified(clipped("view_geom"))} AS geometry, {_COLUMNS},
           'view' AS part, {_NO_CLUSTER}
    FROM camera WHERE {in_view("view_geom")}"""  # noqa: S608
# A cluster tells how many of its cameras are broken (offline or fault).
_CLUSTERS = text(f"""
    SELECT c.*, 'point' AS part FROM ({
    clustered(
        f"SELECT code AS fid, geom, {_COLUMNS} FROM camera WHERE {in_view()}",
        _FIELDS,
        {"broken": "count(*) FILTER (WHERE status <> 'online')"},
    )
}) c""")  # noqa: S608 (fragments from layers._sql; values bound)
# Sectors first so that points are drawn on top of them.
# S608 below: fragments from layers._sql; values bound
_ZOOMED_IN = text(
    f"SELECT * FROM ({_SECTORS} UNION ALL {_POINTS}) c ORDER BY part DESC, fid LIMIT :limit"  # noqa: S608
)
_ZOOMED_OUT = text(f"{_POINTS} ORDER BY status = 'online', code LIMIT :limit")


def _query(view: View) -> TextClause:
    if view.zoom <= CLUSTER_MAX_ZOOM:
        return _CLUSTERS
    return _ZOOMED_IN if view.zoom >= SECTOR_ZOOM else _ZOOMED_OUT


LAYER = Layer(
    id="cameras",
    title_en="Cameras",
    title_zh="监控摄像机",
    query=_query,
    fields=(
        Field("code", "Code", "编码"),
        Field("name", "Name", "名称"),
        Field("kind", "Kind", "类型", CAMERA_KIND),
        Field("status", "Status", "状态", CAMERA_STATUS),
        Field("azimuth_deg", "Azimuth (°)", "方位角(°)"),
        Field("fov_deg", "Field of view (°)", "视场角(°)"),
        Field("range_m", "Range (m)", "视距(米)"),
        Field("installed_on", "Installed", "安装日期"),
    ),
    legend=(
        LegendEntry("#22c55e", "Online", "在线", "point"),
        LegendEntry("#9ca3af", "Offline", "离线", "point"),
        LegendEntry("#ef4444", "Fault", "故障", "point"),
        LegendEntry("#22c55e", "View sector (zoom in)", "视域(放大显示)", "fill"),
        LegendEntry("#f59e0b", "Cluster (click: zoom in)", "聚合(点击放大)", "point"),
    ),
    style="camera",
    point="camera",
    sent=("status", "part", "n", "broken"),  # the code is the feature id
    pages=("map", "plan"),
)
