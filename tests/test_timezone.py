"""The display time zone is the GRIDSIGHT_TIMEZONE setting: popups, a cell's details and custom
ranges follow it (here Europe/Berlin, which no Asia/Shanghai written in the code would give)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text

from dashboard import build_app
from geo.cell_details import cell_details
from geo.figures import Window, custom_range
from geo.settings import Settings
from tests.accounts import sign_in_client

BERLIN, SHANGHAI = "Europe/Berlin", "Asia/Shanghai"
COUNTY_VIEW = {"bbox": "113.3,37.3,114.1,37.9", "zoom": "16", "lang": "en"}


def _local(moment: dt.datetime, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


@pytest.fixture(scope="module")
def berlin(settings: Settings, engine: Engine) -> FlaskClient:
    client = build_app(settings.replace(timezone=BERLIN), engine).server.test_client()
    sign_in_client(client, "viewer")
    return client


def test_a_custom_range_is_made_of_days_in_the_zone() -> None:
    start, end = custom_range("2026-03-01", "2026-03-02", BERLIN)
    assert start == dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)
    assert custom_range("2026-03-01", "2026-03-02", SHANGHAI)[0] == dt.datetime(
        2026, 2, 28, 16, 0, tzinfo=dt.UTC
    )


def test_an_incidents_popup_shows_its_time_in_the_zone(berlin: FlaskClient, engine: Engine) -> None:
    with engine.connect() as conn:
        code, occurred = conn.execute(
            text("SELECT code, occurred_at FROM incident ORDER BY occurred_at DESC LIMIT 1")
        ).one()
    day = _local(occurred, BERLIN, "%Y-%m-%d")
    view = {**COUNTY_VIEW, "start": day, "end": day}
    popup = berlin.get("/api/layers/incidents/popup", query_string={**view, "fid": code})
    assert popup.status_code == 200, popup.get_data(as_text=True)
    shown = popup.get_data(as_text=True)
    assert _local(occurred, BERLIN) in shown
    assert _local(occurred, SHANGHAI) not in shown


def test_a_custom_range_on_the_map_is_read_in_the_zone(berlin: FlaskClient, engine: Engine) -> None:
    count = "SELECT count(*) FROM incident WHERE occurred_at > :start AND occurred_at <= :end"
    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(occurred_at) FROM incident")).scalar_one()
        for back in range(1, 30):  # a day whose incidents differ between the two zones' days
            day = (last - dt.timedelta(days=back)).date().isoformat()
            counts = {}
            for zone in (BERLIN, SHANGHAI):
                start, end = custom_range(day, day, zone)
                counts[zone] = conn.execute(text(count), {"start": start, "end": end}).scalar()
            if counts[BERLIN] != counts[SHANGHAI]:
                break
    assert counts[BERLIN] != counts[SHANGHAI]
    answer = berlin.get(
        "/api/layers/incidents", query_string={**COUNTY_VIEW, "start": day, "end": day}
    )
    assert answer.status_code == 200
    assert len(answer.get_json()["features"]) == counts[BERLIN]


def test_a_cells_incidents_and_days_are_in_the_zone(conn: Connection) -> None:
    window = Window.last_days(30)
    cell = conn.execute(
        text(
            "SELECT unit_code FROM incident WHERE occurred_at > :start AND length(unit_code) = 15 "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ),
        {"start": window.start},
    ).scalar_one()
    times = dict(
        conn.execute(
            text(
                "SELECT code, occurred_at FROM incident WHERE unit_code = :c "
                "AND occurred_at > :s AND occurred_at <= :e"
            ),
            {"c": cell, "s": window.start, "e": window.end},
        ).all()
    )
    details = cell_details(conn, cell, window, timezone=BERLIN)
    assert details.incidents and len(details.incidents) == len(times)
    for incident in details.incidents:
        assert incident["occurred"] == _local(times[incident["code"]], BERLIN)
    days = {_local(t, BERLIN, "%Y-%m-%d") for t in times.values()}
    assert {d["day"] for d in details.daily} == days
    assert sum(d["count"] for d in details.daily) == len(times)
