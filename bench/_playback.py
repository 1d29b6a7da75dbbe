"""Time playback in Chromium: 30 days of the county's incidents drawn frame after frame.

One frame per animation frame, hour steps, cumulative (the last frames draw every incident of the
window), from the data the page fetched once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from bench import _auth
from dashboard import build_app
from geo.settings import Settings

FRAMES = 720  # 30 days by the hour: the whole window once


def fps(settings: Settings, engine: Engine, frames: int = FRAMES) -> dict[str, Any]:
    """Measure the county's 30-day playback at 1600x900 in Debian's Chromium.

    Returns ``{frames, fps, drawMedianMs, drawP95Ms, incidents}`` (frames per second with the
    browser's own frame clock).
    """
    from playwright.sync_api import expect

    from tests.browser import chromium, offline_page, serve

    name, password = _auth.account(engine, "viewer")
    with serve(build_app(settings, engine)) as url, chromium() as browser:
        page = offline_page(browser, [], [])
        page.set_viewport_size({"width": 1600, "height": 900})
        _auth.sign_in_page(page, url, name, password)
        page.goto(url + "/?days=30")
        expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
        page.wait_for_function(
            "() => window.gridsightPlayback && window.gridsightPlayback.data !== null",
            timeout=30_000,
            polling=100,
        )
        result: dict[str, Any] = page.evaluate(f"() => window.gridsightPlayback.bench({frames})")
        page.close()
    return result
