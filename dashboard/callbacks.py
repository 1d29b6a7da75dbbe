"""Callbacks of the map page: thin, they only wire components to the registry's endpoints."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State

from dashboard import ids


def register(app: Dash) -> None:
    """Load every layer for the current view from its endpoint (fetched by the browser)."""
    app.clientside_callback(  # type: ignore[no-untyped-call]
        ClientsideFunction(namespace="gridsight_cb", function_name="layerData"),
        Output({"type": ids.LAYER_TYPE, "index": ALL}, "data"),
        Output(ids.STATUS, "className"),
        Input(ids.MAP, "bounds"),
        Input(ids.MAP, "zoom"),
        State(ids.LANG_STORE, "data"),
        State({"type": ids.LAYER_TYPE, "index": ALL}, "id"),
    )
