"""The map page: a Leaflet map whose layers, switcher and legend come from the layer registry."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.i18n import t
from dashboard.state import CATEGORIES, METRICS, STATUSES, WINDOWS, ViewState
from geo.settings import Settings
from layers import Layer, for_page

_STYLE = Namespace("gridsight", "style")
_POINT = Namespace("gridsight", "point")
_FEATURE = Namespace("gridsight", "feature")


def geojson(layer: Layer) -> dl.GeoJSON:
    """The GeoJSON component that draws registry layer ``layer`` (its data is fetched by the browser)."""
    kwargs: dict[str, Any] = {"style": _STYLE(layer.style), "onEachFeature": _FEATURE("lazyPopup")}
    if layer.point:
        kwargs["pointToLayer"] = _POINT(layer.point)
    return dl.GeoJSON(id=ids.layer(layer.id), **kwargs)


def legend(lang: str, page: str = "map") -> list[Any]:
    """Legend entries of every registry layer of ``page``."""
    rows: list[Any] = [html.H3(t("legend", lang), style={"color": "#e5e7eb"})]
    for layer in for_page(page):
        rows.append(html.H3(layer.title(lang)))
        for entry in layer.legend:
            rows.append(html.Div(
                [html.Span(className=f"gs-swatch {entry.shape}", style={"background": entry.color}),
                 html.Span(entry.label(lang))], className="gs-legend-row"))
    return rows


def layout(settings: Settings, bounds: list[list[float]], lang: str) -> html.Div:
    """The whole map page in ``lang`` ('zh' or 'en'). ``bounds`` is the initial view,
    [[south, west], [north, east]] in degrees."""
    base: list[Any] = []
    if settings.tile_url:
        base.append(dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution))
    overlays = [dl.Overlay(geojson(layer), name=layer.title(lang), checked=layer.visible)
                for layer in for_page("map")]
    # dash-leaflet's viewport tracking needs center and zoom as well as the bounds to fit.
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    the_map = dl.Map(
        id=ids.MAP, bounds=bounds, center=center, zoom=11, preferCanvas=True, className="gs-map", maxZoom=19,
        # ``overlays`` must start as the checked names: dash-leaflet filters it when one is unchecked.
        children=[*base, dl.LayersControl(overlays, id=ids.LAYERS_CONTROL, collapsed=False,
                                          overlays=[layer.title(lang) for layer in for_page("map") if layer.visible]),
                  dl.ScaleControl(position="bottomright", imperial=False)],
    )
    header = html.Header(className="gs-header", children=[
        html.H1(t("app_title", lang)), html.Span(t("subtitle", lang), className="gs-sub"),
        html.Div(id=ids.KPIS, className="gs-kpis"),
        html.Div(className="gs-spacer"),
        dcc.Dropdown(id=ids.METRIC, options=[{"label": names[0 if lang == "en" else 1], "value": key}
                                             for key, names in METRICS.items()],
                     value=ViewState.metric, clearable=False, className="gs-metric"),
        dcc.RadioItems(id=ids.WINDOW, options=[{"label": f"{d} {t('days', lang)}", "value": d} for d in WINDOWS],
                       value=ViewState.days, inline=True, className="gs-window"),
        html.A(t("plan_link", lang), id=ids.PLAN_LINK, href=f"/plan?lang={lang}", className="gs-lang-switch"),
        html.A(t("import_link", lang), id=ids.IMPORT_LINK, href=f"/import?lang={lang}", className="gs-lang-switch"),
        # a full reload in the other language, keeping the drill-down state
        html.A("English" if lang == "zh" else "中文", id=ids.LANG_SWITCH,
               href="?lang=" + ("en" if lang == "zh" else "zh"), className="gs-lang-switch"),
        html.A(t("logout", lang), href=f"/logout?lang={lang}", className="gs-lang-switch gs-logout"),
    ])
    def choices(names: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
        return [{"label": label[0 if lang == "en" else 1], "value": key} for key, label in names.items()]

    side = html.Aside(className="gs-side", children=[
        dcc.DatePickerRange(id=ids.RANGE, display_format="YYYY-MM-DD", clearable=True, className="gs-range",
                            start_date_placeholder_text=t("range_start", lang),
                            end_date_placeholder_text=t("range_end", lang)),
        dcc.Dropdown(id=ids.CATEGORIES, options=choices(CATEGORIES), multi=True, value=[],
                     placeholder=t("all_categories", lang), className="gs-filter"),
        dcc.Dropdown(id=ids.STATUSES, options=choices(STATUSES), multi=True, value=[],
                     placeholder=t("all_statuses", lang), className="gs-filter"),
        html.Nav(id=ids.BREADCRUMBS, className="gs-breadcrumbs"),
        html.Div(id=ids.RANKING, className="gs-ranking"),
    ])
    return html.Div(className="gs-app", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.LANG_STORE, data=lang),
        dcc.Store(id=ids.STATE),
        header,
        html.Div(className="gs-body", children=[
            side,
            html.Main(className="gs-main", children=[
                the_map,
                html.Div(legend(lang), id=ids.LEGEND, className="gs-legend"),
                html.Div(id=ids.STATUS, className="gs-status loading"),
            ]),
        ]),
    ])
