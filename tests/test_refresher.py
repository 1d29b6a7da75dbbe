"""Read paths only read; the background refresher picks up rows other programs wrote.

Each test works on its own synthetic county (``gridsight_test_refresher``), so that stale figures
there never reach the demo database the other tests share.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text

from dashboard import build_app, ids
from geo.coverage import REFRESH_LOCK, computed_at, refresh
from geo.refresher import Refresher, refresh_if_stale
from geo.settings import Settings
from tests import coverage_reference as ref
from tests.accounts import make_test_accounts, sign_in_client
from tests.conftest import synthetic_county

BUFFER = 100.0


@pytest.fixture(scope="module")
def county(base_settings: Settings) -> Iterator[Engine]:
    engine = synthetic_county(base_settings, "gridsight_test_refresher")
    make_test_accounts(engine)
    with engine.begin() as conn:
        refresh(conn, BUFFER, full=True)
    yield engine
    engine.dispose()


@pytest.fixture
def stale(county: Engine) -> Iterator[Engine]:
    """The county with one camera written by "another program" (committed, not refreshed); the
    camera is removed and the figures refreshed again after the test."""
    lon, lat = ref.TO_WGS84.transform(ref.X0 + 1000, ref.Y0 + 1000)
    with county.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO camera (code, azimuth_deg, fov_deg, range_m, status, kind, geom) "
                "VALUES ('R1', 0, 360, 80, 'online', 'dome', "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"x": lon, "y": lat},
        )
    yield county
    with county.begin() as conn:
        conn.execute(text("DELETE FROM camera WHERE code = 'R1'"))
        refresh(conn, BUFFER)


def _county_figures(conn: Connection) -> tuple[int, float]:
    cameras, area = conn.execute(
        text("SELECT cameras, camera_area_m2 FROM unit_coverage WHERE code = :c"),
        {"c": ref.COUNTY},
    ).one()
    return int(cameras), float(area)


def _pending(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM coverage_change")).scalar_one())


def test_rows_another_program_wrote_appear_after_the_refresher_period(stale: Engine) -> None:
    with stale.connect() as conn:
        before, computed = _county_figures(conn), computed_at(conn)
        assert _pending(conn) > 0 and before[0] == 0
    refresher = Refresher(stale, BUFFER, period_s=0.3).start()
    try:
        deadline = time.monotonic() + 20
        while refresher.refreshes == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        refresher.stop()
    assert refresher.refreshes == 1
    with stale.connect() as conn:
        cameras, area = _county_figures(conn)
        assert cameras == 1 and area > before[1]
        assert _pending(conn) == 0
        later = computed_at(conn)
        assert computed is not None and later is not None and later > computed


def test_the_refresher_skips_its_turn_while_another_session_refreshes(stale: Engine) -> None:
    with stale.begin() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})
        assert refresh_if_stale(stale, BUFFER) is None
    report = refresh_if_stale(stale, BUFFER)
    assert report is not None and report.mode == "incremental"
    again = refresh_if_stale(stale, BUFFER)
    assert again is not None and again.mode == "none"


def test_a_period_of_zero_is_refused(county: Engine) -> None:
    with pytest.raises(ValueError, match="period_s 0"):
        Refresher(county, BUFFER, 0)


def _call(client: FlaskClient, contains: str, inputs: list[dict[str, Any]]) -> str:
    """Post the Dash callback whose outputs include ``contains``, the way the browser does."""
    roles = client.application.extensions["gridsight_callback_roles"]
    output = next(o for o in roles if contains in o)
    outputs = []
    for part in output.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop})
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": [{"id": ids.LANG_STORE, "property": "data", "value": "en"}],
        "changedPropIds": [],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_data(as_text=True)


def test_opening_a_page_on_stale_data_writes_nothing(
    stale: Engine, base_settings: Settings
) -> None:
    url = stale.url.render_as_string(hide_password=False)
    app = build_app(base_settings.replace(database_url=url, language="en"), stale)
    client = app.server.test_client()
    sign_in_client(client, "viewer")
    with stale.connect() as conn:
        pending, computed, figures = _pending(conn), computed_at(conn), _county_figures(conn)
    assert pending > 0 and computed is not None
    for search in ("", f"?unit={ref.COUNTY}", "?unit=150101001&days=7"):
        _call(client, f"{ids.STATE}.data", [{"id": ids.URL, "property": "search", "value": search}])
    panel = _call(
        client,
        f"{ids.KPIS}.children",
        [{"id": ids.STATE, "property": "data", "value": {"unit": ref.COUNTY}}],
    )
    assert (
        f"figures as of {computed.astimezone(ZoneInfo(base_settings.timezone)).strftime('%H:%M')}"
        in panel
    )
    with stale.connect() as conn:
        assert (_pending(conn), computed_at(conn), _county_figures(conn)) == (
            pending,
            computed,
            figures,
        )


def test_the_period_is_a_setting_and_zero_switches_it_off() -> None:
    from geo.errors import SettingsError

    assert Settings.from_env({}).refresh_s == 60
    assert Settings.from_env({"GRIDSIGHT_REFRESH_S": "0"}).refresh_s == 0
    with pytest.raises(SettingsError, match="GRIDSIGHT_REFRESH_S='-1' is not allowed"):
        Settings.from_env({"GRIDSIGHT_REFRESH_S": "-1"})


def test_create_app_starts_one_refresher_unless_switched_off(
    county: Engine, base_settings: Settings
) -> None:
    import threading

    from app import create_app

    def running() -> int:
        return sum(t.name == "gridsight-refresher" for t in threading.enumerate())

    settings = base_settings.replace(database_url=county.url.render_as_string(hide_password=False))
    before = running()
    create_app(settings.replace(refresh_s=0))
    assert running() == before
    create_app(settings.replace(refresh_s=86_400))  # its first turn a day away: it only waits
    assert running() == before + 1
