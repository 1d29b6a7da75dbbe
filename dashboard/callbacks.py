"""Callbacks of the map page: thin, they only wire components to the registry's endpoints."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State

from dashboard import ids


def register(app: Dash) -> None:
    """Point every layer at its endpoint for the current view (client-side: no server round trip)."""
    app.clientside_callback(
        ClientsideFunction(namespace="gridsight_cb", function_name="layerUrls"),
        Output({"type": ids.LAYER_TYPE, "index": ALL}, "url"),
        Input(ids.MAP, "bounds"),
        Input(ids.MAP, "zoom"),
        State(ids.LANG_STORE, "data"),
        State({"type": ids.LAYER_TYPE, "index": ALL}, "id"),
    )
