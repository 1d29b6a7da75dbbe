"""OpenStreetMap files, real GPS tracks, GPX track names, codes for files without ids, undo and
replace, the progress off a terminal, the no-CRS note, and the ``gridsight`` command from another
folder."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from etl import deleting
from etl.importing import ImportRefused
from etl.progress import ProgressBar
from geo.errors import DataError
from geo.settings import PROJECT_DIR, Settings
from tests.test_import_real import REAL, SHENZHEN, run

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="22.53" lon="113.93"/><node id="2" lat="22.531" lon="113.935"/>
  <node id="3" lat="22.532" lon="113.94"/><node id="4" lat="22.533" lon="113.945"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>\
<tag k="name" v="深南大道"/></way>
  <way id="101"><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="102"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/>\
<tag k="name:zh" v="科技路"/></way>
  <way id="103"><nd ref="3"/><nd ref="4"/><tag k="highway" v="trunk_link"/></way>
  <way id="104"><nd ref="1"/><nd ref="4"/><tag k="building" v="yes"/></way>
</osm>
"""


def test_osm_file_imports_roads_with_classes_names_and_codes(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    path = tmp_path / "nanshan.osm"
    path.write_text(OSM, encoding="utf-8")
    result = run(empty, settings, "roads", path)
    assert (result.total, result.inserted, result.skipped) == (4, 3, {"class = footway": 1})
    rows = empty.execute(text("SELECT code, name, class FROM road ORDER BY code")).all()
    assert [tuple(r) for r in rows] == [
        ("osm:100", "深南大道", "highway"),
        ("osm:102", "科技路", "local"),
        ("osm:103", "", "local"),
    ]
    assert run(empty, settings, "roads", path).unchanged == 3


def test_osm_without_roads_is_refused(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "b.osm"
    path.write_text(OSM.replace('k="highway"', 'k="waterway"'), encoding="utf-8")
    with pytest.raises(Exception, match=r"b\.osm: holds no way tagged highway=\*"):
        run(empty, settings, "roads", path)


def test_tdrive_taxi_file_as_it_comes(empty: Connection, settings: Settings) -> None:
    run(empty, settings, "admin", REAL / "110000_full.json", datum="gcj02")
    result = run(empty, settings, "tracks", REAL / "tdrive_taxi1_sample.txt")
    assert (result.total, result.inserted, result.repeats) == (11, 10, 1)
    assert any("no header row" in n for n in result.notes) and not any(
        "no CRS" in n for n in result.notes
    )
    first = empty.execute(
        text("SELECT unit, recorded_at FROM patrol_track ORDER BY recorded_at LIMIT 1")
    ).one()
    assert (
        first.unit == "1" and first.recorded_at.isoformat() == "2008-02-02T07:36:08+00:00"
    )  # Beijing time


def test_gpx_with_several_tracks_names_the_units(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    tracks = "".join(
        f"""<trk><name>巡逻{n}组</name><trkseg>
        <trkpt lat="22.53" lon="113.9{n}"><time>2026-11-01T00:0{n}:00Z</time></trkpt>
        <trkpt lat="22.54" lon="113.9{n}"><time>2026-11-01T00:1{n}:00Z</time></trkpt>\
</trkseg></trk>"""
        for n in (1, 2, 3)
    )
    path = tmp_path / "several.gpx"
    path.write_text(
        f'<?xml version="1.0"?><gpx version="1.1" creator="t" '
        f'xmlns="http://www.topografix.com/GPX/1/1">{tracks}</gpx>',
        encoding="utf-8",
    )
    result = run(empty, settings, "tracks", path)
    assert result.inserted == 6
    units = empty.execute(
        text("SELECT unit, count(*) FROM patrol_track GROUP BY unit ORDER BY unit")
    ).all()
    assert [tuple(u) for u in units] == [("巡逻1组", 2), ("巡逻2组", 2), ("巡逻3组", 2)]


def _waypoints(tmp_path: Path, name: str = "w.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        "name,kind,lon,lat\n路口东,gun,113.93,22.53\n路口西,dome,113.94,22.53\n", encoding="utf-8"
    )
    return path


def test_codes_from_columns_or_content_are_stable(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    constants = {"azimuth_deg": "0", "fov_deg": "90", "range_m": "50", "status": "online"}
    path = _waypoints(tmp_path)
    by_name = run(empty, settings, "cameras", path, code_from=("name", "kind"), constants=constants)
    assert by_name.inserted == 2
    assert set(empty.execute(text("SELECT code FROM camera")).scalars()) == {
        "路口东-gun",
        "路口西-dome",
    }
    first = run(empty, settings, "cameras", path, code_prefix="KMZ-", constants=constants)
    again = run(empty, settings, "cameras", path, code_prefix="KMZ-", constants=constants)
    assert (first.inserted, again.unchanged) == (2, 2)
    codes = empty.execute(text("SELECT code FROM camera WHERE code LIKE 'KMZ-%'")).scalars().all()
    assert len(codes) == 2 and all(len(c) == 20 for c in codes)


def test_a_code_over_64_characters_is_refused_with_the_reason(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "code,name,azimuth,fov,range,status,kind,lon,lat\n"
        f"{'路' * 65},a,0,90,50,online,gun,113.93,22.53\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ImportRefused,
        match="code = '路+': expected at most 64 characters, not 65 "
        r"\(a code is a key: a Shapefile cuts text at 254",
    ):
        run(empty, settings, "cameras", path)


def test_delete_under_a_unit_and_replace(
    empty: Connection, settings: Settings, tmp_path: Path
) -> None:
    run(empty, settings, "admin", SHENZHEN, datum="gcj02")
    path = tmp_path / "nanshan.osm"
    path.write_text(OSM, encoding="utf-8")
    run(empty, settings, "roads", path)
    plan = deleting.plan_under(empty, "roads", "440305")
    assert plan == {"road": ["osm:100", "osm:102", "osm:103"]}
    fewer = tmp_path / "fewer.osm"
    fewer.write_text(OSM.replace('<tag k="highway" v="trunk_link"/>', ""), encoding="utf-8")
    result = run(empty, settings, "roads", fewer, replace=True)
    assert result.deletion is not None and result.deletion.deleted == {"road": ["osm:103"]}
    assert empty.execute(text("SELECT count(*) FROM road")).scalar() == 2
    admin = deleting.plan_codes(empty, "admin", ["440305"])
    deleting.execute(empty, "admin", admin)
    assert (
        empty.execute(text("SELECT count(*) FROM admin_unit WHERE code = '440305'")).scalar() == 0
    )


def test_progress_off_a_terminal_prints_a_line_per_tenth() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    for done in range(0, 10_001, 500):
        bar("checking", done, 10_000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "checking: 0 % (0/10,000)" and lines[-1] == "checking: 100 % (10,000/10,000)"
    assert len(lines) == 11 and "\r" not in out.getvalue()


def _gridsight(tmp_path: Path, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}
    script = Path(sys.executable).parent / "gridsight"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "etl.command"]
    return subprocess.run(
        [*command, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_gridsight_command_works_from_another_folder(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    assert (Path(sys.executable).parent / "gridsight").exists(), (
        "make setup installs the gridsight command"
    )
    assert not str(tmp_path).startswith(str(PROJECT_DIR))
    shown = _gridsight(tmp_path, settings, "crs")
    assert shown.returncode == 0 and "EPSG:32649" in shown.stdout, shown.stderr
    with engine.connect() as conn:
        code = conn.execute(text("SELECT min(code) FROM camera")).scalar_one()
    dry = _gridsight(
        tmp_path, settings, "delete", "cameras", "--codes", f"{code},nothere", "--dry-run"
    )
    assert (
        dry.returncode == 0
        and f"cameras: would delete 1 row(s)\n  camera (1): {code}" in dry.stdout
    ), dry.stderr
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM camera WHERE code = :c"), {"c": code}).scalar()
            == 1
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"code_from": ("nothere",)},
            "--code-from nothere: w.csv has no column 'nothere'; its columns are name, kind",
        ),
        (
            {"code_from": ("name",), "code_prefix": "P"},
            "--code-from and --code-prefix: give one of them, not both",
        ),
        (
            {"constants": {"colour": "red"}},
            "--set colour=...: layer 'cameras' has no field 'colour'",
        ),
        (
            {"values": {"colour": {"a": "b"}}},
            "--values colour=...: layer 'cameras' has no field 'colour'",
        ),
        (
            {"columns": {"kind": "nothere"}},
            "--map kind=nothere: w.csv has no column 'nothere'; its columns are name, "
            "kind (--map kind= with nothing after '=' switches the field off)",
        ),
    ],
)
def test_steering_refusals_name_the_option(
    empty: Connection, settings: Settings, tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(DataError) as info:
        run(empty, settings, "cameras", _waypoints(tmp_path), **options)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crs", "EPSG:4326"], "crs 'EPSG:4326' is in degrees; expected a projected CRS in metres"),
        (
            ["crs", "nonsense"],
            "crs 'nonsense': expected show, auto or an EPSG code such as EPSG:4547",
        ),
        (
            ["delete", "roads", "--under", "999999"],
            "--under 999999: no admin unit or grid cell has that code",
        ),
        (
            ["import", "roads", "x.csv", "--values", "class=a"],
            "'class=a': expected FIELD=value:replacement",
        ),
    ],
)
def test_command_line_refusals(
    settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "x.csv").write_text("code,class,lon,lat\n", encoding="utf-8")
    done = _gridsight(tmp_path, settings, *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_deleting_from_the_command_line_is_audited(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl.__main__ import main as etl_main
    from geo import audit

    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO camera (code, azimuth_deg, fov_deg, range_m, status, kind, geom) "
                "VALUES ('CAUDITDEL', 0, 90, 50, 'online', 'gun', "
                "ST_SetSRID(ST_MakePoint(113.7, 37.6), 4326))"
            )
        )
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    assert etl_main(["delete", "cameras", "--codes", "CAUDITDEL"]) == 0
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM camera WHERE code = 'CAUDITDEL'")).scalar() == 0
        )
        last = audit.events(conn, kind="delete", limit=10_000)[-1]
    assert last.target == "cameras" and last.account and last.account.startswith("cli:")
    assert "CAUDITDEL" in str(last.detail)
