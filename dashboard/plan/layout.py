"""The planning page: hot spots, patrol dosage, blind spots, what-ifs, optimisation, routes.

What-ifs are drawn on the map or typed, and saved as plans; cameras are optimised and patrol routes
suggested.

Its map draws the registry's layers of the 'plan' page through the same layer endpoints as the map
page (the hot-spot method and window travel in the view state).
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.a11y import named
from dashboard.i18n import dropdown_labels, t
from dashboard.map.layout import geojson, legend, view_fields
from dashboard.state import WINDOWS
from geo import metrics
from geo.settings import Settings
from layers import View, for_page

# Drawn at first on the planning map (the others are in its layer switcher).
SHOWN = ("townships", "roads", "routes", "hotspots", "blindspots")
_STYLE = Namespace("gridsight", "style")
_POINT = Namespace("gridsight", "point")


def _field(label: str, control: Any, lang: str) -> html.Label:
    return html.Label([html.Span(t(label, lang)), control], className="gs-field")


def _number(suffix: str, value: float, low: float, high: float, step: float = 1) -> dcc.Input:
    return dcc.Input(
        id=f"{ids.PLAN_CAM}-{suffix}",
        type="number",
        value=value,
        min=low,
        max=high,
        step=step,
        debounce=True,
        className="gs-plan-num",
    )


# The layers a planner reads the analysis against: their legend blocks start collapsed, so that the
# legend leaves the county in view (the analysis layers' blocks stay open).
_BACKGROUND = ("townships", "roads", "routes", "cameras", "incidents")


def _map(settings: Settings, bounds: list[list[float]], lang: str) -> dl.Map:
    layers = for_page("plan")
    base: list[Any] = []
    if settings.tile_url:
        base.append(dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution))
    overlays = [
        dl.Overlay(geojson(layer), name=layer.title(lang), checked=layer.id in SHOWN)
        for layer in layers
    ]
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    return dl.Map(
        id=ids.MAP,
        bounds=bounds,
        center=center,
        zoom=11,
        preferCanvas=True,
        className="gs-map",
        maxZoom=19,
        children=[
            *base,
            dl.LayersControl(
                overlays, collapsed=True, overlays=[x.title(lang) for x in layers if x.id in SHOWN]
            ),
            dl.GeoJSON(
                id=ids.PLAN_SUGGEST_LAYER,
                style=_STYLE("plan_item"),
                pointToLayer=_POINT("plan_camera"),
            ),
            dl.GeoJSON(
                id=ids.PLAN_ITEMS_LAYER,
                style=_STYLE("plan_item"),
                pointToLayer=_POINT("plan_camera"),
            ),
            dl.FeatureGroup(
                [
                    dl.EditControl(
                        id=ids.PLAN_EDIT,
                        position="topleft",
                        draw={
                            "marker": True,
                            "polyline": True,
                            "polygon": False,
                            "rectangle": False,
                            "circle": False,
                            "circlemarker": False,
                        },
                        edit={"edit": False},
                    )
                ]
            ),
            dl.ScaleControl(position="bottomright", imperial=False),
        ],
    )


def layout(
    settings: Settings, bounds: list[list[float]], lang: str, units: list[str], saved: Any
) -> html.Div:
    """Build the planning page in ``lang``.

    ``units`` are the patrol units offered for route suggestion, ``saved`` the list of saved plans.
    """
    header = html.Header(
        className="gs-header",
        children=[
            html.H1(t("plan_title", lang)),
            html.Span(t("app_title", lang), className="gs-sub"),
            html.Div(className="gs-spacer"),
            html.Div(
                dcc.RadioItems(
                    id=ids.PLAN_DAYS,
                    value=30,
                    inline=True,
                    className="gs-window",
                    options=[{"label": f"{d} {t('days', lang)}", "value": d} for d in WINDOWS],
                ),
                **named(t("plan_window", lang)),
            ),
            html.Div(
                dcc.RadioItems(
                    id=ids.PLAN_METHOD,
                    inline=True,
                    className="gs-window",
                    value="lattice",
                    options=[
                        {"label": t("plan_lattice", lang), "value": "lattice"},
                        {"label": t("plan_cells", lang), "value": "cells"},
                    ],
                ),
                **named(t("plan_method", lang)),
            ),
            html.A(t("map_link", lang), href=f"/?lang={lang}", className="gs-lang-switch"),
            html.A(
                "English" if lang == "zh" else "中文",
                href="/plan?lang=" + ("en" if lang == "zh" else "zh"),
                className="gs-lang-switch",
            ),
        ],
    )
    analysis = html.Aside(
        className="gs-side gs-plan-side",
        children=[
            html.Div(id=ids.PLAN_SUMMARY, className="gs-plan-summary"),
            html.H3(t("plan_blind", lang)),
            html.Div(id=ids.PLAN_BLIND, className="gs-plan-table"),
            html.H3(t("plan_dosage", lang)),
            html.Div(id=ids.PLAN_DOSAGE, className="gs-plan-table"),
        ],
    )
    tools = html.Aside(
        className="gs-side gs-plan-side gs-plan-tools",
        children=[
            html.H3(t("plan_whatif", lang)),
            html.P(t("plan_whatif_hint", lang), className="gs-hint"),
            html.Div(
                className="gs-plan-cam",
                children=[
                    _field(
                        "plan_lon",
                        _number("lon", round(center_lon(bounds), 5), -180, 180, 0.00001),
                        lang,
                    ),
                    _field(
                        "plan_lat",
                        _number("lat", round(center_lat(bounds), 5), -90, 90, 0.00001),
                        lang,
                    ),
                    _field("plan_az", _number("az", 0, 0, 359.9, 0.1), lang),
                    _field("plan_fov", _number("fov", 90, 1, 360), lang),
                    _field("plan_range", _number("range", 100, 5, 2000), lang),
                ],
            ),
            html.Button(t("plan_add", lang), id=ids.PLAN_CAM_ADD, className="gs-button"),
            html.Div(id=ids.PLAN_RESULT, className="gs-plan-table"),
            html.Div(
                className="gs-plan-row",
                children=[
                    dcc.Input(
                        id=ids.PLAN_NAME,
                        type="text",
                        placeholder=t("plan_name", lang),
                        className="gs-plan-name",
                    ),
                    html.Button(t("plan_save", lang), id=ids.PLAN_SAVE, className="gs-button"),
                    html.Button(
                        t("plan_discard", lang),
                        id=ids.PLAN_DISCARD,
                        className="gs-button gs-secondary",
                    ),
                ],
            ),
            html.Div(id=ids.PLAN_MESSAGE, className="gs-plan-message"),
            html.H3(t("plan_saved", lang)),
            html.Div(saved, id=ids.PLAN_LIST, className="gs-plan-list"),
            html.H3(t("plan_optimise", lang)),
            html.Div(
                className="gs-plan-row",
                children=[
                    _field(
                        "plan_count",
                        dcc.Input(
                            id=ids.PLAN_OPT_N,
                            type="number",
                            value=10,
                            min=1,
                            max=50,
                            step=1,
                            className="gs-plan-num",
                        ),
                        lang,
                    ),
                    html.Button(t("plan_run", lang), id=ids.PLAN_OPT_RUN, className="gs-button"),
                ],
            ),
            html.Button(
                t("plan_use", lang),
                id=ids.PLAN_OPT_USE,
                className="gs-button gs-small",
                disabled=True,
            ),
            dcc.Loading(html.Div(id=ids.PLAN_OPT_OUT, className="gs-plan-table"), type="dot"),
            html.H3(t("plan_route", lang)),
            html.Div(
                className="gs-plan-row",
                children=[
                    html.Div(
                        dcc.Dropdown(
                            id=ids.PLAN_ROUTE_UNIT,
                            options=units,
                            value=units[0] if units else None,
                            clearable=False,
                            className="gs-plan-unit",
                            labels=dropdown_labels(lang),
                        ),
                        **named(t("plan_unit_patrol", lang)),
                    ),
                    html.Div(
                        dcc.RadioItems(
                            id=ids.PLAN_ROUTE_SHIFT,
                            value="night",
                            inline=True,
                            options=[
                                {"label": t(f"shift_{s}", lang), "value": s}
                                for s in ("day", "night", "all")
                            ],
                        ),
                        **named(t("plan_shift", lang)),
                    ),
                    _field(
                        "plan_budget",
                        dcc.Input(
                            id=ids.PLAN_ROUTE_BUDGET,
                            type="number",
                            value=20,
                            min=1,
                            max=200,
                            className="gs-plan-num",
                        ),
                        lang,
                    ),
                    html.Button(t("plan_run", lang), id=ids.PLAN_ROUTE_RUN, className="gs-button"),
                ],
            ),
            html.Button(
                t("plan_use", lang),
                id=ids.PLAN_ROUTE_USE,
                className="gs-button gs-small",
                disabled=True,
            ),
            dcc.Loading(html.Div(id=ids.PLAN_ROUTE_OUT, className="gs-plan-table"), type="dot"),
        ],
    )
    return html.Div(
        className="gs-app gs-plan",
        children=[
            dcc.Store(id=ids.LANG_STORE, data=lang),
            dcc.Store(
                id=ids.STATE,
                data=View(metric=metrics.CAMERA_AREA_PCT.key, method="lattice").to_dict(),
            ),
            view_fields(),
            dcc.Store(id=ids.PLAN_ITEMS, data=[]),
            dcc.Store(id=ids.PLAN_SELECTED, data=None),
            dcc.Store(id=ids.PLAN_SUGGESTED, data={}),
            dcc.Download(id=ids.PLAN_DOWNLOAD),
            header,
            html.Div(
                className="gs-body",
                children=[
                    analysis,
                    html.Main(
                        className="gs-main",
                        children=[
                            _map(settings, bounds, lang),
                            html.Div(
                                legend(lang, "plan", closed=_BACKGROUND),
                                className="gs-legend gs-plan-legend",
                            ),
                            html.Div(id=ids.STATUS, className="gs-status loading"),
                        ],
                    ),
                    tools,
                ],
            ),
        ],
    )


def center_lon(bounds: list[list[float]]) -> float:
    """Return the longitude (degrees) midway across ``bounds`` ([[south, west], [north, east]])."""
    return (bounds[0][1] + bounds[1][1]) / 2


def center_lat(bounds: list[list[float]]) -> float:
    """Return the latitude (degrees) midway across ``bounds`` ([[south, west], [north, east]])."""
    return (bounds[0][0] + bounds[1][0]) / 2
