"""A corpus of malformed files: each refused with its own error (file, feature, field, value, what
was expected) and the database left exactly as it was."""

from __future__ import annotations

import math
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import Engine, text

from etl.importing import ImportOptions, import_file
from geo.errors import DataError
from geo.settings import Settings
from tests.importfiles import LAT, LON, camera, feature, gdal, geojson, incident, point, square

TABLES = ("admin_unit", "grid_cell", "road", "camera", "patrol_route", "patrol_track", "incident")


@dataclass
class Case:
    """A bad file: ``make(tmp)`` writes it; the error must contain every string of ``expect``."""

    layer: str
    make: Callable[[Path], Path]
    expect: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    max_upload_mb: int | None = None


def _cameras(*features: dict[str, Any]) -> Callable[[Path], Path]:
    return lambda tmp: geojson(tmp / "cameras.geojson", list(features))


def _incidents(*features: dict[str, Any]) -> Callable[[Path], Path]:
    return lambda tmp: geojson(tmp / "incidents.geojson", list(features))


def _admin(*features: dict[str, Any]) -> Callable[[Path], Path]:
    return lambda tmp: geojson(tmp / "admin.geojson", list(features))


def _grids(*features: dict[str, Any]) -> Callable[[Path], Path]:
    return lambda tmp: geojson(tmp / "grids.geojson", list(features))


def _csv(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make


def _bowtie(tmp: Path) -> Path:
    ring = [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    return geojson(
        tmp / "grids.geojson",
        [
            feature(
                {"type": "Polygon", "coordinates": [ring]}, code="140724001001901", name="坏网格"
            )
        ],
    )


def _utm_prj_with_degrees(tmp: Path) -> Path:
    return gdal(
        tmp / "cameras.shp",
        [shapely.Point(LON, LAT)],
        {
            "code": ["C1"],
            "azimuth": [1.0],
            "fov": [60.0],
            "range": [50.0],
            "status": ["online"],
            "kind": ["gun"],
        },
        "ESRI Shapefile",
        crs="EPSG:32649",
    )


def _shp_without_dbf(tmp: Path) -> Path:
    path = gdal(
        tmp / "roads.shp",
        [shapely.LineString([(LON, LAT), (LON + 0.01, LAT)])],
        {"code": ["R1"], "class": ["main"]},
        "ESRI Shapefile",
    )
    (tmp / "roads.dbf").unlink()
    return path


def _gpkg_two_layers(tmp: Path) -> Path:
    path = tmp / "two.gpkg"
    for name in ("first", "second"):
        gdal(path, [shapely.Point(LON, LAT)], {"code": ["C1"]}, "GPKG", layer=name)
    return path


def _zip(members: dict[str, bytes], symlink: str | None = None) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "upload.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
            if symlink:
                info = zipfile.ZipInfo(symlink)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, "/etc/passwd")
        return path

    return make


def _many_members(tmp: Path) -> Path:
    return _zip({f"f{i}.txt": b"x" for i in range(1001)})(tmp)


def _big_file(tmp: Path) -> Path:
    path = tmp / "big.geojson"
    path.write_bytes(b" " * (2 * 2**20))
    return path


CASES: dict[str, Case] = {
    # geometry
    "empty geometry": Case(
        "cameras",
        _cameras(camera(geometry=None)),
        ("feature 1", "CTEST0001", "geometry", "expected a Point"),
    ),
    "NaN coordinate in CSV": Case(
        "cameras",
        _csv(
            "c.csv", "code,lon,lat,azimuth,fov,range,status,kind\nC1,nan,37.6,0,60,50,online,gun\n"
        ),
        ("row 2", "C1", "geometry", "NaN"),
    ),
    "wrong geometry type": Case(
        "cameras",
        _cameras(
            camera(geometry={"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.001, LAT]]})
        ),
        ("geometry", "a LineString; expected a Point"),
    ),
    "latitude and longitude swapped": Case(
        "cameras", _cameras(camera(geometry=point(LAT, LON))), ("geometry", "swapped")
    ),
    "projected metres as degrees": Case(
        "cameras",
        _cameras(camera(geometry=point(500000.0, 4160000.0))),
        ("geometry", "look like projected metres"),
    ),
    "degrees declared as UTM": Case(
        "cameras", _utm_prj_with_degrees, ("geometry", "look like degrees", "EPSG:32649")
    ),
    "far outside the territory": Case(
        "cameras",
        _cameras(camera(geometry=point(10.0, 50.0))),
        ("geometry", "vertex 1 lies at (10.0000, 50.0000)", "outside China"),
    ),
    "bow-tie polygon": Case(
        "grids",
        _bowtie,
        (
            "140724001001901",
            "geometry",
            "invalid polygon",
            "Self-intersection",
            "would change its area",
        ),
    ),
    "WKT that is not WKT": Case(
        "roads",
        _csv("r.csv", "code,class,wkt\nR1,main,LINESTRING (113.7 oops)\n"),
        ("row 2", "geometry", "is not WKT"),
    ),
    "CSV without coordinates": Case(
        "cameras", _csv("c.csv", "code,azimuth\nC1,10\n"), ("c.csv", "no coordinates", "lon")
    ),
    # values
    "azimuth beyond 360": Case(
        "cameras", _cameras(camera(azimuth_deg=400)), ("azimuth_deg", "400", "≥ 0 and < 360")
    ),
    "zero field of view": Case("cameras", _cameras(camera(fov_deg=0)), ("fov_deg", "> 0")),
    "negative range": Case("cameras", _cameras(camera(range_m=-5)), ("range_m", "-5", "> 0")),
    "unknown camera status": Case(
        "cameras",
        _cameras(camera(status="broken")),
        ("status", "'broken'", "one of fault, offline, online"),
    ),
    "unknown camera kind": Case(
        "cameras", _cameras(camera(kind="laser")), ("kind", "'laser'", "checkpoint")
    ),
    "missing required column": Case(
        "cameras", _cameras(camera(status=...)), ("status", "expected a value")
    ),
    "severity out of range": Case(
        "incidents", _incidents(incident(severity=7)), ("severity", "7", "≤ 4")
    ),
    "fractional severity": Case(
        "incidents", _incidents(incident(severity=2.5)), ("severity", "whole number")
    ),
    "time that is not a time": Case(
        "incidents",
        _incidents(incident(occurred_at="yesterday")),
        ("occurred_at", "'yesterday'", "date and time"),
    ),
    "impossible date": Case(
        "incidents",
        _incidents(incident(occurred_at="2026-02-30 10:00")),
        ("occurred_at", "real calendar date"),
    ),
    "unknown category": Case(
        "incidents",
        _incidents(incident(category="jaywalking")),
        ("category", "'jaywalking'", "public_order"),
    ),
    "NUL character in text": Case(
        "incidents",
        _csv(
            "i.csv",
            "code,time,category,severity,status,lon,lat\n"
            "E\x00BAD,2026-11-01 08:00,theft,1,closed,113.7,37.6\n",
        ),
        ("row 2", "code", "NUL"),
    ),
    "negative population": Case(
        "grids",
        _grids(feature(square(), code="140724001001901", name="网格", population=-3)),
        ("population", "-3", "≥ 0"),
    ),
    "road without class": Case(
        "roads",
        _csv("r.csv", 'code,class,wkt\nR1,,"LINESTRING (113.7 37.6, 113.71 37.6)"\n'),
        ("row 2", "class", "expected a value"),
    ),
    # codes and references
    "admin code of 7 digits": Case(
        "admin",
        _admin(feature(square(), code="1407240", name="X")),
        ("code", "1407240", "city xxxx00, county), 9 (township) or 12 (village)"),
    ),
    "level contradicting the code": Case(
        "admin",
        _admin(feature(square(), code="140724099", name="X", level="village")),
        ("level", "township"),
    ),
    "parent contradicting the code": Case(
        "admin",
        _admin(feature(square(), code="140724099", name="X", parent_code="140725")),
        ("parent_code", "140725", "140724"),
    ),
    "unknown parent county": Case(
        "admin",
        _admin(feature(square(), code="990000001", name="X")),
        ("parent_code", "990000", "the code of a county"),
    ),
    "unknown village of a cell": Case(
        "grids",
        _grids(feature(square(), code="140724001999001", name="X")),
        ("village_code", "140724001999", "the code of a village"),
    ),
    "cell code of 14 digits": Case(
        "grids", _grids(feature(square(), code="14072400100100", name="X")), ("code", "15 digits")
    ),
    "code repeated in the file": Case(
        "cameras",
        _cameras(camera("CDUP"), camera("CDUP")),
        ("feature 2", "CDUP", "not repeated", "feature 1"),
    ),
    "track point repeated": Case(
        "tracks",
        _csv(
            "t.csv",
            "unit,time,lon,lat\nU1,2026-11-01 08:00,113.7,37.6\nU1,2026-11-01 08:00,113.71,37.6\n",
        ),
        ("row 3", "unit + recorded_at", "not repeated"),
    ),
    # the file as a whole
    "--map to a missing column": Case(
        "cameras",
        _cameras(camera()),
        ("--map status=zustand", "no column"),
        options={"columns": {"status": "zustand"}},
    ),
    "--crs contradicting the file": Case(
        "cameras", _utm_prj_with_degrees, ("declares CRS", "--crs"), options={"crs": "EPSG:4326"}
    ),
    "--datum on projected data": Case(
        "cameras", _utm_prj_with_degrees, ("--datum gcj02", "projected"), options={"datum": "gcj02"}
    ),
    "unknown format": Case("cameras", _csv("cameras.txt", "x"), ("cameras.txt", "unknown format")),
    "GeoPackage with two layers": Case(
        "cameras", _gpkg_two_layers, ("two.gpkg", "several layers", "--layer")
    ),
    "Shapefile without its .dbf": Case("roads", _shp_without_dbf, ("roads.dbf", "missing")),
    "text neither UTF-8 nor GBK": Case(
        "cameras",
        _csv("c.csv", b"code,lon,lat\n\xff\xfe\xff,113.7,37.6\n"),
        ("c.csv", "neither UTF-8 nor GBK", "--encoding"),
    ),
    "zip with path traversal": Case("roads", _zip({"../evil.shp": b"x"}), ("upload.zip", "'..'")),
    "zip with an absolute path": Case(
        "roads", _zip({"/etc/evil.shp": b"x"}), ("upload.zip", "absolute")
    ),
    "zip with a symbolic link": Case(
        "roads", _zip({"a.txt": b"x"}, symlink="link.shp"), ("upload.zip", "symbolic link")
    ),
    "zip bomb": Case(
        "roads",
        _zip({"bomb.shp": b"\0" * (3 * 2**20)}),
        ("upload.zip", "decompresses to"),
        max_upload_mb=1,
    ),
    "zip with too many members": Case("roads", _many_members, ("upload.zip", "1001 members")),
    "file over the size limit": Case(
        "cameras", _big_file, ("big.geojson", "bytes; at most"), max_upload_mb=1
    ),
}


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_file_is_refused_with_its_error_and_writes_nothing(
    name: str, tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    case = CASES[name]
    path = case.make(tmp_path)
    if case.max_upload_mb:
        settings = settings.replace(max_upload_mb=case.max_upload_mb)
    before = _counts(engine)
    with pytest.raises(DataError) as raised:
        import_file(engine, case.layer, path, ImportOptions(**case.options), settings)
    message = str(raised.value)
    for expected in case.expect:
        assert expected in message, f"{name}: {expected!r} not in {message!r}"
    assert path.name.split(".")[0] in message or "--" in message, (
        f"{name}: the message names no file"
    )
    assert _counts(engine) == before
    assert not (tmp_path.parent / "evil.shp").exists() and not os.path.exists("/etc/evil.shp")


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_every_bad_feature_is_listed_not_only_the_first(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    path = geojson(
        tmp_path / "cameras.geojson",
        [
            camera("C1", azimuth_deg=-1),
            camera("C2"),
            camera("C3", status="?"),
            camera("C4", geometry=None),
        ],
    )
    with pytest.raises(DataError) as raised:
        import_file(engine, "cameras", path, ImportOptions(), settings)
    message = str(raised.value)
    assert "3 bad feature(s); nothing was written" in message
    assert all(f"feature {n} (code C{n})" in message for n in (1, 3, 4))
    assert "C2" not in message
    assert not math.isnan(len(message))
