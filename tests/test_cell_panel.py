"""The cell panel's incidents: a chart with days named in the page's language and whole-incident
ticks, "no incidents" instead of an empty chart, every incident listed (no scroll in a scroll)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from sqlalchemy import Connection, text

from dashboard.map.cell_panel import day_label, panel
from dashboard.map.notes import notes
from geo.cell_details import cell_details
from geo.figures import Window
from geo.settings import DEFAULT_TIMEZONE as TZ


def _cell(conn: Connection, window: Window, busiest: bool) -> str:
    order = "DESC" if busiest else "ASC"
    return str(
        conn.execute(
            text(
                "SELECT g.code FROM grid_cell g LEFT JOIN incident i ON i.unit_code = g.code "
                "AND i.occurred_at > :s AND i.occurred_at <= :e "
                f"GROUP BY g.code ORDER BY count(i.code) {order}, g.code LIMIT 1"
            ),
            {"s": window.start, "e": window.end},
        ).scalar_one()
    )


def _find(children: list[Any], kind: type) -> list[Any]:
    return [c for c in children if isinstance(c, kind)]


def test_day_labels_are_in_the_pages_language() -> None:
    assert day_label("2026-12-01", "zh") == "12月1日"
    assert day_label("2026-01-31", "en") == "Jan 31"


def test_a_busy_cells_chart_and_list(conn: Connection) -> None:
    window = Window.last_days(30)
    details = cell_details(conn, _cell(conn, window, busiest=True), window, timezone=TZ)
    assert details.incidents
    for lang in ("zh", "en"):
        shown = panel(details, lang, notes(conn, window, lang, timezone=TZ))
        graph = _find(shown, dcc.Graph)[0].figure
        days = sorted({d["day"] for d in details.daily})
        assert list(graph.layout.xaxis.categoryarray) == [day_label(d, lang) for d in days]
        assert graph.layout.yaxis.tickformat == "d" and graph.layout.yaxis.dtick >= 1
        listed = _find(shown, html.Ul)[1].children
        assert len(listed) == len(details.incidents)  # every one, in the panel's own scroll


def test_a_cell_without_incidents_says_so(conn: Connection) -> None:
    window = Window.last_days(30)
    details = cell_details(conn, _cell(conn, window, busiest=False), window, timezone=TZ)
    assert not details.daily
    shown = panel(details, "zh", notes(conn, window, "zh", timezone=TZ))
    assert not _find(shown, dcc.Graph)
    assert any(isinstance(c, html.P) and c.children == "时段内本网格没有警情。" for c in shown)
