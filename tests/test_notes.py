"""'How is this computed' beside every figure of the map page.

In a real browser, in both languages.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from dashboard.map.notes import notes
from dashboard.state import METRICS, ViewState
from geo.coverage import computed_at
from geo.figures import Window
from geo.settings import DEFAULT_TIMEZONE
from tests.test_drilldown import _open

pytestmark = pytest.mark.browser


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def test_every_kpi_and_the_ranking_say_how_they_are_computed(
    blank_page: Page, base_url: str, engine: Engine
) -> None:
    page = blank_page
    opened = Window.last_days(30)  # the page's window is taken between this one and the next
    _open(page, base_url)
    with engine.connect() as conn:
        computed = computed_at(conn)
    assert computed is not None and computed <= dt.datetime.now(dt.UTC)
    expect(page.locator(".gs-kpi .gs-how")).to_have_count(5)
    coverage = page.locator(".gs-kpi-coverage .gs-how")
    expect(coverage.locator(".gs-how-text")).to_be_hidden()
    coverage.locator("summary").click()
    expect(coverage.locator(".gs-how-text")).to_be_visible()
    expect(coverage).to_contain_text(
        "Share of the unit's area inside the view of at least one online camera"
    )
    expect(coverage).to_contain_text(f"Coverage computed {_local(computed)}")
    shown = Window.last_days(30)
    incidents = page.locator(".gs-kpi-incidents .gs-how")
    incidents.locator("summary").click()
    windows = {f"Window {_local(w.start)} to {_local(w.end)}" for w in (opened, shown)}
    expect(incidents).to_contain_text(re.compile("|".join(re.escape(w) for w in windows)))
    ranking = page.locator(".gs-ranking h3 .gs-how")
    ranking.locator("summary").click()
    expect(ranking).to_contain_text(
        "Share of the unit's road length inside an online camera's view"
    )


def test_a_cells_figures_and_the_chinese_page_have_notes(
    blank_page: Page, base_url: str, engine: Engine
) -> None:
    page = blank_page
    with engine.connect() as conn:
        cell = str(
            conn.execute(
                text(
                    "SELECT code FROM unit_coverage WHERE level = 'grid' AND road_m > 0"
                    " ORDER BY code LIMIT 1"
                )
            ).scalar_one()
        )
    _open(page, base_url + "/" + ViewState(unit=cell, metric="camera_road_pct").search())
    rows = page.locator(".gs-compare tbody tr")
    expect(rows.locator(".gs-how")).to_have_count(6)
    road = page.locator(".gs-compare .gs-how-camera_road_pct")
    road.locator("summary").click()
    expect(road).to_contain_text("a road along the unit's border counts in full on both sides")
    area = page.locator(".gs-facts .gs-how-area")
    area.locator("summary").click()
    expect(area).to_contain_text("measured in the metric CRS")
    expect(area).to_contain_text("Coverage computed")
    _open(page, base_url + "/" + ViewState(lang="zh", metric="patrol_pct").search())
    patrol = page.locator(".gs-ranking h3 .gs-how")
    patrol.locator("summary").click()
    expect(patrol).to_contain_text("单元面积中距巡逻路线 100 米以内的比例")
    expect(patrol).to_contain_text("覆盖率计算于")


def test_each_metric_has_a_note_in_both_languages(engine: Engine) -> None:
    window = Window.last_days(7)
    with engine.connect() as conn:
        for lang in ("zh", "en"):
            how = notes(conn, window, lang, timezone=DEFAULT_TIMEZONE)
            for figure in (
                *METRICS,
                "cameras",
                "incidents",
                "blind_incidents",
                "incident_coverage_pct",
                "open",
                "area",
                "population",
            ):
                text = how.text(figure)
                assert len(text) > 20 and "{" not in text, (lang, figure, text)


# JavaScript: whether the element is what the page shows at five points of its box (corners, 4 px
# in, and centre): not clipped by a parent, not under the map or another panel.
_ON_TOP = """(e) => { const r = e.getBoundingClientRect();
  const xs = [r.left + 4, r.right - 4], ys = [r.top + 4, r.bottom - 4];
  const points = [[(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
  for (const x of xs) for (const y of ys) points.push([x, y]);
  return r.width > 0 && r.height > 0 && points.every(([x, y]) => {
    const hit = document.elementFromPoint(x, y); return hit !== null && e.contains(hit); }); }"""


@pytest.mark.parametrize(
    ("lang", "width", "height", "cell"), [("en", 1600, 900, False), ("zh", 1280, 720, True)]
)
def test_every_note_opens_whole_over_the_page(
    blank_page: Page, base_url: str, engine: Engine, lang: str, width: int, height: int, cell: bool
) -> None:
    """Each 'i' of the view opens a note that a leader can read: whole and on top.

    The header's KPI strip clips what sticks out of it, the side panel scrolls, the map lies
    under both.
    """
    page = blank_page
    page.set_viewport_size({"width": width, "height": height})
    unit = None
    if cell:
        with engine.connect() as conn:
            unit = str(
                conn.execute(
                    text(
                        "SELECT code FROM unit_coverage WHERE level = 'grid' AND road_m > 0"
                        " ORDER BY code LIMIT 1"
                    )
                ).scalar_one()
            )
    _open(page, base_url + "/" + ViewState(unit=unit, lang=lang).search())
    marks = page.locator(".gs-how")
    # 5 KPIs, and the ranking or a cell's area, population and 6 figures
    expect(marks).to_have_count(13 if cell else 6)
    hidden = []
    for i in range(marks.count()):
        mark = marks.nth(i)
        mark.locator("summary").scroll_into_view_if_needed()
        mark.locator("summary").click()
        note = mark.locator(".gs-how-text")
        expect(note).to_be_visible()
        note.scroll_into_view_if_needed()  # the side panel scrolls to a note at its foot
        if not note.evaluate(_ON_TOP):
            hidden.append((mark.get_attribute("class"), note.bounding_box()))
        mark.locator("summary").click()
        expect(note).to_be_hidden()
    assert hidden == []
