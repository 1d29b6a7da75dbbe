"""Callbacks of the map page: thin, they wire components to ``geo`` and the layer registry."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from sqlalchemy import Engine

from dashboard import auth, ids
from dashboard.i18n import t
from dashboard.map import drilldown
from dashboard.map import layout as map_page
from dashboard.state import ViewState, parse_target
from geo import hierarchy, jurisdiction
from geo.errors import NotFound
from geo.settings import Settings
from layers import focus, for_page, units

_UNITS_LAYER = {"type": ids.LAYER_TYPE, "index": units.LAYER.id}


def register(app: Dash, engine: Engine, settings: Settings) -> None:
    """Wire the map page's callbacks to ``engine`` (the web app's, scoped).

    They only read: the figures are refreshed where data changes (imports, plans,
    :mod:`geo.refresher`).
    """
    # Every layer is fetched by the browser for the current view and drill-down state.
    app.clientside_callback(  # type: ignore[no-untyped-call]
        ClientsideFunction(namespace="gridsight_cb", function_name="layerData"),
        Output({"type": ids.LAYER_TYPE, "index": ALL}, "data"),
        Output(ids.STATUS, "className"),
        Input(ids.MAP, "bounds"),
        Input(ids.MAP, "zoom"),
        Input(ids.STATE, "data"),
        State(ids.LANG_STORE, "data"),
        State({"type": ids.LAYER_TYPE, "index": ALL}, "id"),
        State(ids.VIEW_FIELDS, "data"),
    )

    # The playback's incidents: fetched by the browser once per unit and window (assets/playback.js)
    app.clientside_callback(  # type: ignore[no-untyped-call]
        ClientsideFunction(namespace="gridsight_play", function_name="load"),
        Output(ids.PLAY_LOADED, "data"),
        Input(ids.STATE, "data"),
        State(ids.LANG_STORE, "data"),
    )

    @app.callback(
        Output(ids.STATE, "data"),
        Output(ids.MAP, "viewport"),
        Output(ids.METRIC, "value"),
        Output(ids.WINDOW, "value"),
        Output(ids.CATEGORIES, "value"),
        Output(ids.STATUSES, "value"),
        Output(ids.RANGE, "start_date"),
        Output(ids.RANGE, "end_date"),
        Output(ids.LANG_SWITCH, "href"),
        Output(ids.TARGET, "value"),
        Input(ids.URL, "search"),
        State(ids.LANG_STORE, "data"),
    )
    def load_state(search: str | None, lang: str) -> tuple[Any, ...]:
        state = ViewState.from_search(search, settings.default_metric, settings.target_pct)
        denied = None
        with engine.begin() as conn:
            if state.unit and not jurisdiction.in_scope(conn, state.unit):  # said so, then the top
                denied, state = state.unit, replace(state, unit=None)
            try:
                focus = hierarchy.get(conn, state.unit) if state.unit else hierarchy.top(conn)[0]
            except NotFound:  # a link to a unit that is gone: show the top instead of failing
                state = replace(state, unit=None)
                focus = hierarchy.top(conn)[0]
        # Leaflet's animated zoom (a flight redraws every feature at every frame); the target bounds
        # travel with the state, so the browser fetches the new level's layers for where the map is
        # going while it moves
        viewport = {"bounds": [list(p) for p in focus.bounds], "transition": "fitBounds"}
        switch = state.search(lang="en" if lang == "zh" else "zh")
        # "focus": the unit shown (the account's top when the address names none)
        data = {
            **state.to_dict(),
            "bounds": viewport["bounds"],
            "denied": denied,
            "focus": focus.code,
        }
        return (
            data,
            viewport,
            state.metric,
            state.days,
            list(state.cat),
            list(state.status),
            state.start,
            state.end,
            switch,
            state.target,
        )

    @app.callback(
        Output(ids.KPIS, "children"),
        Output(ids.BREADCRUMBS, "children"),
        Output(ids.RANKING, "children"),
        Output(ids.UNIT_FIGURES, "children"),
        Output(ids.BRIEFING_PDF, "href"),
        Output(ids.BRIEFING_PNG, "href"),
        Input(ids.STATE, "data"),
        State(ids.LANG_STORE, "data"),
    )
    def panels(data: dict[str, Any] | None, lang: str) -> tuple[Any, ...]:
        state = ViewState.from_dict(data)
        phone = auth.allowed("leader")  # staff phones: leader and above, and every view audited
        with engine.begin() as conn:
            kpis, trail, ranking, unit_figures = drilldown.panels(
                conn, state, lang, phone=phone, timezone=settings.timezone
            )
        if phone and state.unit and len(state.unit) == 15:
            auth.record(
                engine, "personal_data_view", state.unit, detail={"what": "grid worker phone"}
            )
        if data and data.get("denied"):
            trail = [
                html.Span(
                    t("not_in_jurisdiction", lang),
                    className="gs-denied",
                    role="alert",
                    title=str(data["denied"]),
                ),
                *trail,
            ]
        query = state.search(lang=lang)
        return (
            kpis,
            trail,
            ranking,
            unit_figures,
            f"/api/briefing.pdf{query}",
            f"/api/briefing.png{query}",
        )

    @app.callback(
        Output(ids.LEGEND, "children"),
        Input(ids.STATE, "data"),
        Input(ids.LAYERS_CONTROL, "overlays"),
        State(ids.LANG_STORE, "data"),
    )
    def legend(data: dict[str, Any] | None, overlays: list[str] | None, lang: str) -> list[Any]:
        state = ViewState.from_dict(data)
        with engine.begin() as conn:
            classes = drilldown.classes(conn, state, lang, timezone=settings.timezone)
        # the cell's gap and blind incidents are drawn for a cell only
        cell = bool(state.unit and len(state.unit) == 15)
        switched_on = (
            overlays if overlays is not None else [layer.title(lang) for layer in for_page("map")]
        )
        shown = [o for o in switched_on if cell or o != focus.LAYER.title(lang)]
        return map_page.legend(lang, "map", shown, map_page.units_legend(classes, state, lang))

    @app.callback(
        Output(ids.URL, "search"),
        Input(_UNITS_LAYER, "clickData"),
        Input(ids.METRIC, "value"),
        Input(ids.WINDOW, "value"),
        Input(ids.CATEGORIES, "value"),
        Input(ids.STATUSES, "value"),
        Input(ids.RANGE, "start_date"),
        Input(ids.RANGE, "end_date"),
        Input(ids.TARGET, "value"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def navigate(
        click: dict[str, Any] | None,
        metric: str,
        days: int,
        cat: list[str] | None,
        status: list[str] | None,
        start: str | None,
        end: str | None,
        goal: float | None,
        data: dict[str, Any] | None,
    ) -> Any:
        state = ViewState.from_dict(data)
        # A click can arrive while the renderer still has this callback queued for the inputs the
        # previous navigation set: Dash then sends both changes in one call, and the click wins.
        if click and _UNITS_LAYER in ctx.triggered_prop_ids.values():
            target = state.search(unit=click["properties"]["code"])
        else:
            custom = bool(start and end)
            target = state.search(
                metric=metric,
                days=days,
                cat=tuple(cat or ()),
                status=tuple(status or ()),
                start=start[:10] if custom and start else None,
                end=end[:10] if custom and end else None,
                target=parse_target(
                    str(goal), settings.target_pct if state.target is None else state.target
                ),
            )
        return no_update if target == state.search() else target
