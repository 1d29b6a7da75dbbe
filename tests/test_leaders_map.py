"""The leaders' map in a real Chromium: clicks that drill with every layer on, colours that
separate, a legend and a header that fit, the time playback, the briefing; and the wall feed's
rows."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import itertools
import re
import struct
import urllib.parse
import urllib.request
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, expect
from pypdf import PdfReader
from sqlalchemy import Engine, text

from dashboard.state import ViewState
from geo import audit
from geo.figures import Window, figures
from geo.settings import Settings
from layers import units
from tests.accounts import PASSWORD
from tests.accounts import name as account_name
from tests.browser import screen_point

# the page and the test count incidents in one window: the clock stops for each test (issue 20)
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]

TOWN = "140724001"  # 城关镇, the demo's town center
# {unit code: [fill colour, ...]} of the drawn units layer, and the map's state
_UNITS = """() => { const out = {}; const m = window.gridsightMap; if (!m) return out;
  m.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === 'units') out[p.code] = l.options.fillColor; }); return out; }"""
_STILL = """() => { const m = window.gridsightMap; return !!m && !m._animatingZoom
  && !window.gridsightArriving
  && !(m._panAnim && m._panAnim._inProgress)
  && document.querySelector('.gs-status.ok') !== null; }"""
# Cluster centres drawn on the map (cameras and incidents), [lon, lat]
_CLUSTERS = """() => { const out = [];
  window.gridsightMap.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.n > 1 && l.getLatLng) { const c = l.getLatLng(); out.push([c.lng, c.lat]); } });
  return out; }"""

# What a click at page point [x, y] reaches: the element, its classes, whether the map drills.
_HIT = """([x, y]) => { const e = document.elementFromPoint(x, y); const m = window.gridsightMap;
  return {tag: e && e.tagName, cls: e && String(e.getAttribute('class')),
          drill: window.gridsightDrill,
          zoom: m && m.getZoom(), status: document.querySelector('.gs-status').className,
          seq: window.gridsightSeq}; }"""


@pytest.fixture
def page(blank_page: Page) -> Page:
    blank_page.set_viewport_size({"width": 1600, "height": 900})
    return blank_page


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=20_000, polling=250)
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=20_000)


def _wait_units(page: Page, codes: set[str]) -> dict[str, str]:
    """Wait until the units layer draws exactly ``codes`` and the map stands still."""
    page.wait_for_function(
        f"() => JSON.stringify(Object.keys(({_UNITS})()).sort()) === "
        f"JSON.stringify({sorted(codes)!r})",
        timeout=30_000,
        polling=250,
    )
    page.wait_for_function(_STILL, timeout=20_000, polling=100)
    drawn: dict[str, str] = page.evaluate(_UNITS)
    return drawn


def _targets(
    engine: Engine, parent: str, clusters: list[list[float]], limit: int | None = None
) -> list[Any]:
    """For each child of ``parent`` (largest first): its code, name and a point inside it.

    The point is the centre of a point cluster drawn there when there is one (where a click used to
    zoom instead of drill)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
            WITH c AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
                       FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(x, y)),
            u AS (SELECT u.code, u.name, u.geom, ST_Area(u.geom) AS area,
                         (SELECT c.g FROM c WHERE ST_Contains(ST_Buffer(u.geom, -0.002), c.g)
                          ORDER BY c.g <-> ST_PointOnSurface(u.geom) LIMIT 1) AS on_cluster
                  FROM admin_unit u WHERE u.parent_code = :parent)
            SELECT code, name, ST_X(coalesce(on_cluster, ST_PointOnSurface(geom))) AS x,
                   ST_Y(coalesce(on_cluster, ST_PointOnSurface(geom))) AS y,
                   on_cluster IS NOT NULL AS hit
            FROM u ORDER BY area DESC"""),
            {"parent": parent, "xs": [c[0] for c in clusters], "ys": [c[1] for c in clusters]},
        ).all()
    out = [(r.code, r.name, r.x, r.y, r.hit) for r in rows]
    return out[:limit] if limit else out


def _off_clusters(
    engine: Engine, parent: str, clusters: list[list[float]], limit: int | None = None
) -> list[Any]:
    """For each child of ``parent`` (largest first): its code, name and a point inside it, as far
    from every point cluster drawn (``clusters``: [lon, lat] degrees) as 40 points spread over it
    allow (from the township down, a click exactly on a cluster zooms into it instead)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
            WITH c AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
                       FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(x, y)),
            u AS (SELECT code, name, geom, ST_Area(geom) AS area FROM admin_unit
                  WHERE parent_code = :parent),
            p AS (SELECT u.code, (ST_Dump(ST_GeneratePoints(
                            coalesce(nullif(ST_Buffer(u.geom, -0.0004), 'POLYGON EMPTY'), u.geom),
                            40, 7))).geom AS g
                  FROM u),
            best AS (SELECT DISTINCT ON (p.code) p.code, p.g
                     FROM p ORDER BY p.code,
                       (SELECT min(ST_Distance(p.g, c.g)) FROM c) DESC NULLS LAST)
            SELECT u.code, u.name, ST_X(best.g) AS x, ST_Y(best.g) AS y, false AS hit
            FROM u JOIN best USING (code) ORDER BY u.area DESC"""),
            {"parent": parent, "xs": [c[0] for c in clusters], "ys": [c[1] for c in clusters]},
        ).all()
    out = [(r.code, r.name, r.x, r.y, r.hit) for r in rows]
    return out[:limit] if limit else out


def _click_drills(page: Page, parent_codes: set[str], parent_name: str, targets: list[Any]) -> None:
    for code, name, lon, lat, _on_cluster in targets:
        _wait_units(page, parent_codes)
        # a leader clicks what the map shows: the map has arrived at the parent's frame
        page.wait_for_function(
            "([lat, lon]) => window.gridsightMap.getBounds().contains([lat, lon])",
            arg=[lat, lon],
            timeout=10_000,
            polling=100,
        )
        x, y = screen_point(page, lon, lat)
        hit = page.evaluate(_HIT, [x, y])
        page.mouse.click(x, y)
        try:
            expect(page.locator(".gs-breadcrumbs")).to_contain_text(
                f"{parent_name} › {name}", timeout=10_000
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\nclick at {x:.0f},{y:.0f} on {hit}, then {page.evaluate(_HIT, [x, y])}"
            ) from None
        assert f"unit={code}" in page.url
        page.go_back()
        expect(page.locator(".gs-breadcrumbs .gs-crumb.current")).to_have_text(parent_name)


@pytest.mark.parametrize("size", [(1600, 900), (1280, 720)])
def test_clicks_inside_every_township_drill_with_the_default_layers(
    page: Page, base_url: str, engine: Engine, size: tuple[int, int]
) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open(page, base_url)
    switcher = page.locator(".leaflet-control-layers-list")
    if size[0] < 1400:  # folded, so that it covers no township; open while hovered
        expect(switcher).to_be_hidden()
        page.locator(".leaflet-control-layers").hover()
        expect(switcher).to_be_visible()
        page.mouse.move(1, size[1] - 1)
        expect(switcher).to_be_hidden()
    else:
        expect(switcher).to_be_visible()
    # the switcher's box (folded or not) covers no township (under 1 % of one: at 1600x900 in
    # English it touches 北山镇's edge): a click anywhere inside one drills
    w, n, e, s = page.evaluate("""() => { const m = window.gridsightMap;
        const c = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
        const r = m.getContainer().getBoundingClientRect();
        const a = m.containerPointToLatLng([c.left - r.left, c.top - r.top]);
        const b = m.containerPointToLatLng([c.right - r.left, c.bottom - r.top]);
        return [a.lng, a.lat, b.lng, b.lat]; }""")
    with engine.connect() as conn:
        under = conn.execute(
            text(
                "SELECT name, ST_Area(ST_Intersection(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326)))"
                " / ST_Area(geom) AS part FROM admin_unit WHERE level = 'township' "
                "AND ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
            ),
            {"w": w, "s": s, "e": e, "n": n},
        ).all()
        covered = {r.name: round(100 * r.part, 1) for r in under if r.part >= 0.01}
        assert covered == {}, f"the layer switcher covers townships (% of each): {covered}"
    with engine.connect() as conn:
        townships = set(
            conn.execute(text("SELECT code FROM admin_unit WHERE level = 'township'")).scalars()
        )
    _wait_units(page, townships)
    # every layer of the page as it opens is on (nothing switched off)
    checked = page.locator(".leaflet-control-layers-overlays input:checked")
    expect(checked).to_have_count(page.locator(".leaflet-control-layers-overlays input").count())
    targets = _targets(engine, "140724", page.evaluate(_CLUSTERS))
    assert len(targets) == 10 and sum(t[4] for t in targets) >= 5, (
        "most clicks should land on a cluster"
    )
    _click_drills(page, townships, "示范县", targets)


def test_clicks_inside_villages_of_a_township_drill(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url + "/" + ViewState(unit=TOWN).search())
    with engine.connect() as conn:
        villages = set(
            conn.execute(
                text("SELECT code FROM admin_unit WHERE parent_code = :t"), {"t": TOWN}
            ).scalars()
        )
    _wait_units(page, villages)
    # a click anywhere in a village but exactly on a cluster (which zooms: the next test)
    targets = _off_clusters(engine, TOWN, page.evaluate(_CLUSTERS), limit=6)
    _click_drills(page, villages, "城关镇", targets)


def test_a_townships_tooltip_tells_its_value_and_the_counts_of_the_points_over_it(
    page: Page, base_url: str, engine: Engine
) -> None:
    """The points are drawn small and let clicks through at the county: their counts are in the
    unit's tooltip."""
    _open(page, base_url)
    with engine.connect() as conn:
        townships = figures(conn, Window.last_days(30), level="township")
    _wait_units(page, {u.code for u in townships})
    code, name, lon, lat, _hit = _targets(engine, "140724", [])[0]
    town = next(u for u in townships if u.code == code)
    page.mouse.move(*screen_point(page, lon, lat))
    tip = page.locator(".gs-unit-tooltip")
    expect(tip).to_contain_text(f"{name} {town.value('camera_road_pct'):.1f}")
    expect(tip).to_contain_text(f"{town.incidents} incidents")
    expect(tip).to_contain_text(f"{town.cameras_online} / {town.cameras} cameras online / total")


def test_clicks_inside_cells_of_a_village_drill(page: Page, base_url: str, engine: Engine) -> None:
    """The last level above the cell: a village's cells drill too, with the default layers."""
    with engine.connect() as conn:
        village, name = conn.execute(
            text(
                "SELECT v.code, v.name FROM admin_unit v "
                "JOIN grid_cell g ON g.village_code = v.code WHERE v.parent_code = :t "
                "GROUP BY v.code, v.name "
                "ORDER BY count(*) DESC, v.code LIMIT 1"
            ),
            {"t": TOWN},
        ).one()
        cells = set(
            conn.execute(
                text("SELECT code FROM grid_cell WHERE village_code = :v"), {"v": village}
            ).scalars()
        )
    _open(page, base_url + "/" + ViewState(unit=village).search())
    _wait_units(page, cells)
    with engine.connect() as conn:
        targets = conn.execute(
            text("""
            WITH c AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
                       FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(x, y)),
            p AS (SELECT g.code, g.name, g.geom, (ST_Dump(ST_GeneratePoints(
                            coalesce(nullif(ST_Buffer(g.geom, -0.0002), 'POLYGON EMPTY'), g.geom),
                            40, 7))).geom AS pt
                  FROM grid_cell g WHERE g.village_code = :v)
            SELECT DISTINCT ON (ST_Area(geom), code) code, name, ST_X(pt) AS x, ST_Y(pt) AS y,
                   false AS hit
            FROM p ORDER BY ST_Area(geom) DESC, code,
                 (SELECT min(ST_Distance(p.pt, c.g)) FROM c) DESC NULLS LAST
            LIMIT 4"""),
            {
                "v": village,
                "xs": [c[0] for c in page.evaluate(_CLUSTERS)],
                "ys": [c[1] for c in page.evaluate(_CLUSTERS)],
            },
        ).all()
    _click_drills(page, cells, name, [tuple(t) for t in targets])


@pytest.mark.parametrize("unit", ["140724", TOWN])
def test_a_click_exactly_on_a_cluster_zooms_from_the_township_down(
    page: Page, base_url: str, engine: Engine, unit: str
) -> None:
    """In a township a cluster's own click zooms into it (the unit stays); in the county the
    clusters let it through to the township under them (the drill test above)."""
    _open(page, base_url + "/" + ViewState(unit=unit).search())
    with engine.connect() as conn:
        children = set(
            conn.execute(
                text("SELECT code FROM admin_unit WHERE parent_code = :u"), {"u": unit}
            ).scalars()
        )
    _wait_units(page, children)
    zoom = page.evaluate("() => window.gridsightMap.getZoom()")
    # the drawn cluster nearest the map's centre, and whether it answers clicks
    lon, lat, interactive = page.evaluate("""() => { const m = window.gridsightMap;
        const c = m.getCenter(); let best = null, d = Infinity;
        m.eachLayer(l => { const p = l.feature && l.feature.properties;
          if (p && p.n > 1 && l.getLatLng && l._map) { const e = m.distance(c, l.getLatLng());
            if (e < d) { d = e; best = l; } } });
        const ll = best.getLatLng(); return [ll.lng, ll.lat, best.options.interactive]; }""")
    page.mouse.click(*screen_point(page, lon, lat))
    if unit == TOWN:
        assert interactive
        page.wait_for_function(
            "z => { const m = window.gridsightMap; "
            "return m.getZoom() === z && !m._animatingZoom; }",
            arg=zoom + 2,
            timeout=15_000,
            polling=100,
        )
        centre = page.evaluate("() => window.gridsightMap.getCenter()")
        assert abs(centre["lng"] - lon) < 1e-3 and abs(centre["lat"] - lat) < 1e-3, centre
        expect(page.locator(".gs-breadcrumbs .gs-crumb.current")).to_have_text("城关镇")
        assert f"unit={TOWN}" in page.url
    else:
        assert interactive is False
        expect(page.locator(".gs-breadcrumbs")).to_contain_text("示范县 › ", timeout=10_000)


def test_the_townships_show_distinct_classes_and_the_legend_their_bounds(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url)
    with engine.connect() as conn:
        townships = figures(conn, Window.last_days(30), level="township")
    drawn = _wait_units(page, {u.code for u in townships})
    assert len(set(drawn.values())) >= 3, (
        f"the county is {len(set(drawn.values()))} colours: {drawn}"
    )
    classes = units.class_breaks([u.value("camera_road_pct") for u in townships], "camera_road_pct")
    for u in townships:  # the default metric: working road coverage
        assert drawn[u.code] == classes.color(u.value("camera_road_pct")), u.name
    block = page.locator(".gs-legend [data-layer=units]")
    for label in classes.labels(" %"):
        expect(block).to_contain_text(label)
    expect(block).to_contain_text("below target 60 %")
    # the target line in the ranking: every row above it is below 60 %
    below = [
        u
        for u in townships
        if u.value("camera_road_pct") is not None and u.value("camera_road_pct") < 60
    ]
    expect(page.locator(".gs-rank-row.gs-below")).to_have_count(len(below))
    expect(page.locator(".gs-target-line")).to_have_count(1)
    page.locator("#gs-target").fill("25")
    page.locator("#gs-target").press("Enter")
    page.wait_for_url(re.compile(r"target=25"))
    fewer = [
        u
        for u in below
        if u.value("camera_road_pct") is not None and u.value("camera_road_pct") < 25
    ]
    expect(page.locator(".gs-rank-row.gs-below")).to_have_count(len(fewer))


@pytest.mark.parametrize("size", [(1600, 900), (1280, 720)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_legend_and_the_header_fit_the_window(
    page: Page, base_url: str, size: tuple[int, int], lang: str
) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open(page, f"{base_url}/?lang={lang}")
    expect(page.locator(".gs-legend [data-layer=units] .gs-legend-row").first).to_be_visible()
    box = page.evaluate("""() => {
        const l = document.querySelector('.gs-legend').getBoundingClientRect();
        const m = document.querySelector('.gs-map').getBoundingClientRect();
        return {top: l.top, bottom: l.bottom, left: l.left, right: l.right, mapRight: m.right,
                w: window.innerWidth, h: window.innerHeight}; }""")
    assert (
        box["top"] >= 0
        and box["left"] >= 0
        and box["bottom"] <= box["h"]
        and box["right"] <= box["w"]
    ), box
    assert box["left"] >= box["mapRight"] - 0.5, f"the legend covers the map: {box}"
    legend = page.locator("#gs-legend")
    expect(legend).to_have_attribute("tabindex", "0")
    expect(legend).to_have_attribute("aria-label", "Legend" if lang == "en" else "图例")
    overlays = page.locator(".leaflet-control-layers-overlays input:checked").count()
    expect(page.locator(".gs-legend-block")).to_have_count(
        overlays - 1
    )  # but the cell's gap: a cell's only
    expect(page.locator(".gs-legend-block[data-layer=focus]")).to_have_count(0)
    # every KPI whole: none cut off by the header's narrower controls ("Open incide")
    kpis = page.evaluate("""() => { const k = document.querySelector('.gs-header .gs-kpis');
        return [k.scrollWidth, k.clientWidth, k.querySelectorAll('.gs-kpi').length]; }""")
    assert kpis[0] <= kpis[1] + 1 and kpis[2] == 5, f"a KPI is cut off: {kpis}"
    if size == (1600, 900):  # the header on one line: no element of it wraps or leaves the window
        wrapped = page.evaluate("""() => {
            const out = []; const h = document.querySelector('.gs-header');
            const hb = h.getBoundingClientRect();
            h.querySelectorAll('*').forEach(el => {
              const own = Array.from(el.childNodes)
                .some(n => n.nodeType === 3 && n.textContent.trim());
              // a closed note's text
              if (!own || !el.offsetParent || el.closest('.gs-how-text')) return;
              const r = el.getBoundingClientRect();
              const line = parseFloat(getComputedStyle(el).fontSize) * 2.2;
              if (r.height > line || r.right > window.innerWidth || r.bottom > hb.bottom + 1) {
                out.push(el.textContent);
              }
            }); return [hb.height, out]; }""")
        assert wrapped[0] <= 60 and wrapped[1] == [], f"the header wraps: {wrapped}"
        cut = page.evaluate("""() => Array.from(
            document.querySelectorAll('.gs-header .gs-metric *'))
            .filter(e => e.textContent && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent)""")
        assert cut == [], f"the metric's name is cut: {cut}"  # "(roads)" or "(area)" matters


def test_the_legend_shows_only_the_layers_switched_on(page: Page, base_url: str) -> None:
    _open(page, base_url)
    expect(page.locator(".gs-legend-block[data-layer=cameras]")).to_have_count(1)
    page.locator(".leaflet-control-layers label", has_text="Cameras").locator("input").uncheck()
    expect(page.locator(".gs-legend-block[data-layer=cameras]")).to_have_count(0)
    page.locator(".gs-legend-block[data-layer=roads] summary").click()  # collapsible
    expect(page.locator(".gs-legend-block[data-layer=roads] .gs-legend-row").first).to_be_hidden()


def test_playback_advances_in_the_browser_and_ends_on_the_windows_count(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url)
    page.wait_for_function(
        "() => window.gridsightPlayback && window.gridsightPlayback.data !== null",
        timeout=20_000,
        polling=250,
    )
    with engine.connect() as conn:
        county = figures(conn, Window.last_days(30), level="county")[0]
    expect(page.locator(".gs-kpi-incidents .gs-kpi-value")).to_have_text(str(county.incidents))
    asked: list[str] = []

    def record(r: Request) -> None:
        if "/api/" in r.url or "_dash-update-component" in r.url:
            asked.append(r.url)

    page.on("request", record)
    page.locator("#gs-play-toggle").click()
    page.wait_for_function(
        "() => Number(document.getElementById('gs-play-count').dataset.frame) >= 5",
        timeout=15_000,
        polling=100,
    )
    page.locator("#gs-play-toggle").click()  # pause
    assert asked == [], f"the playback asked the server during frames: {asked[:3]}"
    page.remove_listener("request", record)
    frames = page.evaluate("() => window.gridsightPlayback.frames")
    assert frames == 30 * 24
    slider = page.locator("#gs-play-slider")
    slider.focus()
    page.keyboard.press("End")
    expect(page.locator("#gs-play-count")).to_have_attribute("data-frame", str(frames))
    expect(page.locator("#gs-play-count")).to_have_text(str(county.incidents))
    assert (
        page.evaluate("() => Number(document.getElementById('gs-play-chart').dataset.total)")
        == county.incidents
    )
    # the sliding frame (24 h when stepping by hours) at the end: the window's last day
    end_ms = page.evaluate("() => window.gridsightPlayback.data.end")
    with engine.connect() as conn:
        last_day = conn.execute(
            text(
                "SELECT count(*) FROM incident WHERE unit_code LIKE '140724%' "
                "AND occurred_at > to_timestamp(:e / 1000.0) - interval '24 hours' "
                "AND occurred_at <= to_timestamp(:e / 1000.0)"
            ),
            {"e": end_ms},
        ).scalar()
    page.locator("#gs-play-mode").select_option("sliding")
    expect(page.locator("#gs-play-count")).to_have_text(str(last_day))
    page.locator("#gs-play-step").select_option("day")
    assert page.evaluate("() => window.gridsightPlayback.frames") == 30


def test_the_hour_by_weekday_chart_is_the_selected_units(
    page: Page, base_url: str, engine: Engine
) -> None:
    _open(page, base_url + "/" + ViewState(unit=TOWN).search())
    page.wait_for_function(
        "u => window.gridsightPlayback && window.gridsightPlayback.data !== null"
        " && window.gridsightPlayback.data.unit === u",
        arg=TOWN,
        timeout=20_000,
        polling=250,
    )
    with engine.connect() as conn:
        town = figures(conn, Window.last_days(30), codes=[TOWN])[0]
        county = figures(conn, Window.last_days(30), level="county")[0]
    assert town.incidents < county.incidents
    chart = page.locator("#gs-play-chart")
    expect(chart).to_have_attribute("data-total", str(town.incidents))


def test_the_playback_speed_sets_the_time_between_frames(page: Page, base_url: str) -> None:
    """At 2 frames/s a frame follows the last one after about 0.5 s at the earliest; at 30 frames/s
    several frames go by in that time (the page's own clock, from the frame counter's changes)."""
    _open(page, base_url)
    page.wait_for_function(
        "() => window.gridsightPlayback && window.gridsightPlayback.data !== null",
        timeout=20_000,
        polling=250,
    )
    page.evaluate("""() => { window.frameTimes = [];
        new MutationObserver(() => window.frameTimes.push(performance.now())).observe(
          document.getElementById('gs-play-count'),
          {attributes: true, attributeFilter: ['data-frame']}); }""")
    gaps: dict[str, list[float]] = {}
    for speed in ("2", "30"):
        page.locator("#gs-play-reset").click()
        page.locator("#gs-play-speed").select_option(speed)
        page.evaluate("() => { window.frameTimes = []; }")
        page.locator("#gs-play-toggle").click()
        page.wait_for_function("() => window.frameTimes.length >= 5", timeout=20_000, polling=100)
        page.locator("#gs-play-toggle").click()  # pause
        times = page.evaluate("() => window.frameTimes")
        # the first frame is drawn at once on play: the gaps after it
        gaps[speed] = [b - a for a, b in itertools.pairwise(times[1:])]
    assert min(gaps["2"]) >= 450, gaps  # 500 ms, less an animation frame of clock jitter
    assert sorted(gaps["30"])[len(gaps["30"]) // 2] < 250, gaps


_OPENERS: dict[str, urllib.request.OpenerDirector] = {}


def _signed_in(base_url: str) -> urllib.request.OpenerDirector:
    """An HTTP client with a cookie jar, signed in at ``base_url`` as the test leader."""
    if base_url not in _OPENERS:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = opener.open(f"{base_url}/login", timeout=60).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        data = urllib.parse.urlencode(
            {"username": account_name("leader"), "password": PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        opener.open(
            urllib.request.Request(f"{base_url}/login", data=data, headers={"Origin": base_url}),
            timeout=60,
        )
        _OPENERS[base_url] = opener
    return _OPENERS[base_url]


def _get(url: str) -> tuple[int, str, bytes]:
    base = url.split("/api/", 1)[0]
    with _signed_in(base).open(url, timeout=120) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def test_the_briefing_is_one_a4_page_with_the_units_name_and_kpis(
    base_url: str, engine: Engine, settings: Settings
) -> None:
    with engine.connect() as conn:
        town = figures(conn, Window.last_days(30), codes=[TOWN])[0]
    status, kind, body = _get(f"{base_url}/api/briefing.pdf?unit={TOWN}&lang=zh")
    assert status == 200 and kind == "application/pdf"
    with engine.connect() as conn:  # the export is audited
        last = audit.events(conn, kind="export", limit=10_000)[-1]
    assert last.target == f"briefing {TOWN}" and last.account == account_name("leader")
    pdf = PdfReader(BytesIO(body))
    assert len(pdf.pages) == 1
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert abs(width - 842) < 2 and abs(height - 595) < 2, (width, height)  # A4 landscape, points
    words = re.sub(r"\s+", "", pdf.pages[0].extract_text())
    for shown in (
        town.name,
        f"{town.value('camera_area_pct'):.1f}%",
        f"{town.cameras_online}/{town.cameras}",
        f"{town.value('camera_road_pct'):.1f}%",
        "导出时间",
        f"账号{account_name('leader')}",
        "时间窗",
    ):
        assert shown in words, f"{shown!r} not in the briefing: {words[:300]}"
    assert str(town.incidents) in words and str(town.blind_incidents) in words
    # the time of export (local, to the minute) and every village of the ranking: nothing cut off
    stamp = re.search(r"导出时间(\d{4}-\d\d-\d\d)(\d\d:\d\d)", words)
    assert stamp, words[:80]
    exported = dt.datetime.fromisoformat(f"{stamp.group(1)}T{stamp.group(2)}").replace(
        tzinfo=ZoneInfo(settings.timezone)
    )
    assert abs((dt.datetime.now(dt.UTC) - exported).total_seconds()) < 180, stamp.group(0)
    with engine.connect() as conn:
        codes = conn.execute(
            text("SELECT code FROM admin_unit WHERE parent_code = :t"), {"t": TOWN}
        ).scalars()
        shown_villages = figures(conn, Window.last_days(30), codes=list(codes))
    assert len(shown_villages) == 40
    assert [v.name for v in shown_villages if v.name not in words] == []
    # the legend with the class bounds of the villages shown
    classes = units.class_breaks(
        [u.value("camera_road_pct") for u in shown_villages], "camera_road_pct"
    )
    assert "图例" in words
    for label in classes.labels(" %"):
        assert re.sub(r"\s+", "", label) in words, label
    status, kind, png = _get(f"{base_url}/api/briefing.png?unit={TOWN}&lang=en")
    assert status == 200 and kind == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (2246, 1588)


def _texts(component: Any) -> list[str]:
    """Every string of a Dash component tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [x for c in component for x in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


def test_a_township_account_opens_on_its_township_whose_clusters_zoom(
    page_as: Any, base_url: str, engine: Engine
) -> None:
    """An account limited to the town center opens on it (no unit in the address): a click inside
    a village drills and a click exactly on a cluster zooms, as in the county's drill-down."""
    page = page_as("township")
    page.set_viewport_size({"width": 1600, "height": 900})
    _open(page, base_url)
    with engine.connect() as conn:
        villages = set(
            conn.execute(
                text("SELECT code FROM admin_unit WHERE parent_code = :t"), {"t": TOWN}
            ).scalars()
        )
    _wait_units(page, villages)
    assert page.evaluate("() => [window.gridsightDrill, window.gridsightClustersZoom]") == [
        True,
        True,
    ]
    _click_drills(
        page, villages, "城关镇", _off_clusters(engine, TOWN, page.evaluate(_CLUSTERS), limit=2)
    )


def test_the_units_legend_says_how_many_units_its_classes_come_from() -> None:
    from dashboard.map.layout import units_legend

    state = ViewState(unit=TOWN, target=60.0)
    many = units.class_breaks([5.0, 12.0, 20.0, 31.0, 44.0], "camera_road_pct")
    assert "Camera coverage (roads) · quantile classes of the 5 units shown" in _texts(
        units_legend(many, state, "en")
    )
    one = units.class_breaks([76.4], "camera_road_pct")  # a village of one cell
    shown = _texts(units_legend(one, state, "en"))
    assert "Camera coverage (roads) · the one unit shown: its value" in shown and "76.4 %" in shown
    assert "视频覆盖率(道路) · 仅 1 个单元：其数值" in _texts(units_legend(one, state, "zh"))


def test_the_briefing_layout_shows_no_focus_and_splits_only_a_long_ranking(
    page: Page, base_url: str, engine: Engine
) -> None:
    """The page the briefing prints: a township's 40 villages in two columns, a village's one cell
    and the target line in one; the focus a drill moves to the breadcrumb is not drawn."""
    with engine.connect() as conn:
        village = conn.execute(
            text(
                "SELECT v.code FROM admin_unit v WHERE v.parent_code = :t AND "
                "(SELECT count(*) FROM grid_cell g WHERE g.village_code = v.code) = 1 "
                "ORDER BY v.code LIMIT 1"
            ),
            {"t": TOWN},
        ).scalar_one()
    for unit, columns in ((TOWN, "2"), (village, "auto")):
        _open(page, f"{base_url}/{ViewState(unit=unit).search()}&briefing=1")
        expect(page.locator(".gs-rank-row").first).to_be_visible()
        page.locator(".gs-breadcrumbs .gs-crumb.current").focus()
        drawn = page.evaluate("""() => {
            const r = getComputedStyle(document.querySelector('.gs-ranking-list'));
            const f = getComputedStyle(document.activeElement);
            return [r.columnCount, f.outlineStyle, document.activeElement.className]; }""")
        assert drawn[:2] == [columns, "none"], (unit, drawn)


def test_the_wall_feed_rows_show_code_category_severity_time_and_place(engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    from dashboard.wall.callbacks import _feed
    from geo import wall_feed

    with engine.connect() as conn:
        items = wall_feed.feed(conn)
    rows = _feed(items, {}, ZoneInfo("Asia/Shanghai"), "en")
    for item, row in zip(items, rows, strict=True):
        cells = {c.className.split()[0]: c.children for c in row.children}
        assert cells["gs-wall-code"] == item.code
        assert cells["gs-wall-sev"] == f"sev {item.severity}"
        assert cells["gs-wall-time"] == item.occurred_at.astimezone(
            ZoneInfo("Asia/Shanghai")
        ).strftime("%H:%M")
        place = " · ".join(x for x in (item.township, item.village) if x) or "–"
        assert cells["gs-wall-cat"] and cells["gs-wall-place"] == place


def test_the_page_opens_on_road_coverage_and_keeps_the_chosen_metric_in_the_address(
    page: Page, base_url: str
) -> None:
    _open(page, base_url)
    expect(page.locator(".gs-metric")).to_contain_text("Camera coverage (roads)")
    expect(page.locator(".gs-legend [data-layer=units]")).to_contain_text("Camera coverage (roads)")
    page.locator(".gs-metric").click()
    # the open list is a group of radio inputs named by their labels (assets/a11y.js)
    page.locator(".dash-dropdown-option", has_text=re.compile(r"^Patrol coverage$")).click()
    page.wait_for_url(re.compile(r"metric=patrol_pct"))
    expect(page.locator(".gs-legend [data-layer=units]")).to_contain_text("Patrol coverage")
    page.reload()
    expect(page.locator(".gs-metric")).to_contain_text("Patrol coverage")
    expect(page.locator(".gs-legend [data-layer=units]")).to_contain_text("Patrol coverage")


def test_the_default_metric_and_target_come_from_the_settings_and_the_address() -> None:
    from geo.errors import SettingsError
    from geo.settings import Settings

    settings = Settings.from_env(
        {"GRIDSIGHT_DEFAULT_METRIC": "patrol_pct", "GRIDSIGHT_TARGET_PCT": "45"}
    )
    assert (settings.default_metric, settings.target_pct) == ("patrol_pct", 45.0)
    assert Settings.from_env({}).default_metric == "camera_road_pct"
    state = ViewState.from_search("?unit=140724001", settings.default_metric, settings.target_pct)
    assert (state.metric, state.target) == ("patrol_pct", 45.0)
    assert "metric=patrol_pct" in state.search() and "target=45" in state.search()
    linked = ViewState.from_search(
        "?metric=combined_pct&target=70.5", settings.default_metric, settings.target_pct
    )
    assert (linked.metric, linked.target) == ("combined_pct", 70.5)
    hostile = ViewState.from_search(
        "?metric=pg_sleep&target=1e9", settings.default_metric, settings.target_pct
    )
    assert (hostile.metric, hostile.target) == ("patrol_pct", 45.0)
    for var, value, expected in (
        ("GRIDSIGHT_DEFAULT_METRIC", "camera", "one of camera_area_pct"),
        ("GRIDSIGHT_TARGET_PCT", "120", "a percentage from 0 to 100"),
    ):
        with pytest.raises(
            SettingsError, match=f"{var}='{value}' is not allowed: expected {expected}"
        ):
            Settings.from_env({var: value})


def test_the_playback_endpoint_refuses_bad_arguments_with_their_name(base_url: str) -> None:
    import urllib.error

    for query, status, word in (
        ("unit=1407'--", 400, "unit"),
        ("unit=999999", 404, "999999"),
        ("days=0", 400, "days"),
        ("cat=arson", 400, "cat"),
    ):
        with pytest.raises(urllib.error.HTTPError) as failed:
            _get(f"{base_url}/api/playback?{query}")
        assert failed.value.code == status and word in failed.value.read().decode(), query


def test_back_during_the_flight_into_a_village_returns_to_the_township(
    page: Page, base_url: str, engine: Engine
) -> None:
    """Leaflet drops a fitBounds asked for while a zoom animation runs: a Back pressed during the
    flight into a village must still bring the map back to the township's frame."""
    _open(page, base_url + "/" + ViewState(unit=TOWN).search())
    with engine.connect() as conn:
        villages = set(
            conn.execute(
                text("SELECT code FROM admin_unit WHERE parent_code = :t"), {"t": TOWN}
            ).scalars()
        )
    _wait_units(page, villages)
    frame_zoom = page.evaluate("() => window.gridsightMap.getZoom()")
    # a click inside the largest village, off the clusters (a click on one zooms instead)
    _code, name, lon, lat, _hit = _off_clusters(engine, TOWN, page.evaluate(_CLUSTERS), limit=1)[0]
    # the flight into the village lasts 3 s longer; Back is pressed when it would have ended
    page.evaluate(
        """() => { const m = window.gridsightMap; const end = m._onZoomTransitionEnd;
        m._onZoomTransitionEnd = function () { const self = this; m._onZoomTransitionEnd = end;
          window.history.back(); setTimeout(function () { end.call(self); }, 3000); }; }"""
    )
    page.mouse.click(*screen_point(page, lon, lat))
    expect(page.locator(".gs-breadcrumbs .gs-crumb.current")).to_have_text("城关镇", timeout=10_000)
    page.wait_for_function(
        "z => { const m = window.gridsightMap; return m.getZoom() === z && !m._animatingZoom; }",
        arg=frame_zoom,
        timeout=15_000,
        polling=100,
    )
    _wait_units(page, villages)
    assert name  # the village drilled into
