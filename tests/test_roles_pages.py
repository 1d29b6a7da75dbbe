"""Roles and jurisdiction beyond the map: a planner may not apply a plan (applying writes the real
layers: the data role), and an account limited to a township sees only its township on the wall and
the planning page, in Chromium."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo import accounts, audit, plans
from geo.figures import Window, figures
from geo.whatif import Camera
from tests.accounts import PASSWORD, sign_in_page

# the page and the test count incidents in one window: the clock stops for each test (issue 20)
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]


def _apply_request(client: FlaskClient, plan_id: int) -> dict[str, object]:
    """The body the planning page posts when the plan's Apply button is clicked."""
    roles = client.application.extensions["gridsight_callback_roles"]
    output = next(o for o in roles if "gs-plan-message" in o)
    button = {"index": f"apply:{plan_id}", "type": "gs-plan-action"}
    return {
        "output": output,
        "outputs": [
            {"id": "gs-plan-message", "property": "children"},
            {"id": "gs-plan-list", "property": "children"},
            {"id": "gs-plan-download", "property": "data"},
        ],
        "inputs": [
            {"id": "gs-plan-save", "property": "n_clicks", "value": None},
            [{"id": button, "property": "n_clicks", "value": 1}],
        ],
        "state": [
            {"id": "gs-plan-name", "property": "value", "value": ""},
            {"id": "gs-plan-items", "property": "data", "value": []},
            {"id": "gs-plan-days", "property": "value", "value": 30},
            {"id": "gs-lang", "property": "data", "value": "en"},
        ],
        "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
    }


@pytest.fixture
def saved_plan(engine: Engine) -> Iterator[int]:
    with engine.begin() as conn:
        plan_id = plans.save(conn, "role test", [Camera(113.7, 37.6, 0, 90, 100)])
    yield plan_id
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM plan WHERE id = :p"), {"p": plan_id})


def test_a_planner_may_not_apply_a_plan(
    client_as: Callable[[str | None], FlaskClient], engine: Engine, saved_plan: int
) -> None:
    planner = client_as("planner")
    answer = planner.post("/_dash-update-component", json=_apply_request(planner, saved_plan))
    assert answer.status_code == 200 and "gs-error" in answer.get_data(as_text=True)
    with engine.connect() as conn:
        applied = conn.execute(
            text("SELECT applied_at FROM plan WHERE id = :p"), {"p": saved_plan}
        ).scalar()
        denied = audit.events(conn, kind="denied", limit=10_000)[-1]
    assert applied is None and denied.account == "test-planner"


def _townships(engine: Engine) -> tuple[str, list[str]]:
    """The first township's code, and the names of all the others."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, name FROM admin_unit WHERE level = 'township' ORDER BY code")
        ).all()
    return rows[0][0], [r[1] for r in rows[1:]]


def test_a_township_account_sees_only_its_township_on_the_wall(
    page_as: Callable[[str | None], Page], base_url: str, engine: Engine
) -> None:
    mine, others = _townships(engine)
    with engine.connect() as conn:
        township = figures(conn, Window.last_days(30), codes=[mine])[0]
    page = page_as("township")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base_url}/wall?lang=zh")
    expect(page.locator(".gs-wall-item").first).to_be_visible(timeout=30_000)
    expect(page.locator("#gs-wall-cameras-value")).to_have_text(
        f"{township.cameras_online} / {township.cameras}"
    )
    page.wait_for_timeout(1000)
    body = page.content()
    assert not [name for name in others if name in body]


def test_a_township_planner_plans_only_in_its_township(
    page_as: Callable[[str | None], Page], base_url: str, engine: Engine
) -> None:
    mine, others = _townships(engine)
    with engine.begin() as conn:
        if (
            conn.execute(
                text("SELECT count(*) FROM account WHERE name = 'township-planner'")
            ).scalar()
            == 0
        ):
            accounts.add(conn, "township-planner", "planner", PASSWORD, unit_code=mine)
    page = page_as(None)
    sign_in_page(page, base_url, "planner", username="township-planner")
    page.goto(f"{base_url}/plan?lang=zh")
    expect(page.locator("#gs-plan-hot-count")).not_to_have_text("", timeout=60_000)
    page.wait_for_timeout(1000)
    body = page.content()
    assert not [name for name in others if name in body]
