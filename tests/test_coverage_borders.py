"""Roads, views and patrol buffers on the borders between units, through every path of the engine.

DOMAIN.md: units are closed; a road along the border of two units is in both, in full, covered
stretches included, and their parent counts it once. Each case is checked against the independent
Shapely computation of tests/coverage_reference.py, at all four levels (cell, village, township,
county), after a full serial refresh, an incremental one, the parallel recompute and a what-if; so
are a view and a patrol buffer ending on a border.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import Connection, Engine, text

import geo.coverage_parallel as parallel
from geo.coverage import refresh
from geo.figures import UnitFigures, figures
from geo.settings import Settings
from geo.verify import verify
from geo.whatif import Camera, Route, what_if
from tests import coverage_reference as ref
from tests.conftest import synthetic_county
from tests.test_coverage import BUFFER, METRICS, WINDOW, X, Y, _add

# Each case: the road as the engine gets it, the same road as the definition means it (None: the
# same), and cameras whose views cover parts of it. The county is 4 km x 4 km: townships split at
# X + 2000, villages at Y + 2000 too, cells every 1000 m.
Case = tuple[LineString, LineString | None, list[ref.Cam]]
_BETWEEN = LineString([(X + 200, Y + 3000), (X + 3700, Y + 3000)])
CASES: dict[str, Case] = {
    # on the cells' corners, along four cells of two villages of both townships
    "along cell borders on their vertices": (
        LineString([(X + 1000 * i, Y + 1000) for i in range(5)]),
        None,
        [
            ref.Cam(X + 1500, Y + 1000, 90, 90, 800),
            ref.Cam(X + 3300, Y + 1100, 200, 60, 400, online=False),
        ],
    ),
    # two vertices, the cells' corners lying on it between them
    "along cell borders between vertices": (
        _BETWEEN,
        None,
        [ref.Cam(X + 900, Y + 3000, 90, 120, 700), ref.Cam(X + 2600, Y + 2950, 300, 60, 500)],
    ),
    # the same 0.6 mm off the border: coordinates that went through a projection and back
    "within a millimetre of cell borders": (
        LineString([(X + 200, Y + 3000.0006), (X + 3700, Y + 2999.9994)]),
        _BETWEEN,
        [ref.Cam(X + 900, Y + 3000, 90, 120, 700), ref.Cam(X + 2600, Y + 2950, 300, 60, 500)],
    ),
    "along the township border": (
        LineString([(X + 2000, Y + 300), (X + 2000, Y + 3800)]),
        None,
        [ref.Cam(X + 2000, Y + 1200, 0, 90, 900), ref.Cam(X + 1900, Y + 3000, 120, 90, 300)],
    ),
    "crossing corners": (
        LineString([(X + 400, Y + 400), (X + 1000, Y + 1000), (X + 2600, Y + 2600)]),
        None,
        [ref.Cam(X + 2000, Y + 2000, 225, 60, 600), ref.Cam(X + 1000, Y + 1000, 45, 360, 150)],
    ),
    "along the county's outer border": (
        LineString([(X + 300, Y), (X + 3500, Y)]),
        None,
        [ref.Cam(X + 1000, Y + 200, 180, 120, 400), ref.Cam(X + 3000, Y - 50, 0, 360, 200)],
    ),
}
# A view whose straight edges lie on a cell border (x = X + 1000: grid azimuth 90 +- 90), a road
# crossing it there, and a patrol buffer ending on the villages' border (y = Y + 2000) along which
# a road runs: the areas are unaffected, and the roads count as everywhere else.
_CONVERGENCE = ref._PROJ.get_factors(
    *ref.TO_WGS84.transform(X + 1000, Y + 2500)
).meridian_convergence
EDGE_VIEW = ref.Cam(X + 1000, Y + 2500, 90 + _CONVERGENCE, 180, 400)
EDGE_ROUTE = LineString([(X + 200, Y + 1900), (X + 1800, Y + 1900)])
EDGE_ROADS = [
    LineString([(X + 600, Y + 2600), (X + 1400, Y + 2600)]),
    LineString([(X + 200, Y + 2000), (X + 1800, Y + 2000)]),
]


@pytest.fixture(scope="module")
def county(base_settings: Settings) -> Iterator[Engine]:
    engine = synthetic_county(base_settings, "gridsight_test_coverage_borders")
    yield engine
    engine.dispose()


@pytest.fixture
def tx(county: Engine) -> Iterator[Connection]:
    with county.connect() as conn:
        trans = conn.begin()
        yield conn
        trans.rollback()


def _road(conn: Connection, code: str, line: LineString) -> None:
    conn.execute(
        text("INSERT INTO road (code, class, geom) VALUES (:c, 'main', ST_GeomFromEWKT(:g))"),
        {"c": code, "g": ref.to_wgs84_wkt(line)},
    )


def _check(
    got: dict[str, UnitFigures],
    cams: list[ref.Cam],
    routes: list[LineString],
    roads: list[LineString],
) -> None:
    want = ref.expected(cams, routes, BUFFER, roads=[*ref.ROADS.values(), *roads])
    assert set(got) == set(want)
    wrong = []
    for code, metrics in want.items():
        for metric in METRICS:
            value, reference = got[code].value(metric), metrics[metric]
            if (value is None) != (reference is None) or (
                reference is not None and value is not None and abs(value - reference) > 0.1
            ):
                wrong.append(
                    (code, metric, value, None if reference is None else round(reference, 2))
                )
    assert not wrong, wrong


def _stored(conn: Connection) -> dict[str, UnitFigures]:
    return {f.code: f for f in figures(conn, WINDOW)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_full_refresh(tx: Connection, case: str) -> None:
    road, meant, cams = CASES[case]
    _road(tx, "RB", road)
    _add(tx, cams, [])
    refresh(tx, BUFFER, full=True)
    _check(_stored(tx), cams, [], [meant or road])
    # python -m geo verify, which recomputes with geodesic sectors in each unit's own projection,
    # agrees
    checks = verify(tx, sorted(ref.UNITS), WINDOW, BUFFER)
    assert [(c.code, c.figure, c.stored, c.recomputed) for c in checks if not c.ok] == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_incremental_refresh(tx: Connection, case: str) -> None:
    road, meant, cams = CASES[case]
    _road(tx, "RB", road)
    refresh(tx, BUFFER, full=True)
    _add(tx, cams, [])
    assert refresh(tx, BUFFER).mode == "incremental"
    _check(_stored(tx), cams, [], [meant or road])


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_if(tx: Connection, case: str) -> None:
    road, meant, cams = CASES[case]
    working = [c for c in cams if c.online]  # a what-if camera is a working one
    _road(tx, "RB", road)
    refresh(tx, BUFFER, full=True)
    got = _stored(tx)
    items = [Camera(*c.lonlat(), c.azimuth % 360, c.fov, c.range_m) for c in working]
    for change in what_if(tx, items, WINDOW, BUFFER):
        got[change.after.code] = change.after
    _check(got, working, [], [meant or road])


@pytest.mark.parametrize("case", sorted(CASES))
def test_parallel_recompute(county: Engine, case: str) -> None:
    road, meant, cams = CASES[case]
    with county.begin() as conn:
        _road(conn, "RB", road)
        _add(conn, cams, [])
    try:
        parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
        with county.connect() as conn:
            _check(_stored(conn), cams, [], [meant or road])
    finally:
        with county.begin() as conn:
            conn.execute(text("DELETE FROM camera"))
            conn.execute(text("DELETE FROM road WHERE code = 'RB'"))


def test_views_and_buffers_ending_on_a_border(tx: Connection) -> None:
    for i, road in enumerate(EDGE_ROADS):
        _road(tx, f"RB{i}", road)
    _add(tx, [EDGE_VIEW], [EDGE_ROUTE])
    refresh(tx, BUFFER, full=True)
    _check(_stored(tx), [EDGE_VIEW], [EDGE_ROUTE], EDGE_ROADS)
    # the east half of the view is in the east cell only, the west cell gets none of its area
    west = next(
        c
        for c, (lvl, _p, poly) in ref.UNITS.items()
        if lvl == "grid" and poly.contains(Point(X + 500, Y + 2500))
    )
    assert _stored(tx)[west].value("camera_area_pct") == 0.0


def _west_of_the_edge_view() -> str:
    """The cell west of the view's straight edges (x = X + 1000), which gets none of its area."""
    return next(
        c
        for c, (lvl, _p, poly) in ref.UNITS.items()
        if lvl == "grid" and poly.contains(Point(X + 500, Y + 2500))
    )


def test_incremental_refresh_of_views_and_buffers_ending_on_a_border(tx: Connection) -> None:
    for i, road in enumerate(EDGE_ROADS):
        _road(tx, f"RB{i}", road)
    refresh(tx, BUFFER, full=True)
    _add(tx, [EDGE_VIEW], [EDGE_ROUTE])
    assert refresh(tx, BUFFER).mode == "incremental"
    _check(_stored(tx), [EDGE_VIEW], [EDGE_ROUTE], EDGE_ROADS)
    assert _stored(tx)[_west_of_the_edge_view()].value("camera_area_pct") == 0.0


def test_parallel_recompute_of_views_and_buffers_ending_on_a_border(county: Engine) -> None:
    with county.begin() as conn:
        for i, road in enumerate(EDGE_ROADS):
            _road(conn, f"RB{i}", road)
        _add(conn, [EDGE_VIEW], [EDGE_ROUTE])
    try:
        parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
        with county.connect() as conn:
            _check(_stored(conn), [EDGE_VIEW], [EDGE_ROUTE], EDGE_ROADS)
            assert _stored(conn)[_west_of_the_edge_view()].value("camera_area_pct") == 0.0
    finally:
        with county.begin() as conn:
            conn.execute(text("DELETE FROM camera"))
            conn.execute(text("DELETE FROM patrol_route"))
            conn.execute(text("DELETE FROM road WHERE code LIKE 'RB%'"))


def test_what_if_of_a_view_and_route_ending_on_a_border(tx: Connection) -> None:
    for i, road in enumerate(EDGE_ROADS):
        _road(tx, f"RB{i}", road)
    refresh(tx, BUFFER, full=True)
    got = _stored(tx)
    lonlat = [ref.TO_WGS84.transform(x, y) for x, y in EDGE_ROUTE.coords]
    items: list[Camera | Route] = [
        Camera(*EDGE_VIEW.lonlat(), EDGE_VIEW.azimuth, 180, 400),
        Route(tuple((float(x), float(y)) for x, y in lonlat)),
    ]
    for change in what_if(tx, items, WINDOW, BUFFER):
        got[change.after.code] = change.after
    _check(got, [EDGE_VIEW], [EDGE_ROUTE], EDGE_ROADS)
