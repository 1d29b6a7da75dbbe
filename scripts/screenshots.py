"""Take the README's screenshots of the leaders' map from the real app on the working database.

With ``make demo``'s data, ``.venv/bin/python scripts/screenshots.py`` writes docs/county.png,
docs/township.png, docs/cell.png, docs/playback.png and docs/briefing.png (and briefing.pdf),
signed in as ``demo-leader`` (its password from ``var/demo-accounts.txt``, which ``make demo`` or
``python -m geo users demo`` writes).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect

from bench._auth import sign_in_page
from dashboard import build_app
from geo.db import database_url, make_engine, upgrade
from geo.settings import PROJECT_DIR, Settings
from tests.browser import chromium, offline_page, serve

DOCS = PROJECT_DIR / "docs"
TOWN = "140724001"
ACCOUNT = "demo-leader"


def _password(settings: Settings) -> str:
    """Return ``demo-leader``'s password from the demo accounts' file of ``settings.data_dir``."""
    path = settings.data_dir / "demo-accounts.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if fields[0] == ACCOUNT:
                return fields[-1]
    raise SystemExit(f"{ACCOUNT} is not in {path}: run `python -m geo users demo` first")


def _ready(page: Page) -> None:
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
    page.wait_for_function(
        "() => { const m = window.gridsightMap; return m && !m._animatingZoom; }", timeout=30_000
    )
    page.wait_for_timeout(1500)


def main() -> None:
    """Serve the app on the working database and take every screenshot."""
    settings = Settings.from_env()
    password = _password(settings)
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
        sign_in_page(page, url, ACCOUNT, password)
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
        for kind in ("png", "pdf"):  # with the page's cookies: stamped with the account
            answer = page.request.get(
                f"{url}/api/briefing.{kind}?unit={TOWN}&lang=zh", timeout=120_000
            )
            if not answer.ok:
                raise SystemExit(f"briefing.{kind}: {answer.status} {answer.text()[:200]}")
            (DOCS / f"briefing.{kind}").write_bytes(answer.body())
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
