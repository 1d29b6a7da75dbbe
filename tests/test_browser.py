"""What users see and click, in a real headless Chromium against the real app and PostGIS."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from tests.browser import COUNT_FEATURES, screen_point

pytestmark = pytest.mark.browser


@pytest.fixture
def page(blank_page: Page, base_url: str) -> Page:
    blank_page.goto(base_url)
    blank_page.wait_for_function(
        "() => window.gridsightMap !== undefined", timeout=20_000, polling=250
    )
    return blank_page


def _drawn(page: Page, layer_ids: set[str]) -> dict[str, int]:
    page.wait_for_function(
        f"() => {{ const c = ({COUNT_FEATURES})();"
        f" return {sorted(layer_ids)!r}.every(id => c[id] > 0); }}",
        timeout=20_000,
        polling=250,
    )
    counts: dict[str, int] = page.evaluate(COUNT_FEATURES)
    return counts


def test_county_view_draws_every_layer_and_the_legend(page: Page) -> None:
    counts = _drawn(page, {"townships", "villages", "roads", "routes", "cameras", "incidents"})
    assert counts["townships"] == 10
    expect(page.locator(".gs-legend")).to_contain_text("Cameras")
    expect(page.locator(".gs-status.ok")).to_have_count(1)
    expect(page.locator(".leaflet-control-layers")).to_contain_text("Grid cells")


def test_zooming_in_draws_grid_cells_and_camera_sectors(page: Page, engine: Engine) -> None:
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM admin_unit"
                " WHERE code = '140724001'"
            )
        ).one()
    page.evaluate(f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 16); }}")
    _drawn(page, {"grids", "cameras"})
    page.wait_for_function(
        """() => { let n = 0; window.gridsightMap.eachLayer(l => {
        if (l.feature && l.feature.properties.part === 'view') n++; }); return n > 0; }""",
        timeout=20_000,
        polling=250,
    )


def test_clicking_a_camera_shows_its_attributes(page: Page, engine: Engine) -> None:
    with engine.connect() as conn:
        code, lon, lat = conn.execute(
            text(
                "SELECT code, ST_X(geom), ST_Y(geom) FROM camera WHERE status = 'fault'"
                " ORDER BY code LIMIT 1"
            )
        ).one()
    with page.expect_response(
        lambda r: "/api/layers?" in r.url and "zoom=18" in r.url and "cameras" in r.url,
        timeout=20_000,
    ):
        page.evaluate(
            f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 18, {{animate: false}}); }}"
        )
    page.wait_for_function(
        f"""() => {{ let hit = false; window.gridsightMap.eachLayer(l => {{
        if (l.feature && l.feature.id === {code!r} && l.getLatLng) hit = true; }});
        return hit; }}""",
        timeout=20_000,
        polling=250,
    )
    popup = page.locator(".leaflet-popup-content")
    for _attempt in range(5):  # a layer refreshed by a late answer closes its popup: click again
        expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=20_000)
        page.mouse.click(*screen_point(page, lon, lat))
        try:
            expect(popup).to_contain_text(code, timeout=3_000)
            break
        except AssertionError:
            continue
    expect(popup).to_contain_text(code)
    expect(popup).to_contain_text("fault")
    expect(popup).to_contain_text("Azimuth")


def test_the_layer_switcher_hides_and_shows_a_layer(page: Page) -> None:
    _drawn(page, {"cameras"})
    toggle = page.locator(".leaflet-control-layers label", has_text="Cameras").locator("input")
    toggle.uncheck()
    page.wait_for_function(f"() => !(({COUNT_FEATURES})().cameras)", timeout=10_000, polling=250)
    toggle.check()
    _drawn(page, {"cameras"})
