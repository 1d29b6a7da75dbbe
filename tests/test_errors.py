"""The app's one error handler: what an unknown thing, a bad input and an unreachable database get.

The routes raise (:mod:`geo.errors`, SQLAlchemy's ``OperationalError``); ``dashboard.guard`` answers
each with its status and ``{"error": message}``, the same for every route.
"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import text

from dashboard import build_app
from geo.db import database_url, make_engine
from geo.settings import Settings
from tests.accounts import make_test_accounts, sign_in_client
from tests.conftest import synthetic_county

VIEW = "bbox=113.6,37.5,113.8,37.7&zoom=12&lang=en"


def test_an_unknown_layer_is_404(client_as: Callable[[str | None], FlaskClient]) -> None:
    client = client_as("viewer")
    for path in (f"/api/layers/nope?{VIEW}", f"/api/layers?ids=roads,nope&{VIEW}"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.mimetype == "application/json"
        assert answer.get_json()["error"].startswith("no layer 'nope'; known layers: ")


def test_an_unknown_feature_is_404(client_as: Callable[[str | None], FlaskClient]) -> None:
    answer = client_as("viewer").get(f"/api/layers/roads/popup?{VIEW}&fid=no-such-road")
    assert answer.status_code == 404
    assert "no feature 'no-such-road'" in answer.get_json()["error"]


def test_bad_input_is_400_naming_the_value(client_as: Callable[[str | None], FlaskClient]) -> None:
    client = client_as("viewer")
    for path, said in (
        ("/api/layers/roads?bbox=1,2,3&zoom=12", "bbox must be 'west,south,east,north'"),
        (f"/api/layers?ids=roads&{VIEW}&days=0", "days '0' is not allowed"),
        (f"/api/layers?ids=&{VIEW}", "ids must name at least one layer"),
        (f"/api/layers/roads/popup?{VIEW}&metric=nope&fid=1", "metric 'nope' is not allowed"),
        ("/api/playback?days=x", "days 'x' is not allowed"),
    ):
        answer = client.get(path)
        assert answer.status_code == 400, path
        assert said in answer.get_json()["error"], (path, answer.get_json())


def test_a_unit_outside_the_jurisdiction_is_403(
    client_as: Callable[[str | None], FlaskClient],
) -> None:
    client = client_as("township")  # a leader limited to the first township
    answer = client.get(f"/api/layers/roads?{VIEW}&unit=140724999")
    assert answer.status_code == 403
    assert answer.get_json()["error"]


def test_an_unreachable_database_is_503_with_a_plain_message(base_settings: Settings) -> None:
    """Signed in, then the database goes away: every route answers 503 and says so in one line."""
    name = "gridsight_test_gone"
    county = synthetic_county(base_settings, name)
    make_test_accounts(county)
    url = county.url.render_as_string(hide_password=False)
    app = build_app(base_settings.replace(database_url=url, language="en"), county)
    client = app.server.test_client()
    sign_in_client(client, "viewer")
    assert client.get(f"/api/layers/roads?{VIEW}").status_code == 200
    county.dispose()
    admin = make_engine(database_url(base_settings))
    try:
        with admin.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
    for path in (f"/api/layers/roads?{VIEW}", f"/api/layers?ids=roads&{VIEW}", "/api/playback"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert answer.get_json() == {"error": "the database is not reachable; retrying"}
