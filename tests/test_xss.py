"""Markup and script in every text field a file can carry, shown on every page: nothing runs.

The names of a township, a village, a grid cell, its grid worker, its cameras, the roads and a
patrol unit are replaced by a payload that would change the page's title if it ran; the map (county,
township, cell), the wall and the planning page are opened in Chromium as an administrator (who is
shown the most), and popups are fetched. The payload must be shown as text, the title unchanged, and
no Content-Security-Policy violation reported (the ``page_as`` fixture fails the test on one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from dashboard.state import ViewState
from geo.refresher import refresh_if_stale

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=\"document.title='XSS'\"><script>document.title='XSS'</script>"
_FIELDS = [  # table, column, the rows' key column, SQL choosing the rows
    ("admin_unit", "name", "code", "SELECT min(code) FROM admin_unit WHERE level = 'township'"),
    ("admin_unit", "name", "code", "SELECT min(code) FROM admin_unit WHERE level = 'village'"),
    ("grid_cell", "name", "code", "SELECT min(code) FROM grid_cell"),
    ("grid_cell", "grid_worker", "code", "SELECT min(code) FROM grid_cell"),
    (
        "camera",
        "name",
        "code",
        "SELECT code FROM camera WHERE unit_code LIKE (SELECT min(code) FROM grid_cell) || '%'",
    ),
    ("road", "name", "code", "SELECT code FROM road ORDER BY code LIMIT 20"),
    ("patrol_route", "unit", "code", "SELECT min(code) FROM patrol_route"),
]


@pytest.fixture
def hostile(engine: Engine) -> Iterator[dict[str, Any]]:
    """The fields above set to :data:`PAYLOAD` (committed: the app reads them), restored after;
    the coverage figures (which copy the units' names) refreshed each time, as the background
    refresher does for rows another program wrote."""
    saved: list[tuple[str, str, str, Any, Any]] = []
    with engine.begin() as conn:
        for table, column, key, chooser in _FIELDS:
            for (code,) in conn.execute(text(chooser)).all():
                old = conn.execute(
                    text(f"SELECT {column} FROM {table} WHERE {key} = :k"), {"k": code}
                ).scalar()
                saved.append((table, column, key, code, old))
                conn.execute(
                    text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"),
                    {"v": PAYLOAD, "k": code},
                )
        cell = conn.execute(text("SELECT min(code) FROM grid_cell")).scalar_one()
    refresh_if_stale(engine, 100.0)
    layer_of = {
        "camera": "cameras",
        "road": "roads",
        "patrol_route": "routes",
        "grid_cell": "grids",
    }
    popups = [(layer_of[table], code) for table, _c, _k, code, _o in saved if table in layer_of]
    popups += [("townships", cell[:9]), ("villages", cell[:12])]
    try:
        yield {"cell": cell, "township": cell[:9], "village": cell[:12], "popups": popups}
    finally:
        with engine.begin() as conn:
            for table, column, key, code, old in saved:
                conn.execute(
                    text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"),
                    {"v": old, "k": code},
                )
        refresh_if_stale(engine, 100.0)


def _settled(page: Page) -> None:
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=30_000, polling=250)
    page.wait_for_timeout(1500)  # the layers and panels of the view have arrived
    assert page.title() != "XSS"


def test_no_payload_runs_on_any_page(
    page_as: Callable[[str | None], Page], base_url: str, hostile: dict[str, Any]
) -> None:
    page = page_as("admin")
    page.goto(base_url + "/" + ViewState(unit=None).search(lang="en"))
    _settled(page)
    expect(page.locator(".gs-ranking")).to_contain_text(
        "<img src=x", timeout=30_000
    )  # the township, as text
    page.goto(base_url + "/" + ViewState(unit=hostile["township"]).search(lang="en"))
    _settled(page)
    expect(page.locator(".gs-ranking")).to_contain_text("<img src=x", timeout=30_000)  # the village
    page.goto(base_url + "/" + ViewState(unit=hostile["cell"]).search(lang="zh"))
    _settled(page)
    expect(page.locator(".gs-ranking")).to_contain_text(
        "<script>document.title", timeout=30_000
    )  # worker, cell
    page.hover(".gs-map", position={"x": 400, "y": 300})  # a unit's tooltip
    page.wait_for_timeout(500)
    assert page.title() != "XSS"
    for layer, fid in hostile["popups"]:  # each popup of a feature whose text is the payload
        popup = page.request.get(
            f"{base_url}/api/layers/{layer}/popup?bbox=113.3,37.3,114.1,37.9"
            f"&zoom=17&lang=en&fid={fid}&unit={hostile['cell']}"
        )
        body = popup.text()
        assert "<img src=x" not in body and "<script>document" not in body, (layer, fid, body[:200])
    page.goto(base_url + "/wall?lang=zh")
    expect(page.locator(".gs-wall-item").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)
    assert page.title() != "XSS"
    page.goto(base_url + "/plan?lang=en")
    expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    page.wait_for_timeout(1000)
    assert page.title() != "XSS"
