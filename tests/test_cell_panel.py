"""The cell panel's incidents: a chart with days named in the page's language and whole-incident
ticks, "no incidents" instead of an empty chart, every incident listed (no scroll in a scroll)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dash import dcc, html
from playwright.sync_api import Page, expect
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


# JavaScript: the elements inside the side panel that scroll by themselves (the panel is the one
# scroll; visually hidden texts of zero height are no scroll region): [tag.class, heights, text].
_NESTED_SCROLLS = """() => Array.from(document.querySelectorAll('.gs-side *')).filter(e => {
    const s = getComputedStyle(e);
    return ['auto', 'scroll'].includes(s.overflowY) && e.clientHeight > 0
      && e.scrollHeight > e.clientHeight + 1; })
  .map(e => [e.tagName + '.' + String(e.className), e.scrollHeight, e.clientHeight,
             e.textContent.slice(0, 40)])"""


@pytest.mark.browser
def test_the_cell_view_scrolls_once_and_names_days_in_chinese(
    blank_page: Page, base_url: str, conn: Connection
) -> None:
    """In Chromium at 1280x720: the busiest cell's incidents are listed in the side panel's own
    scroll (no list scrolling inside it), and its chart's days are Chinese dates."""
    window = Window.last_days(30)
    cell = _cell(conn, window, busiest=True)
    count = len(cell_details(conn, cell, window, timezone=TZ).incidents)
    page = blank_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{base_url}/?lang=zh&unit={cell}")
    listed = page.locator(".gs-side .gs-incident-list > li")
    expect(listed).to_have_count(count, timeout=30_000)
    expect(page.locator(".gs-side .gs-chart .xtick").first).to_be_attached(timeout=15_000)
    ticks = page.locator(".gs-side .gs-chart .xtick text").evaluate_all(
        "(els) => els.map(e => e.textContent)"
    )
    assert ticks and all(re.fullmatch(r"\d{1,2}月\d{1,2}日", x) for x in ticks), ticks
    side = page.locator(".gs-side").evaluate("(e) => [e.scrollHeight, e.clientHeight]")
    assert side[0] > side[1], side  # the panel is longer than the screen: it scrolls
    assert page.evaluate(_NESTED_SCROLLS) == []
