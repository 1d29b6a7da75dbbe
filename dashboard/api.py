"""HTTP routes the map reads: one GeoJSON endpoint per registry layer, for the current view."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from flask import Flask, Response, request, send_file
from sqlalchemy import Connection, Engine

import layers
from dashboard import guard
from dashboard.i18n import t
from geo import jurisdiction, limits
from geo.errors import DataError, NotFound, PermissionDenied
from geo.settings import Settings
from layers import View


def _bounded(heavy: bool) -> AbstractContextManager[None]:
    """Take a slot of expensive work for a heavy layer (hot spots...), nothing for the others."""
    return guard.heavy() if heavy else nullcontext()


# CJK fonts the app can serve to screens without one (Debian's fonts-wqy-microhei, installed by
# scripts/install-system.sh); assets/gridsight.css asks for it after the fonts the screen has.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class OutOfJurisdiction(PermissionDenied):
    """A request for a unit outside the account's jurisdiction (answered 403)."""


def _check_scope(conn: Connection, view: View) -> None:
    """Refuse a view of a unit the request's jurisdiction does not hold, in the view's language."""
    if view.unit and not jurisdiction.in_scope(conn, view.unit):
        raise OutOfJurisdiction(t("not_in_jurisdiction", view.language))


def register_api(server: Flask, engine: Engine, settings: Settings) -> None:
    """Add the layer endpoints to ``server``.

    ``GET /api/layers/<layer_id>?bbox=w,s,e,n&zoom=z&lang=zh|en`` (the features of a view),
    ``GET /api/layers?ids=a,b,...&<the same>`` (several layers in one answer: what the map asks for)
    and ``GET /api/layers/<layer_id>/popup?fid=...&<the same>`` (one feature's popup).

    Errors are answered by the app's one error handler (:func:`dashboard.guard.install`): an unknown
    layer or feature 404, a malformed view 400, a unit outside the jurisdiction 403, an unreachable
    database 503.
    """

    @server.get("/fonts/cjk")
    def cjk_font() -> Response:
        font = next((f for f in CJK_FONTS if f.is_file()), None)
        if font is None:
            raise NotFound(
                "no CJK font installed on the server (apt-get install fonts-wqy-microhei)"
            )
        return send_file(font, mimetype="font/collection", max_age=7 * 24 * 3600)

    @server.get("/api/layers/<layer_id>/popup")
    def feature_popup(layer_id: str) -> Response:
        """``?fid=`` and the view's arguments: the popup HTML of one feature (values escaped)."""
        layer = layers.get(layer_id)
        view = View.parse(request.args, settings.window_days, settings.timezone)
        with _bounded(layer.heavy), engine.connect() as conn:
            _check_scope(conn, view)
            body = layer.popup_html(conn, view, request.args.get("fid", ""), settings.max_features)
        return Response(body, mimetype="text/html", headers={"Cache-Control": "no-store"})

    @server.get("/api/layers")
    def layers_features() -> Response:
        """Answer ``{id: FeatureCollection}`` for every layer of ``?ids=``.

        One request per view rather than one per layer (a browser opens at most six connections to
        a server at a time).
        """
        wanted = limits.distinct(
            "ids", request.args.get("ids", "").split(","), len(layers.REGISTRY)
        )
        chosen = [layers.get(i) for i in wanted]
        view = View.parse(request.args, settings.window_days, settings.timezone)
        if not chosen:
            raise DataError("ids must name at least one layer, e.g. ids=townships,cameras")
        with _bounded(any(layer.heavy for layer in chosen)), engine.connect() as conn:
            _check_scope(conn, view)
            parts = [
                f"{json.dumps(layer.id)}: {layer.features_json(conn, view, settings.max_features)}"
                for layer in chosen
            ]
        return Response(
            "{" + ", ".join(parts) + "}",
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )

    @server.get("/api/layers/<layer_id>")
    def layer_features(layer_id: str) -> Response:
        layer = layers.get(layer_id)
        view = View.parse(request.args, settings.window_days, settings.timezone)
        with _bounded(layer.heavy), engine.connect() as conn:
            _check_scope(conn, view)
            body = layer.features_json(conn, view, settings.max_features)
        return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})
