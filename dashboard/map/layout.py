"""The map page: a Leaflet map whose layers, switcher and legend come from the layer registry."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.i18n import t
from dashboard.map import playback
from dashboard.map.playback import attrs
from dashboard.state import CATEGORIES, METRICS, STATUSES, WINDOWS, ViewState
from geo import metrics
from geo.settings import Settings
from layers import Layer, for_page, units
from layers.view import FIELDS

_STYLE = Namespace("gridsight", "style")
_POINT = Namespace("gridsight", "point")
_FEATURE = Namespace("gridsight", "feature")


def geojson(layer: Layer) -> dl.GeoJSON:
    """Build the GeoJSON component that draws registry layer ``layer``.

    Its data is fetched by the browser.
    """
    # the drill-down's units drill when clicked (and tell their figures on hover); the others show a
    # popup
    each = "unitTooltip" if layer.id == units.LAYER.id else "lazyPopup"
    kwargs: dict[str, Any] = {"style": _STYLE(layer.style), "onEachFeature": _FEATURE(each)}
    if layer.point:
        kwargs["pointToLayer"] = _POINT(layer.point)
    return dl.GeoJSON(id=ids.layer(layer.id), **kwargs)


def _swatch_row(color: str, shape: str, label: str) -> html.Div:
    return html.Div(
        [html.Span(className=f"gs-swatch {shape}", style={"background": color}), html.Span(label)],
        className="gs-legend-row",
    )


def legend(
    lang: str,
    page: str = "map",
    shown: Sequence[str] | None = None,
    units_block: list[Any] | None = None,
    closed: Collection[str] = (),
) -> list[Any]:
    """Build the legend of ``page``: one collapsible block per layer shown.

    ``shown``: layer titles, as the layer switcher names them; None = every layer. The units layer's
    block is replaced by ``units_block`` (its classes, which depend on the units shown). The blocks
    of the layers in ``closed`` (ids) start collapsed.
    """
    rows: list[Any] = [html.H3(t("legend", lang), className="gs-legend-title")]
    for layer in for_page(page):
        if shown is not None and layer.title(lang) not in shown:
            continue
        entries = (
            units_block
            if layer.id == units.LAYER.id and units_block is not None
            else [
                _swatch_row(entry.color, entry.shape, entry.label(lang)) for entry in layer.legend
            ]
        )
        rows.append(
            html.Details(
                [html.Summary(layer.title(lang)), *entries],
                open=layer.id not in closed,
                className="gs-legend-block",
                **attrs({"data-layer": layer.id}),
            )
        )
    return rows


def view_fields() -> dcc.Store:
    """Return the parameters of a page's state the browser sends with its layer requests.

    They are :data:`layers.view.FIELDS`: ``assets/gridsight.js`` builds the query from this list.
    """
    return dcc.Store(id=ids.VIEW_FIELDS, data={"fields": list(FIELDS)})


def units_legend(classes: units.Classes, state: ViewState, lang: str) -> list[Any]:
    """Build the units layer's legend.

    The class bounds actually used for the shown units, n/a, and the target line when the metric is
    a percentage.
    """
    metric = metrics.get(state.metric)
    rows: list[Any] = [
        html.Div(
            f"{metric.label(lang)} · "
            + (
                t("legend_single", lang)
                if classes.count == 1
                else t("legend_quantiles", lang).format(n=classes.count)
            ),
            className="gs-legend-note",
        )
    ]
    rows += [
        _swatch_row(color, "fill", label)
        for color, label in zip(classes.colors, classes.labels(metric.suffix), strict=True)
    ]
    rows.append(_swatch_row(units.NA_COLOR, "fill", t("na", lang)))
    if metric.is_percentage and state.target is not None:
        rows.append(
            html.Div(
                [
                    html.Span(className="gs-swatch gs-swatch-below"),
                    html.Span(t("legend_below", lang).format(target=f"{state.target:g}")),
                ],
                className="gs-legend-row",
            )
        )
    return rows


def layout(
    settings: Settings, bounds: list[list[float]], lang: str, briefing: bool = False
) -> html.Div:
    """Build the whole map page in ``lang`` ('zh' or 'en').

    ``bounds`` is the initial view, [[south, west], [north, east]] in degrees. ``briefing``: laid
    out for the exported briefing (no controls; the selected unit's figures, the window and a stamp
    line shown).
    """
    base: list[Any] = []
    if settings.tile_url:
        base.append(dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution))
    overlays = [
        dl.Overlay(geojson(layer), name=layer.title(lang), checked=layer.visible)
        for layer in for_page("map")
    ]
    # dash-leaflet's viewport tracking needs center and zoom as well as the bounds to fit.
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    the_map = dl.Map(
        id=ids.MAP,
        bounds=bounds,
        center=center,
        zoom=11,
        preferCanvas=True,
        className="gs-map",
        maxZoom=19,
        # ``overlays`` must start as the checked names: dash-leaflet filters it when one is
        # unchecked.
        children=[
            *base,
            dl.LayersControl(
                overlays,
                id=ids.LAYERS_CONTROL,
                collapsed=False,
                overlays=[layer.title(lang) for layer in for_page("map") if layer.visible],
            ),
            dl.ScaleControl(position="bottomright", imperial=False),
        ],
    )
    header = html.Header(
        className="gs-header",
        children=[
            html.H1(t("app_title", lang), title=t("subtitle", lang)),
            html.Div(id=ids.KPIS, className="gs-kpis"),
            html.Div(className="gs-spacer"),
            dcc.Dropdown(
                id=ids.METRIC,
                options=[
                    {"label": names[0 if lang == "en" else 1], "value": key}
                    for key, names in METRICS.items()
                ],
                value=settings.default_metric,
                clearable=False,
                className="gs-metric",
            ),
            dcc.RadioItems(
                id=ids.WINDOW,
                options=[{"label": f"{d} {t('days', lang)}", "value": d} for d in WINDOWS],
                value=ViewState.days,
                inline=True,
                className="gs-window",
            ),
            html.A(
                t("plan_link", lang),
                id=ids.PLAN_LINK,
                href=f"/plan?lang={lang}",
                className="gs-lang-switch",
            ),
            html.A(
                t("import_link", lang),
                id=ids.IMPORT_LINK,
                href=f"/import?lang={lang}",
                className="gs-lang-switch",
            ),
            # a full reload in the other language, keeping the drill-down state
            html.A(
                "English" if lang == "zh" else "中文",
                id=ids.LANG_SWITCH,
                href="?lang=" + ("en" if lang == "zh" else "zh"),
                className="gs-lang-switch",
            ),
            html.A(
                t("logout", lang), href=f"/logout?lang={lang}", className="gs-lang-switch gs-logout"
            ),
        ],
    )

    def choices(names: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
        return [
            {"label": label[0 if lang == "en" else 1], "value": key} for key, label in names.items()
        ]

    side = html.Aside(
        className="gs-side",
        children=[
            dcc.DatePickerRange(
                id=ids.RANGE,
                display_format="YYYY-MM-DD",
                clearable=True,
                className="gs-range",
                start_date_placeholder_text=t("range_start", lang),
                end_date_placeholder_text=t("range_end", lang),
            ),
            dcc.Dropdown(
                id=ids.CATEGORIES,
                options=choices(CATEGORIES),
                multi=True,
                value=[],
                placeholder=t("all_categories", lang),
                className="gs-filter",
            ),
            dcc.Dropdown(
                id=ids.STATUSES,
                options=choices(STATUSES),
                multi=True,
                value=[],
                placeholder=t("all_statuses", lang),
                className="gs-filter",
            ),
            html.Div(
                className="gs-target-row",
                children=[
                    html.Label(t("target", lang), htmlFor=ids.TARGET),
                    dcc.Input(
                        id=ids.TARGET,
                        type="number",
                        min=0,
                        max=100,
                        step=0.1,
                        value=settings.target_pct,
                        debounce=True,
                        className="gs-target",
                    ),
                    html.Span("%"),
                ],
            ),
            html.Div(
                className="gs-export-row",
                children=[
                    html.A(
                        t("export_briefing", lang) + " · PDF",
                        id=ids.BRIEFING_PDF,
                        className="gs-export",
                        href="/api/briefing.pdf",
                        target="_blank",
                    ),
                    html.A(
                        "PNG",
                        id=ids.BRIEFING_PNG,
                        className="gs-export",
                        href="/api/briefing.png",
                        target="_blank",
                    ),
                ],
            ),
            html.Nav(id=ids.BREADCRUMBS, className="gs-breadcrumbs"),
            html.Div(id=ids.UNIT_FIGURES, className="gs-unit-figures"),
            html.Div(id=ids.RANKING, className="gs-ranking"),
        ],
    )
    return html.Div(
        className="gs-app" + (" gs-briefing" if briefing else ""),
        children=[
            html.Div(
                t("briefing_title", lang), id=ids.BRIEFING_STAMP, className="gs-briefing-stamp"
            ),
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.LANG_STORE, data=lang),
            dcc.Store(id=ids.STATE),
            view_fields(),
            header,
            html.Div(
                className="gs-body",
                children=[
                    side,
                    html.Main(
                        className="gs-main gs-map-main",
                        children=[
                            html.Div(
                                className="gs-map-row",
                                children=[
                                    html.Div(
                                        className="gs-map-area",
                                        children=[
                                            the_map,
                                            html.Div(id=ids.STATUS, className="gs-status loading"),
                                        ],
                                    ),
                                    # beside the map, never over it; scrollable, so reachable by
                                    # keyboard too
                                    html.Div(
                                        legend(lang),
                                        id=ids.LEGEND,
                                        className="gs-legend gs-legend-side",
                                        tabIndex="0",
                                        role="region",
                                        **attrs({"aria-label": t("legend", lang)}),
                                    ),
                                ],
                            ),
                            playback.bar(lang, settings.timezone),
                        ],
                    ),
                ],
            ),
        ],
    )
