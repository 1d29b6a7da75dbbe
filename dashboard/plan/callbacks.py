"""Callbacks of the planning page: thin, they wire the controls to ``geo``, format the answers.

The controls reach hot spots, dosage, blind spots, what-if, plans, optimisation and routing.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from dashboard import auth, guard, ids
from dashboard.i18n import STRINGS, t
from dashboard.map.drilldown import fmt
from geo import dosage, jurisdiction, limits, metrics, optimise, plans, routing
from geo.errors import DataError, GridsightError, PermissionDenied
from geo.figures import Window
from geo.hotspots import METHODS, spot_points
from geo.places import names_at
from geo.settings import Settings
from geo.whatif import Camera, Change, Route, check_items, view_shapes, what_if
from layers import View, blindspots
from layers.hotspots import analysis, cached, planning_window

_CAM_FIELDS = ("lon", "lat", "az", "fov", "range")
_COMPARED = metrics.shown_in(metrics.Shown.WHATIF)
_ORDER = {"province": -2, "city": -1, "county": 0, "township": 1, "village": 2, "grid": 3}


def county_view(days: Any, method: Any, timezone: str) -> View:
    """Build a view of everything (planning works on the whole territory) for the window and method.

    Times are in ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).

    Raises :class:`~geo.errors.DataError` for a window outside the limits or an unknown method.
    """
    method = method or "lattice"
    if method not in METHODS:
        raise DataError(f"method {method!r} is not allowed: expected one of {', '.join(METHODS)}")
    days = limits.window_days(days or 30)
    return View(zoom=10, days=days, method=method, timezone=timezone)


def to_items(data: Any) -> list[Camera | Route]:
    """Read the what-if items of the page's store as :mod:`geo.whatif` objects.

    They are checked against the limits (:class:`~geo.errors.DataError` for a malformed or
    impossible item, or too many).
    """
    if not isinstance(data, list) or len(data) > limits.MAX_ITEMS:
        raise DataError(f"expected a list of at most {limits.MAX_ITEMS} cameras and routes")
    out: list[Camera | Route] = []
    try:
        for d in data:
            if d["kind"] == "camera":
                out.append(
                    Camera(
                        *(
                            limits.number(k, d[k], -1e9, 1e9)
                            for k in ("lon", "lat", "azimuth_deg", "fov_deg", "range_m")
                        )
                    )
                )
            else:
                out.append(
                    Route(
                        tuple(
                            (
                                limits.number("lon", p[0], -180, 180),
                                limits.number("lat", p[1], -90, 90),
                            )
                            for p in d["points"][: limits.MAX_ROUTE_POINTS + 1]
                        )
                    )
                )
    except (KeyError, IndexError, TypeError):
        raise DataError(
            "a what-if item is malformed: expected {kind: camera, lon, lat, azimuth_deg, fov_deg, "
            "range_m} or {kind: route, points: [[lon, lat], ...]}"
        ) from None
    check_items(out)
    return out


def from_items(items: list[Camera | Route], source: str) -> list[dict[str, Any]]:
    """:mod:`geo.whatif` objects as store entries, marked with where they came from."""
    return [
        {
            "kind": "camera",
            "lon": i.lon,
            "lat": i.lat,
            "azimuth_deg": i.azimuth_deg,
            "fov_deg": i.fov_deg,
            "range_m": i.range_m,
            "source": source,
        }
        if isinstance(i, Camera)
        else {"kind": "route", "points": [list(p) for p in i.points], "source": source}
        for i in items
    ]


def drawn(
    geojson: dict[str, Any] | None, items: list[dict[str, Any]], az: float, fov: float, rng: float
) -> list[dict[str, Any]]:
    """Make store entries for what the EditControl holds: lines are patrol routes, markers cameras.

    A marker already placed keeps its own azimuth, field of view and range (``items``, matched by
    position to 1e-9°); a new one takes the form's.
    """
    placed = {
        (round(i["lon"], 9), round(i["lat"], 9)): i
        for i in items
        if i["kind"] == "camera" and i["source"] == "draw"
    }
    out: list[dict[str, Any]] = []
    for f in (geojson or {}).get("features", []):
        g = f.get("geometry") or {}
        if g.get("type") == "Point":
            lon, lat = g["coordinates"][:2]
            old = placed.get((round(lon, 9), round(lat, 9)))
            out.append(
                old
                if old is not None
                else {
                    "kind": "camera",
                    "lon": lon,
                    "lat": lat,
                    "azimuth_deg": float(az or 0) % 360,
                    "fov_deg": float(fov or 90),
                    "range_m": float(rng or 100),
                    "source": "draw",
                }
            )
        elif g.get("type") == "LineString" and len(g["coordinates"]) >= 2:
            out.append(
                {"kind": "route", "points": [p[:2] for p in g["coordinates"]], "source": "draw"}
            )
    return out


def edited(
    items: list[dict[str, Any]],
    selected: int | None,
    az: float | None,
    fov: float | None,
    rng: float | None,
) -> list[dict[str, Any]]:
    """Give the selected camera of ``items`` (index ``selected``) the form's values.

    They are its azimuth (degrees clockwise from north), field of view (degrees) and range (metres);
    ``items`` is unchanged when nothing valid is selected or a value is missing.
    """
    if (
        selected is None
        or not 0 <= selected < len(items)
        or items[selected]["kind"] != "camera"
        or None in (az, fov, rng)
    ):
        return items
    cam = dict(
        items[selected],
        azimuth_deg=float(az or 0) % 360,
        fov_deg=float(fov or 90),
        range_m=float(rng or 100),
    )
    return [cam if n == selected else i for n, i in enumerate(items)]


def items_layer(
    conn: Any, items: list[Camera | Route], color: str = "#facc15", selected: int | None = None
) -> dict[str, Any]:
    """Build GeoJSON (EPSG:4326) of what-if items.

    Camera points (with their azimuth and field of view in degrees, for the wedge symbol drawn at
    every zoom) and view sectors, route lines. ``index`` is the item's position in ``items``; the
    one at ``selected`` is marked.
    """
    cams = [(n, i) for n, i in enumerate(items) if isinstance(i, Camera)]
    features: list[dict[str, Any]] = []
    shapes = view_shapes(conn, [c for _, c in cams])
    for k, ((n, cam), shape) in enumerate(zip(cams, shapes, strict=True)):
        props = {"kind": "view", "color": color, "n": k + 1, "index": n, "selected": n == selected}
        features.append({"type": "Feature", "geometry": json.loads(shape), "properties": props})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [cam.lon, cam.lat]},
                "properties": {
                    **props,
                    "kind": "camera",
                    "azimuth": cam.azimuth_deg,
                    "fov": cam.fov_deg,
                },
            }
        )
    for route in (i for i in items if isinstance(i, Route)):
        line = {"type": "LineString", "coordinates": [list(p) for p in route.points]}
        features.append(
            {"type": "Feature", "geometry": line, "properties": {"kind": "route", "color": color}}
        )
    return {"type": "FeatureCollection", "features": features}


def compare_table(
    changes: list[Change] | tuple[Change, ...], lang: str, limit: int = 12
) -> html.Table | str:
    """Tabulate before → after of the affected units.

    The county and townships come first, then the units that change most. Each cell holds the figure
    before and, under it, the figure after, so the six columns fit a 440-pixel panel; the headers
    carry the definition as a tooltip.
    """
    if not changes:
        return ""
    ranked = sorted(
        changes, key=lambda c: (_ORDER[c.before.level] > 1, _ORDER[c.before.level], c.before.code)
    )
    head = html.Tr(
        [html.Th(t("plan_unit", lang), scope="col")]
        + [html.Th(m.label(lang), title=_tip(m.key, lang), scope="col") for m in _COMPARED]
    )
    rows = []
    for c in ranked[:limit]:
        b, a = c.before.row(), c.after.row()
        cells: list[Any] = [html.Th(f"{b['name']}", title=b["code"], scope="row")]
        for m in _COMPARED:
            changed = a[m.key] != b[m.key]
            before, after = m.text(b[m.key], t("na", lang)), m.text(a[m.key], t("na", lang))
            cells.append(
                html.Td(
                    [
                        html.Span(before, className="gs-before"),
                        " → ",
                        html.Span(after, className="gs-after"),
                    ],
                    className="gs-changed" if changed else "",
                )
            )
        rows.append(html.Tr(cells, className=f"gs-level-{b['level']}", **{"data-code": b["code"]}))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="gs-compare gs-whatif")


def _tip(key: str, lang: str) -> str | None:
    """Return the tooltip of column ``key`` (``tip_<key>``: its definition and unit), if any."""
    return t(f"tip_{key}", lang) if f"tip_{key}" in STRINGS else None


def register(app: Dash, engine: Engine, settings: Settings, owner: Engine) -> None:
    """Wire the planning page's callbacks to ``engine`` (the web app's, scoped).

    Applying a plan writes the real layers, as ``owner``, once the plan is seen to lie in the
    jurisdiction.
    """
    _register_analysis(app, engine, settings)
    _register_whatif(app, engine, settings)
    _register_plans(app, engine, settings, owner)
    _register_suggestions(app, engine, settings)


def _register_analysis(app: Dash, engine: Engine, settings: Settings) -> None:
    @app.callback(
        Output(ids.STATE, "data", allow_duplicate=True),
        Output(ids.PLAN_SUMMARY, "children"),
        Output(ids.PLAN_BLIND, "children"),
        Output(ids.PLAN_DOSAGE, "children"),
        Input(ids.PLAN_DAYS, "value"),
        Input(ids.PLAN_METHOD, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def analyse(days: int, method: str, lang: str) -> tuple[Any, ...]:
        view = county_view(days, method, settings.timezone)
        window = planning_window(view)
        with guard.heavy(), engine.begin() as conn:
            result = analysis(conn, view)
            blind = blindspots.spots(conn, view)
            dose = cached(
                conn,
                ("dosage", window, view.hotspot_method, settings.patrol_buffer_m),
                lambda: dosage.hot_spot_dosage(
                    conn, result, window, settings.patrol_buffer_m, settings.timezone
                ),
            )
            places = names_at(conn, [(b.lon, b.lat) for b in blind[:15]])
            points = spot_points(conn, result)
            spots = [s.id for s in result.hot_spots if s.id in points]
            hot_places = dict(zip(spots, names_at(conn, [points[s] for s in spots]), strict=True))
        state = replace(view, metric=metrics.CAMERA_AREA_PCT.key).to_dict()
        zone = ZoneInfo(settings.timezone)
        return (
            state,
            _summary(result, dose, view.days, zone, lang),
            _blind_table(blind, places, lang),
            _dosage_table(result, dose, hot_places, lang),
        )


def _summary(result: Any, dose: dosage.Report, days: int, zone: ZoneInfo, lang: str) -> list[Any]:
    share = dose.share_visited()
    never = dose.never_visited()
    period = (
        "—"
        if dose.period is None
        else t("plan_period_text", lang).format(
            start=f"{dose.period[0].astimezone(zone):%Y-%m-%d %H:%M}",
            end=f"{dose.period[1].astimezone(zone):%Y-%m-%d %H:%M}",
            zone=zone.key,
            days=days,
        )
    )
    return [
        html.Div(
            [
                html.Span(t("plan_hotspots", lang)),
                html.B(str(len(result.hot_spots)), id="gs-plan-hot-count"),
            ]
        ),
        html.Div([html.Span(t("plan_visited", lang)), html.B(fmt(share, lang))]),
        html.Div(
            [
                html.Span(t("plan_never", lang)),
                html.B(", ".join(never) or "—", className="gs-never"),
            ]
        ),
        html.Div(html.Span(period, id="gs-plan-period"), className="gs-hint"),
    ]


def _head(keys: list[str], lang: str) -> html.Tr:
    """Build a header row: each column's name with its definition and unit as a tooltip.

    The tooltip is the string ``tip_<key>``.
    """
    return html.Tr(
        [
            html.Th(
                t(k, lang),
                title=_tip(k, lang),
                scope="col",
            )
            for k in keys
        ]
    )


def _fly_row(cells: list[Any], target: str, lang: str, **kwargs: Any) -> html.Tr:
    """Build a table row that selects a spot: click or Enter flies the map to it.

    The flight is ``assets/plan.js``'s.
    """
    attrs: dict[str, Any] = {"data-fly": target, **kwargs}
    return html.Tr(cells, tabIndex=0, title=t("plan_fly", lang), **attrs)


def _blind_table(blind: list[Any], places: list[str], lang: str) -> html.Table:
    kinds = blindspots.KIND
    rows = [
        _fly_row(
            [
                html.Td(str(n)),
                html.Td(kinds[b.kind][0 if lang == "en" else 1]),
                html.Th(b.id, scope="row"),
                html.Td(place or "–", className="gs-place"),
                html.Td(str(b.incidents)),
            ],
            f"{b.kind}:{b.id}",
            lang,
        )
        for n, (b, place) in enumerate(zip(blind[:15], places, strict=False), 1)
    ]
    head = _head(["plan_rank", "plan_kind", "plan_id", "plan_place", "col_unguarded"], lang)
    return html.Table(
        [html.Thead(head), html.Tbody(rows)],
        className="gs-compare gs-spots",
        id="gs-plan-blind-table",
    )


def _dosage_table(
    result: Any, dose: dosage.Report, places: dict[str, str], lang: str
) -> html.Table:
    by_id = {d.id: d for d in dose.areas}

    def hours(v: float | None) -> str:
        return "—" if v is None else f"{v / 60:.1f}"

    rows = []
    for spot in result.hot_spots:
        d = by_id.get(spot.id)
        if d is None:
            continue
        if d.total_visits:
            gap = f"{hours(d.longest_gap_min['day'])} / {hours(d.longest_gap_min['night'])}"
        else:  # never visited: the whole period is a gap, which a figure of 12 h would hide
            gap = t("plan_never_short", lang)
        rows.append(
            _fly_row(
                [
                    html.Th(spot.id, scope="row"),
                    html.Td(places.get(spot.id) or "–", className="gs-place"),
                    html.Td(str(spot.incidents)),
                    html.Td(f"{d.visits['day']} / {d.visits['night']}"),
                    html.Td(f"{sum(d.minutes.values()):.0f}"),
                    html.Td(gap),
                ],
                f"hot:{spot.id}",
                lang,
                className="" if d.total_visits else "gs-never",
            )
        )
    head = _head(
        ["plan_id", "plan_place", "col_incidents_all", "plan_visits", "plan_minutes", "plan_gap"],
        lang,
    )
    return html.Table(
        [html.Thead(head), html.Tbody(rows)],
        className="gs-compare gs-spots",
        id="gs-plan-dosage-table",
    )


def _register_whatif(app: Dash, engine: Engine, settings: Settings) -> None:
    place = [State(f"{ids.PLAN_CAM}-{f}", "value") for f in ("lon", "lat")]
    angles = [f"{ids.PLAN_CAM}-{f}" for f in ("az", "fov", "range")]

    # One callback from the edit to the numbers: a second one chained on the store would cost a
    # second round trip for every camera placed. The form's azimuth, field of view and range edit
    # the selected camera (the last placed or typed, or the one clicked on the map); selecting a
    # camera fills the form with its values.
    @app.callback(
        Output(ids.PLAN_ITEMS, "data"),
        Output(ids.PLAN_EDIT, "editToolbar"),
        Output(ids.PLAN_RESULT, "children"),
        Output(ids.PLAN_ITEMS_LAYER, "data"),
        Output(ids.PLAN_SELECTED, "data"),
        *[Output(a, "value") for a in angles],
        Input(ids.PLAN_EDIT, "geojson"),
        Input(ids.PLAN_CAM_ADD, "n_clicks"),
        Input(ids.PLAN_DISCARD, "n_clicks"),
        Input({"type": ids.PLAN_ACTION, "index": ALL}, "n_clicks"),
        Input(ids.PLAN_OPT_USE, "n_clicks"),
        Input(ids.PLAN_ROUTE_USE, "n_clicks"),
        Input(ids.PLAN_ITEMS_LAYER, "clickData"),
        *[Input(a, "value") for a in angles],
        State(ids.PLAN_ITEMS, "data"),
        State(ids.PLAN_SELECTED, "data"),
        State(ids.PLAN_SUGGESTED, "data"),
        State(ids.PLAN_DAYS, "value"),
        State(ids.LANG_STORE, "data"),
        *place,
        prevent_initial_call=True,
    )
    def edit(
        geojson: dict[str, Any] | None,
        _add: Any,
        discard: Any,
        _actions: Any,
        _opt: Any,
        _route: Any,
        click: dict[str, Any] | None,
        az: float | None,
        fov: float | None,
        rng: float | None,
        items: list[dict[str, Any]],
        selected: int | None,
        suggested: dict[str, Any],
        days: int,
        lang: str,
        lon: float | None,
        lat: float | None,
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        toolbar: Any = no_update
        form: list[Any] = [no_update] * 3
        clicked = ctx.triggered[0]["value"] if ctx.triggered else None
        if trigger == ids.PLAN_DISCARD:
            items, toolbar, selected = (
                [],
                {"mode": "remove", "action": "clear all", "n_clicks": discard},
                None,
            )
        elif trigger == ids.PLAN_EDIT:
            was = items[selected] if selected is not None and 0 <= selected < len(items) else None
            old = {id(i) for i in items}
            items = [i for i in items if i["source"] != "draw"] + drawn(
                geojson, items, az or 0, fov or 90, rng or 100
            )
            new = [n for n, i in enumerate(items) if id(i) not in old and i["kind"] == "camera"]
            same = [n for n, i in enumerate(items) if i is was]
            selected = new[-1] if new else (same[0] if same else None)
        elif trigger == ids.PLAN_CAM_ADD and None not in (lon, lat, az, fov, rng):
            typed = {
                "kind": "camera",
                "lon": float(lon or 0),
                "lat": float(lat or 0),
                "azimuth_deg": float(az or 0) % 360,
                "fov_deg": float(fov or 90),
                "range_m": float(rng or 100),
                "source": "form",
            }
            items, selected = [*items, typed], len(items)
        elif trigger in (ids.PLAN_OPT_USE, ids.PLAN_ROUTE_USE):
            key = "cameras" if trigger == ids.PLAN_OPT_USE else "route"
            items = items + [dict(i, source="suggested") for i in suggested.get(key, [])]
        elif (
            isinstance(trigger, dict)
            and str(trigger.get("index", "")).startswith("load:")
            and clicked
        ):
            with engine.begin() as conn:
                plan = plans.get(conn, _action(trigger["index"])[1])
            items, selected = from_items(list(plan.items), "plan"), None
        elif trigger == ids.PLAN_ITEMS_LAYER and click:
            selected = (click.get("properties") or {}).get("index")
            if (
                selected is None
                or not 0 <= selected < len(items)
                or items[selected]["kind"] != "camera"
            ):
                return (no_update,) * 8
            cam = items[selected]
            form = [cam["azimuth_deg"], cam["fov_deg"], cam["range_m"]]
        elif trigger in angles:
            changed = edited(items, selected, az, fov, rng)
            if changed == items:
                return (no_update,) * 8
            items = changed
        else:
            return (no_update,) * 8
        result, layer = evaluate(items, selected, days, lang)
        return (items, toolbar, result, layer, selected, *form)

    def evaluate(
        data: list[dict[str, Any]], selected: int | None, days: int, lang: str
    ) -> tuple[Any, Any]:
        try:
            items = to_items(data or [])
        except GridsightError as exc:
            return html.Div(str(exc), className="gs-error"), no_update
        if not items:
            return "", {"type": "FeatureCollection", "features": []}
        try:
            with guard.heavy(), engine.begin() as conn:
                changes = what_if(
                    conn,
                    items,
                    Window.last_days(limits.window_days(days or 30)),
                    settings.patrol_buffer_m,
                )
                layer = items_layer(conn, items, selected=selected)
        except GridsightError as exc:
            return html.Div(str(exc), className="gs-error"), no_update
        except OperationalError as exc:
            if not guard.cancelled(exc):
                raise
            return html.Div(
                guard.timeout_message(settings.statement_timeout_s), className="gs-error"
            ), no_update
        cams = sum(1 for i in items if isinstance(i, Camera))
        note = t("plan_items", lang).format(cameras=cams, routes=len(items) - cams)
        chosen = (
            html.Div(
                _selected_text(data[selected], lang), className="gs-hint", id="gs-plan-selected"
            )
            if selected is not None
            and 0 <= selected < len(data)
            and data[selected]["kind"] == "camera"
            else None
        )
        count = html.Div(note, className="gs-hint", id="gs-plan-item-count")
        return [count, chosen, compare_table(changes, lang)], layer


def _selected_text(cam: dict[str, Any], lang: str) -> str:
    return t("plan_selected", lang).format(
        az=cam["azimuth_deg"], fov=cam["fov_deg"], range=cam["range_m"]
    )


def _register_plans(app: Dash, engine: Engine, settings: Settings, owner: Engine) -> None:
    @app.callback(
        Output(ids.PLAN_MESSAGE, "children"),
        Output(ids.PLAN_LIST, "children"),
        Output(ids.PLAN_DOWNLOAD, "data"),
        Input(ids.PLAN_SAVE, "n_clicks"),
        Input({"type": ids.PLAN_ACTION, "index": ALL}, "n_clicks"),
        State(ids.PLAN_NAME, "value"),
        State(ids.PLAN_ITEMS, "data"),
        State(ids.PLAN_DAYS, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def manage(
        _save: Any,
        _actions: Any,
        name: str | None,
        data: list[dict[str, Any]],
        days: int,
        lang: str,
    ) -> tuple[Any, Any, Any]:
        trigger, message = ctx.triggered_id, ""
        download: Any = no_update
        try:
            window = Window.last_days(limits.window_days(days or 30))
            with engine.begin() as conn:
                if trigger == ids.PLAN_SAVE:
                    plan_id = plans.save(conn, name or "", to_items(data or []))
                    auth.record(conn, "plan_saved", f"plan {plan_id}", detail={"name": name})
                    message = f"#{plan_id} ✓"
                elif isinstance(trigger, dict) and ctx.triggered[0]["value"]:
                    verb, plan_id = _action(trigger["index"])
                    if verb == "apply":
                        if not auth.allowed("data"):  # applying writes the real layers: data role
                            raise PermissionDenied(t("forbidden", lang))
                        plans.get(conn, plan_id)  # NotFound unless the plan is in the jurisdiction
                        jurisdiction.check_plan_in_scope(conn, plan_id)
                        with (
                            owner.begin() as engine_conn
                        ):  # a write and its refresh: the owner, unbounded
                            plans.apply(engine_conn, plan_id, settings.patrol_buffer_m)
                        auth.record(conn, "plan_applied", f"plan {plan_id}")
                        message = f"#{plan_id} {t('plan_applied', lang)}"
                    elif verb == "delete":
                        plans.delete(conn, plan_id)
                        auth.record(conn, "plan_deleted", f"plan {plan_id}")
                    elif verb == "export":
                        body = base64.b64encode(
                            _export_zip(conn, plan_id, window, settings)
                        ).decode()
                        auth.record(conn, "export", f"plan {plan_id}", detail={"format": "zip"})
                        download = {
                            "content": body,
                            "filename": f"plan-{plan_id}.zip",
                            "base64": True,
                            "type": "application/zip",
                        }
                listing = plan_list(conn, lang)
        except GridsightError as exc:
            if isinstance(exc, PermissionDenied):
                auth.record(engine, "denied", f"apply {trigger}", outcome="needs data")
            with engine.begin() as conn:
                return html.Span(str(exc), className="gs-error"), plan_list(conn, lang), no_update
        return message, listing, download


def _action(index: Any) -> tuple[str, int]:
    """``"verb:plan id"`` of a plan's button as (verb, id); :class:`DataError` when malformed."""
    verb, _, number = str(index).partition(":")
    if (
        verb not in ("load", "export", "apply", "delete")
        or not number.isdigit()
        or len(number) > 12
    ):
        raise DataError(
            f"plan action {index!r} is not allowed: expected load|export|apply|delete:<plan id>"
        )
    return verb, int(number)


def _export_zip(conn: Any, plan_id: int, window: Window, settings: Settings) -> bytes:
    geojson, summary = plans.export(conn, plan_id, window, settings.patrol_buffer_m)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"plan-{plan_id}.geojson", geojson)
        z.writestr(
            f"plan-{plan_id}-summary.csv", "\ufeff" + summary
        )  # with a BOM, for spreadsheet programs
    return out.getvalue()


def plan_list(conn: Any, lang: str) -> Any:
    """List the saved plans, newest first, each with its buttons."""
    saved = plans.plans(conn)
    if not saved:
        return html.Div(t("plan_none", lang), className="gs-hint")

    def button(verb: str, plan_id: int, label: str) -> html.Button:
        return html.Button(
            t(label, lang),
            id={"type": ids.PLAN_ACTION, "index": f"{verb}:{plan_id}"},
            className="gs-button gs-small",
        )

    rows = []
    for p in saved:
        cams = len(p.cameras)
        note = t("plan_items", lang).format(cameras=cams, routes=len(p.routes))
        state = f" · {t('plan_applied', lang)}" if p.applied_at else ""
        actions = [button("load", p.id, "plan_load"), button("export", p.id, "plan_export")]
        if p.applied_at is None:
            actions += [button("apply", p.id, "plan_apply"), button("delete", p.id, "plan_delete")]
        rows.append(
            html.Div(
                [
                    html.B(f"#{p.id} {p.name}"),
                    html.Span(f" {note}{state}", className="gs-hint"),
                    html.Div(actions),
                ],
                className="gs-plan-entry",
            )
        )
    return rows


def _register_suggestions(app: Dash, engine: Engine, settings: Settings) -> None:
    @app.callback(
        Output(ids.PLAN_OPT_OUT, "children"),
        Output(ids.PLAN_ROUTE_OUT, "children"),
        Output(ids.PLAN_SUGGEST_LAYER, "data"),
        Output(ids.PLAN_SUGGESTED, "data"),
        Output(ids.PLAN_OPT_USE, "disabled"),
        Output(ids.PLAN_ROUTE_USE, "disabled"),
        Output(ids.MAP, "viewport", allow_duplicate=True),
        Input(ids.PLAN_OPT_RUN, "n_clicks"),
        Input(ids.PLAN_ROUTE_RUN, "n_clicks"),
        State(ids.PLAN_OPT_N, "value"),
        State(ids.PLAN_ROUTE_UNIT, "value"),
        State(ids.PLAN_ROUTE_SHIFT, "value"),
        State(ids.PLAN_ROUTE_BUDGET, "value"),
        State(ids.PLAN_DAYS, "value"),
        State(ids.PLAN_METHOD, "value"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )
    def suggest(
        _opt: Any,
        _route: Any,
        count: int | None,
        unit: str | None,
        shift: str,
        budget_km: float | None,
        days: int,
        method: str,
        lang: str,
    ) -> tuple[Any, ...]:
        optimising = ctx.triggered_id == ids.PLAN_OPT_RUN
        try:
            window = Window.last_days(limits.window_days(days or 30))
            with guard.heavy(), engine.begin() as conn:
                if optimising:
                    result = optimise.plan_cameras(
                        conn,
                        limits.whole("count", count or 10, *limits.OPTIMISE_COUNT),
                        window,
                        settings.patrol_buffer_m,
                    )
                    cams = [p.camera for p in result.proposals]
                    places = names_at(conn, [(c.lon, c.lat) for c in cams])
                    return (
                        _optimise_out(result, places, lang),
                        "",
                        items_layer(conn, list(cams), "#22d3ee"),
                        {"cameras": from_items(list(cams), "suggested")},
                        not cams,
                        True,
                        _framing(cams),
                    )
                view = county_view(days, method, settings.timezone)
                suggestion = routing.suggest_route(
                    conn,
                    analysis(conn, view),
                    unit or "",
                    shift,
                    limits.number("budget_km", budget_km or 20, *limits.ROUTE_BUDGET_KM) * 1000,
                    window,
                    settings.timezone,
                    settings.patrol_buffer_m,
                )
                route = [] if suggestion.route is None else [suggestion.route]
                return (
                    "",
                    _route_out(suggestion, lang),
                    items_layer(conn, list(route), "#22d3ee"),
                    {"route": from_items(list(route), "suggested")},
                    True,
                    not route,
                    _framing([(x, y) for r in route for x, y in r.points]),
                )
        except GridsightError as exc:
            error = html.Div(str(exc), className="gs-error")
            outs = (error, no_update) if optimising else (no_update, error)
            return (*outs, no_update, no_update, True, True, no_update)


# Pixels from the map's left edge that the planning page's legend may cover (it is at most
# 230 px wide at 10 px from the edge, .gs-plan-legend in assets/gridsight.css), plus a margin.
LEGEND_CLEARANCE_PX = 260


def _framing(points: list[Camera] | list[tuple[float, float]]) -> Any:
    """Return a map viewport framing ``points`` (cameras or (lon, lat) in degrees).

    No update when there are none.
    """
    coords = [(p.lon, p.lat) if isinstance(p, Camera) else p for p in points]
    if not coords:
        return no_update
    pad = 0.003  # degrees: a single camera still gets a view around it
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    return {
        "bounds": [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]],
        "transition": "flyToBounds",
        # the legend lies over the map's left side: the points are framed right of it
        "options": {"paddingTopLeft": [LEGEND_CLEARANCE_PX, 30], "paddingBottomRight": [30, 30]},
    }


def _optimise_out(result: optimise.Result, places: list[str], lang: str) -> list[Any]:
    rows = [
        html.Tr(
            [
                html.Td(str(n)),
                html.Td(
                    place or f"{p.camera.lon:.5f}, {p.camera.lat:.5f}",
                    className="gs-place",
                    title=f"{p.camera.lon:.6f}, {p.camera.lat:.6f}",
                ),
                html.Td(f"{p.camera.azimuth_deg:.0f}°"),
                html.Td(f"{p.camera.fov_deg:.0f}°"),
                html.Td(f"{p.camera.range_m:.0f} m"),
                html.Td(str(p.incidents_newly_covered)),
            ]
        )
        for n, (p, place) in enumerate(zip(result.proposals, places, strict=True), 1)
    ]
    head = _head(
        ["plan_rank", "plan_place", "plan_az", "plan_fov", "plan_range", "plan_newly"], lang
    )
    return [
        html.Div(
            [
                html.Span(metrics.INCIDENT_COVERAGE_PCT.label(lang) + " "),
                html.B(
                    f"{fmt(result.coverage_before_pct, lang)} → "
                    f"{fmt(result.coverage_after_pct, lang)}",
                    id="gs-plan-opt-coverage",
                ),
                html.Span(f" (+{result.incidents_newly_covered})"),
            ]
        ),
        html.Table(
            [html.Thead(head), html.Tbody(rows)],
            className="gs-compare gs-spots",
            id="gs-plan-opt-table",
        ),
    ]


def _route_out(suggestion: routing.Suggestion, lang: str) -> list[Any]:
    if suggestion.route is None:
        return [html.Div(t("plan_route_none", lang), className="gs-hint")]
    through = ", ".join(f"{sid} ({n})" for sid, n in suggestion.hot_spots)
    return [
        html.Div(
            [
                html.Span(t("plan_length", lang) + " "),
                html.B(f"{suggestion.length_m / 1000:.1f} km"),
            ]
        ),
        html.Div(
            [
                html.Span(t("plan_through", lang) + " "),
                html.Span(through, id="gs-plan-route-through"),
            ]
        ),
        compare_table(list(suggestion.changes), lang, limit=6),
    ]


def patrol_units(engine: Engine) -> list[str]:
    """List the patrol units that have a route or tracks, for the route suggestion's choice."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT unit FROM patrol_route "
                    "UNION SELECT DISTINCT unit FROM patrol_track ORDER BY 1"
                )
            ).scalars()
        )
