"""Lines and shapes cut at the jurisdiction's border (migration 0014_scope_clip): a township account
receives no vertex of a road, patrol route, camera sector, hot-spot or density square or blind spot
outside its township, in the layer API, in the road network a route suggestion is drawn on and in
the points the planning page names places by; a whole-deployment account still receives them whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from geo import blindspots, hotspots, jurisdiction, routing
from geo.coverage import metric_srid
from geo.figures import Window
from geo.settings import Settings
from tests.test_jurisdiction import townships

BOX = "bbox=113.0,37.0,114.5,38.2&zoom=16"
TOLERANCE_M = 1.0
PLANNING = ("hotspots", "blindspots", "density")
CROSSING = "TEST-CROSSING"
BORDER_CLUSTER = 60  # incidents


@pytest.fixture
def a_cluster_at_the_border(engine: Engine) -> Iterator[tuple[float, float]]:
    """60 incidents of the last days within 8 m of a place 20 m inside the first township's border,
    where no camera or patrol reaches within 60 m (committed; removed after): a hot spot, a density
    peak and a blind cluster whose squares and hull cross the border. Yields the place (lon, lat).
    """
    mine, _ = townships(engine)
    with engine.begin() as conn:
        srid = metric_srid(conn)
        lon, lat = conn.execute(
            text("""
            WITH t AS (SELECT ST_Transform(geom, :srid) AS g FROM admin_unit WHERE code = :unit),
            cand AS (SELECT f, ST_ClosestPoint(ST_Buffer(t.g, -20), ST_LineInterpolatePoint(
                                ST_ExteriorRing(ST_GeometryN(t.g, 1)), f)) AS p
                     FROM t, generate_series(0.005, 0.995, 0.01) f)
            SELECT ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326)) FROM cand
            WHERE NOT EXISTS (SELECT 1 FROM coverage_piece cp
                              WHERE cp.kind IN ('wp', 'w', 'op', 'p')
                                AND ST_DWithin(cp.geom, cand.p, 60))
            ORDER BY f LIMIT 1"""),
            {"srid": srid, "unit": mine},
        ).one()
        conn.execute(
            text("""
            INSERT INTO incident (code, occurred_at, category, severity, status, geom)
            SELECT 'TEST-BORDER-' || n, now() - n * interval '1 hour', 'theft', 2, 'reported',
                   ST_Transform(ST_Translate(
                       ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid),
                       2.0 * (n % 5) * cos(n), 2.0 * (n % 5) * sin(n)), 4326)
            FROM generate_series(1, :count) n"""),
            {"lon": lon, "lat": lat, "srid": srid, "count": BORDER_CLUSTER},
        )
    try:
        yield float(lon), float(lat)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE code LIKE 'TEST-BORDER-%'"))


@pytest.fixture
def a_route_across(engine: Engine) -> Iterator[str]:
    """A patrol route from the middle of the first township to the middle of the last one
    (committed: the app's connections must see it); the demo's routes stay inside townships."""
    mine, other = townships(engine)
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO patrol_route (code, name, unit, shift, geom)
            SELECT :code, 'across', 'TEST', 'day', ST_Multi(ST_MakeLine(
                ST_PointOnSurface((SELECT geom FROM admin_unit WHERE code = :a)),
                ST_PointOnSurface((SELECT geom FROM admin_unit WHERE code = :b))))"""),
            {"code": CROSSING, "a": mine, "b": other},
        )
    try:
        yield CROSSING
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM patrol_route WHERE code = :c"), {"c": CROSSING})


def _shapes(answer: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(layer, feature id, geometry) of every line and polygon of an /api/layers answer."""
    return [
        (layer, f["id"], f["geometry"])
        for layer in ("roads", "routes", "cameras")
        for f in answer[layer]["features"]
        if f["geometry"]["type"] != "Point"
    ]


def _farthest_m(engine: Engine, geometries: list[dict[str, Any]], unit: str) -> list[float]:
    """How far (m) the farthest vertex of each GeoJSON geometry (EPSG:4326) is outside ``unit``."""
    with engine.connect() as conn:
        return [
            float(d)
            for d in conn.execute(
                text("""
                SELECT (SELECT coalesce(max(ST_Distance(p.geom::geography, u.geom::geography)), 0)
                        FROM ST_DumpPoints(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)) p)
                FROM unnest(CAST(:gs AS text[])) WITH ORDINALITY AS x(g, n), admin_unit u
                WHERE u.code = :unit ORDER BY n"""),
                {"gs": [json.dumps(g) for g in geometries], "unit": unit},
            ).scalars()
        ]


def _reach_m(engine: Engine, geometries: list[dict[str, Any]], unit: str) -> list[float]:
    """How far (m) the farthest vertex of each GeoJSON geometry (EPSG:4326) that overlaps ``unit``
    (shares more than its border) is outside it; the others are left out."""
    return [
        d
        for d, inside in zip(
            _farthest_m(engine, geometries, unit),
            _overlaps(engine, geometries, unit),
            strict=True,
        )
        if inside
    ]


def _overlaps(engine: Engine, geometries: list[dict[str, Any]], unit: str) -> list[bool]:
    with engine.connect() as conn:
        return [
            bool(b)
            for b in conn.execute(
                text("""
                SELECT ST_Relate(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), u.geom, 'T********')
                FROM unnest(CAST(:gs AS text[])) WITH ORDINALITY AS x(g, n), admin_unit u
                WHERE u.code = :unit ORDER BY n"""),
                {"gs": [json.dumps(g) for g in geometries], "unit": unit},
            ).scalars()
        ]


def test_a_township_account_gets_hot_and_blind_spots_cut_at_its_border(
    client_as: Callable[[str | None], FlaskClient],
    engine: Engine,
    a_cluster_at_the_border: tuple[float, float],
) -> None:
    """Gi* and density squares and blind spots (hot spots' gaps, incident clusters' hulls) of the
    planning layers: a township account's end at its border, with the areas of what is sent; an
    administrator's over the township reach out of it (so there was something to cut)."""
    mine, _ = townships(engine)
    query = f"/api/layers?ids={','.join(PLANNING)}&{BOX}"
    township = client_as("township").get(query).get_json()
    whole = client_as("admin").get(query).get_json()
    for layer in PLANNING:
        assert not township[layer]["truncated"] and not whole[layer]["truncated"]
        sent = [f["geometry"] for f in township[layer]["features"]]
        assert sent, f"{layer}: the township account got nothing to check"
        outside = _farthest_m(engine, sent, mine)
        assert max(outside) <= TOLERANCE_M, (layer, max(outside))
        reach = _reach_m(engine, [f["geometry"] for f in whole[layer]["features"]], mine)
        assert reach and max(reach) > 10, f"{layer}: nothing of the admin's reaches 10 m out"
    kinds = {f["properties"]["kind"] for f in township["blindspots"]["features"]}
    assert kinds == {"hot_spot", "cluster"}
    with engine.connect() as conn:
        srid = metric_srid(conn)
        areas = conn.execute(
            text("""
            SELECT ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), :srid)) / 1e4
            FROM unnest(CAST(:gs AS text[])) WITH ORDINALITY AS x(g, n) ORDER BY n"""),
            {
                "gs": [json.dumps(f["geometry"]) for f in township["blindspots"]["features"]],
                "srid": srid,
            },
        ).scalars()
        for feature, area_ha in zip(township["blindspots"]["features"], areas, strict=True):
            assert feature["properties"]["area_ha"] == pytest.approx(area_ha, abs=0.06)


def test_a_township_accounts_planning_places_lie_in_its_township(
    settings: Settings, engine: Engine, a_cluster_at_the_border: tuple[float, float]
) -> None:
    """The points the planning page names a blind spot's or a hot spot's place by (blind spots'
    label points, :func:`geo.hotspots.spot_points`) lie in the township, and each blind spot's area
    is that of its shape, under a township's scope."""
    mine, _ = townships(engine)
    window = Window.last_days(30)
    web = jurisdiction.web_engine(settings, engine)
    token = jurisdiction.current_scope.set(mine)
    try:
        with web.connect() as conn:
            result = hotspots.analyse(conn, window)
            found = blindspots.blind_spots(conn, window, result)
            points = hotspots.spot_points(conn, result)
    finally:
        jurisdiction.current_scope.reset(token)
        web.dispose()
    assert result.hot_spots and found and points
    labels = [{"type": "Point", "coordinates": [b.lon, b.lat]} for b in found] + [
        {"type": "Point", "coordinates": list(p)} for p in points.values()
    ]
    assert max(_farthest_m(engine, labels, mine)) <= TOLERANCE_M
    shapes = [json.loads(b.geometry) for b in found]
    assert max(_farthest_m(engine, shapes, mine)) <= TOLERANCE_M


def test_a_township_account_gets_no_vertex_outside_its_township(
    client_as: Callable[[str | None], FlaskClient], engine: Engine, a_route_across: str
) -> None:
    mine, _ = townships(engine)
    ids = "ids=roads,routes,cameras"
    township = client_as("township").get(f"/api/layers?{ids}&{BOX}").get_json()
    whole = client_as("admin").get(f"/api/layers?{ids}&{BOX}").get_json()
    for answer in (township, whole):
        assert not any(answer[layer]["truncated"] for layer in ("roads", "routes", "cameras"))
    sent = _shapes(township)
    assert {layer for layer, _, _ in sent} == {"roads", "routes", "cameras"}
    outside = _farthest_m(engine, [g for _, _, g in sent], mine)
    assert max(outside) <= TOLERANCE_M, [
        (layer, fid, d) for (layer, fid, _), d in zip(sent, outside, strict=True) if d > 1
    ]
    # the same features, whole, for an account of the whole deployment: the test had lines to cut
    ours = {fid for _, fid, _ in sent}
    theirs = [(layer, fid, g) for layer, fid, g in _shapes(whole) if fid in ours]
    distances = _farthest_m(engine, [g for *_, g in theirs], mine)
    reach = dict(zip([fid for _, fid, _ in theirs], distances, strict=True))
    for layer in ("roads", "routes", "cameras"):
        cut = [fid for lay, fid, _ in theirs if lay == layer and reach[fid] > 10]
        assert cut, f"{layer}: no feature of {mine} reaches 10 m out of it, nothing was cut"
    assert reach[a_route_across] > 1000
    # the length shown is the part inside
    with engine.connect() as conn:
        inside, total = conn.execute(
            text("""
            SELECT ST_Length(ST_Intersection(r.geom, u.geom)::geography),
                   ST_Length(r.geom::geography)
            FROM patrol_route r, admin_unit u WHERE r.code = :c AND u.code = :u"""),
            {"c": a_route_across, "u": mine},
        ).one()
    route = next(f for f in township["routes"]["features"] if f["id"] == a_route_across)
    assert route["properties"]["length_m"] == pytest.approx(inside, abs=1)
    assert total > inside + 1000


def test_a_township_account_routes_on_its_own_roads_only(
    settings: Settings, engine: Engine
) -> None:
    """The road network of a route suggestion, under a township's scope, lies inside it."""
    mine, _ = townships(engine)
    web = jurisdiction.web_engine(settings, engine)
    token = jurisdiction.current_scope.set(mine)
    try:
        with web.connect() as conn:
            srid = metric_srid(conn)
            nodes = list(routing._graph(conn, srid).nodes)
            assert nodes
            farthest = conn.execute(
                text("""
                SELECT max(ST_Distance(ST_SetSRID(ST_MakePoint(x, y), CAST(:srid AS int)),
                                       ST_Transform(u.geom, CAST(:srid AS int))))
                FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS p(x, y), admin_unit u
                WHERE u.code = :unit"""),
                {
                    "xs": [float(x) for x, _ in nodes],
                    "ys": [float(y) for _, y in nodes],
                    "srid": srid,
                    "unit": mine,
                },
            ).scalar()
            assert farthest is not None and farthest <= TOLERANCE_M
    finally:
        jurisdiction.current_scope.reset(token)
        web.dispose()
    # the owner (the whole deployment) routes on every road
    with engine.connect() as conn:
        srid = metric_srid(conn)
        everywhere = routing._graph(conn, srid).number_of_nodes()
    assert everywhere > len(nodes)


def test_clipping_costs_a_whole_deployment_account_nothing(engine: Engine) -> None:
    """Unscoped or whole-deployment sessions: the scope polygon is NULL and every line is its own
    geometry; a scope naming no unit clips everything away."""
    with engine.begin() as conn:
        same = (
            "SELECT bool_and(ST_Equals(gs_clip_to(geom, (SELECT gs_scope_geom())), geom)) FROM road"
        )
        assert conn.execute(text(same)).scalar() is True
        conn.execute(text("SELECT set_config('gridsight.scope', '*', true)"))
        assert conn.execute(text("SELECT gs_scope_geom() IS NULL")).scalar() is True
        assert conn.execute(text(same)).scalar() is True
        conn.execute(text("SELECT set_config('gridsight.scope', '990000', true)"))
        empty = "SELECT bool_and(ST_IsEmpty(gs_clip_to(geom, (SELECT gs_scope_geom())))) FROM road"
        assert conn.execute(text(empty)).scalar() is True


def test_the_scope_functions_answer_for_every_kind_of_scope(engine: Engine) -> None:
    """``gs_scope_geom()`` and ``gs_scope_prefix()`` (migration 0018_scope_functions): the polygon
    of a unit or a cell, an empty one for an unknown code, NULL for the whole deployment; the
    prefix for a scope of more than 6 digits only."""
    with engine.begin() as conn:
        township, county = conn.execute(
            text(
                "SELECT min(code) FILTER (WHERE level = 'township'),"
                " min(code) FILTER (WHERE level = 'county') FROM admin_unit"
            )
        ).one()
        cell = conn.execute(text("SELECT min(code) FROM grid_cell")).scalar()
        probe = text(
            "SELECT gs_scope_geom() IS NULL, ST_IsEmpty(gs_scope_geom()),"
            " ST_Equals(gs_scope_geom(), coalesce("
            "   (SELECT geom FROM admin_unit WHERE code = :s),"
            "   (SELECT geom FROM grid_cell WHERE code = :s))),"
            " gs_scope_prefix()"
        )
        expected = {
            None: (True, None, None, None),
            "*": (True, None, None, None),
            "": (True, None, None, None),
            county: (False, False, True, None),
            township: (False, False, True, township),
            cell: (False, False, True, cell),
            "140799999": (False, True, None, "140799999"),
        }
        for scope, answer in expected.items():
            conn.execute(text("SELECT set_config('gridsight.scope', :s, true)"), {"s": scope or ""})
            if scope is None:
                conn.execute(text("RESET gridsight.scope"))
            got = conn.execute(probe, {"s": scope}).one()
            assert tuple(got) == answer, (scope, tuple(got))
