"""Blind spots (:mod:`geo.blindspots`), numbered by rank.

Hot spots and incident clusters that no working camera sees and no patrol passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from geo import blindspots
from layers.base import Field, Layer, LegendEntry
from layers.hotspots import analysis, cached, planning_window
from layers.view import View

KIND = {"hot_spot": ("hot spot", "热点盲区"), "cluster": ("incident cluster", "警情聚集盲区")}


def spots(conn: Connection, view: View) -> list[blindspots.BlindSpot]:
    """Return the blind spots of ``view``'s window, most unguarded incidents first (cached)."""
    window = planning_window(view)
    result = analysis(conn, view)
    return cached(
        conn,
        ("blind", window, view.hotspot_method, len(result.hot_spots)),
        lambda: blindspots.blind_spots(conn, window, result),
    )


def _rows(conn: Connection, view: View, limit: int) -> list[Mapping[str, Any]]:
    return [
        {
            "fid": f"{b.kind}:{b.id}",
            "geometry": b.geometry,
            "rank": n,
            "kind": b.kind,
            "id": b.id,
            "incidents": b.incidents,
            "area_ha": round(b.area_m2 / 1e4, 1),
        }
        for n, b in enumerate(spots(conn, view)[:limit], 1)
    ]


LAYER = Layer(
    id="blindspots",
    title_en="Blind spots",
    title_zh="盲区",
    query=None,
    rows=_rows,
    fields=(
        Field("rank", "Rank", "排名"),
        Field("kind", "Kind", "类型", KIND),
        Field("id", "Id", "编号"),
        Field("incidents", "Unguarded incidents", "无监控无巡逻警情"),
        Field("area_ha", "Area (ha)", "面积(公顷)"),
    ),
    legend=(
        LegendEntry("#f43f5e", "Blind hot spot", "热点盲区"),
        LegendEntry("#e879f9", "Blind incident cluster", "警情聚集盲区"),
    ),
    style="blindspot",
    pages=("plan",),
    heavy=True,
)
