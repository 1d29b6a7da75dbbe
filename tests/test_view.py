"""One view state: one class built by keyword, one parser in two modes, the limits of geo.limits,
and the browser's layer query built from the field list the server publishes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from dashboard.state import ViewState
from geo import limits
from geo.errors import DataError
from layers import View
from layers.view import FIELDS, PARAMS

BOX = {"bbox": "113.3,37.3,114.1,37.9", "zoom": "12"}
ADDRESS = "?unit=140724001&metric=patrol_pct&days=7&cat=theft,fraud&status=closed&target=55"


def test_the_pages_and_the_layer_api_share_one_class_built_by_keyword() -> None:
    assert ViewState is View
    with pytest.raises(TypeError):
        View(-180, -90, 180, 90, 0)  # type: ignore[misc]
    view = View(unit="140724001", days=7, cat=("theft",))
    assert (view.west, view.east, view.zoom, view.language) == (-180.0, 180.0, 0, "zh")


def test_an_address_and_a_layer_request_read_the_same() -> None:
    page = View.from_search(ADDRESS, "camera_road_pct", 60.0)
    layer = View.parse({**BOX, **{k: v[-1] for k, v in parse_qs(ADDRESS[1:]).items()}})
    for name in PARAMS:
        if name != "lang":
            assert getattr(page, name) == getattr(layer, name), name
    assert page.cat == ("theft", "fraud") and page.target == 55.0 and page.days == 7
    assert (layer.west, layer.north, layer.zoom) == (113.3, 37.9, 12)


def test_the_state_goes_through_its_store_and_its_address_unchanged() -> None:
    view = View.from_search(ADDRESS + "&lang=en&start=2026-11-01&end=2026-11-15")
    assert View.from_dict(view.to_dict()) == view
    assert View.from_search(view.search()) == view
    assert view.search().startswith("?unit=140724001&metric=patrol_pct&days=7&lang=en&cat=")
    assert "hs" not in view.to_dict() and "hs=" not in view.search()  # the map is not a plan
    plan = View(metric="camera_area_pct", method="lattice")
    assert plan.to_dict()["hs"] == "lattice" and View.from_dict(plan.to_dict()).method == "lattice"
    assert View.from_dict(None) == View(target=60.0)  # an empty store: the page's defaults


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"days": "0"}, "days '0' is not allowed"),
        ({"days": str(limits.WINDOW_DAYS[1] + 1)}, f"from 1 to {limits.WINDOW_DAYS[1]}"),
        ({"metric": "nope"}, "metric 'nope' is not allowed"),
        ({"unit": "12"}, "unit '12' is not a unit code"),
        ({"cat": "theft,nope"}, "cat 'nope' is not allowed"),
        ({"status": "nope"}, "status 'nope' is not allowed"),
        ({"start": "2026-11-15", "end": "2026-11-01"}, "before it starts"),
        ({"hs": "nope"}, "hs 'nope' is not allowed"),
        ({"target": "101"}, "target '101' is not allowed"),
    ],
)
def test_the_layer_api_refuses_what_an_address_corrects(args: dict[str, str], said: str) -> None:
    with pytest.raises(DataError, match=said):
        View.parse({**BOX, **args})
    corrected = View.from_search("?" + "&".join(f"{k}={v}" for k, v in args.items()))
    default = View(target=60.0)
    for name in args:
        field = next(f for f, p in PARAMS.items() if p == name)
        if name == "cat":
            assert corrected.cat == ("theft",)  # the known ones are kept
        else:
            assert getattr(corrected, field) == getattr(default, field), name


def test_the_day_limit_is_geo_limits() -> None:
    longest = str(limits.WINDOW_DAYS[1])
    assert View.parse({**BOX, "days": longest}).days == limits.WINDOW_DAYS[1]
    assert View.from_search(f"?days={longest}").days == limits.WINDOW_DAYS[1]
    assert View.from_search(f"?days={limits.WINDOW_DAYS[1] + 1}").days == View.days


def test_the_browser_names_no_field_of_the_state_itself() -> None:
    script = (Path(__file__).parent.parent / "assets" / "gridsight.js").read_text()
    assert FIELDS == ("unit", "metric", "days", "cat", "status", "start", "end", "hs", "target")
    for param in FIELDS:
        assert f'"&{param}="' not in script, param
    assert "viewFields.fields" in script


@pytest.mark.browser
def test_the_map_sends_every_published_field_of_its_state(blank_page: Page, base_url: str) -> None:
    page = blank_page
    page.goto(base_url + "/" + ADDRESS + "&start=2026-11-01&end=2026-11-15")
    page.wait_for_function("() => window.gridsightMap !== undefined", timeout=20_000, polling=250)
    expect(page.locator(".gs-status.ok")).to_have_count(1, timeout=20_000)
    query = page.evaluate("() => window.gridsightQuery")
    sent = {k: v[-1] for k, v in parse_qs(urlsplit(query).query).items()}
    assert sent == {
        "bbox": sent["bbox"],
        "zoom": sent["zoom"],
        "lang": "en",
        "unit": "140724001",
        "metric": "patrol_pct",
        "days": "7",
        "cat": "theft,fraud",
        "status": "closed",
        "start": "2026-11-01",
        "end": "2026-11-15",
        "target": "55",
    }
