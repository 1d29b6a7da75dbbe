"""The wall display's layout (``/wall``): dark, full screen, the map, the KPI tiles and the feed.

Its one polling callback is in :mod:`dashboard.wall.callbacks`.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.i18n import t
from geo import metrics
from geo.settings import Settings
from layers import units

# the map tells where streets go unseen; the area figure is in the tile
MAP_METRIC = metrics.CAMERA_ROAD_PCT.key
_STYLE = Namespace("gridsight", "style")
_POINT = Namespace("gridsight", "point")


def tour_from(query: str) -> int | None:
    """Seconds per township of ``?tour=N`` in a query string (0 = no tour), or None when absent."""
    raw = parse_qs(query).get("tour", [""])[-1]
    return min(int(raw), 86_400) if raw.isdigit() else None


def _tile(name: str, lang: str) -> html.Div:
    return html.Div(
        className=f"gs-wall-tile gs-wall-{name}",
        children=[
            html.Div(t(f"wall_{name}", lang), className="gs-wall-label"),
            html.Div("–", id=ids.wall_value(name), className="gs-wall-value"),
            html.Div("", id=ids.wall_sub(name), className="gs-wall-sub"),
        ],
    )


def layout(settings: Settings, bounds: list[list[float]], lang: str, tour_s: int) -> html.Div:
    """Build the wall in ``lang``.

    ``bounds`` frames the county; ``tour_s`` > 0 tours the townships.
    """
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    base = (
        [dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution)]
        if settings.tile_url
        else []
    )
    the_map = dl.Map(
        id=ids.WALL_MAP,
        bounds=bounds,
        center=center,
        zoom=11,
        zoomSnap=0.1,
        preferCanvas=True,
        zoomControl=False,
        attributionControl=False,
        className="gs-wall-map",
        children=[
            *base,
            dl.GeoJSON(
                id=ids.WALL_UNITS,
                style=_STYLE("wall_unit"),
                onEachFeature=Namespace("gridsight", "feature")("wall_unit"),
            ),
            dl.GeoJSON(id=ids.WALL_INCIDENTS, pointToLayer=_POINT("wall_incident")),
        ],
    )
    bounds_pct = [b for b, _ in units.RAMP]
    labels = [f"< {b:g} %" for b in bounds_pct[:-1]] + [f"≥ {bounds_pct[-2]:g} %"]
    legend = [
        html.Span([html.I(style={"background": color}), label], className="gs-wall-key")
        for label, (_, color) in zip(labels, units.RAMP, strict=True)
    ]
    return html.Div(
        id=ids.WALL,
        className="gs-wall",
        children=[
            html.Span(str(tour_s), id=ids.WALL_TOUR, hidden=True),  # read by assets/wall.js
            dcc.Store(id=ids.LANG_STORE, data=lang),
            dcc.Store(id=ids.WALL_SEEN),
            dcc.Interval(id=ids.WALL_TICK, interval=int(settings.wall_refresh_s * 1000)),
            html.Header(
                className="gs-wall-header",
                children=[
                    html.H1(t("wall_title", lang)),
                    html.Span(id=ids.WALL_UPDATED, className="gs-wall-updated"),
                    html.Span(
                        t("wall_reconnecting", lang),
                        id=ids.WALL_STATUS,
                        className="gs-wall-status ok",
                    ),
                ],
            ),
            html.Div(
                className="gs-wall-body",
                children=[
                    html.Div(
                        className="gs-wall-left",
                        children=[
                            the_map,
                            html.Div(
                                [
                                    html.Span(
                                        t("wall_legend", lang), className="gs-wall-key-title"
                                    ),
                                    *legend,
                                ],
                                className="gs-wall-legend",
                            ),
                        ],
                    ),
                    html.Div(
                        className="gs-wall-right",
                        children=[
                            html.Div(
                                [
                                    _tile(n, lang)
                                    for n in ("coverage", "cameras", "today", "open", "blind")
                                ],
                                className="gs-wall-tiles",
                            ),
                            html.Section(
                                [
                                    html.H2(t("wall_feed", lang)),
                                    html.Ol(id=ids.WALL_FEED, className="gs-wall-feed"),
                                ],
                                className="gs-wall-feed-box",
                            ),
                            html.Section(
                                [
                                    html.H2(t("wall_hourly", lang)),
                                    html.Div(id=ids.WALL_CHART, className="gs-wall-chart"),
                                ],
                                className="gs-wall-chart-box",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
