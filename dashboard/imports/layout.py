"""The import page's layout (``/import``): the upload, the options, the preview map, the report.

Its callbacks (check, preview, confirm) are in :mod:`dashboard.imports.callbacks`.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.a11y import named
from dashboard.i18n import dropdown_labels, t
from dashboard.imports import help as import_help
from dashboard.imports import steering as import_steering
from etl import uploads
from etl.datum import DATUMS
from etl.fields import LAYERS
from geo.settings import Settings

_STYLE = Namespace("gridsight", "style")
_POINT = Namespace("gridsight", "point")
UPLOAD_ROUTE = "/import/upload"  # assets/upload.js posts here
PREVIEW_MAX = 5_000  # features drawn in the preview
ERRORS_SHOWN = 200
_LAYER_KEYS = {
    "admin": "layer_admin",
    "grids": "layer_grids",
    "roads": "layer_roads",
    "cameras": "layer_cameras",
    "routes": "layer_routes",
    "tracks": "layer_tracks",
    "incidents": "layer_incidents",
}


IMPORT_HELP = "gs-import-help"


def map_center(bounds: list[list[float]]) -> tuple[float, float]:
    """(lon, lat) in degrees of the middle of ``bounds`` ([[south, west], [north, east]])."""
    return (bounds[0][1] + bounds[1][1]) / 2, (bounds[0][0] + bounds[1][0]) / 2


def layout(settings: Settings, bounds: list[list[float]], lang: str) -> html.Div:
    """Build the import page in ``lang``.

    ``bounds`` ([[south, west], [north, east]], EPSG:4326 degrees) frames the empty map.
    """

    def field(label: str, control: Any) -> html.Label:
        return html.Label([html.Span(t(label, lang)), control], className="gs-field")

    form = html.Aside(
        className="gs-side gs-import-form",
        children=[
            html.H2(t("import_title", lang)),
            html.Div(
                field(
                    "import_layer",
                    dcc.Dropdown(
                        id=ids.IMPORT_LAYER,
                        clearable=False,
                        value="cameras",
                        labels=dropdown_labels(lang),
                        options=[
                            {"label": t(_LAYER_KEYS[name], lang), "value": name} for name in LAYERS
                        ],
                    ),
                ),
                **named(t("import_layer", lang)),
            ),
            # The drop zone's files are posted to UPLOAD_ROUTE by assets/upload.js (never base64 in
            # a callback).
            dcc.Upload(
                id=ids.IMPORT_UPLOAD,
                multiple=True,
                max_size=settings.max_upload_mb * 2**20,
                className="gs-upload",
                children=html.Div(t("import_drop", lang)),
            ),
            html.Div(" ".join(uploads.MAIN), className="gs-hint"),
            html.Details(
                open=True,
                className="gs-import-options",
                children=[
                    html.Summary(t("help_title", lang)),
                    html.Div(
                        import_help.help_panel(
                            LAYERS["cameras"], lang, settings.max_upload_mb, *map_center(bounds)
                        ),
                        id=IMPORT_HELP,
                        className="gs-import-help",
                    ),
                ],
            ),
            html.Details(
                className="gs-import-options",
                children=[
                    html.Summary(t("import_options", lang)),
                    field(
                        "import_sublayer",
                        dcc.Input(id=ids.IMPORT_SUBLAYER, type="text", debounce=True),
                    ),
                    field(
                        "import_crs",
                        dcc.Input(
                            id=ids.IMPORT_CRS, type="text", placeholder="EPSG:4326", debounce=True
                        ),
                    ),
                    field(
                        "import_datum",
                        dcc.Dropdown(
                            id=ids.IMPORT_DATUM,
                            value="wgs84",
                            clearable=False,
                            options=[{"label": d.upper(), "value": d} for d in DATUMS],
                        ),
                    ),
                    field(
                        "import_encoding",
                        dcc.Input(
                            id=ids.IMPORT_ENCODING, type="text", placeholder="GBK", debounce=True
                        ),
                    ),
                ],
            ),
            *import_steering.controls(lang),
            dcc.Checklist(
                id=ids.IMPORT_SKIP,
                options=[{"label": t("import_skip", lang), "value": "skip"}],
                value=[],
            ),
            html.Div(id=ids.IMPORT_SUMMARY, className="gs-import-summary"),
            html.Div(id=ids.IMPORT_REPLACEMENT, className="gs-import-replacement"),
            html.Button(
                t("import_confirm", lang),
                id=ids.IMPORT_CONFIRM,
                disabled=True,
                className="gs-button",
            ),
            html.Div(id=ids.IMPORT_RESULT, className="gs-import-result"),
        ],
    )
    preview = dl.GeoJSON(
        id=ids.IMPORT_PREVIEW, style=_STYLE("preview"), pointToLayer=_POINT("preview")
    )
    # the territory's townships, from the map's own layer endpoint, so that a file is seen where it
    # lands
    (s, w), (n, e) = bounds
    territory = dl.GeoJSON(
        url=f"/api/layers/townships?bbox={w},{s},{e},{n}&zoom=11&lang={lang}",
        style=_STYLE("territory"),
        interactive=False,
    )
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    the_map = dl.Map(
        id=ids.IMPORT_MAP,
        bounds=bounds,
        center=center,
        zoom=11,
        maxZoom=19,
        preferCanvas=True,
        className="gs-map",
        children=[territory, preview, dl.ScaleControl(imperial=False)],
    )
    header = html.Header(
        className="gs-header",
        children=[
            html.H1(t("app_title", lang)),
            html.Span(t("import_title", lang), className="gs-sub"),
            html.Div(className="gs-spacer"),
            html.A(t("back_to_map", lang), href=f"/?lang={lang}", className="gs-lang-switch"),
            html.A(
                "English" if lang == "zh" else "中文",
                href="?lang=" + ("en" if lang == "zh" else "zh"),
                className="gs-lang-switch",
            ),
        ],
    )
    return html.Div(
        className="gs-app",
        children=[
            dcc.Store(id=ids.LANG_STORE, data=lang),
            dcc.Store(id=ids.IMPORT_TOKEN),
            header,
            html.Div(
                className="gs-body",
                children=[
                    form,
                    html.Main(
                        className="gs-main",
                        children=[
                            the_map,
                            html.Div(id=ids.IMPORT_ERRORS, className="gs-import-errors"),
                        ],
                    ),
                ],
            ),
        ],
    )
