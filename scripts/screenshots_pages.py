"""Take the README's screenshots of the planning, wall (1080p and 4K) and import pages.

    # the demo county and its accounts (make demo; or python -m etl demo, python -m geo users demo)
    .venv/bin/python scripts/screenshots_pages.py [BASE_URL]

Without BASE_URL the app is served in this process on the working database. Every page needs an
account: the script signs in as ``demo-admin`` with its password from the data folder's
demo-accounts.txt, or as GRIDSIGHT_SCREENSHOT_USER / GRIDSIGHT_SCREENSHOT_PASSWORD.

Writes docs/plan.png, docs/wall.png, docs/wall-4k.png and docs/import.png (Chinese interface).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect, sync_playwright

from geo.accounts import DEMO_FILE
from geo.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _cameras(lon: float, lat: float) -> dict[str, object]:
    """Make 24 cameras around (lon, lat), two of them wrong (a status and a field of view)."""
    features = []
    for n in range(24):
        props = {
            "编码": f"CDOC{n:04d}",
            "名称": f"示例摄像机{n + 1}",
            "方位角": (n * 45) % 360,
            "视场角": 90,
            "半径": 80,
            "状态": "在线",
            "类型": "枪机",
        }
        if n == 5:
            props["状态"] = "坏了"
        if n == 17:
            props["视场角"] = 400
        point = [lon + (n % 6 - 2.5) * 0.004, lat + (n // 6 - 1.5) * 0.004]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": point},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plan(page: Page, base: str) -> None:
    """Screenshot the planning page with ten proposed cameras placed (docs/plan.png)."""
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{base}/plan?lang=zh")
    expect(page.locator("#gs-plan-blind-table")).to_be_visible(timeout=120_000)
    page.fill("#gs-plan-opt-n", "10")
    page.click("#gs-plan-opt-run")
    expect(page.locator("#gs-plan-opt-coverage")).to_be_visible(timeout=120_000)
    page.click("#gs-plan-opt-use")
    expect(page.locator(".gs-whatif")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(DOCS / "plan.png"))


def wall(page: Page, base: str, width: int, height: int, name: str) -> None:
    """Screenshot the wall at ``width`` × ``height`` pixels into docs/``name``."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/wall?lang=zh")
    expect(page.locator(".gs-wall-name").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(DOCS / name))


def import_page(page: Page, base: str) -> None:
    """Screenshot the import page after a file of cameras with errors (docs/import.png)."""
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{base}/import?lang=zh")
    page.wait_for_function(
        "() => { let n = 0; window.gridsightMap && window.gridsightMap.eachLayer(l => {"
        " if (l.feature) n++; }); return n > 0; }",
        timeout=60_000,
    )
    center = page.evaluate("() => window.gridsightMap.getCenter()")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "摄像机.geojson"
        path.write_text(
            json.dumps(_cameras(center["lng"], center["lat"]), ensure_ascii=False), encoding="utf-8"
        )
        page.locator("#gs-import-upload input[type=file]").set_input_files(str(path))
        expect(page.locator(".gs-error-table")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(DOCS / "import.png"))


def _credentials(settings: Settings) -> tuple[str, str]:
    """Return the account to sign in with: GRIDSIGHT_SCREENSHOT_USER/_PASSWORD or demo-admin."""
    user = os.environ.get("GRIDSIGHT_SCREENSHOT_USER")
    if user:
        return user, os.environ["GRIDSIGHT_SCREENSHOT_PASSWORD"]
    for line in (settings.data_dir / DEMO_FILE).read_text(encoding="utf-8").splitlines():
        name, _role, _unit, password = line.split("\t")
        if name == "demo-admin":
            return name, password
    raise SystemExit(
        f"no demo-admin in {settings.data_dir / DEMO_FILE}: run python -m geo users demo"
    )


def sign_in(page: Page, base: str, user: str, password: str) -> None:
    """Sign ``page``'s browser context in at ``base`` (the sign-in form with its CSRF token)."""
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', page.request.get(f"{base}/login").text()
    )
    assert token, "the sign-in page has no csrf_token"
    answer = page.request.post(
        f"{base}/login",
        form={"username": user, "password": password, "csrf_token": token.group(1)},
        headers={"Origin": base},
        max_redirects=0,
    )
    assert answer.status == 303, f"signing in as {user} failed: {answer.status}"


def main(base: str | None) -> None:
    """Take every screenshot from the app at ``base`` (served here when None)."""
    settings = Settings.from_env()
    with ExitStack() as stack:
        if base is None:
            from dashboard import build_app
            from geo.db import database_url, make_engine
            from tests.browser import serve

            engine = make_engine(database_url(settings))
            stack.callback(engine.dispose)
            base = stack.enter_context(serve(build_app(settings.replace(language="zh"), engine)))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            sign_in(page, base, *_credentials(settings))
            plan(page, base)
            wall(page, base, 1920, 1080, "wall.png")
            wall(page, base, 3840, 2160, "wall-4k.png")
            import_page(page, base)
            browser.close()
    print("wrote docs/plan.png, docs/wall.png, docs/wall-4k.png, docs/import.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
