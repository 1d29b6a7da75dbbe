"""Importing real GIS files: formats, Chinese columns and labels, encodings, datums, repairs,
idempotent upserts, one transaction, coverage refreshed; and the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, text

import etl.importing
from etl import datum
from etl.fields import LAYERS
from etl.importing import ImportOptions, ImportResult, import_file, import_source
from etl.sources import ReadOptions, read
from geo.settings import PROJECT_DIR, Settings
from tests.importfiles import LAT, LON, camera, feature, gdal, geojson, incident, square

VILLAGE = "140724001001"


def run_import(
    conn: Connection, settings: Settings, target: str, path: Path, **options: Any
) -> ImportResult:
    """Import ``path`` into layer ``target`` in the test's (rolled-back) transaction."""
    read_options = ReadOptions(
        options.get("layer"), options.get("encoding"), LAYERS[target].gpx_layer
    )
    with read(path, read_options) as source:
        return import_source(conn, target, source, ImportOptions(**options), settings)


def _camera_row(conn: Connection, code: str) -> Any:
    return conn.execute(
        text(
            "SELECT name, azimuth_deg, fov_deg, range_m, status, kind, installed_on, "
            "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM camera WHERE code = :c"
        ),
        {"c": code},
    ).one()


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def test_csv_with_chinese_columns_and_labels(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "摄像头.csv"
    path.write_text(
        "编码,名称,经度,纬度,方位角,视角,半径,状态,类型,安装日期\n"
        f"CZH001,东街路口,{LON},{LAT},45,60,80,在线,球机,2024/3/5\n"
        f"CZH002,西街路口,{LON + 0.01},{LAT},350.5,360,50,故障,卡口,\n",
        encoding="utf-8",
    )
    result = run_import(conn, settings, "cameras", path)
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (2, 0, 0, [])
    row = _camera_row(conn, "CZH001")
    assert (row.name, row.azimuth_deg, row.fov_deg, row.range_m, row.status, row.kind) == (
        "东街路口",
        45,
        60,
        80,
        "online",
        "dome",
    )
    assert str(row.installed_on) == "2024-03-05"
    assert (_camera_row(conn, "CZH002").status, _camera_row(conn, "CZH002").kind) == (
        "fault",
        "checkpoint",
    )


def test_map_overrides_a_column_and_set_fills_a_missing_field(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = geojson(tmp_path / "i.geojson", [incident("EMAP1", category=..., 案由="fraud")])
    path_text = path.read_text(encoding="utf-8").replace('"status": "reported", ', "")
    path.write_text(path_text, encoding="utf-8")
    result = run_import(
        conn,
        settings,
        "incidents",
        path,
        columns={"category": "案由"},
        constants={"status": "closed"},
    )
    assert result.inserted == 1
    row = conn.execute(
        text("SELECT category, status, occurred_at FROM incident WHERE code = 'EMAP1'")
    ).one()
    assert (row.category, row.status) == ("fraud", "closed")
    assert row.occurred_at.isoformat().startswith(
        "2026-11-01T00:30:00"
    )  # 08:30 Asia/Shanghai in UTC


def test_reimport_changes_nothing_and_a_changed_feature_updates_its_row(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    features = [camera("CIDEM1"), camera("CIDEM2", azimuth_deg=180)]
    path = geojson(tmp_path / "c.geojson", features)
    first = run_import(conn, settings, "cameras", path)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert first.refresh == "incremental"
    again = run_import(conn, settings, "cameras", path)
    assert (again.inserted, again.updated, again.unchanged, again.refresh) == (0, 0, 2, "none")
    geojson(path, [camera("CIDEM1"), camera("CIDEM2", azimuth_deg=200)])
    changed = run_import(conn, settings, "cameras", path)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert _camera_row(conn, "CIDEM2").azimuth_deg == 200


def test_an_import_refreshes_coverage(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    cell = conn.execute(
        text(
            "SELECT g.code, ST_X(p) AS lon, ST_Y(p) AS lat"
            " FROM grid_cell g, ST_PointOnSurface(g.geom) p "
            "WHERE NOT EXISTS (SELECT 1 FROM camera c WHERE ST_DWithin(c.geom, g.geom, 0.01))"
            " LIMIT 1"
        )
    ).one()
    before = conn.execute(
        text("SELECT camera_area_m2 FROM unit_coverage WHERE code = :c"), {"c": cell.code}
    ).scalar()
    path = geojson(
        tmp_path / "c.geojson",
        [
            camera(
                "CREFRESH",
                fov_deg=360,
                range_m=150,
                geometry={"type": "Point", "coordinates": [cell.lon, cell.lat]},
            )
        ],
    )
    run_import(conn, settings, "cameras", path)
    after = conn.execute(
        text("SELECT camera_area_m2 FROM unit_coverage WHERE code = :c"), {"c": cell.code}
    ).scalar()
    assert after > before


def test_skip_invalid_writes_the_good_features_and_reports_the_bad(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = geojson(tmp_path / "c.geojson", [camera("CSKIP1"), camera("CSKIP2", status="kaputt")])
    try:
        result = import_file(engine, "cameras", path, ImportOptions(skip_invalid=True), settings)
        assert (result.inserted, len(result.rejected)) == (1, 1)
        assert "feature 2 (code CSKIP2): status = 'kaputt'" in str(result.rejected[0])
        report = tmp_path / "rejected.csv"
        etl.importing.write_report(report, result.rejected)
        rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
        assert rows == [
            {
                "file": "c.geojson",
                "feature": "2",
                "code": "CSKIP2",
                "field": "status",
                "value": "kaputt",
                "expected": "one of fault, offline, online",
            }
        ]
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM camera WHERE code LIKE 'CSKIP%'"))


def test_a_crash_midway_leaves_the_database_as_it_was(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = geojson(tmp_path / "c.geojson", [camera("CCRASH1"), camera("CCRASH2")])

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(etl.importing, "refresh", crash)  # after the rows were written
    with pytest.raises(RuntimeError):
        import_file(engine, "cameras", path, ImportOptions(), settings)
    with engine.connect() as c:
        assert (
            c.execute(text("SELECT count(*) FROM camera WHERE code LIKE 'CCRASH%'")).scalar() == 0
        )


def test_polygon_repaired_when_the_area_barely_changes(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    # a square with a tiny self-crossing spike: invalid, and fixing it changes the area by far under
    # 1 %
    s = 0.002
    ring = [
        [LON, LAT],
        [LON + s, LAT],
        [LON + s, LAT + s],
        [LON + s / 2, LAT + s],
        [LON + s / 2 + 1e-6, LAT + s - 1e-5],
        [LON + s / 2 - 1e-6, LAT + s - 1e-5],
        [LON + s / 2, LAT + s],
        [LON, LAT + s],
        [LON, LAT],
    ]
    assert not shapely.is_valid(shapely.Polygon(ring))
    path = geojson(
        tmp_path / "g.geojson",
        [
            feature(
                {"type": "Polygon", "coordinates": [ring]}, code=VILLAGE + "901", name="修复网格"
            )
        ],
    )
    result = run_import(conn, settings, "grids", path)
    assert result.inserted == 1 and len(result.repaired) == 1
    assert (
        "repaired" in result.repaired[0]
        and "g.geojson: feature 1 (code 140724001001901)" in result.repaired[0]
    )
    assert conn.execute(
        text(f"SELECT ST_IsValid(geom) FROM grid_cell WHERE code = '{VILLAGE}901'")
    ).scalar()


def test_admin_units_load_parents_before_children_from_one_file(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = geojson(
        tmp_path / "a.geojson",
        [
            feature(square(size=0.01), code="990001001", name="新村乡", 级别="乡镇"),
            feature(square(size=0.01), code="990001", name="新县"),
            feature(square(size=0.005), code="990001001001", name="新村"),
        ],
    )
    result = run_import(conn, settings, "admin", path)
    assert result.inserted == 3
    rows = conn.execute(
        text(
            "SELECT code, level, parent_code FROM admin_unit WHERE code LIKE '990001%' "
            "ORDER BY code"
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("990001", "county", None),
        ("990001001", "township", "990001"),
        ("990001001001", "village", "990001001"),
    ]


@pytest.fixture
def gbk_shapefile(tmp_path: Path) -> Iterator[Path]:
    path = gdal(
        tmp_path / "roads.shp",
        [shapely.LineString([(LON, LAT), (LON + 0.01, LAT)])],
        {"编码": ["RGBK1"], "名称": ["城关大街"], "等级": ["主干道"]},
        "ESRI Shapefile",
        encoding="GBK",
    )
    assert (tmp_path / "roads.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
    yield path


def test_gbk_shapefile_with_cpg(conn: Connection, settings: Settings, gbk_shapefile: Path) -> None:
    result = run_import(conn, settings, "roads", gbk_shapefile)
    assert result.inserted == 1
    assert conn.execute(text("SELECT name, class FROM road WHERE code = 'RGBK1'")).one() == (
        "城关大街",
        "main",
    )


def test_gbk_shapefile_without_cpg_is_detected_not_mojibake(
    conn: Connection, settings: Settings, gbk_shapefile: Path
) -> None:
    gbk_shapefile.with_suffix(".cpg").unlink()
    result = run_import(conn, settings, "roads", gbk_shapefile)
    assert any("detected as GB18030" in n for n in result.notes)
    assert conn.execute(text("SELECT name FROM road WHERE code = 'RGBK1'")).scalar() == "城关大街"


def test_gbk_shapefile_without_cpg_with_encoding_option(
    conn: Connection, settings: Settings, gbk_shapefile: Path
) -> None:
    gbk_shapefile.with_suffix(".cpg").unlink()
    run_import(conn, settings, "roads", gbk_shapefile, encoding="GBK")
    assert conn.execute(text("SELECT name FROM road WHERE code = 'RGBK1'")).scalar() == "城关大街"


def test_gbk_csv_is_detected(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_bytes(
        (
            "编号,发生时间,类别,等级,状态,lng,lat\n"
            f"EGBK1,2026-11-01 08:30,盗窃,2,已结案,{LON},{LAT}\n"
        ).encode("gbk")
    )
    result = run_import(conn, settings, "incidents", path)
    assert result.inserted == 1 and any("GB18030" in n for n in result.notes)
    assert conn.execute(
        text("SELECT category, status FROM incident WHERE code = 'EGBK1'")
    ).one() == ("theft", "closed")


# Published reference pairs (the coordtransform library and its ports): WGS-84 → GCJ-02 and → BD-09.
_REFERENCE = [
    (
        (116.404, 39.915),
        (116.41024449916938, 39.91640428150164),
        (116.41662724378733, 39.922699552216216),
    )
]


def test_forward_formulas_match_the_published_values() -> None:
    for (lon, lat), gcj, bd in _REFERENCE:
        assert np.allclose(datum.wgs84_to_gcj02(lon, lat), gcj, atol=1e-9, rtol=0)
        assert np.allclose(datum.wgs84_to_bd09(lon, lat), bd, atol=1e-9, rtol=0)


@pytest.mark.parametrize("name", ["gcj02", "bd09"])
def test_reverse_conversion_agrees_with_the_forward_formula_within_1_m(name: str) -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(75, 134, 500), rng.uniform(19, 52, 500)
    forward = datum.wgs84_to_gcj02 if name == "gcj02" else datum.wgs84_to_bd09
    back_lon, back_lat = datum.TO_WGS84[name](*forward(lon, lat))
    worst = max(
        _metres(a, b, c, d) for a, b, c, d in zip(lon, lat, back_lon, back_lat, strict=True)
    )
    assert worst < 1.0
    moved = min(
        _metres(a, b, c, d) for a, b, c, d in zip(lon, lat, *forward(lon, lat), strict=True)
    )
    assert moved > 10  # the datums really are offset, so the test is not vacuous


@pytest.mark.parametrize("name", ["gcj02", "bd09"])
def test_import_converts_web_datums_to_wgs84(
    conn: Connection, settings: Settings, tmp_path: Path, name: str
) -> None:
    forward = datum.wgs84_to_gcj02 if name == "gcj02" else datum.wgs84_to_bd09
    web_lon, web_lat = (float(v) for v in forward(LON, LAT))
    path = tmp_path / "c.csv"
    path.write_text(
        f"code,x,y,azimuth,fov,range,status,kind\nCDATUM,{web_lon!r},{web_lat!r},0,60,50,online,gun\n"
    )
    run_import(conn, settings, "cameras", path, datum=name)
    row = _camera_row(conn, "CDATUM")
    assert _metres(row.lon, row.lat, LON, LAT) < 1.0
    assert _metres(web_lon, web_lat, LON, LAT) > 100


def test_gpx_track_points_and_routes(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    gpx = tmp_path / "patrol.gpx"
    gpx.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <rte><name>RGPX1</name><rtept lat="{LAT}" lon="{LON}"/>\
<rtept lat="{LAT}" lon="{LON + 0.01}"/></rte>
  <trk><name>巡逻001-01组</name><trkseg>
    <trkpt lat="{LAT}" lon="{LON}"><time>2026-11-01T00:00:00Z</time></trkpt>
    <trkpt lat="{LAT}" lon="{LON + 0.001}"><time>2026-11-01T00:01:00Z</time></trkpt>
    <trkpt lat="{LAT}" lon="{LON + 0.002}"><time>2026-11-01T00:02:00Z</time></trkpt>
  </trkseg></trk>
</gpx>""",
        encoding="utf-8",
    )
    tracks = run_import(conn, settings, "tracks", gpx, constants={"unit": "巡逻GPX-01组"})
    assert tracks.inserted == 3
    times = (
        conn.execute(
            text(
                "SELECT recorded_at FROM patrol_track WHERE unit = '巡逻GPX-01组' "
                "ORDER BY recorded_at"
            )
        )
        .scalars()
        .all()
    )
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert times == [start, start + dt.timedelta(minutes=1), start + dt.timedelta(minutes=2)]
    routes = run_import(
        conn,
        settings,
        "routes",
        gpx,
        columns={"code": "name"},
        constants={"unit": "巡逻GPX-01组", "shift": "night"},
    )
    assert routes.inserted == 1
    assert conn.execute(
        text(
            "SELECT shift, ST_NumPoints(ST_GeometryN(geom, 1)) FROM patrol_route "
            "WHERE code = 'RGPX1'"
        )
    ).one() == ("night", 2)


def _kml(path: Path) -> Path:
    return gdal(
        path,
        [shapely.Point(LON, LAT), shapely.Point(LON + 0.001, LAT)],
        {
            "Name": ["北门", "南门"],
            "code": ["CKML1", "CKML2"],
            "status": ["在线", "离线"],
            "kind": ["枪机"] * 2,
            "azimuth": ["10", "20"],
            "fov": ["60", "60"],
            "range": ["80", "80"],
        },
        "LIBKML",
    )


def test_kml_and_kmz(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    kml = _kml(tmp_path / "doc.kml")
    result = run_import(conn, settings, "cameras", kml, columns={"name": "Name"})
    assert result.inserted == 2
    kmz = tmp_path / "cameras.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    again = run_import(conn, settings, "cameras", kmz, columns={"name": "Name"})
    assert (again.inserted, again.unchanged) == (0, 2)
    assert (
        _camera_row(conn, "CKML2").status == "offline" and _camera_row(conn, "CKML1").name == "北门"
    )


def test_zipped_shapefile_and_geopackage_layer(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    shp = gdal(
        tmp_path / "cams.shp",
        [shapely.Point(LON, LAT)],
        {
            "code": ["CZIP1"],
            "azimuth": [5.0],
            "fov": [90.0],
            "range": [60.0],
            "status": ["online"],
            "kind": ["ptz"],
        },
        "ESRI Shapefile",
    )
    archive = tmp_path / "cams.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for sibling in tmp_path.glob("cams.*"):
            if sibling != archive:
                zf.write(sibling, f"data/{sibling.name}")
    assert run_import(conn, settings, "cameras", archive).inserted == 1
    gpkg = tmp_path / "cams.gpkg"
    for name, code in (("other", "CGP0"), ("cameras", "CGP1")):
        gdal(
            gpkg,
            [shapely.Point(LON, LAT)],
            {
                "code": [code],
                "azimuth": [5.0],
                "fov": [90.0],
                "range": [60.0],
                "status": ["online"],
                "kind": ["ptz"],
            },
            "GPKG",
            layer=name,
        )
    assert run_import(conn, settings, "cameras", gpkg, layer="cameras").inserted == 1
    assert (
        conn.execute(text("SELECT count(*) FROM camera WHERE code IN ('CGP0', 'CGP1')")).scalar()
        == 1
    )
    assert shp.exists()


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_projected_file_is_reprojected(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 4547, always_xy=True).transform(
        LON, LAT
    )  # CGCS2000 / 3-degree GK CM 114E
    path = gdal(
        tmp_path / "c.shp",
        [shapely.Point(x, y)],
        {
            "code": ["CPROJ"],
            "azimuth": [1.0],
            "fov": [60.0],
            "range": [50.0],
            "status": ["online"],
            "kind": ["gun"],
        },
        "ESRI Shapefile",
        crs=None,
    )
    assert not path.with_suffix(".prj").exists()
    run_import(conn, settings, "cameras", path, crs="EPSG:4547")
    row = _camera_row(conn, "CPROJ")
    assert _metres(row.lon, row.lat, LON, LAT) < 0.01


def test_command_line_prints_a_summary_and_an_error(settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}
    bad = geojson(tmp_path / "bad.geojson", [camera("CCLI1", fov_deg=0)])
    result = subprocess.run(
        [sys.executable, "-m", "etl", "import", "cameras", str(bad)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        "bad.geojson: feature 1 (code CCLI1): fov_deg = 0: expected a number > 0 and ≤ 360"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    good = geojson(tmp_path / "good.geojson", [camera("CCLI2")])
    try:
        result = subprocess.run(
            [sys.executable, "-m", "etl", "import", "cameras", str(good)],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert (
            "cameras from good.geojson: 1 read, 1 inserted, 0 updated, 0 unchanged, 0 repaired,"
            " 0 rejected" in result.stdout
        )
    finally:
        from geo.db import make_engine

        eng = make_engine(settings.database_url or "")
        with eng.begin() as c:
            c.execute(text("DELETE FROM camera WHERE code = 'CCLI2'"))
        eng.dispose()


@pytest.fixture(scope="module")
def empty_engine(base_settings: Settings) -> Iterator[Engine]:
    """A second, empty database to import the exported demo county into."""
    from geo.db import make_engine, upgrade
    from tests.conftest import fresh_database

    eng = make_engine(fresh_database(base_settings, "gridsight_test_io"))
    upgrade(eng)
    yield eng
    eng.dispose()


def _snapshot(conn: Connection, spec: Any) -> list[tuple[Any, ...]]:
    columns = ", ".join(f'"{f.name}"' for f in spec.fields)
    return [
        tuple(r)
        for r in conn.execute(
            text(
                f"SELECT {columns}, ST_AsBinary(geom) FROM {spec.table}"
                f" ORDER BY {', '.join(spec.key)}"
            )
        )
    ]


@pytest.mark.parametrize("extension", ["geojson", "gpkg", "csv", "shp"])
def test_export_then_import_gives_identical_rows(
    extension: str, engine: Engine, empty_engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from etl.exporting import export_layer

    with empty_engine.connect() as conn:
        trans = conn.begin()
        try:
            for name, spec in LAYERS.items():
                path = tmp_path / f"{name}.{extension}"
                count = export_layer(engine, name, path)
                result = run_import(conn, settings, name, path)
                assert (result.inserted, result.rejected) == (count, []), name
                with engine.connect() as original:
                    assert _snapshot(conn, spec) == _snapshot(original, spec), (
                        f"{name} via {extension}"
                    )
        finally:
            trans.rollback()


def test_geojson_crs_member_is_honoured(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 32649, always_xy=True).transform(LON, LAT)
    path = geojson(
        tmp_path / "utm.geojson",
        [camera("CUTM", geometry={"type": "Point", "coordinates": [x, y]})],
        crs="urn:ogc:def:crs:EPSG::32649",
    )
    run_import(conn, settings, "cameras", path)
    row = _camera_row(conn, "CUTM")
    assert _metres(row.lon, row.lat, LON, LAT) < 0.01


def test_gpx_waypoints_as_incidents(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    gpx = tmp_path / "wpt.gpx"
    gpx.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="{LAT}" lon="{LON}"><time>2026-11-02T10:00:00Z</time>\
<name>EWPT1</name><type>纠纷</type></wpt>
</gpx>""",
        encoding="utf-8",
    )
    result = run_import(
        conn,
        settings,
        "incidents",
        gpx,
        columns={"code": "name", "category": "type"},
        constants={"severity": "2", "status": "reported"},
    )
    assert result.inserted == 1
    assert conn.execute(
        text("SELECT category, severity FROM incident WHERE code = 'EWPT1'")
    ).one() == ("dispute", 2)


def test_attribute_values_are_text_never_markup_or_sql(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    name = "<img src=x onerror=alert(1)>'); DROP TABLE camera; --"
    path = geojson(tmp_path / "c.geojson", [camera("CTEXT", name=name)])
    run_import(conn, settings, "cameras", path)
    assert _camera_row(conn, "CTEXT").name == name
    assert conn.execute(text("SELECT count(*) > 4000 FROM camera")).scalar()


def test_upload_names_are_reduced_to_a_safe_base_name(settings: Settings, tmp_path: Path) -> None:
    from etl import uploads
    from geo.errors import DataError

    assert uploads.safe_name("../../etc/网格 数据.geojson") == "网格_数据.geojson"
    assert uploads.safe_name("C:\\Users\\x\\roads.SHP") == "roads.SHP"
    with pytest.raises(DataError, match="not a file the importer reads"):
        uploads.safe_name("payload.exe")
    local = settings.replace(data_dir=tmp_path, max_upload_mb=1)
    token, main = uploads.save(
        [("a.shp", io.BytesIO(b"x")), ("a.dbf", io.BytesIO(b"y")), ("../a.shx", io.BytesIO(b"z"))],
        "user:test",
        local,
    )
    assert (
        main == tmp_path / "uploads" / token / "a.shp"
        and uploads.find(token, "user:test", local) == main
    )
    assert sorted(p.name for p in main.parent.iterdir() if not p.name.startswith(".")) == [
        "a.dbf",
        "a.shp",
        "a.shx",
    ]
    with pytest.raises(DataError, match="GRIDSIGHT_MAX_UPLOAD_MB"):
        uploads.save([("big.geojson", io.BytesIO(b" " * (2 * 2**20)))], "user:test", local)
    uploads.discard(token, local)
    with pytest.raises(DataError, match="upload the file again"):
        uploads.find(token, "user:test", local)
