"""The full refresh shared out over several sessions (geo/coverage_parallel.py), on real PostGIS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from shapely.geometry import LineString
from sqlalchemy import Engine, text

import geo.coverage_parallel as parallel
from geo.coverage import refresh
from geo.settings import Settings
from tests.conftest import synthetic_county
from tests.test_coverage import BUFFER, EDGE_CASES, X, Y, _add, _assert_agrees, raw

CAMERAS = [cam for case in sorted(EDGE_CASES) for cam in EDGE_CASES[case]]
ROUTES = [
    LineString([(X + 2500, Y + 200), (X + 3800, Y + 900)]),
    LineString([(X + 100, Y + 3000), (X + 3000, Y + 3200)]),
]


@pytest.fixture(scope="module")
def county(base_settings: Settings) -> Iterator[Engine]:
    """The synthetic county with every edge case's cameras and two patrol routes, committed."""
    engine = synthetic_county(base_settings, "gridsight_test_coverage_parallel")
    with engine.begin() as conn:
        _add(conn, CAMERAS, ROUTES)
    yield engine
    engine.dispose()


def _serial(engine: Engine, **kwargs: Any) -> dict[str, tuple[Any, ...]]:
    with engine.begin() as conn:
        refresh(conn, BUFFER, full=True, **kwargs)
        return raw(conn)


def _mosaic(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT kind, sum(ST_Area(geom)) FROM coverage_piece GROUP BY kind")
            ).all()
        )


@pytest.mark.parametrize("rebuild_units", [True, False])
def test_it_equals_the_serial_refresh_and_the_reference(
    county: Engine, rebuild_units: bool
) -> None:
    serial, serial_mosaic = _serial(county, rebuild_units=True), _mosaic(county)
    report = parallel.refresh_with_sessions(
        county, BUFFER, full=True, rebuild_units=rebuild_units, sessions=2
    )
    assert report.mode == "full" and report.units == rebuild_units
    with county.connect() as conn:
        assert not _diff(serial, raw(conn))
        _assert_agrees(conn, CAMERAS, ROUTES)
        assert conn.execute(text("SELECT count(*) FROM coverage_change")).scalar() == 0
    assert _mosaic(county) == pytest.approx(serial_mosaic, rel=1e-9)


def test_it_rebuilds_changed_units_into_the_live_tables(county: Engine) -> None:
    with county.begin() as conn:
        conn.execute(
            text(
                "UPDATE grid_cell SET population = population + 5 "
                "WHERE code = (SELECT min(code) FROM grid_cell)"
            )
        )
    try:
        assert parallel.refresh_with_sessions(
            county, BUFFER, sessions=2
        ).units  # a unit changed: rebuilt
        with county.connect() as conn:
            population = conn.execute(
                text(
                    "SELECT u.population - g.population"
                    " FROM unit_coverage u JOIN grid_cell g USING (code)"
                )
            )
            assert set(population.scalars()) == {0}
            assert conn.execute(text("SELECT count(*) FROM unit_piece")).scalar() > 0
            assert conn.execute(text("SELECT count(*) FROM road_piece")).scalar() > 0
    finally:
        with county.begin() as conn:
            conn.execute(
                text(
                    "UPDATE grid_cell SET population = population - 5 "
                    "WHERE code = (SELECT min(code) FROM grid_cell)"
                )
            )
        parallel.refresh_with_sessions(county, BUFFER, sessions=2)


def test_an_incremental_refresh_runs_serially(county: Engine) -> None:
    parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
    with county.begin() as conn:
        conn.execute(text("UPDATE camera SET status = 'fault' WHERE code = 'T1'"))
    try:
        assert parallel.refresh_with_sessions(county, BUFFER, sessions=2).mode == "incremental"
        assert parallel.refresh_with_sessions(county, BUFFER, sessions=2).mode == "none"
    finally:
        with county.begin() as conn:
            conn.execute(text("UPDATE camera SET status = 'online' WHERE code = 'T1'"))


def test_a_change_made_while_it_runs_is_left_for_the_next_refresh(
    county: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = parallel._deal_tiles

    def deal_then_change(lead: Any, chunks: int) -> None:
        deal(lead, chunks)
        with county.begin() as other:  # another session, committed while the refresh works on
            other.execute(text("UPDATE camera SET range_m = range_m + 50 WHERE code = 'T0'"))

    monkeypatch.setattr(parallel, "_deal_tiles", deal_then_change)
    try:
        parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
        with county.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM coverage_change")).scalar() == 2
            )  # old and new view
        monkeypatch.undo()
        assert parallel.refresh_with_sessions(county, BUFFER, sessions=2).mode == "incremental"
        with county.connect() as conn:
            incremental = raw(conn)
        assert not _diff(_serial(county), incremental, rel=1e-7, abs=1e-3)
    finally:
        with county.begin() as conn:
            conn.execute(text("UPDATE camera SET range_m = range_m - 50 WHERE code = 'T0'"))


def test_a_failing_chunk_leaves_the_figures_and_the_lock(
    county: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, mosaic = _serial(county), _mosaic(county)
    monkeypatch.setattr(parallel, "_ROADS_CHUNK", ("SELECT no_such_function(:j)",))  # the last step
    with pytest.raises(Exception, match="no_such_function"):
        parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
    with county.connect() as conn:
        assert raw(conn) == before  # nothing written to the live tables
    assert _mosaic(county) == mosaic
    monkeypatch.undo()
    done = threading.Event()

    def again() -> None:
        parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=2)
        done.set()

    worker = threading.Thread(target=again)
    worker.start()
    worker.join(timeout=60)
    assert done.is_set()  # the refresh lock was released


def _diff(
    a: dict[str, tuple[Any, ...]],
    b: dict[str, tuple[Any, ...]],
    rel: float = 1e-9,
    abs: float = 0.0,
) -> list[Any]:
    """The units whose figures differ between ``a`` and ``b`` beyond the tolerances."""
    return [
        (k, a[k], b.get(k))
        for k in a
        if k not in b
        or any(x != pytest.approx(y, rel=rel, abs=abs) for x, y in zip(a[k], b[k], strict=True))
    ]


def test_one_session_is_the_serial_refresh(county: Engine) -> None:
    serial = _serial(county)
    report = parallel.refresh_with_sessions(county, BUFFER, full=True, sessions=1)
    assert report.mode == "full"
    with county.connect() as conn:
        assert not _diff(serial, raw(conn))


def test_the_work_unit_table_has_every_column_of_unit_coverage(county: Engine) -> None:
    # a migration adding a column to unit_coverage must add it to coverage_work.unit too
    def columns(schema: str, table: str) -> list[tuple[str, str]]:
        with county.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = :s AND table_name = :t ORDER BY column_name"
                    ),
                    {"s": schema, "t": table},
                )
            ]

    assert columns("coverage_work", "unit") == columns("public", "unit_coverage")
