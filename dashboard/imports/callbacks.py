"""The import page's callbacks (``/import``): check a file, preview it on the map, confirm.

The page does what ``python -m etl import`` does, through :mod:`etl.importing`: checking writes
nothing; the import itself is one transaction, followed by the coverage refresh.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from dash import Dash, Input, Output, State, html, no_update
from flask import Flask, Response, request
from sqlalchemy import Engine

from dashboard import auth, guard, ids
from dashboard.i18n import t
from dashboard.imports import help as import_help
from dashboard.imports import steering as import_steering
from dashboard.imports.layout import (
    ERRORS_SHOWN,
    IMPORT_HELP,
    PREVIEW_MAX,
    UPLOAD_ROUTE,
    map_center,
)
from etl import uploads
from etl.fields import LAYERS
from etl.importing import ImportOptions, ImportRefused, Prepared, check_file, import_file
from etl.messages import describe
from geo.errors import DataError, GridsightError
from geo.settings import Settings


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
            bad=len({e.number for e in checked.errors}),  # features, not problems
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
            LAYERS[layer], lang, settings.max_upload_mb, *map_center(initial_bounds(engine))
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
