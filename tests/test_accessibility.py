"""WCAG 2.1 AA on every page in both languages: axe-core (from npm, installed by ``make
setup-browser`` into tests/axe/node_modules) injected into the real pages in Chromium; a serious or
critical violation fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import Engine, text

from tests.accounts import sign_in_page

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = ["map", "cell", "wall", "plan", "import"]


@pytest.fixture
def axe_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page signed in as an administrator, offline like the other browser tests, whose context
    lets the test add axe-core's script: the app's Content-Security-Policy rightly refuses every
    inline script but Dash's own (``bypass_csp`` is for the test's script; the other browser tests
    keep the policy and fail on any violation)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    external: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def refuse(r: Route) -> None:
        external.append(r.request.url)
        r.abort()

    page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])(?!data:)(?!blob:)"), refuse)
    sign_in_page(page, base_url, "admin")
    yield page
    context.close()
    assert external == [], f"the page asked for outside resources: {external[:5]}"
    assert errors == [], f"JavaScript errors: {errors[:3]}"


def _cell(engine: Engine) -> str:
    """A grid cell of the demo county with incidents and cameras: its view has every panel."""
    with engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT g.code FROM grid_cell g JOIN incident i ON i.unit_code = g.code "
                    "GROUP BY g.code ORDER BY count(*) DESC, g.code LIMIT 1"
                )
            ).scalar()
        )


def _open(page: Page, base_url: str, name: str, lang: str, engine: Engine) -> None:
    """Open page ``name`` in ``lang`` and wait until its dynamic content has arrived."""
    if name in ("map", "cell"):
        unit = f"&unit={_cell(engine)}" if name == "cell" else ""
        page.goto(f"{base_url}/?lang={lang}{unit}")
        expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
        expect(page.locator(".gs-kpi").first).to_be_visible()
        if name == "cell":
            expect(page.locator(".gs-facts").first).to_be_visible(timeout=20_000)
    elif name == "wall":
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(f"{base_url}/wall?lang={lang}")
        expect(page.locator(".gs-wall-item").first).to_be_visible(timeout=20_000)
    elif name == "plan":
        page.goto(f"{base_url}/plan?lang={lang}")
        expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    else:
        page.goto(f"{base_url}/import?lang={lang}")
        expect(page.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    page.wait_for_timeout(500)  # let the last callbacks render


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.0/2.1 A and AA violations of the page as it is now."""
    assert AXE.is_file(), f"{AXE} is missing: run `make setup-browser` (npm ci in tests/axe)"
    page.evaluate("() => window.gridsightA11y && window.gridsightA11y()")  # no repair left pending
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation(
    axe_page: Page, base_url: str, engine: Engine, name: str, lang: str
) -> None:
    _open(axe_page, base_url, name, lang, engine)
    assert axe_page.evaluate("() => document.documentElement.lang") == (
        "zh-CN" if lang == "zh" else "en"
    )
    found = axe_violations(axe_page)
    report = [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}: "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')[:160]!r}" for n in v["nodes"][:6])
        for v in found
    ]
    assert not found, "\n".join(report)


def test_keyboard_skip_link_and_focus_after_a_drill(
    blank_page: Page, base_url: str, engine: Engine
) -> None:
    page = blank_page
    _open(page, base_url, "map", "en", engine)
    page.keyboard.press("Tab")
    skip = page.locator(".gs-skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "gs-map"
    # a drill-down by keyboard from the ranking: the focus lands on the new unit's name
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT name FROM admin_unit WHERE level = 'township' ORDER BY code LIMIT 1")
        ).scalar()
    row = page.locator(".gs-rank-row", has_text=str(name))
    row.focus()
    page.keyboard.press("Enter")
    current = page.locator("#gs-breadcrumbs .gs-crumb.current")
    expect(current).to_have_text(str(name))
    expect(current).to_be_focused()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_options_panel_has_no_serious_accessibility_violation(
    axe_page: Page, base_url: str, lang: str
) -> None:
    axe_page.goto(f"{base_url}/import?lang={lang}")
    expect(axe_page.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    axe_page.get_by_text("字段对应与编码" if lang == "zh" else "Columns and codes").click()
    expect(axe_page.locator("#gs-import-code-prefix")).to_be_visible()
    assert axe_violations(axe_page) == []
    # the layer dropdown opened: its options legible (they had a contrast of 1.23:1)
    axe_page.locator("#gs-import-layer").click()
    expect(axe_page.locator(".dash-dropdown-options")).to_be_visible()
    assert axe_violations(axe_page) == []
    axe_page.keyboard.press("Escape")
    boxes = axe_page.locator(".gs-import-options input[type=text]").all()
    assert len(boxes) >= 6
    for box in boxes:
        assert box.evaluate("(e) => e.labels.length") == 1  # each its own visible label


@pytest.mark.parametrize(("name", "target"), [("plan", "gs-map"), ("import", "gs-import-map")])
def test_the_planning_and_import_pages_skip_link(
    blank_page: Page, base_url: str, engine: Engine, name: str, target: str
) -> None:
    """The first Tab reaches the skip link; Enter puts the focus on the page's map."""
    _open(blank_page, base_url, name, "zh", engine)
    blank_page.keyboard.press("Tab")
    skip = blank_page.locator(".gs-skip")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("跳到地图")
    blank_page.keyboard.press("Enter")
    assert blank_page.evaluate("() => document.activeElement.id") == target
