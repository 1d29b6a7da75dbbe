"""Real public files imported as they come (tests/data/real/, sources in its README), the levels
above the county, column steering, times, track repeats, and the metric CRS chosen from the data.

These run on a database of their own that starts empty (``gridsight_test_real``), each test in a
rolled-back transaction, so that the first units imported choose the metric CRS as they would for a
new user.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shapely
from pyproj import Geod
from sqlalchemy import Connection, text

from etl.fields import LAYERS
from etl.importing import ImportOptions, ImportRefused, ImportResult, import_source
from etl.sources import ReadOptions, read
from etl.values import BadValue, parse_time
from geo import hierarchy, metric_crs
from geo.coverage import refresh
from geo.errors import DataError
from geo.figures import Window, figures
from geo.settings import Settings

REAL = Path(__file__).parent / "data" / "real"
BEIJING = REAL / "110000_full.json"
SHENZHEN = REAL / "440300_full.json"
GEOD = Geod(ellps="WGS84")


def run(
    conn: Connection, settings: Settings, layer: str, path: Path, **options: Any
) -> ImportResult:
    with read(path, ReadOptions(None, None, LAYERS[layer].gpx_layer)) as source:
        return import_source(conn, layer, source, ImportOptions(**options), settings)


def _geodesic_m2(wkb: bytes) -> float:
    return abs(GEOD.geometry_area_perimeter(shapely.from_wkb(wkb))[0])


def _worst_area_error(conn: Connection) -> float:
    rows = conn.execute(
        text(
            "SELECT u.area_m2, ST_AsBinary(a.geom) FROM unit_coverage u "
            "JOIN admin_unit a USING (code)"
        )
    ).all()
    assert rows
    return max(abs(area / _geodesic_m2(bytes(wkb)) - 1) for area, wkb in rows)


def _datav(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_datav_beijing_imports_as_it_comes_with_areas_true_east_of_117(
    empty: Connection, settings: Settings
) -> None:
    result = run(empty, settings, "admin", BEIJING, datum="gcj02")
    expected = {str(f["properties"]["adcode"]) for f in _datav(BEIJING)["features"]}
    assert result.inserted == len(expected) and not result.rejected
    rows = dict(empty.execute(text("SELECT code, level FROM admin_unit")).all())
    assert set(rows) == expected and set(rows.values()) == {"county"}
    assert {"110117", "110118"} <= set(rows)  # Pinggu and Miyun, east of 117° E
    assert any("parent 110000" in n and "without a parent" in n for n in result.notes)
    srid = metric_crs.current(empty)
    assert metric_crs.is_custom(srid) and any("chosen from them" in n for n in result.notes)
    assert _worst_area_error(empty) < 0.001
    assert [u.code for u in hierarchy.top(empty)] == sorted(expected)


def test_shenzhen_across_114_e_with_its_city_as_the_top(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    data = _datav(SHENZHEN)
    districts = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    city = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "adcode": 440300,
                    "name": "深圳市",
                    "level": "city",
                    "parent": {"adcode": 440000},
                },
                "geometry": shapely.geometry.mapping(shapely.union_all(districts)),
            }
        ],
    }
    city_file = tmp_path / "440300.json"
    city_file.write_text(json.dumps(city), encoding="utf-8")
    run(empty, settings, "admin", city_file, datum="gcj02")
    result = run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    assert result.inserted == len(data["features"]) and not result.notes[1:]
    parents = set(
        empty.execute(text("SELECT parent_code FROM admin_unit WHERE level = 'county'")).scalars()
    )
    assert parents == {"440300"}
    lons = [x for d in districts for x, _ in shapely.get_coordinates(d)]
    assert min(lons) < 114 < max(lons)  # the border of UTM zones 49 and 50
    assert _worst_area_error(empty) < 0.001
    assert [(u.code, u.level) for u in hierarchy.top(empty)] == [("440300", "city")]
    assert [u.level for u in hierarchy.ancestry(empty, "440305")] == ["city", "county"]
    # an incident in Nanshan counts in Nanshan and in the city (its code does not start with 440300)
    empty.execute(
        text(
            "INSERT INTO incident (code, occurred_at, category, severity, status, geom) VALUES "
            "('I1', now() - interval '1 hour', 'theft', 2, 'reported', "
            "ST_SetSRID(ST_MakePoint(113.93, 22.53), 4326))"
        )
    )
    refresh(empty, settings.patrol_buffer_m)
    counts = {
        f.code: f.incidents
        for f in figures(empty, Window.last_days(1), codes=["440300", "440305", "440304"])
    }
    assert counts == {"440300": 1, "440305": 1, "440304": 0}


def test_equal_areas_anywhere_in_china(empty: Connection, settings: Settings) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    for lon, lat in ((73.6, 39.4), (134.6, 47.9), (121.5, 31.2), (87.6, 43.8)):
        square = shapely.box(lon - 0.25, lat - 0.25, lon + 0.25, lat + 0.25)
        area = empty.execute(
            text("SELECT ST_Area(ST_Transform(ST_GeomFromText(:w, 4326), gs_metric_srid()))"),
            {"w": square.wkt},
        ).scalar_one()
        assert abs(area / _geodesic_m2(shapely.to_wkb(square)) - 1) < 0.001, (lon, lat)


def test_changing_the_crs_recomputes_every_area(empty: Connection, settings: Settings) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    before = dict(empty.execute(text("SELECT code, area_m2 FROM unit_coverage")).all())
    assert metric_crs.change(empty, 32650)
    refresh(empty, settings.patrol_buffer_m)
    after = dict(empty.execute(text("SELECT code, area_m2 FROM unit_coverage")).all())
    assert after.keys() == before.keys() and all(after[c] != before[c] for c in after)
    assert all(
        abs(after[c] / before[c] - 1) < 0.002 for c in after
    )  # UTM 50N near its edge, still close


def _datav_file(tmp_path: Path, *features: tuple[int, str, Any]) -> Path:
    square = shapely.geometry.mapping(shapely.box(113.9, 22.5, 113.95, 22.55))
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "adcode": code,
                    "name": f"u{code}",
                    "level": level,
                    "parent": parent,
                },
                "geometry": square,
            }
            for code, level, parent in features
        ],
    }
    path = tmp_path / "datav.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            (110000, "district", {"adcode": 100000}),
            "level = 'district': expected province, as the code 110000 says",
        ),
        ((440300, "district", None), "level = 'district': expected city, as the code 440300 says"),
        (
            (440305, "district", {"adcode": 110000}),
            "parent_code = '110000': expected 440300 or 440000, as the code 440305 says",
        ),
        ((4403051, "district", None), "code = '4403051': expected a statistical division code"),
    ],
)
def test_level_and_parent_refusals(
    empty: Connection,
    settings: Settings,
    tmp_path: Path,
    feature: tuple[int, str, Any],
    message: str,
) -> None:
    with pytest.raises(ImportRefused) as info:
        run(empty, settings, "admin", _datav_file(tmp_path, feature))
    assert message in str(info.value)
    assert "1 bad feature(s); nothing was written (" in str(info.value)


def test_set_overrides_a_column_and_map_switches_one_off(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = _datav_file(tmp_path, (440305, "nonsense", None))
    with pytest.raises(ImportRefused):
        run(empty, settings, "admin", path)
    result = run(empty, settings, "admin", path, constants={"level": "county"})
    assert result.inserted == 1 and any(
        "--set level=county overrides the file's column 'level'" in n for n in result.notes
    )
    assert run(empty, settings, "admin", path, columns={"level": ""}).unchanged == 1
    assert run(empty, settings, "admin", path, ignore=("level",)).unchanged == 1
    with pytest.raises(DataError, match=r"--ignore nothere: datav\.json has no column 'nothere'"):
        run(empty, settings, "admin", path, ignore=("nothere",))


def test_province_city_county_chain(empty: Connection, settings: Settings, tmp_path: Path) -> None:
    path = _datav_file(
        tmp_path,
        (440000, "province", {"adcode": 100000}),
        (440300, "city", {"adcode": 440000}),
        (440305, "district", {"adcode": 440300}),
        (440304, "district", None),
    )
    assert run(empty, settings, "admin", path).inserted == 4
    rows = dict(empty.execute(text("SELECT code, parent_code FROM admin_unit")).all())
    assert rows == {"440000": None, "440300": "440000", "440305": "440300", "440304": "440300"}


def _csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2008-12-11 04:47:40+00", "2008-12-11T04:47:40+00:00"),
        ("2024-03-01T08:30:00+0800", "2024-03-01T08:30:00+08:00"),
        ("2024-03-01T08:30:00Z", "2024-03-01T08:30:00+00:00"),
        ("2024-03-01T08:30:00+08:00", "2024-03-01T08:30:00+08:00"),
        ("2024/03/01 08:30", "2024-03-01T08:30:00+08:00"),
        ("2024年3月1日 08:30", "2024-03-01T08:30:00+08:00"),
        ("1709253000", "2024-03-01T00:30:00+00:00"),
        ("1709253000000", "2024-03-01T00:30:00+00:00"),
        (1709253000, "2024-03-01T00:30:00+00:00"),
    ],
)
def test_time_formats(raw: Any, iso: str) -> None:
    value = parse_time(raw, ZoneInfo("Asia/Shanghai"))
    assert isinstance(value, dt.datetime) and value.isoformat() == iso


def test_a_time_that_is_none_of_them_is_refused_with_the_formats() -> None:
    with pytest.raises(BadValue, match="2026年11月1日 08:30 or Unix seconds/milliseconds"):
        parse_time("yesterday", dt.UTC)


def test_track_exact_repeats_dropped_and_counted_conflicts_refused(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    lines = [
        "unit,time,lon,lat",
        "T1,2008-02-02 15:36:08+00,113.93,22.53",
        "T1,2008-02-02 15:36:08+00,113.93,22.53",
        "T1,2008-02-02 15:46:08+00,113.94,22.53",
        "T1,2008-02-02 15:46:08+00,113.94,22.53",
    ]
    result = run(empty, settings, "tracks", _csv(tmp_path, "t.csv", lines))
    assert (result.inserted, result.repeats) == (
        2,
        2,
    ) and "2 exact repeats dropped" in result.summary()
    lines.append("T1,2008-02-02 15:46:08+00,113.95,22.53")
    with pytest.raises(
        ImportRefused,
        match=r"row 6: unit \+ recorded_at = 'T1 / 2008-02-02 15:46:08\+00:00': "
        r"expected a value not repeated in the file with other values or "
        r"another position \(also row 4\)",
    ):
        run(empty, settings, "tracks", _csv(tmp_path, "t2.csv", lines))


def test_osm_highway_values_map_to_classes_footways_skipped(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    values = [
        "motorway",
        "primary_link",
        "residential",
        "secondary",
        "track",
        "footway",
        "path",
        "living_street",
    ]
    lines = ["osm_id,highway,wkt"] + [
        f'{i},{v},"LINESTRING (113.93 22.5{i}, 113.94 22.5{i})"' for i, v in enumerate(values)
    ]
    result = run(empty, settings, "roads", _csv(tmp_path, "r.csv", lines))
    assert result.inserted == 6 and result.skipped == {"class = footway": 1, "class = path": 1}
    classes = dict(empty.execute(text("SELECT code, class FROM road")).all())
    assert classes == {
        "0": "highway",
        "1": "local",
        "2": "local",
        "3": "main",
        "4": "track",
        "7": "local",
    }
    mapped = run(
        empty,
        settings,
        "roads",
        _csv(tmp_path, "r.csv", lines),
        values={"class": {"footway": "local"}},
    )
    assert mapped.inserted == 1 and mapped.skipped == {"class = path": 1}


def test_a_vertex_past_the_measured_area_is_named_with_the_remedy(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    # the demo database measures in UTM 49N (105-117° E with the margin); its third vertex is at
    # 118° E
    ring = [(116.5, 40.0), (116.9, 40.0), (118.0, 40.3), (116.5, 40.3), (116.5, 40.0)]
    path = tmp_path / "east.json"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"adcode": 110118, "name": "东"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as info, read(path, ReadOptions()) as source:
        import_source(conn, "admin", source, ImportOptions(), settings)
    message = str(info.value)
    assert (
        "vertex 3 lies at (118.0000, 40.3000) in WGS-84, outside the area the database measures in "
        "(EPSG:32649"
        in message
        and "python -m geo crs auto" in message
    )


def test_swapped_coordinates_name_their_vertex(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    lines = [
        "code,name,azimuth,fov,range,status,kind,lon,lat",
        "C1,a,0,90,50,online,gun,22.53,113.93",
    ]
    with pytest.raises(
        ImportRefused,
        match=r"vertex 1 \(22.53, 113.93\): latitude 113.93 is beyond ±90: "
        "longitude and latitude look swapped",
    ):
        run(empty, settings, "cameras", _csv(tmp_path, "c.csv", lines))
