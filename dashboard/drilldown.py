"""The drill-down panels: KPI header, breadcrumbs and the ranking of the children (components only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from dash import dcc, html
from sqlalchemy import Connection

from dashboard import details as cell_panel
from dashboard.i18n import t
from dashboard.notes import Notes, figures_as_of, notes
from dashboard.state import METRICS, ViewState
from geo import details, hierarchy
from geo.errors import NotFound
from geo.figures import DISPLAY_TZ, OPEN_STATUSES, UnitFigures, Window, figures
from geo.hierarchy import Unit
from layers import View, units


def fmt(value: float | None, lang: str, suffix: str = " %") -> str:
    """A figure with one decimal and its unit, or n/a in ``lang``."""
    return t("na", lang) if value is None else f"{value:.1f}{suffix}"


def kpis(unit: UnitFigures, open_incidents: int, lang: str, how: Notes) -> list[Any]:
    """The KPI tiles of ``unit`` (the selected unit, the county at the top), each with its note."""
    tiles = [
        ("kpi_coverage", fmt(unit.camera_area_pct, lang), "coverage", "camera_area_pct"),
        ("kpi_cameras", f"{unit.cameras_online} / {unit.cameras}", "cameras", "cameras"),
        ("kpi_incidents", str(unit.incidents), "incidents", "incidents"),
        ("kpi_blind", str(unit.blind_incidents), "blind", "blind_incidents"),
        ("kpi_open", str(open_incidents), "open", "open"),
    ]
    return [
        html.Div(
            [
                html.Span(value, className="gs-kpi-value"),
                html.Span([t(key, lang), how.mark(figure)], className="gs-kpi-label"),
            ],
            className=f"gs-kpi gs-kpi-{name}",
        )
        for key, value, name, figure in tiles
    ]


def breadcrumbs(trail: list[Unit], state: ViewState) -> list[Any]:
    """County › township › village › cell, each a link that goes back up."""
    items: list[Any] = []
    for i, unit in enumerate(trail):
        if i:
            items.append(html.Span(" › ", className="gs-crumb-sep"))
        if i == len(trail) - 1:
            items.append(html.Span(unit.name, className="gs-crumb current"))
        else:
            items.append(
                dcc.Link(unit.name, href=state.search(unit=unit.code), className="gs-crumb")
            )
    return items


def ranking(children: list[UnitFigures], state: ViewState, lang: str, how: Notes) -> list[Any]:
    """The children ranked by the state's metric, worst first (n/a last); each row drills down.
    A percentage's ranking shows the target line between the units below the target (marked) and
    the others."""
    worse_high = state.metric == "incident_rate"  # more incidents is worse; less coverage is worse

    def key(u: UnitFigures) -> tuple[bool, float]:
        value = getattr(u, state.metric)
        return (value is None, (-value if worse_high else value) if value is not None else 0.0)

    suffix = " ‰" if worse_high else " %"
    rows: list[Any] = []
    line = html.Li(
        t("target_line", lang).format(target=f"{state.target:g}"), className="gs-target-line"
    )
    drawn = worse_high  # the incident rate has no target
    for u in sorted(children, key=key):
        value = getattr(u, state.metric)
        below = state.below_target(value)
        if not drawn and not below:
            rows.append(line)
            drawn = True
        rows.append(
            html.Li(
                dcc.Link(
                    [
                        html.Span(u.name, className="gs-rank-name"),
                        html.Span(fmt(value, lang, suffix), className="gs-rank-value"),
                    ],
                    href=state.search(unit=u.code),
                    title=u.code,
                    className="gs-rank-row" + (" gs-below" if below else ""),
                )
            )
        )
    if not drawn:
        rows.append(line)
    title = f"{t('ranking', lang)} · {METRICS[state.metric][0 if lang == 'en' else 1]}"
    return [html.H3([title, how.mark(state.metric)]), html.Ol(rows, className="gs-ranking-list")]


def unit_figures(
    unit: UnitFigures, window: Window, lang: str, computed: dt.datetime | None
) -> list[Any]:
    """The selected unit's figures, the window and when the coverage was ``computed`` (the last
    refresh; None: never), as the briefing shows them."""
    rows = [
        (
            METRICS[m][0 if lang == "en" else 1],
            fmt(getattr(unit, m), lang, " ‰" if m == "incident_rate" else " %"),
        )
        for m in METRICS
    ]
    local = [
        w.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M") for w in (window.start, window.end)
    ]
    return [
        html.H3(unit.name, className="gs-unit-name"),
        html.Div(
            t("briefing_window", lang).format(start=local[0], end=local[1]),
            className="gs-unit-window",
        ),
        html.Table(
            html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]),
            className="gs-unit-table",
        ),
        html.Div(figures_as_of(computed, lang), className="gs-as-of"),
    ]


def classes(conn: Connection, state: ViewState, lang: str) -> units.Classes:
    """The colour classes of the units the map shows for ``state`` (the same as the map's)."""
    shown = units.shown_with_focus(conn, _view(state, lang))[0]
    return units.class_breaks([getattr(u, state.metric) for u in shown], state.metric)


def _view(state: ViewState, lang: str) -> View:
    return replace(state, lang=lang)


def panels(
    conn: Connection, state: ViewState, lang: str, phone: bool = False
) -> tuple[Any, Any, Any, Any]:
    """KPI tiles, breadcrumbs, the ranking (or, for a grid cell, its details) and the selected unit's
    figures for ``state``; the grid worker's phone only when ``phone`` (leader and above)."""
    focus = state.unit or hierarchy.top(conn)[0].code
    window = state.window()
    ever = Window.since(
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC), categories=state.cat, statuses=OPEN_STATUSES
    )
    open_now = figures(conn, ever, codes=[focus])[0].incidents
    trail = breadcrumbs(hierarchy.ancestry(conn, focus), state)
    how = notes(conn, window, lang)
    if len(focus) == 15:  # a grid cell: its details instead of a ranking
        cell = details.cell_details(conn, focus, window, phone=phone)
        mine = cell.figures[0]
        return (
            kpis(mine, open_now, lang, how),
            trail,
            cell_panel.panel(cell, lang, how),
            unit_figures(mine, window, lang, how.computed),
        )
    shown, unit = units.shown_with_focus(conn, _view(state, lang))
    if unit is None:
        raise NotFound(f"no unit {focus}")
    return (
        kpis(unit, open_now, lang, how),
        trail,
        ranking([u for u in shown if u.code != focus], state, lang, how),
        unit_figures(unit, window, lang, how.computed),
    )
