"""The layer registry and its endpoints: what the browser receives for a view."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text

import layers
from dashboard import build_app
from geo.errors import DataError, NotFound
from geo.figures import Window
from geo.settings import Settings
from layers import REGISTRY, View
from layers._sql import CLUSTER_MAX_ZOOM
from tests.accounts import sign_in_client

COUNTY_VIEW = {"bbox": "113.3,37.3,114.1,37.9", "zoom": "16", "lang": "en"}


@pytest.fixture(scope="module")
def client(settings: Settings, engine: Engine) -> FlaskClient:
    client = build_app(settings, engine).server.test_client()
    sign_in_client(client, "viewer")
    return client


def _get(client: FlaskClient, layer_id: str, **args: str) -> Any:
    response = client.get(f"/api/layers/{layer_id}", query_string={**COUNTY_VIEW, **args})
    return response.status_code, json.loads(response.data)


def test_registry_ids_are_unique_and_every_layer_has_a_legend() -> None:
    ids = [layer.id for layer in REGISTRY]
    assert len(ids) == len(set(ids))
    assert {"townships", "villages", "grids", "roads", "cameras", "routes", "incidents"} <= set(ids)
    for layer in REGISTRY:
        assert layer.legend and layer.title("zh") and layer.title("en")


def test_unknown_layer_is_not_found() -> None:
    with pytest.raises(NotFound, match="no layer 'nope'"):
        layers.get("nope")


@pytest.mark.parametrize("layer", [layer.id for layer in REGISTRY])
def test_every_layer_returns_features_with_escaped_popups(
    client: FlaskClient, engine: Engine, layer: str
) -> None:
    window = Window.last_days(30)
    with engine.connect() as conn:  # the busiest cell: it has a gap and blind incidents to draw
        cell = conn.execute(
            text(
                "SELECT g.code FROM grid_cell g JOIN incident i ON ST_Intersects(g.geom, i.geom) "
                "AND i.occurred_at > :start AND i.occurred_at <= :end"
                " GROUP BY g.code ORDER BY count(*) DESC LIMIT 1"
            ),
            {"start": window.start, "end": window.end},
        ).scalar()
    extra = {"unit": cell} if layer == "focus" else {}
    status, body = _get(client, layer, **extra)
    assert status == 200
    assert body["type"] == "FeatureCollection" and body["features"]
    feature = body["features"][0]
    assert "popup" not in feature["properties"]  # fetched when clicked
    assert feature["geometry"]["type"]
    popup = client.get(
        f"/api/layers/{layer}/popup", query_string={**COUNTY_VIEW, **extra, "fid": feature["id"]}
    )
    assert popup.status_code == 200 and popup.mimetype == "text/html"
    assert popup.get_data(as_text=True).startswith('<div class="gs-popup">')


def test_several_layers_come_in_one_answer_equal_to_each_alone(client: FlaskClient) -> None:
    ids = ["townships", "roads", "cameras", "incidents"]
    response = client.get(
        "/api/layers", query_string={**COUNTY_VIEW, "zoom": "12", "ids": ",".join(ids)}
    )
    assert response.status_code == 200
    together = json.loads(response.data)
    assert list(together) == ids
    for layer_id in ids:
        _status, alone = _get(client, layer_id, zoom="12")
        assert together[layer_id] == alone
    missing = client.get("/api/layers", query_string={**COUNTY_VIEW, "ids": "roads,nope"})
    assert missing.status_code == 404 and "nope" in json.loads(missing.data)["error"]
    empty = client.get("/api/layers", query_string=COUNTY_VIEW)
    assert empty.status_code == 400 and "ids" in json.loads(empty.data)["error"]


def test_a_popup_of_a_feature_not_in_the_view_is_404(client: FlaskClient) -> None:
    response = client.get("/api/layers/roads/popup", query_string={**COUNTY_VIEW, "fid": "nope"})
    assert response.status_code == 404 and "no feature 'nope'" in json.loads(response.data)["error"]


def _popups(conn: Connection, layer_id: str, view: View) -> list[str]:
    layer = layers.get(layer_id)
    return [
        layer.popup_html(conn, view, str(f["id"]), 10_000)
        for f in layer.features(conn, view, limit=10_000)["features"]
    ]


def test_a_view_receives_only_its_part_of_the_county(client: FlaskClient, engine: Engine) -> None:
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM camera")).scalar()
        x, y = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM camera ORDER BY code LIMIT 1")
        ).one()
    bbox = f"{x - 0.005},{y - 0.005},{x + 0.005},{y + 0.005}"
    _status, body = _get(client, "cameras", bbox=bbox, zoom="12")
    assert 0 < len(body["features"]) < total / 10


def test_the_units_layer_sends_the_units_the_view_meets(
    client: FlaskClient, engine: Engine
) -> None:
    with engine.connect() as conn:
        townships = conn.execute(
            text(
                "SELECT code, ST_XMin(geom), ST_YMin(geom) FROM unit_coverage "
                "WHERE level = 'township' ORDER BY code"
            )
        ).all()
    _status, whole = _get(client, "units", zoom="11")
    assert sorted(f["id"] for f in whole["features"]) == [code for code, _x, _y in townships]
    code, x, y = townships[0]
    _status, corner = _get(
        client, "units", zoom="11", bbox=f"{x - 0.01},{y - 0.01},{x + 0.001},{y + 0.001}"
    )
    assert code in [f["id"] for f in corner["features"]] and len(corner["features"]) < len(
        townships
    )


def test_cameras_are_points_when_zoomed_out_and_sectors_too_when_zoomed_in(
    client: FlaskClient,
) -> None:
    _s, out = _get(client, "cameras", zoom="12")
    _s, near = _get(client, "cameras", zoom="16")
    assert {f["geometry"]["type"] for f in out["features"]} == {"Point"}
    assert {f["geometry"]["type"] for f in near["features"]} == {"Point", "Polygon"}


@pytest.mark.usefixtures("frozen_clock")
def test_zoomed_out_points_arrive_as_clusters_that_count_every_point(
    client: FlaskClient, engine: Engine
) -> None:
    box = "113.3,37.3,114.1,37.9"
    window = Window.last_days(30)  # the app's own window: the clock is stopped for the test
    with engine.connect() as conn:
        cameras, broken = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE status <> 'online') FROM camera "
                "WHERE geom && ST_MakeEnvelope(113.3, 37.3, 114.1, 37.9, 4326)"
            )
        ).one()
        incidents, severe = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE severity = 4) FROM incident "
                "WHERE geom && ST_MakeEnvelope(113.3, 37.3, 114.1, 37.9, 4326) "
                "AND occurred_at > :start AND occurred_at <= :end"
            ),
            {"start": window.start, "end": window.end},
        ).one()
    _s, cams = _get(client, "cameras", bbox=box, zoom="11")
    props = [f["properties"] for f in cams["features"]]
    assert 0 < len(props) < cameras / 5  # far fewer features than cameras
    assert sum(p.get("n", 1) for p in props) == cameras
    assert sum(p.get("broken", 0) if "n" in p else p["status"] != "online" for p in props) == broken
    assert all(
        ("status" in p) != ("n" in p) for p in props
    )  # a lone camera is itself, with its code
    lone = next(f for f in cams["features"] if "n" not in f["properties"])
    assert lone["id"].startswith("C") and not lone["id"].startswith("cluster:")
    _s, incs = _get(client, "incidents", bbox=box, zoom="11", days="30")
    props = [f["properties"] for f in incs["features"]]
    assert sum(p.get("n", 1) for p in props) == incidents
    assert sum(1 for p in props if p.get("top", p.get("severity")) == 4) <= severe
    _s, near = _get(client, "cameras", bbox=box, zoom=str(CLUSTER_MAX_ZOOM + 1))
    assert not any(
        "n" in f["properties"] for f in near["features"]
    )  # closer, every camera is a point


@pytest.mark.usefixtures("frozen_clock")
def test_incidents_are_those_of_the_window(client: FlaskClient, engine: Engine) -> None:
    window = Window.last_days(30)  # the app's own window: the clock is stopped for the test
    with engine.connect() as conn:
        in_window = conn.execute(
            text(
                "SELECT count(*) FROM incident WHERE occurred_at > :start AND occurred_at <= :end"
            ),
            {"start": window.start, "end": window.end},
        ).scalar()
    _s, body = _get(client, "incidents")
    assert len(body["features"]) == in_window


def test_an_incident_in_the_windows_first_minute_counts_as_the_app_counts_it(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's "last 30 days" ends at the end of the current minute. An incident between
    ``now - 30 days`` and that window's start is outside it: a test that counted from ``now()``
    would expect one incident more than the layer sends (the flaky ``1989 == 1990``)."""
    import geo.figures

    now = dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)
    monkeypatch.setattr(geo.figures, "utc_now", lambda: now)
    window = Window.last_days(30)
    sliver = now - dt.timedelta(
        days=30, seconds=-15
    )  # 15 s after now - 30 days, before the window's start
    assert now - dt.timedelta(days=30) < sliver < window.start
    conn.execute(
        text(
            "INSERT INTO incident (code, occurred_at, category, severity, status, geom) "
            "VALUES ('ESLIVER', :t, 'theft', 1, 'reported',"
            " ST_SetSRID(ST_MakePoint(113.7, 37.6), 4326))"
        ),
        {"t": sliver},
    )
    count = "SELECT count(*) FROM incident WHERE occurred_at > :start AND occurred_at <= :end"
    in_window = conn.execute(text(count), {"start": window.start, "end": window.end}).scalar()
    naive = conn.execute(
        text(count), {"start": now - dt.timedelta(days=30), "end": window.end}
    ).scalar()
    assert naive == in_window + 1
    drawn = layers.get("incidents").features(conn, View.parse(COUNTY_VIEW), limit=100_000)[
        "features"
    ]
    assert len(drawn) == in_window
    assert "ESLIVER" not in {f["id"] for f in drawn}


def test_fields_from_files_are_html_escaped(conn: Connection) -> None:
    conn.execute(
        text("UPDATE road SET name = :n WHERE code = (SELECT min(code) FROM road)"),
        {"n": '<img src=x onerror="alert(1)">'},
    )
    popups = _popups(conn, "roads", View.parse(COUNTY_VIEW))
    assert not any("<img" in p for p in popups)
    assert any("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in p for p in popups)


def test_the_feature_limit_is_reported(conn: Connection) -> None:
    collection = layers.get("cameras").features(conn, View.parse(COUNTY_VIEW), limit=100)
    assert len(collection["features"]) == 100 and collection["truncated"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"bbox": "a,b,c,d"}, "west,south,east,north"),
        ({"bbox": "2,2,1,3"}, "west<east"),
        ({"bbox": "1,2,3,4", "zoom": "40"}, "zoom 40"),
    ],
)
def test_bad_view_requests_get_a_clear_400(
    client: FlaskClient, args: dict[str, str], message: str
) -> None:
    status, body = _get(client, "roads", **args)
    assert status == 400 and message in body["error"]
    with pytest.raises(DataError):
        View.parse({**COUNTY_VIEW, **args})


def test_unknown_layer_endpoint_is_404(client: FlaskClient) -> None:
    status, body = _get(client, "nope")
    assert status == 404 and "known layers" in body["error"]


def test_enumerations_are_named_in_the_interface_language(conn: Connection) -> None:
    x, y = conn.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM camera WHERE status = 'fault' LIMIT 1")
    ).one()
    args = {"bbox": f"{x - 0.0001},{y - 0.0001},{x + 0.0001},{y + 0.0001}", "zoom": "12"}
    zh = _popups(conn, "cameras", View.parse({**args, "lang": "zh"}))
    en = _popups(conn, "cameras", View.parse({**args, "lang": "en"}))
    assert any("<td>故障</td>" in p for p in zh)
    assert any("<td>fault</td>" in p for p in en)
