"""Drill-down timings: server time of each step, and click to drawn in headless Chromium.

The steps are county → township → village → cell; the browser's time runs from a click to the new
view drawn.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

import layers
from bench import _auth
from dashboard import build_app
from dashboard.map import drilldown
from dashboard.state import ViewState
from geo import hierarchy
from geo.settings import Settings


def path(engine: Engine) -> list[str | None]:
    """Return the top, then the first child at each level down to a grid cell."""
    steps: list[str | None] = [None]
    with engine.connect() as conn:
        code = hierarchy.top(conn)[0].code
        while True:
            kids = hierarchy.children(conn, code)
            if not kids:
                break
            code = kids[0].code
            steps.append(code)
    return steps


ZOOM = {
    "province": 7,
    "city": 9,
    "county": 11,
    "township": 13,
    "village": 15,
    "grid": 16,
}  # what a 1920x1080 view fits


def server_step_seconds(
    settings: Settings, engine: Engine, repeat: int = 10, parts: dict[str, float] | None = None
) -> list[float]:
    """Measure the seconds of server work per drill-down step.

    A step is the panels and the layers (one request, as the map asks) for the unit's bounds at the
    zoom that shows it; ``parts`` accumulates seconds of the panels and of the layers.
    """
    parts = {} if parts is None else parts
    app = build_app(settings, engine)
    client = app.server.test_client()
    _auth.sign_in_client(client, *_auth.account(engine, "admin"))
    out = []
    for _ in range(repeat):
        for unit in path(engine):
            state = ViewState(unit=unit)
            started = time.perf_counter()
            with engine.begin() as conn:
                drilldown.panels(conn, state, "zh", timezone=settings.timezone)
                focus = hierarchy.get(conn, unit) if unit else hierarchy.top(conn)[0]
            parts["panels"] = parts.get("panels", 0.0) + time.perf_counter() - started
            (s, w), (n, e) = focus.bounds
            query = {
                "bbox": f"{w},{s},{e},{n}",
                "zoom": str(ZOOM[focus.level]),
                "metric": state.metric,
                "days": "30",
                "ids": ",".join(layer.id for layer in layers.for_page("map")),
            }
            if unit:
                query["unit"] = unit
            before = time.perf_counter()
            assert (
                client.get("/api/layers", query_string=query).status_code == 200
            )  # as the map asks
            parts["layers"] = parts.get("layers", 0.0) + time.perf_counter() - before
            out.append(time.perf_counter() - started)
    return out


def click_to_drawn_seconds(settings: Settings, engine: Engine) -> list[float]:
    """Measure the seconds from clicking the first ranking row to the next level drawn, per step.

    In headless Chromium.
    """
    from playwright.sync_api import expect

    from tests.browser import chromium, offline_page, serve

    out = []
    with serve(build_app(settings, engine)) as url, chromium() as browser:
        page = offline_page(browser, [], [])
        _auth.sign_in_page(page, url, *_auth.account(engine, "admin"))
        page.goto(url)
        expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
        for unit in path(engine)[1:]:
            started = time.perf_counter()
            page.locator(f".gs-rank-row[title='{unit}']").click()
            page.wait_for_url(f"**unit={unit}**")
            expect(page.locator(".gs-crumb.current")).to_have_count(1)
            # drawn: the layers were fetched for the new unit and the status says so
            page.wait_for_function(
                f"() => document.querySelector('.gs-status.ok') !== null && "
                f"(window.gridsightQuery || '').includes('unit={unit}&')",
                timeout=30_000,
                polling=20,
            )
            expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=30_000)
            out.append(time.perf_counter() - started)
    return out
