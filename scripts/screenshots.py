"""Take the README's screenshots of the leaders' map from the real app on the working database.

With ``make demo``'s data, ``.venv/bin/python scripts/screenshots.py`` writes docs/county.png,
docs/township.png, docs/cell.png, docs/playback.png and docs/briefing.png (and briefing.pdf).
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect

from dashboard import build_app
from geo.db import database_url, make_engine, upgrade
from geo.settings import PROJECT_DIR, Settings
from tests.browser import chromium, offline_page, serve

DOCS = PROJECT_DIR / "docs"
TOWN = "140724001"


def _ready(page: Page) -> None:
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
    page.wait_for_function(
        "() => { const m = window.gridsightMap; return m && !m._animatingZoom; }", timeout=30_000
    )
    page.wait_for_timeout(1500)


def main() -> None:
    """Serve the app on the working database and take every screenshot."""
    settings = Settings.from_env()
    engine = make_engine(database_url(settings))
    upgrade(engine)
    with engine.connect() as conn:
        from sqlalchemy import text

        cell = conn.execute(
            text(
                "SELECT g.code FROM grid_cell g JOIN incident i ON i.unit_code = g.code "
                "WHERE g.code LIKE :t GROUP BY g.code ORDER BY count(*) DESC LIMIT 1"
            ),
            {"t": TOWN + "%"},
        ).scalar_one()
    with serve(build_app(settings.replace(language="zh"), engine)) as url, chromium() as browser:
        page = offline_page(browser, [], [])
        page.set_viewport_size({"width": 1600, "height": 900})
        for name, query in (
            ("county", "/"),
            ("township", f"/?unit={TOWN}"),
            ("cell", f"/?unit={cell}"),
        ):
            page.goto(url + query)
            _ready(page)
            page.screenshot(path=str(DOCS / f"{name}.png"))
        page.goto(url + "/")
        _ready(page)
        page.wait_for_function(
            "() => window.gridsightPlayback && window.gridsightPlayback.data", timeout=30_000
        )
        page.locator("#gs-play-mode").select_option("sliding")
        page.locator("#gs-play-slider").focus()
        for _ in range(24 * 12):  # half the window: day 12, 24 hours of incidents around it
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "playback.png"))
        for kind in ("png", "pdf"):
            with urllib.request.urlopen(
                f"{url}/api/briefing.{kind}?unit={TOWN}&lang=zh", timeout=120
            ) as r:
                (DOCS / f"briefing.{kind}").write_bytes(r.read())
        page.close()
    engine.dispose()
    print(
        "wrote",
        ", ".join(
            f"docs/{n}"
            for n in (
                "county.png",
                "township.png",
                "cell.png",
                "playback.png",
                "briefing.png",
                "briefing.pdf",
            )
        ),
    )


if __name__ == "__main__":
    main()
