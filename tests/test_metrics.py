"""Each metric declared once (geo/metrics.py): the database, the engine, the layer API, the pages
and the exports all follow the table, on the demo county in the real PostGIS."""

from __future__ import annotations

import csv
import doctest
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text

from dashboard import build_app, ids
from dashboard.i18n import t
from dashboard.map import cell_panel
from dashboard.map import layout as map_page
from dashboard.map.notes import notes
from dashboard.plan import callbacks as planning
from dashboard.state import METRICS as PAGE_METRICS
from geo import _coverage_sql as sql
from geo import figures as figures_module
from geo import metrics, plans, verify
from geo._sql import fill
from geo.cell_details import cell_details
from geo.coverage import refresh
from geo.figures import COLUMNS, Window, figures, metric_value
from geo.metrics import COVERAGE, METRICS, Measure, Metric, MosaicClass, Shown
from geo.settings import Settings, SettingsError
from geo.whatif import Camera, Change, Route, what_if
from layers import units
from tests.accounts import sign_in_client

MAP = metrics.shown_in(Shown.MAP)
COUNTY_VIEW = {"bbox": "113.3,37.3,114.1,37.9", "zoom": "11"}


@pytest.fixture(scope="module")
def client(settings: Settings, engine: Engine) -> FlaskClient:
    client = build_app(settings, engine).server.test_client()
    sign_in_client(client, "viewer")
    return client


@pytest.fixture
def refreshed(conn: Connection, settings: Settings) -> Connection:
    """``conn`` with the coverage up to date (other tests commit changes; rolled back after)."""
    refresh(conn, settings.patrol_buffer_m)
    return conn


def _walk(component: Any) -> Iterator[Any]:
    """Every Dash component under ``component`` (itself included), depth first."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _text(component: Any) -> str:
    """The visible text of a component: its strings, not its notes' ('i' marks)."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return children
    if isinstance(children, list | tuple):
        return "".join(c if isinstance(c, str) else "" for c in children)
    return ""


# -- the table itself --------------------------------------------------------------------------


def test_the_table_is_consistent_and_its_examples_hold() -> None:
    import geo.metrics

    assert doctest.testmod(geo.metrics).failed == 0
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys)) and metrics.BY_KEY.keys() == set(keys)
    for lang in ("en", "zh"):  # one wording each, and no two metrics named alike
        labels = [m.label(lang) for m in METRICS]
        assert all(labels) and len(labels) == len(set(labels)), lang
    for m in COVERAGE:  # a coverage metric sums classes, in its column
        assert m.column and m.classes and m.is_percentage, m.key
    for m in METRICS:
        assert m.text(None, "n/a") == "n/a"
        assert m.text(12, "-").endswith(m.suffix)
    # the classes say what covers them: every class is covered by what its name says
    assert {c.name: sorted(x.value for x in c.covers) for c in MosaicClass} == {
        "WORKING_VIEW_AND_PATROL": ["patrol", "working_view"],
        "WORKING_VIEW_ONLY": ["working_view"],
        "OTHER_VIEW_AND_PATROL": ["other_view", "patrol"],
        "OTHER_VIEW_ONLY": ["other_view"],
        "PATROL_ONLY": ["patrol"],
    }
    with pytest.raises(KeyError, match="expected one of camera_area_pct"):
        metrics.get("nope")


def test_every_metric_has_a_value_in_the_figures_and_every_coverage_metric_a_cli_column(
    refreshed: Connection,
) -> None:
    county = figures(refreshed, Window.last_days(30), level="county")[0]
    assert set(county.values) == {m.key for m in METRICS}
    assert all(county.value(m) is not None for m in METRICS)
    with pytest.raises(KeyError, match="expected one of camera_area_pct"):
        county.value("name")
    assert {m.key for m in COVERAGE} <= set(COLUMNS)
    # the exports read a unit's row: the metrics they list are in it
    exported = metrics.shown_in(Shown.PLAN_EXPORT) + metrics.shown_in(Shown.WHATIF)
    assert {m.key for m in exported} <= set(COLUMNS)
    # verify recomputes every coverage metric
    assert [name for name, kind in verify.FIGURES if kind == "pct"] == [m.key for m in COVERAGE]


def test_a_counted_metric_is_one_entry_in_the_table(
    refreshed: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A metric declared as a share of two raw figures reaches every unit's figures."""
    per_camera = metrics.Metric(
        "incidents_per_camera",
        "Incidents per camera",
        "每台摄像机警情",
        suffix="",
        part="incidents",
        whole="cameras",
        per=1,
        decimals=2,
    )
    monkeypatch.setattr(figures_module, "METRICS", (*METRICS, per_camera))
    window = Window.last_days(30)
    for unit in figures(refreshed, window, level="township"):
        expected = None if unit.cameras == 0 else round(unit.incidents / unit.cameras, 2)
        assert unit.value(per_camera) == pytest.approx(expected, abs=0.005), unit.code
    assert any(u.value(per_camera) for u in figures(refreshed, window, level="township"))


def test_every_metric_shown_beside_a_note_has_its_definition_in_both_languages() -> None:
    from dashboard.i18n import STRINGS

    for m in metrics.shown_in(Shown.MAP) + metrics.shown_in(Shown.CELL):  # the "i" marks
        assert STRINGS[f"how_{m.key}"]["en"] and STRINGS[f"how_{m.key}"]["zh"], m.key


# -- the database and the engine -----------------------------------------------------------------


def _columns(conn: Connection, schema: str, table: str) -> dict[str, str]:
    return dict(
        conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = :t"
            ),
            {"s": schema, "t": table},
        ).all()
    )


def test_every_metric_with_a_column_has_it_in_unit_coverage_and_in_the_work_tables(
    conn: Connection,
) -> None:
    live = _columns(conn, "public", "unit_coverage")
    work = _columns(conn, "coverage_work", "unit")
    area, road = (_columns(conn, "coverage_work", t) for t in ("area", "road"))
    for m in METRICS:
        if m.column is not None:
            assert m.column in live and m.column in work, m.key
    for m in COVERAGE:
        assert live[str(m.column)] == "double precision", m.key
        assert str(m.column) in (area if m.measure is Measure.AREA else road), m.key
    # and the other way: every covered part the database keeps is a metric's (none forgotten)
    covered = {c for c, kind in live.items() if kind == "double precision"} - {"area_m2", "road_m"}
    assert covered == {m.column for m in COVERAGE}
    assert set(area) - {"code"} == set(sql.AREA_COLUMNS)
    assert set(road) - {"code"} == set(sql.ROAD_COLUMNS)


def test_the_mosaic_in_the_database_holds_exactly_the_named_classes(conn: Connection) -> None:
    check = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'coverage_piece'::regclass AND contype = 'c'"
        )
    ).scalar_one()
    assert sorted(re.findall(r"'(\w+)'", check)) == sorted(c.value for c in MosaicClass)
    stored = set(conn.execute(text("SELECT DISTINCT kind FROM coverage_piece")).scalars())
    assert stored == {c.value for c in MosaicClass}  # the demo county has pieces of every class


def _covered_area(conn: Connection, code: str, metric: Metric) -> float:
    """The area (m²) of unit ``code`` under the mosaic pieces of ``metric``'s classes, measured
    directly (no roll-up, no per-class sums)."""
    return float(
        conn.execute(
            text(
                "SELECT coalesce(sum(ST_Area(ST_Intersection(p.geom, u.geom_m))), 0) "
                "FROM unit_coverage u JOIN coverage_piece p ON p.geom && u.geom_m "
                f"WHERE u.code = :c AND p.kind IN {metrics.classes_sql(metric.classes)}"
            ),
            {"c": code},
        ).scalar_one()
    )


def _covered_road(conn: Connection, code: str, metric: Metric) -> float:
    """The road length (m) of unit ``code`` (closed: grown by the engine's border tolerance) under
    the union of the mosaic pieces of ``metric``'s classes, measured directly."""
    shape = fill(sql.ROAD_SHAPE, g="u.geom_m")
    return float(
        conn.execute(
            text(f"""
            SELECT coalesce(ST_Length(ST_Intersection(ST_Intersection(r.g, {shape}), c.g)), 0)
            FROM unit_coverage u
            CROSS JOIN LATERAL (SELECT ST_Union(geom) AS g FROM road_piece WHERE geom && u.geom_m) r
            CROSS JOIN LATERAL (SELECT ST_Union(geom) AS g FROM coverage_piece
                                WHERE geom && u.geom_m
                                  AND kind IN {metrics.classes_sql(metric.classes)}) c
            WHERE u.code = :c"""),
            {"c": code},
        ).scalar_one()
    )


def test_the_engines_figures_equal_the_tables_sums_over_the_mosaic(refreshed: Connection) -> None:
    conn = refreshed
    # a township (rolled up from its villages) and its cell with the most road seen by cameras
    township = conn.execute(
        text(
            "SELECT code FROM unit_coverage WHERE level = 'township' "
            "ORDER BY camera_road_m DESC, code LIMIT 1"
        )
    ).scalar_one()
    cell = conn.execute(
        text(
            "SELECT code FROM unit_coverage WHERE level = 'grid' AND code LIKE :t || '%' "
            "AND patrol_area_m2 > 0 ORDER BY camera_road_m DESC, code LIMIT 1"
        ),
        {"t": township},
    ).scalar_one()
    window = Window.last_days(30)
    for code in (township, cell):
        row = dict(
            conn.execute(text("SELECT * FROM unit_coverage WHERE code = :c"), {"c": code})
            .mappings()
            .one()
        )
        shown = figures(conn, window, codes=[code])[0]
        for m in COVERAGE:
            measured = (
                _covered_area(conn, code, m)
                if m.measure is Measure.AREA
                else _covered_road(conn, code, m)
            )
            # a rolled-up parent counts each road crossing a child's border up to BORDER_M more on
            # each side (geo/_coverage_sql.py), at most ROAD_TILING_TOLERANCE of its road length
            tolerance = 1e-6 if m.measure is Measure.AREA else sql.ROAD_TILING_TOLERANCE
            assert row[m.column] == pytest.approx(measured, rel=tolerance, abs=0.01), (code, m.key)
            assert measured > 0 or m is metrics.PATROL_PCT, (code, m.key)
            raw = {**row, str(m.column): measured}
            recomputed = metric_value(m, raw)
            value = shown.value(m)
            assert value is not None and recomputed is not None
            assert abs(value - recomputed) <= 0.1, (code, m.key)


# -- the layer API, the pages and the exports ----------------------------------------------------


def test_the_units_layer_offers_exactly_the_map_metrics_with_the_tables_labels(
    client: FlaskClient, engine: Engine
) -> None:
    assert units.METRIC_FIELDS == metrics.MAP_METRICS == tuple(m.key for m in MAP)
    for m in MAP:
        response = client.get("/api/layers/units", query_string={**COUNTY_VIEW, "metric": m.key})
        assert response.status_code == 200, m.key
        body = json.loads(response.data)
        assert body["features"], m.key
    hidden = next(m for m in METRICS if Shown.MAP not in m.shown)
    refused = client.get("/api/layers/units", query_string={**COUNTY_VIEW, "metric": hidden.key})
    assert refused.status_code == 400
    assert ", ".join(metrics.MAP_METRICS) in refused.get_data(as_text=True)
    with engine.connect() as conn:
        township = conn.execute(
            text("SELECT min(code) FROM unit_coverage WHERE level = 'township'")
        ).scalar_one()
    for lang in ("en", "zh"):
        popup = client.get(
            "/api/layers/units/popup", query_string={**COUNTY_VIEW, "lang": lang, "fid": township}
        ).get_data(as_text=True)
        for m in MAP:
            assert f">{m.heading(lang)}<" in popup, (lang, m.key)


def test_the_drill_downs_dropdown_is_exactly_the_map_metrics_in_both_languages(
    settings: Settings,
) -> None:
    assert {k: v for k, v in PAGE_METRICS.items()} == {m.key: (m.label_en, m.label_zh) for m in MAP}
    bounds = [[37.3, 113.3], [37.9, 114.1]]
    for lang in ("en", "zh"):
        page = map_page.layout(settings, bounds, lang)
        dropdown = next(c for c in _walk(page) if getattr(c, "id", None) == ids.METRIC)
        assert [(o["value"], o["label"]) for o in dropdown.options] == [
            (m.key, m.label(lang)) for m in MAP
        ]
    # the settings accept exactly those
    for m in METRICS:
        if Shown.MAP in m.shown:
            assert Settings.from_env({"GRIDSIGHT_DEFAULT_METRIC": m.key}).default_metric == m.key
        else:
            with pytest.raises(SettingsError, match="expected one of camera_area_pct"):
                Settings.from_env({"GRIDSIGHT_DEFAULT_METRIC": m.key})


def _plan_changes(conn: Connection, settings: Settings) -> list[Change]:
    """What a camera and a route where the last incident happened would change."""
    x, y = conn.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM incident ORDER BY occurred_at DESC LIMIT 1")
    ).one()
    items: list[Camera | Route] = [
        Camera(x, y, 45, 90, 120),
        Route(((x - 0.01, y - 0.003), (x + 0.01, y + 0.003))),
    ]
    return what_if(conn, items, Window.last_days(30), settings.patrol_buffer_m)


def test_the_plan_export_and_the_whatif_table_list_the_tables_metrics(
    refreshed: Connection, settings: Settings
) -> None:
    changes = _plan_changes(refreshed, settings)
    assert changes
    rows = list(csv.DictReader(io.StringIO(plans.summary_csv(changes))))
    assert tuple(rows[0]) == plans.SUMMARY_COLUMNS
    exported = [m.key for m in metrics.shown_in(Shown.PLAN_EXPORT)]
    assert [r["metric"] for r in rows[: len(exported)]] == exported
    assert {r["metric"] for r in rows} == set(exported)
    for lang in ("en", "zh"):
        table = planning.compare_table(changes, lang)
        heads = [_text(c) for c in _walk(table) if type(c).__name__ == "Th" and c.scope == "col"]
        assert heads[1:] == [m.label(lang) for m in metrics.shown_in(Shown.WHATIF)], lang


def test_the_cell_panel_compares_the_tables_metrics_with_its_labels(
    refreshed: Connection,
) -> None:
    window = Window.last_days(30)
    cell = refreshed.execute(
        text("SELECT min(code) FROM unit_coverage WHERE level = 'grid' AND road_m > 0")
    ).scalar_one()
    found = cell_details(refreshed, cell, window, timezone="Asia/Shanghai")
    shown = metrics.shown_in(Shown.CELL)
    for lang in ("en", "zh"):
        panel = cell_panel.panel(
            found, lang, notes(refreshed, window, lang, timezone="Asia/Shanghai")
        )
        table = next(
            c for c in _walk(html_root(panel)) if getattr(c, "className", "") == "gs-compare"
        )
        rows = [r for r in _walk(table) if type(r).__name__ == "Tr"][1:]
        assert [_text(r.children[0]) for r in rows] == [m.label(lang) for m in shown], lang
        values = [[_text(td) for td in r.children[1:]] for r in rows]
        assert values == [[m.text(f.value(m), t("na", lang)) for f in found.figures] for m in shown]


def html_root(children: list[Any]) -> Any:
    """A Div holding ``children``, to walk a panel's list of components as one tree."""
    from dash import html

    return html.Div(children)
