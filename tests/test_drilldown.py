"""The leaders' drill-down in a real browser: county → township → village, links, back, numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from dashboard.state import ViewState
from geo.figures import Window, figures
from tests.browser import screen_point

# The clock every window is measured from stops at each test's start: the test's windows are the
# app's.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def page(blank_page: Page) -> Page:
    return blank_page


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=20_000, polling=250)
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=20_000)


def test_county_kpis_and_ranking_equal_the_command_line(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url)
    with engine.connect() as conn:
        county = figures(conn, Window.last_days(30), level="county")[0]
        townships = figures(conn, Window.last_days(30), level="township")
    expect(page.locator(".gs-kpi-coverage .gs-kpi-value")).to_have_text(
        f"{county.value('camera_area_pct'):.1f} %"
    )
    expect(page.locator(".gs-kpi-cameras .gs-kpi-value")).to_have_text(
        f"{county.cameras_online} / {county.cameras}"
    )
    expect(page.locator(".gs-kpi-blind .gs-kpi-value")).to_have_text(str(county.blind_incidents))
    rows = page.locator(".gs-rank-row")
    expect(rows).to_have_count(len(townships))
    worst = min(
        townships, key=lambda u: u.value("camera_road_pct") or 0
    )  # the default metric: working road coverage
    expect(rows.first).to_contain_text(worst.name)
    expect(rows.first).to_contain_text(f"{worst.value('camera_road_pct'):.1f} %")


def test_drill_down_by_ranking_and_map_then_back_up(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url)
    page.locator(".gs-rank-row", has_text="城关镇").click()
    expect(page.locator(".gs-breadcrumbs")).to_contain_text("示范县 › 城关镇")
    assert "unit=140724001" in page.url
    with engine.connect() as conn:
        villages = conn.execute(
            text("SELECT count(*) FROM admin_unit WHERE parent_code = '140724001'")
        ).scalar()
        code, name, lon, lat = conn.execute(
            text(
                "SELECT code, name, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
                " FROM admin_unit "
                "WHERE parent_code = '140724001' ORDER BY ST_Area(geom) DESC LIMIT 1"
            )
        ).one()
    expect(page.locator(".gs-rank-row")).to_have_count(villages)
    # with every layer on: points and lines over the villages let the click through
    page.wait_for_function(
        """() => { const m = window.gridsightMap; let n = 0; m.eachLayer(l => {
        if (l.feature && l.feature.properties.layer === 'units'
            && l.feature.properties.level === 'village') n++; });
        return n > 0 && !m._animatingZoom && document.querySelector('.gs-status.ok') !== null; }""",
        timeout=20_000,
        polling=100,
    )
    crumbs = page.locator(".gs-breadcrumbs")
    page.mouse.click(*screen_point(page, lon, lat))
    expect(crumbs).to_contain_text(f"城关镇 › {name}", timeout=10_000)
    assert f"unit={code}" in page.url
    page.go_back()
    expect(page.locator(".gs-breadcrumbs")).not_to_contain_text(name)
    expect(page.locator(".gs-breadcrumbs")).to_contain_text("示范县 › 城关镇")
    page.locator(".gs-breadcrumbs a", has_text="示范县").click()
    expect(page.locator(".gs-rank-row")).to_have_count(10)


def test_a_deep_link_reproduces_the_view(page: Page, base_url: str, engine: Engine) -> None:
    with engine.connect() as conn:
        village = conn.execute(
            text("SELECT min(code) FROM admin_unit WHERE level = 'village'")
        ).scalar()
        cells = figures(conn, Window.last_days(7), level="grid")
    state = ViewState(unit=village, metric="camera_road_pct", days=7)
    _open(page, base_url + "/" + state.search())
    expect(page.locator(".gs-breadcrumbs a")).to_have_count(2)
    expect(page.locator(".gs-metric")).to_contain_text("Camera coverage (roads)")
    mine = [c for c in cells if c.parent_code == village]
    rows = page.locator(".gs-rank-row")
    expect(rows).to_have_count(len(mine))
    for cell in mine:
        shown = (
            "n/a"
            if cell.value("camera_road_pct") is None
            else f"{cell.value('camera_road_pct'):.1f} %"
        )
        expect(page.locator(f".gs-rank-row[title='{cell.code}']")).to_contain_text(shown)


def test_the_language_switch_keeps_the_view(page: Page, base_url: str) -> None:
    _open(page, base_url + "/?unit=140724001&metric=patrol_pct")
    expect(page.locator(".gs-legend")).to_contain_text("Cameras")
    expect(page.locator(".gs-kpi-coverage")).to_contain_text("Working coverage")
    page.locator("#gs-lang-switch").click()
    page.wait_for_url("**lang=zh**")
    expect(page.locator(".gs-legend")).to_contain_text("监控摄像机")
    expect(page.locator(".gs-kpi-coverage")).to_contain_text("有效覆盖率")
    expect(page.locator(".gs-metric")).to_contain_text("巡逻覆盖率")
    expect(page.locator(".gs-breadcrumbs")).to_contain_text("示范县 › 城关镇")
    page.locator("#gs-lang-switch").click()
    page.wait_for_url("**lang=en**")
    expect(page.locator(".gs-kpi-coverage")).to_contain_text("Working coverage")


def test_a_filter_change_updates_the_counts(page: Page, base_url: str, engine: Engine) -> None:
    with engine.connect() as conn:
        every = figures(conn, Window.last_days(30), level="county")[0]
        theft = figures(conn, Window.last_days(30, categories=("theft",)), level="county")[0]
        theft_closed = figures(
            conn, Window.last_days(30, categories=("theft",), statuses=("closed",)), level="county"
        )[0]
    _open(page, base_url)
    incidents = page.locator(".gs-kpi-incidents .gs-kpi-value")
    expect(incidents).to_have_text(str(every.incidents))
    page.locator("#gs-categories").click()
    page.keyboard.type("Theft")
    page.keyboard.press("Enter")
    expect(incidents).to_have_text(str(theft.incidents))
    expect(page.locator(".gs-kpi-blind .gs-kpi-value")).to_have_text(str(theft.blind_incidents))
    assert "cat=theft" in page.url
    _open(page, base_url + "/?cat=theft&status=closed")
    expect(incidents).to_have_text(str(theft_closed.incidents))
    assert theft_closed.incidents < theft.incidents < every.incidents


def test_a_cell_shows_its_details_gap_and_blind_incidents(
    page: Page, base_url: str, engine: Engine
) -> None:
    window = Window.last_days(30)
    with engine.connect() as conn:
        code, worker, village = conn.execute(
            text(
                "SELECT g.code, g.grid_worker, g.village_code FROM grid_cell g JOIN incident i "
                "ON ST_Intersects(g.geom, i.geom)"
                " AND i.occurred_at > :start AND i.occurred_at <= :end "
                "GROUP BY g.code ORDER BY count(*) DESC LIMIT 1"
            ),
            {"start": window.start, "end": window.end},
        ).one()
        cameras = conn.execute(
            text(
                "SELECT count(*) FROM camera c JOIN grid_cell g ON ST_Intersects(g.geom, c.geom) "
                "WHERE g.code = :c"
            ),
            {"c": code},
        ).scalar()
        cell = figures(conn, Window.last_days(30), codes=[code])[0]
    _open(page, base_url + "/" + ViewState(unit=village).search())
    page.locator(f".gs-rank-row[title='{code}']").click()
    panel = page.locator(".gs-ranking")
    expect(panel).to_contain_text(worker)
    expect(panel).to_contain_text(f"Cameras (broken first) ({cameras})")
    expect(panel).to_contain_text(f"Incidents ({cell.incidents})")
    expect(panel.locator(".gs-incident.blind")).to_have_count(cell.blind_incidents)
    expect(panel.locator(".gs-compare tbody tr").first).to_contain_text(
        f"{cell.value('camera_area_pct'):.1f} %"
    )
    expect(panel.locator(".gs-chart .main-svg").first).to_be_visible()
    page.wait_for_function(
        """() => { let gap = 0; window.gridsightMap.eachLayer(l => {
        if (l.feature && l.feature.properties.what === 'gap') gap++; }); return gap > 0; }""",
        timeout=20_000,
        polling=250,
    )


def test_a_custom_range_and_the_incident_rate_metric(
    page: Page, base_url: str, engine: Engine
) -> None:
    import datetime as dt

    from geo.figures import custom_range
    from geo.settings import DEFAULT_TIMEZONE

    last = dt.date.today() - dt.timedelta(days=3)
    first = last - dt.timedelta(days=9)
    start, end = custom_range(first.isoformat(), last.isoformat(), DEFAULT_TIMEZONE)
    assert start is not None and end is not None
    with engine.connect() as conn:
        county = figures(conn, Window(start, end), level="county")[0]
        townships = figures(conn, Window(start, end), level="township")
    _open(page, base_url + f"/?start={first}&end={last}&metric=incident_rate")
    expect(page.locator(".gs-kpi-incidents .gs-kpi-value")).to_have_text(str(county.incidents))
    worst = max(townships, key=lambda u: u.value("incident_rate") or 0)
    expect(page.locator(".gs-rank-row").first).to_contain_text(worst.name)
    expect(page.locator(".gs-rank-row").first).to_contain_text(
        f"{worst.value('incident_rate'):.1f} ‰"
    )


def test_a_link_to_a_unit_that_does_not_exist_shows_the_top(page: Page, base_url: str) -> None:
    _open(page, base_url + "/?unit=140724999999")
    expect(page.locator(".gs-rank-row")).to_have_count(10)
