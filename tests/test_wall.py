"""The wall display in headless Chromium at 1920x1080: what it shows, live changes within 5 s, and
recovery by itself after the database and the server restart."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text
from werkzeug.serving import make_server

from etl.importing import ImportOptions, import_file
from geo import wall_feed
from geo.db import cluster_for
from geo.refresher import Refresher
from geo.settings import Settings
from tests.accounts import sign_in_client, sign_in_page
from tests.browser import offline_page
from tests.importfiles import incident, point

pytestmark = pytest.mark.browser
LIVE_S = 5.0


@pytest.fixture
def wall(browser: Browser, base_url: str, engine: Engine) -> Iterator[Page]:
    """The wall signed in, with a background refresher running (as ``create_app`` starts one): the
    wall's callback never refreshes, so a camera changed by SQL reaches its figures through it."""
    refresher = Refresher(engine, 100.0, period_s=0.5).start()
    try:
        yield from _wall(browser, base_url)
    finally:
        refresher.stop()


def _wall(browser: Browser, base_url: str) -> Iterator[Page]:
    external: list[str] = []
    errors: list[str] = []
    page = offline_page(browser, external, errors)
    sign_in_page(page, base_url, "wall")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base_url}/wall?lang=en")
    expect(page.locator(".gs-wall-item")).to_have_count(10, timeout=20_000)
    yield page
    page.close()
    assert external == [] and errors == [], (external[:3], errors[:3])


def _cameras_text(engine: Engine) -> str:
    """The county's cameras online / total.

    As ``python -m geo coverage --level county`` counts them.
    """
    from geo.coverage import refresh
    from geo.figures import Window, figures

    with engine.begin() as conn:
        refresh(conn, 100.0)
        county = figures(conn, Window.last_days(30), level="county")[0]
    return f"{county.cameras_online} / {county.cameras}"


def test_the_wall_shows_the_county_and_is_readable_from_afar(wall: Page, engine: Engine) -> None:
    expect(wall.locator("#gs-wall-cameras-value")).to_have_text(_cameras_text(engine))
    expect(wall.locator(".gs-wall-bar")).to_have_count(24)
    wall.wait_for_function(
        """() => { let n = 0; window.gridsightMap && window.gridsightMap.eachLayer(l => {
        if (l.feature && l.feature.properties.level === 'township') n++; }); return n === 10; }""",
        timeout=15_000,
        polling=250,
    )
    with engine.connect() as conn:
        open_now = conn.execute(
            text("SELECT count(*) FROM incident WHERE status <> 'closed'")
        ).scalar()
    expect(wall.locator("#gs-wall-open-value")).to_have_text(str(open_now))
    smallest = wall.evaluate("""() => {
        let min = 1e9, what = '';
        document.querySelectorAll('.gs-wall *').forEach(el => {
            const own = Array.from(el.childNodes)
                .some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || !el.offsetParent) return;
            const size = parseFloat(getComputedStyle(el).fontSize);
            if (size < min) {
                min = size; what = el.className + ': ' + el.textContent.slice(0, 30); }
        });
        return [min, what]; }""")
    assert smallest[0] >= 21, f"text too small to read from 5 m: {smallest}"


def test_an_imported_incident_and_a_camera_change_appear_within_5_s(
    wall: Page, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from tests.importfiles import geojson

    now = dt.datetime.now(dt.UTC).isoformat()
    path = geojson(
        tmp_path / "wall_feed.geojson", [incident("ELIVE0001", occurred_at=now, geometry=point())]
    )
    with engine.connect() as conn:
        camera = conn.execute(
            text("SELECT code FROM camera WHERE status = 'online' ORDER BY code LIMIT 1")
        ).scalar()
    before = _cameras_text(engine)
    try:
        import_file(engine, "incidents", path, ImportOptions(), settings)
        started = time.monotonic()
        new = wall.locator(".gs-wall-item.gs-new")
        expect(new).to_have_count(1, timeout=LIVE_S * 1000)
        assert "ELIVE0001" in (new.text_content() or "")
        assert time.monotonic() - started <= LIVE_S
        wall.wait_for_function(
            """() => { let hit = false; window.gridsightMap.eachLayer(l => {
            if (l.feature && l.feature.properties.code === 'ELIVE0001'
                && l.feature.properties.new) hit = true; });
            return hit; }""",
            timeout=LIVE_S * 1000,
            polling=200,
        )
        with engine.begin() as conn:
            conn.execute(text("UPDATE camera SET status = 'fault' WHERE code = :c"), {"c": camera})
        expect(wall.locator("#gs-wall-cameras-value")).not_to_have_text(
            before, timeout=LIVE_S * 1000
        )
        expect(wall.locator("#gs-wall-cameras-value")).to_have_text(_cameras_text(engine))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE code = 'ELIVE0001'"))
            conn.execute(text("UPDATE camera SET status = 'online' WHERE code = :c"), {"c": camera})


def _restart_database(settings: Settings, engine: Engine, wall: Page) -> None:
    """Stop the embedded PostGIS until the wall says so, then start it again.

    With an external DATABASE_URL (which the tests cannot restart) every session of the test
    database is cut instead."""
    if os.environ.get("DATABASE_URL"):  # an external server
        with engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        return
    cluster = cluster_for(settings)
    assert cluster.stop()
    try:
        expect(wall.locator(".gs-wall-status")).to_have_class(
            "gs-wall-status reconnecting", timeout=20_000
        )
        expect(wall.locator(".gs-wall-item")).to_have_count(10)  # what it showed stays: never blank
    finally:
        cluster.ensure_running()


def test_the_wall_recovers_by_itself_after_the_database_restarts(
    wall: Page, settings: Settings, engine: Engine
) -> None:
    _restart_database(settings, engine, wall)
    expect(wall.locator(".gs-wall-status")).to_have_class("gs-wall-status ok", timeout=30_000)
    updated = wall.locator("#gs-wall-updated").text_content()
    expect(wall.locator("#gs-wall-updated")).not_to_have_text(updated or "", timeout=15_000)
    assert wall.locator(".gs-wall-item").count() == 10


def test_the_wall_recovers_by_itself_after_the_server_restarts(
    browser: Browser, settings: Settings, engine: Engine, base_url: str
) -> None:
    from dashboard import build_app

    app = build_app(settings.replace(language="en", wall_refresh_s=0.5), engine)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    sign_in_page(page, base_url, "wall")  # the session cookie is for 127.0.0.1, any port
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"http://127.0.0.1:{port}/wall?lang=en")
        expect(page.locator(".gs-wall-item")).to_have_count(10, timeout=20_000)
        server.shutdown()
        server.server_close()
        page.wait_for_function(
            "() => document.body.classList.contains('gs-offline')", timeout=15_000
        )
        expect(page.locator(".gs-wall-status")).to_be_visible()
        expect(page.locator(".gs-wall-item")).to_have_count(10)
        server = make_server("127.0.0.1", port, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        page.wait_for_function(
            "() => !document.body.classList.contains('gs-offline')", timeout=15_000
        )
        expect(page.locator(".gs-wall-status")).to_be_hidden()
    finally:
        server.shutdown()
        page.close()
    assert errors == []


def test_the_tour_moves_through_townships_and_pauses_while_someone_interacts(
    browser: Browser, base_url: str
) -> None:
    page = offline_page(browser, [], [])
    sign_in_page(page, base_url, "wall")
    page.set_viewport_size({"width": 1920, "height": 1080})
    try:
        page.goto(f"{base_url}/wall?lang=en&tour=1")
        page.wait_for_function(
            "() => (window.gridsightTourStep || 0) >= 2", timeout=20_000, polling=100
        )
        centre = page.evaluate("() => window.gridsightMap.getCenter().toString()")
        page.wait_for_function(
            f"() => window.gridsightMap.getCenter().toString() !== {centre!r}", timeout=10_000
        )
        page.mouse.move(500, 500)
        paused_at = page.evaluate("() => window.gridsightTourStep")
        page.wait_for_timeout(3_000)
        assert page.evaluate("() => window.gridsightTourStep") == paused_at
    finally:
        page.close()


def test_home_wall_serves_the_wall_at_the_root(settings: Settings, engine: Engine) -> None:
    from dashboard import build_app

    client = build_app(settings.replace(home="wall"), engine).server.test_client()
    sign_in_client(client, "viewer")
    root = client.get("/_dash-layout", headers={"Referer": "http://127.0.0.1:8050/"}).get_data(
        as_text=True
    )
    assert "gs-wall-feed" in root
    the_map = client.get(
        "/_dash-layout", headers={"Referer": "http://127.0.0.1:8050/map"}
    ).get_data(as_text=True)
    assert "gs-wall-feed" not in the_map and "gs-map" in the_map


def test_the_app_serves_a_cjk_font_itself(settings: Settings, engine: Engine) -> None:
    from dashboard import build_app

    client = build_app(settings, engine).server.test_client()
    sign_in_client(client, "wall")
    response = client.get("/fonts/cjk")
    assert response.status_code == 200
    assert response.data[:4] in (b"ttcf", b"\x00\x01\x00\x00", b"OTTO")
    assert len(response.data) > 1_000_000
    css = (Path(__file__).parent.parent / "assets" / "gridsight.css").read_text()
    assert 'url("/fonts/cjk")' in css and "@import" not in css and "http" not in css


def test_the_wall_recovers_when_its_polls_fail_on_the_network(wall: Page) -> None:
    """Every poll refused at the network (the server unreachable mid-poll), then allowed again."""
    wall.route("**/_dash-update-component*", lambda route: route.abort())
    wall.wait_for_function("() => document.body.classList.contains('gs-offline')", timeout=15_000)
    expect(wall.locator(".gs-wall-status")).to_be_visible()
    wall.wait_for_timeout(3_000)  # several failed polls in a row
    expect(wall.locator(".gs-wall-item")).to_have_count(10)
    wall.unroute("**/_dash-update-component*")
    wall.wait_for_function("() => !document.body.classList.contains('gs-offline')", timeout=15_000)
    updated = wall.locator("#gs-wall-updated").text_content()
    expect(wall.locator("#gs-wall-updated")).not_to_have_text(updated or "", timeout=15_000)


def test_the_feed_names_the_village_and_township_each_incident_lies_in(engine: Engine) -> None:
    with engine.connect() as conn:
        items = wall_feed.feed(conn)
        assert len(items) == wall_feed.FEED_SIZE
        for item in items:
            where = conn.execute(
                text(
                    "SELECT v.name, t.name"
                    " FROM incident i JOIN admin_unit v ON v.level = 'village' "
                    "AND ST_Intersects(v.geom, i.geom)"
                    " JOIN admin_unit t ON t.code = v.parent_code "
                    "WHERE i.code = :c ORDER BY v.code LIMIT 1"
                ),
                {"c": item.code},
            ).one()
            assert (item.village, item.township) == tuple(where)


_COUNTY_SHARE = """() => { const map = window.gridsightMap; let b = null;
    map.eachLayer(l => {
      if (l.feature && l.feature.properties.level === 'township' && l.getBounds) {
        const o = l.getBounds();
        b = b ? b.extend(o) : L.latLngBounds(o.getSouthWest(), o.getNorthEast()); } });
    const w = map.latLngToContainerPoint(b.getNorthEast()).x
        - map.latLngToContainerPoint(b.getSouthWest()).x;
    return w / map.getSize().x; }"""
_FEED_FIT = """() => {
    const box = document.querySelector('.gs-wall-feed-box').getBoundingClientRect();
    const rows = Array.from(document.querySelectorAll('#gs-wall-feed > li'))
        .filter(li => li.offsetParent);
    return [rows.filter(li => li.classList.contains('gs-wall-item')).length,
            rows.filter(li => { const r = li.getBoundingClientRect();
                                return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5; })
                .map(li => li.textContent)]; }"""

# Every field of a feed row but the place (which ends in "…") is whole within its column.
_FEED_OVERLAPS = """() => Array.from(document.querySelectorAll('.gs-wall-item > span'))
    .filter(s => !s.classList.contains('gs-wall-place') && s.scrollWidth > s.clientWidth + 1)
    .map(s => s.textContent)"""


# [the map's background, the legend's background, its swatches as [colour, opacity], the townships
# as drawn [fill colour, fill opacity], the incidents' radii in pixels, the names' font size].
_DRAWN_AND_LEGEND = """() => { const map = window.gridsightMap; const towns = [], radii = [];
    map.eachLayer(l => { const p = l.feature && l.feature.properties;
      if (p && p.level === 'township' && l.getBounds) {
        towns.push([l.options.fillColor, l.options.fillOpacity]); }
      else if (l.feature && l.getRadius) { radii.push(l.getRadius()); } });
    const bg = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
    const keys = Array.from(document.querySelectorAll('.gs-wall-key i')).map(i => {
      const s = getComputedStyle(i); return [s.backgroundColor, parseFloat(s.opacity)]; });
    const name = document.querySelector('.gs-wall-name');
    return [bg('.gs-wall-map'), bg('.gs-wall-legend'), keys, towns, radii,
            parseFloat(getComputedStyle(name).fontSize)]; }"""


def _rgb(css: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``rgb(r, g, b)`` as a triple of 0-255 channels."""
    if css.startswith("#"):
        return int(css[1:3], 16), int(css[3:5], 16), int(css[5:7], 16)
    r, g, b = (int(float(v)) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return r, g, b


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_the_wall_fits_the_screen_it_is_on(
    browser: Browser, base_url: str, size: tuple[int, int]
) -> None:
    """The county fills the map at any size (>= 40 % of its width), township names are drawn, and
    every feed row shown is wholly visible."""
    external: list[str] = []
    errors: list[str] = []
    page = offline_page(browser, external, errors)
    try:
        sign_in_page(page, base_url, "wall")
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.goto(f"{base_url}/wall?lang=zh")
        expect(page.locator(".gs-wall-item")).to_have_count(10, timeout=20_000)
        page.wait_for_function(
            """() => { let n = 0; window.gridsightMap && window.gridsightMap.eachLayer(l => {
            if (l.feature && l.feature.properties.level === 'township') n++; });
            return n === 10; }""",
            timeout=15_000,
            polling=250,
        )
        page.wait_for_timeout(500)
        share = page.evaluate(_COUNTY_SHARE)
        assert share >= 0.40, f"the county fills {share:.0%} of the map's width at {size}"
        expect(page.locator(".gs-wall-name")).to_have_count(10)
        shown, cut = page.evaluate(_FEED_FIT)
        assert shown >= 3 and cut == [], (shown, cut)
        overlapping = page.evaluate(_FEED_OVERLAPS)
        assert overlapping == [], f"feed texts run into each other: {overlapping[:3]}"
        expect(page.locator(".gs-wall-now")).to_have_count(1)
        expect(page.locator(".gs-wall-now .gs-wall-bar-h")).to_have_text("现在")
        # the legend's swatches are the townships' colours as drawn: the same colour at the same
        # opacity over the same background
        map_bg, legend_bg, keys, towns, radii, name_px = page.evaluate(_DRAWN_AND_LEGEND)
        assert _rgb(map_bg) == _rgb(legend_bg), (map_bg, legend_bg)
        swatches = {(_rgb(c), round(o, 2)) for c, o in keys}
        assert len(swatches) == 5 and len(towns) == 10
        drawn = {(_rgb(c), round(o, 2)) for c, o in towns}
        assert drawn <= swatches, (drawn, swatches)
        # the headline is in a neutral colour: the map's colours carry the judgement
        r, g, b = _rgb(
            page.locator("#gs-wall-coverage-value").evaluate("(e) => getComputedStyle(e).color")
        )
        assert max(r, g, b) - min(r, g, b) <= 30, (r, g, b)
        # points and names grow with the screen: sizes of a 1080-line screen times height / 1080
        scale = size[1] / 1080
        assert radii and all(r in (6 * scale, 14 * scale) for r in radii), (scale, radii[:5])
        assert name_px >= 0.02 * size[1], name_px
    finally:
        page.close()
    assert external == [] and errors == [], (external[:3], errors[:3])


def test_feed_rows_get_a_date_line_where_the_day_changes() -> None:
    from zoneinfo import ZoneInfo

    from dashboard.wall.callbacks import _dated, _feed

    zone = ZoneInfo("Asia/Shanghai")
    now = dt.datetime(2026, 12, 3, 1, 30, tzinfo=zone)
    times = [
        now - dt.timedelta(minutes=m) for m in (10, 50, 120, 24 * 60 + 120)
    ]  # today, today, 12-02, 12-01
    items = [
        wall_feed.FeedItem(f"E{n}", "theft", "reported", at, "城关镇", "和平一社区", 113.7, 37.6)
        for n, at in enumerate(times)
    ]
    rows = _dated(_feed(items, {}, zone, "zh"), items, now, zone, "zh")
    kinds = [r.className.split()[0] for r in rows]
    assert kinds == [
        "gs-wall-item",
        "gs-wall-item",
        "gs-wall-day",
        "gs-wall-item",
        "gs-wall-day",
        "gs-wall-item",
    ]
    assert [r.children for r in rows if r.className == "gs-wall-day"] == ["昨天 12月2日", "12月1日"]
    english = _dated(_feed(items, {}, zone, "en"), items, now, zone, "en")
    assert [r.children for r in english if r.className == "gs-wall-day"] == [
        "yesterday 12-02",
        "12-01",
    ]
