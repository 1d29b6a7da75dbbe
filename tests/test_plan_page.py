"""The planning page in headless Chromium: hot spots drawn, a camera placed on the map changes the
numbers, a plan is saved, exported and deleted, the optimiser and the route suggestion answer."""

from __future__ import annotations

import io
import json
import math
import re
import time
import zipfile

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from dashboard import ids
from geo import blindspots, hotspots
from geo.figures import Window
from tests.browser import screen_point

# The clock every window is measured from stops at each test's start: the test's windows are the
# app's.
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def page(blank_page: Page, base_url: str) -> Page:
    blank_page.goto(f"{base_url}/plan?lang=en")
    expect(blank_page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    return blank_page


def _blind_cluster(engine: Engine) -> tuple[float, float]:
    window = Window.last_days(30)
    with engine.connect() as conn:
        found = blindspots.blind_spots(conn, window, hotspots.analyse(conn, window))
    cluster = next(b for b in found if b.kind == "cluster")
    return cluster.lon, cluster.lat


def test_hot_spots_blind_spots_and_dosage_are_shown(page: Page, engine: Engine) -> None:
    window = Window.last_days(30)
    with engine.connect() as conn:
        analysis = hotspots.analyse(conn, window)
    expect(page.locator("#gs-plan-hot-count")).to_have_text(str(len(analysis.hot_spots)))
    expect(page.locator("#gs-plan-blind-table tbody tr").first).to_be_visible()
    # the tables can be filled before the map has drawn the spots they list
    page.wait_for_function(
        """n => { const m = window.gridsightMap; let drawn = 0;
            if (m) { m.eachLayer(l => { const p = l.feature && l.feature.properties;
                                        if (p && p.layer === 'hotspots') { drawn += 1; } }); }
            return drawn >= n; }""",
        arg=len(analysis.significant()),
        timeout=30_000,
    )
    drawn = page.evaluate("""() => { const m = window.gridsightMap; const spots = {};
        m.eachLayer(l => { const p = l.feature && l.feature.properties;
                           if (p && p.layer === 'hotspots') {
                             spots[l.feature.id] = p.unvisited ? p.spot : ''; } });
        return spots; }""")
    assert len(drawn) == len(analysis.significant())
    never = page.locator(".gs-never").first.inner_text().split(", ")
    assert never and {s for s in drawn.values() if s} == set(
        never
    )  # never-visited hot spots are outlined
    # the legend opens on the analysis layers; the background layers' blocks start collapsed, so
    # that it leaves most of the county in view
    opened = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('.gs-legend-block')).map(d => [d.dataset.layer, d.open]))""")
    assert opened["hotspots"] and opened["blindspots"] and opened["density"], opened
    assert not (opened["townships"] or opened["roads"] or opened["routes"]), opened


def test_placing_a_camera_on_the_map_changes_the_numbers(page: Page, engine: Engine) -> None:
    lon, lat = _blind_cluster(engine)
    page.fill("#gs-plan-cam-fov", "360")
    page.fill("#gs-plan-cam-range", "150")
    page.keyboard.press("Tab")
    page.evaluate(
        f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 16, {{animate: false}}); }}"
    )
    page.wait_for_timeout(300)
    page.click(".leaflet-draw-draw-marker")
    x, y = screen_point(page, lon, lat)
    started = time.perf_counter()
    page.mouse.click(x, y)
    expect(page.locator("#gs-plan-item-count")).to_have_text("1 cameras, 0 routes", timeout=10_000)
    print(f"what-if round trip in the browser: {(time.perf_counter() - started) * 1000:.0f} ms")
    county = page.locator(".gs-compare tr.gs-level-county")
    expect(county).to_be_visible()
    blind = county.locator("td").nth(3)
    expect(blind).to_have_class("gs-changed")
    before, after = (int(v) for v in blind.inner_text().split("→"))
    assert after < before
    # save it as a plan, export it, delete it
    page.fill("#gs-plan-name", "Browser test plan")
    page.click("#gs-plan-save")
    entry = page.locator(".gs-plan-entry", has_text="Browser test plan")
    expect(entry).to_be_visible()
    with page.expect_download() as download:
        entry.get_by_role("button", name="Export").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    names = {name.rsplit(".", 1)[1]: name for name in archive.namelist()}
    assert sorted(names) == ["csv", "geojson"]
    features = json.loads(archive.read(names["geojson"]))["features"]
    assert [f["properties"]["kind"] for f in features] == ["camera", "camera_view"]
    assert "blind_incidents" in archive.read(names["csv"]).decode("utf-8-sig")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM camera WHERE code LIKE 'P%-C%'")).scalar() == 0
        )
    entry.get_by_role("button", name="Delete").click()
    expect(entry).to_have_count(0)
    page.click("#gs-plan-discard")
    expect(page.locator("#gs-plan-item-count")).to_have_count(0)


def test_the_optimiser_and_the_route_suggestion_answer(page: Page) -> None:
    page.fill("#gs-plan-opt-n", "3")
    page.click("#gs-plan-opt-run")
    coverage = page.locator("#gs-plan-opt-coverage")
    expect(coverage).to_be_visible(timeout=60_000)
    before, after = (float(v.strip(" %")) for v in coverage.inner_text().split("→"))
    assert after > before
    # each proposal in full: its place, azimuth, field of view, range and newly covered incidents
    rows = page.locator("#gs-plan-opt-table tbody tr")
    expect(rows).to_have_count(3)
    for row in rows.all():
        _n, place, az, fov, rng, newly = row.locator("td").all_inner_texts()
        assert " · " in place, place  # township · village
        assert re.fullmatch(r"\d+°", az) and re.fullmatch(r"\d+°", fov), (az, fov)
        assert re.fullmatch(r"\d+ m", rng) and int(newly) >= 0, (rng, newly)
    # the map frames them: every proposed camera ends up inside the map, none under the legend
    page.wait_for_function(_PROPOSALS_IN_VIEW, timeout=10_000)
    page.click("#gs-plan-opt-use")
    expect(page.locator("#gs-plan-item-count")).to_have_text("3 cameras, 0 routes", timeout=10_000)
    page.click("#gs-plan-route-run")
    expect(page.locator("#gs-plan-route-through")).to_contain_text("H", timeout=60_000)


# JavaScript: the optimiser's proposed cameras (drawn in cyan) are all inside the map's box and
# clear of the legend that lies over the map's left side.
_PROPOSALS_IN_VIEW = """() => { const m = window.gridsightMap; const map = m.getContainer()
    .getBoundingClientRect(); const lg = document.querySelector('.gs-legend')
    .getBoundingClientRect(); const points = [];
  m.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.kind === 'camera' && p.color === '#22d3ee' && l.getLatLng) {
      const q = m.latLngToContainerPoint(l.getLatLng());
      points.push([map.left + q.x, map.top + q.y]); } });
  return points.length === 3 && !m._animatingZoom && points.every(([x, y]) =>
    x > map.left && x < map.right && y > map.top && y < map.bottom
    && !(x >= lg.left && x <= lg.right && y >= lg.top && y <= lg.bottom)); }"""


_SECTOR = """() => { let out = null;
  window.gridsightMap.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.kind === 'view' && p.selected && l.getBounds) { const c = l.getBounds().getCenter();
      out = [c.lat, c.lng]; } }); return out; }"""


def test_a_placed_camera_follows_the_form_and_the_table_fits_at_1280(
    page: Page, engine: Engine
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    lon, lat = _blind_cluster(engine)
    page.fill("#gs-plan-cam-az", "0")
    page.fill("#gs-plan-cam-fov", "60")
    page.fill("#gs-plan-cam-range", "150")
    page.keyboard.press("Tab")
    page.evaluate(
        f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 16, {{animate: false}}); }}"
    )
    page.wait_for_timeout(300)
    page.click(".leaflet-draw-draw-marker")
    page.mouse.click(*screen_point(page, lon, lat))
    expect(page.locator("#gs-plan-item-count")).to_have_text("1 cameras, 0 routes", timeout=10_000)
    expect(page.locator("#gs-plan-selected")).to_contain_text("azimuth 0°")
    page.wait_for_function(
        f"() => {{ const c = ({_SECTOR})(); return c && c[0] > {lat}; }}", timeout=10_000
    )
    county = page.locator(".gs-compare tr.gs-level-county")
    first = county.inner_text()
    # the form now turns the placed camera: its sector points south and the figures change
    page.fill("#gs-plan-cam-az", "180")
    page.keyboard.press("Tab")
    expect(page.locator("#gs-plan-selected")).to_contain_text("azimuth 180°", timeout=10_000)
    page.wait_for_function(
        f"() => {{ const c = ({_SECTOR})(); return c && c[0] < {lat}; }}", timeout=10_000
    )
    expect(page.locator("#gs-plan-item-count")).to_have_text("1 cameras, 0 routes")
    expect(county).not_to_have_text(first)
    # a wedge symbol is drawn at the county's zoom too, where the 150 m sector is a few pixels
    page.evaluate("() => { window.gridsightMap.setZoom(11, {animate: false}); }")
    expect(page.locator(".gs-wedge svg path")).to_have_count(1)
    # every figure of the table is visible at 1280x720: the last column inside its panel, unclipped
    last = county.locator("td").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_visible()
    fits = page.evaluate("""() => {
        const cell = document.querySelector('.gs-compare tr.gs-level-county td:last-child');
        const panel = cell.closest('.gs-plan-tools'); const box = cell.closest('.gs-plan-table');
        const c = cell.getBoundingClientRect(), p = panel.getBoundingClientRect();
        return [c.right <= p.right + 0.5, c.left >= p.left, box.scrollWidth <= box.clientWidth + 1,
                c.right <= window.innerWidth]; }""")
    assert fits == [True, True, True, True], fits


# JavaScript: {what-if item index: [lat, lon] of the middle of its sector}.
_SECTORS = """() => { const out = {};
  window.gridsightMap.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.kind === 'view' && l.getBounds) { const c = l.getBounds().getCenter();
      out[p.index] = [c.lat, c.lng]; } }); return out; }"""


def test_a_camera_clicked_on_the_map_is_the_one_the_form_turns(page: Page, engine: Engine) -> None:
    lon, lat = _blind_cluster(engine)
    page.fill("#gs-plan-cam-az", "90")
    page.fill("#gs-plan-cam-fov", "60")
    page.fill("#gs-plan-cam-range", "150")
    page.keyboard.press("Tab")
    page.evaluate(
        f"() => {{ window.gridsightMap.setView([{lat}, {lon}], 16, {{animate: false}}); }}"
    )
    page.wait_for_timeout(300)
    # two cameras 300 m apart (east-west), both looking east
    east = lon + 300 / (111_320 * math.cos(math.radians(lat)))
    for n, x in enumerate((lon, east), 1):
        page.click(".leaflet-draw-draw-marker")
        page.mouse.click(*screen_point(page, x, lat))
        expect(page.locator("#gs-plan-item-count")).to_have_text(
            f"{n} cameras, 0 routes", timeout=10_000
        )
    page.wait_for_function(f"() => Object.keys(({_SECTORS})()).length === 2", timeout=10_000)
    sectors = page.evaluate(_SECTORS)
    assert sectors["0"][1] > lon and sectors["1"][1] > east  # both look east
    # the second is selected (the last placed); clicking the first's symbol (the wedge drawn at
    # the camera, a little below the draw tool's pin over the same point) selects it instead
    x, y = screen_point(page, lon, lat)
    page.mouse.click(x + 8, y + 10)
    expect(page.locator("#gs-plan-selected")).to_contain_text("azimuth 90°", timeout=10_000)
    page.wait_for_function(
        """() => { let s = null; window.gridsightMap.eachLayer(l => {
          const p = l.feature && l.feature.properties;
          if (p && p.kind === 'view' && p.selected) { s = p.index; } }); return s === 0; }""",
        timeout=10_000,
    )
    # the form now turns the first one: it looks south, the second still looks east
    page.fill("#gs-plan-cam-az", "180")
    page.keyboard.press("Tab")
    expect(page.locator("#gs-plan-selected")).to_contain_text("azimuth 180°", timeout=10_000)
    page.wait_for_function(
        f"() => {{ const s = ({_SECTORS})(); return s[0] && s[0][0] < {lat}; }}", timeout=10_000
    )
    after = page.evaluate(_SECTORS)
    assert after["1"] == sectors["1"], (after, sectors)
    expect(page.locator("#gs-plan-item-count")).to_have_text("2 cameras, 0 routes")


def test_spot_rows_fly_to_labelled_spots(page: Page) -> None:
    row = page.locator("#gs-plan-blind-table tbody tr").first
    target = row.get_attribute("data-fly")
    assert target and ":" in target
    spot = target.split(":")[1]
    expect(page.locator(".gs-spot-label", has_text=spot).first).to_be_attached(timeout=15_000)
    before = page.evaluate("() => window.gridsightMap.getCenter()")
    row.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.gridsightFlown === {target!r}", timeout=5_000)
    page.wait_for_timeout(1500)
    # the map is now on the spot: its label is inside the map's view, right of the legend over it
    inside = page.evaluate(f"""() => {{ const map = window.gridsightMap; let hit = false;
        const legend = document.querySelector('.gs-legend').getBoundingClientRect();
        document.querySelectorAll('.gs-spot-label').forEach(el => {{
          if (el.textContent === {spot!r}) {{
            const r = el.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
            hit = hit || (r.left >= m.left && r.right <= m.right && r.left > legend.right
                          && r.top >= m.top && r.bottom <= m.bottom); }} }});
        return hit; }}""")
    assert inside and page.evaluate("() => window.gridsightMap.getCenter()") != before
    # the dosage table names things once: never-visited hot spots say so instead of a 12-hour gap
    never = page.locator("#gs-plan-dosage-table tr.gs-never").first
    expect(never).to_contain_text("never visited")
    expect(page.locator("#gs-plan-dosage-table thead th").first).to_have_attribute(
        "title", re.compile(r"\S")
    )
    # every hot spot is named by its township and village
    places = page.locator("#gs-plan-dosage-table tbody td.gs-place").all_inner_texts()
    assert places and all(" · " in p for p in places), places


def _contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two CSS ``rgb(...)``/``rgba(...)`` colours (alpha ignored)."""

    def luminance(css: str) -> float:
        channels = [float(v) / 255 for v in re.findall(r"[\d.]+", css)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# JavaScript: [text, colour, the colour of the first opaque background behind it] of an element.
_COLOURS = """(el) => { let bg = null;
  for (let e = el; e && !bg; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) { bg = c; } }
  return [el.textContent.trim(), getComputedStyle(el).color, bg]; }"""


def test_the_chinese_page_speaks_chinese_and_the_shift_labels_are_legible(
    blank_page: Page, base_url: str
) -> None:
    page = blank_page
    page.goto(f"{base_url}/plan?lang=zh")
    expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    # the spot tables' headers: translated ("Id" is 编号), one word per meaning (a spot's unguarded
    # incidents and all its incidents are named apart), each with a tooltip (definition and unit)
    blind = page.locator("#gs-plan-blind-table thead th").all_inner_texts()
    dosage = page.locator("#gs-plan-dosage-table thead th").all_inner_texts()
    assert "编号" in blind and "编号" in dosage, (blind, dosage)
    assert "无防护警情" in blind and "全部警情" in dosage, (blind, dosage)
    assert "停留(人·分钟)" in dosage, dosage
    assert not [h for h in blind + dosage if re.search(r"[A-Za-z]{2,}", h)], (blind, dosage)
    titles = page.locator(".gs-spots thead th").evaluate_all("(hs) => hs.map(h => h.title)")
    assert titles and all(titles), titles
    # the track period in local time, beside the hot spots' own window
    period = page.locator("#gs-plan-period").inner_text()
    assert re.fullmatch(
        r"轨迹时段 \d{4}-\d\d-\d\d \d\d:\d\d – \d{4}-\d\d-\d\d \d\d:\d\d\(Asia/Shanghai\)；"
        r"热点按近 30 天警情计算",
        period,
    ), period
    # Leaflet.draw's buttons, tooltips and actions
    marker = page.locator(".leaflet-draw-draw-marker")
    expect(marker).to_have_attribute("title", "放置摄像机(标记)")
    expect(page.locator(".leaflet-draw-draw-polyline")).to_have_attribute(
        "title", "绘制巡逻路线(折线)"
    )
    marker.click()
    box = page.locator("#gs-map").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".leaflet-draw-tooltip")).to_contain_text("点击地图放置摄像机")
    expect(page.locator(".leaflet-draw-actions a").first).to_have_text("取消")
    page.keyboard.press("Escape")
    # the dropdown's own texts: its search box
    page.locator(f"#{ids.PLAN_ROUTE_UNIT}").click()
    expect(page.get_by_placeholder("搜索")).to_be_visible()
    expect(page.get_by_placeholder("Search")).to_have_count(0)
    page.keyboard.press("Escape")
    # the shift choices 白班/夜班/全天 are legible: WCAG AA contrast (4.5:1) on their background
    labels = page.locator(f"#{ids.PLAN_ROUTE_SHIFT} label")
    expect(labels).to_have_count(3)
    seen = [labels.nth(n).evaluate(_COLOURS) for n in range(3)]
    assert [s[0] for s in seen] == ["白班", "夜班", "全天"], seen
    for text_, fg, bg in seen:
        assert _contrast(fg, bg) >= 4.5, (text_, fg, bg, _contrast(fg, bg))
