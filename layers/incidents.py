"""Incidents of the time window (default the last 30 days), coloured by severity.

Incidents are clustered up to the township's zoom.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

from geo.vocabulary import INCIDENT_CATEGORY, INCIDENT_STATUS
from layers._sql import CLUSTER_MAX_ZOOM, clustered, in_view, incident_window, local_time
from layers.base import Field, Layer, LegendEntry
from layers.view import View

_FIELDS = ("code", "occurred", "category", "severity", "status")
_WHERE = f"""{in_view()} AND {incident_window("")}"""
# S608 below: fragments from layers._sql; values bound
_POINTS = text(f"""
    SELECT code AS fid, ST_AsGeoJSON(geom, 6) AS geometry, code,
           {local_time("occurred_at")} AS occurred,
           category, severity, status, NULL::bigint AS n, NULL::smallint AS top
    FROM incident WHERE {_WHERE}
    ORDER BY occurred_at DESC LIMIT :limit""")  # noqa: S608
# A cluster is coloured by its most severe incident (``top``).
# S608 below: fragments from layers._sql; values bound
_CLUSTERS = text(
    clustered(
        f"SELECT code AS fid, geom, code, {local_time('occurred_at')} AS occurred,"  # noqa: S608
        " category, severity, status "
        f"FROM incident WHERE {_WHERE}",
        _FIELDS,
        {"top": "max(severity)"},
    )
)


def _query(view: View) -> TextClause:
    return _CLUSTERS if view.zoom <= CLUSTER_MAX_ZOOM else _POINTS


LAYER = Layer(
    id="incidents",
    title_en="Incidents (window)",
    title_zh="警情(时间窗)",
    query=_query,
    fields=(
        Field("code", "Code", "编号"),
        Field("occurred", "Occurred", "发生时间"),
        Field("category", "Category", "类别", INCIDENT_CATEGORY),
        Field("severity", "Severity", "等级"),
        Field("status", "Status", "状态", INCIDENT_STATUS),
    ),
    legend=(
        LegendEntry("#fde047", "Severity 1", "一般(1)", "point"),
        LegendEntry("#fb923c", "Severity 2", "较重(2)", "point"),
        LegendEntry("#f43f5e", "Severity 3", "严重(3)", "point"),
        LegendEntry("#be123c", "Severity 4", "特别严重(4)", "point"),
        LegendEntry("#fb923c", "Cluster (click: zoom in)", "聚合(点击放大)", "point"),
    ),
    style="incident",
    point="incident",
    sent=("severity", "n", "top"),  # the code is the feature id
    pages=("map", "plan"),
)
