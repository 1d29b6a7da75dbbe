"""The import page (``/import``): upload a file, see it checked and previewed on a map, confirm.

The page does what ``python -m etl import`` does, through :mod:`etl.importing`: checking writes
nothing; the import itself is one transaction, followed by the coverage refresh.
"""

from __future__ import annotations

import json
from typing import Any

import dash_leaflet as dl
import shapely
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash_extensions.javascript import Namespace
from flask import Flask, Response, request
from sqlalchemy import Engine

from dashboard import auth, guard, ids
from dashboard.a11y import named
from dashboard.i18n import dropdown_labels, t
from dashboard.imports import help as import_help
from dashboard.imports import steering as import_steering
from etl import uploads
from etl.datum import DATUMS
from etl.fields import LAYERS
from etl.importing import ImportOptions, ImportRefused, Prepared, check_file, import_file
from etl.messages import describe
from geo.errors import DataError, GridsightError
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


def _center(bounds: list[list[float]]) -> tuple[float, float]:
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
                            LAYERS["cameras"], lang, settings.max_upload_mb, *_center(bounds)
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


def _preview(prepared: Prepared) -> tuple[dict[str, Any], list[list[float]] | None]:
    rows = prepared.checked.rows[:PREVIEW_MAX]
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(r["geom"])),
            "properties": {"code": str(r.get("code") or r.get("unit") or "")},
        }
        for r in rows
    ]
    if not rows:
        return {"type": "FeatureCollection", "features": []}, None
    w, s, e, n = shapely.total_bounds([r["geom"] for r in rows])
    pad = 0.002  # degrees: a single point has empty bounds, which Leaflet cannot fit
    return {"type": "FeatureCollection", "features": features}, [
        [s - pad, w - pad],
        [n + pad, e + pad],
    ]


def _summary(prepared: Prepared, lang: str) -> list[Any]:
    checked = prepared.checked
    lines = [
        t("import_checked", lang).format(
            total=prepared.total,
            good=len(checked.rows),
            bad=len(checked.errors),
            repaired=len(checked.repaired),
        )
    ]
    return [html.P(line) for line in lines + prepared.notes + checked.repaired[:20]]


def _errors(prepared: Prepared, lang: str) -> Any:
    errors = prepared.checked.errors
    if not errors:
        return None
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in ("err_feature", "err_code", "err_field", "err_value", "err_expected")
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(e.number),
                html.Td(e.code or ""),
                html.Td(e.field),
                html.Td("" if e.value is None else str(e.value)),
                html.Td(describe(e, prepared.spec, lang)),
            ]
        )
        for e in errors[:ERRORS_SHOWN]
    ]
    more = (
        [html.P(t("err_more", lang).format(n=len(errors) - ERRORS_SHOWN))]
        if len(errors) > ERRORS_SHOWN
        else []
    )
    return [
        html.H3(f"{prepared.source}: {len(errors)} {t('err_title', lang)}"),
        html.Table([html.Thead(head), html.Tbody(body)], className="gs-error-table"),
        *more,
    ]


def register(app: Dash, engine: Engine, settings: Settings) -> None:
    """Wire the import page's callbacks."""
    server: Flask = app.server

    @server.post(UPLOAD_ROUTE)
    def upload() -> Response:
        """Receive ``multipart/form-data`` with one or more ``file`` parts, streamed to disk.

        A Shapefile comes with its siblings. Answers ``{"token": ...}``, which the page's check and
        confirm then name.
        """
        parts = request.files.getlist("file")
        if not parts:
            raise DataError(
                "the request holds no file: expected multipart/form-data with a 'file' part"
            )
        token, main = uploads.save(
            [(f.filename or "", f.stream) for f in parts], guard.identity(), settings
        )
        return Response(
            json.dumps({"token": token, "file": main.name}, ensure_ascii=False),
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )

    @app.callback(
        Output(IMPORT_HELP, "children"),
        Input(ids.IMPORT_LAYER, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def help_for(layer: str, lang: str) -> Any:
        from dashboard import initial_bounds  # the page's module imports this one

        return import_help.help_panel(
            LAYERS[layer], lang, settings.max_upload_mb, *_center(initial_bounds(engine))
        )

    @app.callback(
        Output(ids.IMPORT_SUMMARY, "children"),
        Output(ids.IMPORT_ERRORS, "children"),
        Output(ids.IMPORT_PREVIEW, "data"),
        Output(ids.IMPORT_MAP, "viewport"),
        Output(ids.IMPORT_CONFIRM, "disabled"),
        Output(ids.IMPORT_REPLACEMENT, "children"),
        Input(ids.IMPORT_TOKEN, "data"),
        Input(ids.IMPORT_LAYER, "value"),
        Input(ids.IMPORT_SUBLAYER, "value"),
        Input(ids.IMPORT_CRS, "value"),
        Input(ids.IMPORT_DATUM, "value"),
        Input(ids.IMPORT_ENCODING, "value"),
        Input(ids.IMPORT_SKIP, "value"),
        *import_steering.inputs(),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def check(
        token: str | None,
        layer: str,
        sublayer: str | None,
        crs: str | None,
        web_datum: str,
        encoding: str | None,
        skip: list[str],
        *rest: Any,
    ) -> tuple[Any, ...]:
        *steer, lang = rest
        empty = {"type": "FeatureCollection", "features": []}
        if not token:
            return None, None, empty, no_update, True, None
        try:
            options = _options(sublayer, crs, web_datum, encoding, skip, steer)
            path = uploads.find(token, guard.identity(), settings)
            prepared = check_file(engine, layer, path, options, settings)
            blocked = not prepared.checked.rows or (
                bool(prepared.checked.errors) and not options.skip_invalid
            )
            deletion = (
                None
                if blocked
                else import_steering.would_delete(engine, layer, path, options, settings)
            )
        except GridsightError as exc:
            return html.P(str(exc), className="gs-error"), None, empty, no_update, True, None
        data, bounds = _preview(prepared)
        viewport = {"bounds": bounds, "transition": "fitBounds"} if bounds else no_update
        replacement = import_steering.listing(deletion, lang)
        return (
            _summary(prepared, lang),
            _errors(prepared, lang),
            data,
            viewport,
            blocked,
            replacement,
        )

    @app.callback(
        Output(ids.IMPORT_RESULT, "children"),
        Output(ids.IMPORT_TOKEN, "data", allow_duplicate=True),
        Input(ids.IMPORT_CONFIRM, "n_clicks"),
        State(ids.IMPORT_TOKEN, "data"),
        State(ids.IMPORT_LAYER, "value"),
        State(ids.IMPORT_SUBLAYER, "value"),
        State(ids.IMPORT_CRS, "value"),
        State(ids.IMPORT_DATUM, "value"),
        State(ids.IMPORT_ENCODING, "value"),
        State(ids.IMPORT_SKIP, "value"),
        *import_steering.states(),
        prevent_initial_call=True,
    )
    def confirm(
        clicks: int | None,
        token: str | None,
        layer: str,
        sublayer: str | None,
        crs: str | None,
        web_datum: str,
        encoding: str | None,
        skip: list[str],
        *steer: Any,
    ) -> tuple[Any, Any]:
        if not clicks or not token:
            return no_update, no_update
        try:
            options = _options(sublayer, crs, web_datum, encoding, skip, list(steer))
            result = import_file(
                engine, layer, uploads.find(token, guard.identity(), settings), options, settings
            )
        except ImportRefused as exc:
            auth.record(
                engine,
                "import",
                layer,
                outcome="refused",
                detail={"error": str(exc).splitlines()[0]},
            )
            return html.P(str(exc).splitlines()[0], className="gs-error"), no_update
        except GridsightError as exc:
            auth.record(engine, "import", layer, outcome="error", detail={"error": str(exc)})
            return html.P(str(exc), className="gs-error"), no_update
        auth.record(
            engine,
            "import",
            layer,
            detail={"summary": result.summary(), "replace": options.replace},
        )
        uploads.discard(token, settings)
        return html.P(result.summary(), className="gs-ok"), None


def _options(
    sublayer: str | None,
    crs: str | None,
    web_datum: str,
    encoding: str | None,
    skip: list[str],
    steer: list[Any],
) -> ImportOptions:
    """Build the command line's options object from the page's controls.

    ``steer``: the values of :func:`import_steering.inputs`, in order.
    """
    base = ImportOptions(
        layer=(sublayer or "").strip() or None,
        crs=(crs or "").strip() or None,
        datum=web_datum or "wgs84",
        encoding=(encoding or "").strip() or None,
        skip_invalid="skip" in (skip or []),
    )
    return import_steering.options(base, steer)
