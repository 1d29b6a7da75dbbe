"""The import page in headless Chromium: upload, the errors, the preview on the map, confirm."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo.settings import Settings
from tests.importfiles import camera, geojson

pytestmark = pytest.mark.browser


@pytest.fixture
def page(blank_page: Page, base_url: str) -> Page:
    blank_page.goto(f"{base_url}/import?lang=en")
    expect(blank_page.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    return blank_page


def _upload(page: Page, path: Path) -> None:
    page.locator("#gs-import-upload input[type=file]").set_input_files(str(path))


def test_a_bad_file_shows_its_errors_and_cannot_be_imported(page: Page, tmp_path: Path) -> None:
    _upload(
        page,
        geojson(tmp_path / "cams.geojson", [camera("CPAGE1"), camera("CPAGE2", status="kaputt")]),
    )
    expect(page.locator(".gs-import-summary")).to_contain_text("2 features: 1 ready, 1 with errors")
    errors = page.locator(".gs-error-table tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("CPAGE2")
    expect(errors.first).to_contain_text("kaputt")
    expect(page.locator("#gs-import-confirm")).to_be_disabled()
    # choosing to skip bad features allows the import of the good one
    page.get_by_text("Skip bad features").click()
    expect(page.locator("#gs-import-confirm")).to_be_enabled()


def test_upload_preview_and_confirm_writes_the_rows(
    page: Page, engine: Engine, tmp_path: Path
) -> None:
    path = geojson(tmp_path / "cams.geojson", [camera("CPAGE3"), camera("CPAGE4", azimuth_deg=270)])
    try:
        _upload(page, path)
        expect(page.locator(".gs-import-summary")).to_contain_text(
            "2 features: 2 ready, 0 with errors"
        )
        page.wait_for_function(
            """() => { let n = 0;
            window.gridsightMap && window.gridsightMap.eachLayer(l => {
                // the territory's have a layer
                if (l.feature && !l.feature.properties.layer) n++; });
            return n === 2; }""",
            timeout=15_000,
            polling=250,
        )
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM camera WHERE code LIKE 'CPAGE%'")).scalar()
                == 0
            )
        page.locator("#gs-import-confirm").click()
        expect(page.locator(".gs-import-result")).to_contain_text("2 inserted", timeout=30_000)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM camera WHERE code LIKE 'CPAGE%'")).scalar()
                == 2
            )
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM camera WHERE code LIKE 'CPAGE%'"))


def test_the_page_shows_the_chosen_layers_fields_template_and_territory(
    page: Page, settings: Settings
) -> None:
    from etl.fields import LAYERS

    fields = page.locator("#gs-import-fields tbody tr")
    expect(fields).to_have_count(len(LAYERS["cameras"].fields))
    expect(page.locator("#gs-import-fields")).to_contain_text("方位角")
    expect(page.locator(".gs-import-help")).to_contain_text("zipped Shapefile")
    # the size limit is the server's own (GRIDSIGHT_MAX_UPLOAD_MB)
    expect(page.locator(".gs-import-help")).to_contain_text(
        f"Largest file: {settings.max_upload_mb} MB"
    )
    # another layer: its own fields, required ones marked, and its template
    page.locator("#gs-import-layer").click()
    page.locator(".dash-dropdown-option", has_text="Incidents").click()
    expect(fields).to_have_count(len(LAYERS["incidents"].fields))
    expect(page.locator("#gs-import-fields")).to_contain_text("occurred_at")
    expect(page.locator("#gs-import-fields")).to_contain_text("发生时间")
    required = page.locator("#gs-import-fields tbody tr.gs-required")
    expect(required).to_have_count(sum(f.required for f in LAYERS["incidents"].fields))
    with page.expect_download() as download:
        page.locator("#gs-import-template").click()
    header = open(download.value.path(), encoding="utf-8-sig").readline().strip().split(",")  # noqa: SIM115
    assert header == [f.name for f in LAYERS["incidents"].fields] + ["lon", "lat"]
    assert download.value.suggested_filename == "incidents-template.csv"
    # the territory (the county's townships) is drawn on the preview map before any file
    page.wait_for_function(
        """() => { let n = 0; window.gridsightMap && window.gridsightMap.eachLayer(l => {
        if (l.feature && l.feature.properties.layer === 'townships') n++; }); return n === 10; }""",
        timeout=15_000,
        polling=250,
    )


def test_errors_are_shown_in_chinese_from_the_catalogue(
    blank_page: Page, base_url: str, tmp_path: Path
) -> None:
    blank_page.goto(f"{base_url}/import?lang=zh")
    expect(blank_page.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    path = geojson(
        tmp_path / "cams.geojson",
        [camera("CPAGE5", status="kaputt"), camera("CPAGE6", fov_deg=400)],
    )
    _upload(blank_page, path)
    errors = blank_page.locator(".gs-error-table tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("应为以下之一")
    expect(errors.nth(0)).to_contain_text("online(在线)")
    expect(errors.nth(1)).to_contain_text("应为有限数值 (> 0, ≤ 360)")
    assert "expected" not in (blank_page.locator(".gs-error-table").text_content() or "")
