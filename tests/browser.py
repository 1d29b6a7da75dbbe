"""Helpers for the browser tests: serve the real app on loopback, drive Debian's Chromium."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dash import Dash
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from werkzeug.serving import make_server

# A busy 2-core machine can take a few seconds for a drill-down step: wait for it, never sleep.
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JavaScript: {layer id: number of features drawn} from the Leaflet map.
COUNT_FEATURES = """() => {
  const map = window.gridsightMap; if (!map) return {};
  const counts = {};
  map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.layer) {
    const id = l.feature.properties.layer; counts[id] = (counts[id] || 0) + 1; } });
  return counts;
}"""


@contextmanager
def serve(app: Dash) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL.

    Requests are not logged.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screen_point(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates (pixels) of a longitude/latitude on the map."""
    x, y = page.evaluate(f"""() => {{ const m = window.gridsightMap;
        const p = m.latLngToContainerPoint([{lat}, {lon}]);
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }}""")
    return float(x), float(y)


def offline_page(browser: Browser, external: list[str], errors: list[str]) -> Page:
    """A page whose requests beyond loopback are refused and recorded in ``external``; uncaught
    JavaScript errors and Content-Security-Policy violations are recorded in ``errors``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A resource or script the Content-Security-Policy blocked counts as an error too.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )

    def refuse(r: Route) -> None:
        external.append(r.request.url)
        r.abort()

    # Only what is not on loopback is intercepted (intercepting everything would stall the page
    # whenever the test thread waits outside Playwright).
    page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])(?!data:)(?!blob:)"), refuse)
    return page
