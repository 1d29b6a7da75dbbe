"""Fixtures: a throwaway PostGIS database per test session, the demo county loaded into it.

The database lives on the embedded cluster (or on the server of DATABASE_URL) under the name
``gridsight_test``; it is dropped and created afresh, migrated from empty, then loaded with the demo
county at a fixed seed and end time. Tests that write use ``conn`` (a rolled-back transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Page
from sqlalchemy import Connection, Engine, text

from etl.loading import load_demo
from geo.db import database_url, make_engine, recreate_database, upgrade
from geo.settings import Settings
from tests.accounts import make_test_accounts, sign_in_client, sign_in_page

TEST_DB = "gridsight_test"
DEMO_SEED = 7
# A fixed end, so numbers are repeatable; close to now, so "the last 30 days" has incidents.
DEMO_END = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings.from_env()


def fresh_database(base_settings: Settings, name: str) -> str:
    """URL of a new, empty database ``name`` on the test server."""
    return recreate_database(database_url(base_settings), name)


def synthetic_county(base_settings: Settings, name: str) -> Engine:
    """A new database ``name`` holding only the synthetic county of tests/coverage_reference.py
    (units, cells and two roads; no cameras, routes or incidents)."""
    from tests import coverage_reference as ref

    engine = make_engine(fresh_database(base_settings, name))
    upgrade(engine)
    with engine.begin() as conn:
        for code, (level, parent, poly) in sorted(ref.UNITS.items(), key=lambda u: len(u[0])):
            wkt = ref.to_wgs84_wkt(poly)
            if level == "grid":
                conn.execute(
                    text(
                        "INSERT INTO grid_cell (code, name, village_code, population, geom) "
                        "VALUES (:c, :c, :p, 100, ST_GeomFromEWKT(:g))"
                    ),
                    {"c": code, "p": parent, "g": wkt},
                )
            else:
                conn.execute(
                    text(
                        "INSERT INTO admin_unit (code, name, level, parent_code, geom) "
                        "VALUES (:c, :c, :l, :p, ST_GeomFromEWKT(:g))"
                    ),
                    {"c": code, "l": level, "p": parent, "g": wkt},
                )
        for code, line in ref.ROADS.items():
            conn.execute(
                text(
                    "INSERT INTO road (code, class, geom) VALUES (:c, 'main', ST_GeomFromEWKT(:g))"
                ),
                {"c": code, "g": ref.to_wgs84_wkt(line)},
            )
    return engine


@pytest.fixture(scope="session")
def synthetic(base_settings: Settings) -> Iterator[Engine]:
    """The synthetic county (:func:`synthetic_county`), built once for the session; tests change it
    only inside :func:`synthetic_tx`, which rolls back."""
    engine = synthetic_county(base_settings, "gridsight_test_synthetic")
    yield engine
    engine.dispose()


@pytest.fixture
def synthetic_tx(synthetic: Engine) -> Iterator[Connection]:
    """A connection to the synthetic county in a transaction rolled back after the test."""
    with synthetic.connect() as conn:
        trans = conn.begin()
        yield conn
        trans.rollback()


@pytest.fixture(scope="session")
def settings(base_settings: Settings) -> Settings:
    """Settings pointing at the session's test database."""
    return base_settings.replace(database_url=fresh_database(base_settings, TEST_DB))


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    assert settings.database_url
    eng = make_engine(settings.database_url)
    upgrade(eng)
    load_demo(eng, seed=DEMO_SEED, end=DEMO_END)
    make_test_accounts(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Stops the clock every window is measured from (``geo.figures.utc_now``) at the test's start,
    so that the windows the test builds and the ones the app builds while serving it are the
    same."""
    import geo.figures

    now = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(geo.figures, "utc_now", lambda: now)
    return now


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        trans = connection.begin()
        try:
            yield connection
        finally:
            trans.rollback()


@pytest.fixture(scope="session")
def base_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The real app (in English) served on loopback, for the browser tests."""
    from dashboard import build_app
    from tests.browser import serve

    with serve(build_app(settings.replace(language="en"), engine)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from tests.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page_as(browser: Browser, base_url: str) -> Iterator[Callable[[str | None], Page]]:
    """``page_as(role)``: a new page signed in (at ``base_url``) as the test account of ``role``
    (None: anonymous) that refuses requests beyond loopback; the test fails on any such request or
    on an uncaught JavaScript error."""
    from tests.browser import offline_page

    external: list[str] = []
    errors: list[str] = []
    pages: list[Page] = []

    def make(role: str | None) -> Page:
        p = offline_page(browser, external, errors)
        pages.append(p)
        if role is not None:
            sign_in_page(p, base_url, role)
        return p

    yield make
    for p in pages:
        p.context.close()
    assert external == [], f"the page asked for outside resources: {external[:5]}"
    assert errors == [], f"JavaScript errors: {errors[:3]}"


@pytest.fixture
def blank_page(page_as: Callable[[str | None], Page]) -> Page:
    """A page signed in as an administrator that refuses requests beyond loopback; the test fails on
    any such request or on an uncaught JavaScript error."""
    return page_as("admin")


@pytest.fixture
def client_as(settings: Settings, engine: Engine) -> Callable[[str | None], FlaskClient]:
    """``client_as(role)``: a Flask test client of the real app signed in as the test account of
    ``role`` (None: anonymous); it sends this server's Origin with every request."""
    from dashboard import build_app

    app = build_app(settings.replace(language="en"), engine)

    def make(role: str | None) -> FlaskClient:
        client = app.server.test_client()
        if role is not None:
            sign_in_client(client, role)
        return client

    return make


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test is a failure here: every test must run against the real PostGIS."""
    if _skipped and exitstatus == 0:
        print(f"\nerror: {len(_skipped)} test(s) skipped; skipping is not allowed: {_skipped[:5]}")
        session.exitstatus = 1


@pytest.fixture(scope="module")
def real_engine(base_settings: Settings) -> Iterator[Engine]:
    """An empty database (``gridsight_test_real``), as a new user's: its first units choose the
    metric CRS."""
    eng = make_engine(fresh_database(base_settings, "gridsight_test_real"))
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def empty(real_engine: Engine) -> Iterator[Connection]:
    """A connection to the empty database, in a transaction rolled back after the test."""
    with real_engine.connect() as connection:
        trans = connection.begin()
        try:
            yield connection
        finally:
            trans.rollback()
