"""The import page's command-line options in headless Chromium, signed in as ``data``: a file
without ids imported with a code prefix and set values; a replace listing what it would delete
before the import is confirmed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo.settings import Settings
from tests.importfiles import LAT, LON


@pytest.fixture
def page(page_as: Callable[[str | None], Page], base_url: str) -> Page:
    p = page_as("data")
    p.goto(f"{base_url}/import?lang=en")
    expect(p.locator("#gs-import-upload")).to_be_visible(timeout=20_000)
    return p


def _upload(page: Page, path: Path) -> None:
    page.locator("#gs-import-upload input[type=file]").set_input_files(str(path))


def _type(page: Page, label: str, value: str) -> None:
    """Fill the box labelled ``label`` and press Enter (the boxes are debounced)."""
    box = page.get_by_label(label, exact=False)
    box.fill(value)
    box.press("Enter")


def _preview_count(page: Page, n: int) -> None:
    page.wait_for_function(
        """(n) => { let k = 0; window.gridsightMap && window.gridsightMap.eachLayer(l => {
        if (l.feature && !l.feature.properties.layer) k++; }); return k === n; }""",
        arg=n,
        timeout=15_000,
        polling=250,
    )


@pytest.mark.browser
def test_a_file_without_ids_imports_with_a_code_prefix(
    page: Page, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "waypoints.csv"
    path.write_text(
        f"name,kind,lon,lat\n路口东,gun,{LON},{LAT}\n路口西,dome,{LON + 0.01},{LAT}\n",
        encoding="utf-8",
    )
    expect(page.locator(".gs-import-help")).to_contain_text("OpenStreetMap (.osm/.osm.pbf, roads)")
    expect(page.locator(".gs-import-form .gs-hint").first).to_contain_text(".osm .pbf")
    try:
        _upload(page, path)
        # each row has several problems (no code, no azimuth, ...): two features with errors
        expect(page.locator(".gs-import-summary")).to_contain_text(
            "2 features: 0 ready, 2 with errors"
        )
        expect(page.locator("#gs-import-confirm")).to_be_disabled()
        page.get_by_text("Columns and codes").click()
        _type(
            page,
            "One value for every feature",
            "azimuth_deg=0; fov_deg=90; range_m=50; status=online",
        )
        _type(page, "Read values as others", "kind=gun:gun,dome:dome")
        _type(page, "Code prefix", "PGPFX-")
        expect(page.locator(".gs-import-summary")).to_contain_text(
            "2 features: 2 ready, 0 with errors", timeout=15_000
        )
        _preview_count(page, 2)
        expect(page.locator("#gs-import-confirm")).to_be_enabled()
        page.locator("#gs-import-confirm").click()
        expect(page.locator(".gs-import-result")).to_contain_text("2 inserted", timeout=30_000)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT code, kind, range_m FROM camera WHERE code LIKE 'PGPFX-%'")
            ).all()
        assert len(rows) == 2 and {r.kind for r in rows} == {"gun", "dome"}
        assert all(r.range_m == 50 for r in rows) and len({r.code for r in rows}) == 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM camera WHERE code LIKE 'PGPFX-%'"))


@pytest.mark.browser
def test_a_replace_lists_what_it_would_delete_before_the_import(
    page: Page, engine: Engine, tmp_path: Path
) -> None:
    unit = "PGREPLACE"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patrol_track (unit, recorded_at, geom) SELECT :u, t, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) "
                "FROM unnest(CAST(:t AS timestamptz[])) t"
            ),
            {
                "u": unit,
                "lon": LON,
                "lat": LAT,
                "t": [
                    "2026-11-01T08:00:00+08:00",
                    "2026-11-01T08:01:00+08:00",
                    "2026-11-01T08:02:00+08:00",
                ],
            },
        )
    path = tmp_path / "track.csv"
    path.write_text(
        "unit,recorded_at,lon,lat\n"
        f"{unit},2026-11-01 08:00:00+08,{LON},{LAT}\n{unit},2026-11-01 08:01:00+08,{LON},{LAT}\n",
        encoding="utf-8",
    )
    try:
        page.locator("#gs-import-layer").click()
        page.locator(".dash-dropdown-option", has_text="Patrol tracks").click()
        _upload(page, path)
        expect(page.locator(".gs-import-summary")).to_contain_text("2 ready", timeout=15_000)
        expect(page.locator("#gs-import-replacement")).to_be_empty()
        page.get_by_text("Replace: also delete").click()
        listing = page.locator("#gs-import-replacement")
        expect(listing).to_contain_text("will delete 1 row(s)", timeout=30_000)
        expect(listing).to_contain_text("patrol_track (1)")
        expect(listing).to_contain_text(f"{unit} 2026-11-01")
        with engine.connect() as conn:  # shown, not done
            count = "SELECT count(*) FROM patrol_track WHERE unit = :u"
            assert conn.execute(text(count), {"u": unit}).scalar() == 3
        page.locator("#gs-import-confirm").click()
        expect(page.locator(".gs-import-result")).to_contain_text(
            "1 deleted (--replace)", timeout=30_000
        )
        with engine.connect() as conn:
            assert conn.execute(text(count), {"u": unit}).scalar() == 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM patrol_track WHERE unit = :u"), {"u": unit})


def test_the_page_and_the_command_line_build_the_same_options() -> None:
    from dashboard.imports import callbacks as import_page
    from etl.__main__ import import_options, parser

    args = parser().parse_args(
        [
            "import",
            "cameras",
            "w.csv",
            "--map",
            "code=编号",
            "--map",
            "name=",
            "--ignore",
            "fid",
            "--set",
            "kind=gun",
            "--values",
            "status=正常:online,故障:faulty",
            "--code-from",
            "name,kind",
            "--code-prefix",
            "WP-",
            "--replace",
            "--skip-invalid",
        ]
    )
    steer = [
        "code=编号; name=",
        "fid",
        "kind=gun",
        "status=正常:online,故障:faulty",
        "name, kind",
        "WP-",
        ["replace"],
    ]
    page = import_page._options(None, None, "wgs84", None, ["skip"], steer)
    assert page == import_options(args)
    assert page.values == {"status": {"正常": "online", "故障": "faulty"}} and page.replace


def test_a_steering_box_in_the_wrong_syntax_is_refused_with_the_entry() -> None:
    from dashboard.imports import callbacks as import_page
    from geo.errors import DataError

    steer = ["code", None, None, None, None, None, []]
    with pytest.raises(DataError, match="'code': expected field=value"):
        import_page._options(None, None, "wgs84", None, [], steer)


def test_a_replace_dry_run_says_what_it_would_delete_and_deletes_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from etl.importing import ImportOptions, import_file

    unit = "DRYREPLACE"
    count = "SELECT count(*) FROM patrol_track WHERE unit = :u"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patrol_track (unit, recorded_at, geom) SELECT :u, t, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) "
                "FROM unnest(CAST(:t AS timestamptz[])) t"
            ),
            {
                "u": unit,
                "lon": LON,
                "lat": LAT,
                "t": ["2026-11-01T08:00:00Z", "2026-11-01T08:01:00Z"],
            },
        )
    path = tmp_path / "track.csv"
    path.write_text(f"unit,recorded_at,lon,lat\n{unit},2026-11-01T08:00:00Z,{LON},{LAT}\n")
    try:
        options = ImportOptions(replace=True, dry_run=True)
        result = import_file(engine, "tracks", path, options, settings)
        assert result.deletion is not None and result.deletion.count == 1
        assert result.deletion.summary().startswith("tracks: would delete 1 row(s)")
        with engine.connect() as conn:
            assert conn.execute(text(count), {"u": unit}).scalar() == 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM patrol_track WHERE unit = :u"), {"u": unit})
