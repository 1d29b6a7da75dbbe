"""No inline style: every page, as it opens and as it is used, runs under ``style-src 'self'`` and
the hashes of the fixed ``<style>`` texts its bundles insert (``dashboard/_style_hashes.py``),
with no Content-Security-Policy violation, the hashed styles applied, and no hash left unused.

Styles set through the CSSOM (Leaflet's, Plotly's) are not subject to the CSP; what would be
blocked is a ``<style>`` element's text or a ``style="..."`` attribute in parsed HTML.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from dashboard import build_app
from dashboard._style_hashes import STYLE_HASHES
from dashboard.state import ViewState
from geo.settings import Settings
from tests.browser import screen_point

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]

# Records every violation (with the first characters of the blocked text) and every <style> text
# the page holds or ever held (spinners come and go), across navigations.
WATCH = """() => {
  window.__csp = []; window.__styles = [];
  const keep = s => { window.__styles.push(s.textContent);
                      setTimeout(() => window.__styles.push(s.textContent), 0); };
  new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
    if (n.nodeName === 'STYLE') keep(n);
    else if (n.querySelectorAll) n.querySelectorAll('style').forEach(keep); }))
  ).observe(document, {childList: true, subtree: true});
  document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    `${location.pathname}${location.search}: ${e.effectiveDirective} blocked ${e.blockedURI}` +
    ` from ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${JSON.stringify(e.sample)}`));
}"""
STYLES = """() => [...document.querySelectorAll('style')].map(s => s.textContent)
                   .concat(window.__styles || [])"""


class Watch:
    """The violations and ``<style>`` texts of the pages a test opens, step by step."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.hashes: set[str] = set()

    def page(self, page: Page) -> Page:
        page.add_init_script(f"({WATCH})()")
        return page

    def step(self, page: Page, name: str) -> None:
        """Collect what ``page`` recorded since the last step (a navigation starts afresh)."""
        for style in page.evaluate(STYLES):
            digest = hashlib.sha256(style.encode("utf-8")).digest()
            self.hashes.add("sha256-" + base64.b64encode(digest).decode())
        self.violations += [f"{name}: {v}" for v in page.evaluate("() => window.__csp || []")]
        page.evaluate("() => { window.__csp = []; window.__styles = []; }")


def _computed(page: Page, selector: str, prop: str) -> str:
    value: str = page.evaluate(
        f"() => getComputedStyle(document.querySelector({selector!r}))[{prop!r}]"
    )
    return value


def _map(page: Page, watch: Watch, url: str, step: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=30_000)
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
    watch.step(page, step)


def test_the_style_src_has_no_unsafe_inline(client_as: Callable[[str | None], FlaskClient]) -> None:
    for path in ("/login", "/"):
        csp = client_as("admin").get(path).headers["Content-Security-Policy"]
        style_src = next(d for d in csp.split("; ") if d.startswith("style-src "))
        assert style_src == "style-src 'self' " + " ".join(f"'{h}'" for h, _ in STYLE_HASHES)
        assert "unsafe" not in csp


def test_only_debug_mode_allows_inline_style(settings: Settings, engine: Engine) -> None:
    # Dash's developer tools add their own styles: GRIDSIGHT_DEBUG (development only) allows them
    for debug in (False, True):
        client = build_app(settings.replace(debug=debug), engine).server.test_client()
        csp = client.get("/login").headers["Content-Security-Policy"]
        style_src = next(d for d in csp.split("; ") if d.startswith("style-src "))
        assert style_src == "style-src 'self' 'unsafe-inline'" if debug else "unsafe" not in csp


def test_every_page_runs_without_inline_style(
    page_as: Callable[[str | None], Page], base_url: str, engine: Engine
) -> None:
    watch = Watch()
    anonymous = watch.page(page_as(None))
    for lang in ("en", "zh"):
        anonymous.goto(f"{base_url}/login?lang={lang}")
        expect(anonymous.locator("input[name=password]")).to_be_visible()
        watch.step(anonymous, f"login {lang}")
    with engine.connect() as conn:
        cell = conn.execute(
            text("""SELECT g.code FROM grid_cell g JOIN incident i ON i.unit_code = g.code
                    WHERE i.occurred_at > now() - interval '20 days'
                    GROUP BY g.code ORDER BY count(*) DESC, g.code LIMIT 1""")
        ).scalar_one()
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM camera ORDER BY code LIMIT 1")
        ).one()
    page = watch.page(page_as("admin"))
    for lang in ("zh", "en"):
        _map(page, watch, f"{base_url}/?lang={lang}", f"map {lang}")
        assert _computed(page, ".leaflet-pane", "position") == "absolute"  # leaflet.css
        assert _computed(page, ".dash-dropdown", "display") == "block"  # dcc's dropdown
        switches = page.locator(".leaflet-control-layers input[type=checkbox]")
        for n in range(switches.count()):
            switches.nth(n).check(force=True)  # the switcher opens on hover
        page.evaluate(f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 17); }}")
        expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
        page.mouse.click(*screen_point(page, lon, lat))
        page.wait_for_timeout(1000)
        watch.step(page, f"map {lang}, every layer at zoom 17, a click")
        page.locator(".dash-dropdown").first.click()
        page.keyboard.press("Escape")
        _map(page, watch, base_url + "/" + ViewState(unit=cell).search(lang=lang), f"cell {lang}")
        expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
        page.locator(".gs-how-mark").first.click()
        watch.step(page, f"cell {lang}: chart and a note")
    page.goto(f"{base_url}/plan?lang=en")
    expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=30_000)
    assert _computed(page, ".leaflet-draw-section", "position") == "relative"  # leaflet.draw.css
    page.evaluate(
        f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 16, {{animate: false}}); }}"
    )
    page.wait_for_timeout(300)
    page.click(".leaflet-draw-draw-marker")
    page.mouse.click(*screen_point(page, lon, lat))
    expect(page.locator("#gs-plan-item-count")).to_have_text("1 cameras, 0 routes", timeout=20_000)
    page.click("#gs-plan-route-run")  # a dcc.Loading spinner while it runs
    expect(page.locator("#gs-plan-route-through")).to_contain_text("H", timeout=60_000)
    watch.step(page, "plan: a what-if camera and a route suggestion")
    for path, ready in (
        ("/plan?lang=zh", "#gs-plan-hot-count"),
        ("/wall?lang=en", ".gs-wall-key"),
        ("/wall?lang=zh", ".gs-wall-key"),
        ("/import?lang=en", ".gs-upload"),
        ("/import?lang=zh", ".gs-upload"),
        ("/audit?lang=en", ".gs-audit-table"),
        ("/audit?lang=zh", ".gs-audit-table"),
    ):
        page.goto(base_url + path)
        expect(page.locator(ready).first).to_be_attached(timeout=30_000)
        page.wait_for_timeout(1000)
        watch.step(page, path)
    assert watch.violations == [], "\n".join(watch.violations[:10])
    unused = [(h, what) for h, what in STYLE_HASHES if h not in watch.hashes]
    assert unused == [], f"hashes of <style> texts no page used: {unused}"
