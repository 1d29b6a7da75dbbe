"""The drill-down panels: KPI header, breadcrumbs and the ranking of the children (components only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dash import dcc, html
from sqlalchemy import Connection

from dashboard import details as cell_panel
from dashboard.i18n import t
from dashboard.notes import Notes, notes
from dashboard.state import METRICS, ViewState
from geo import details, hierarchy
from geo.errors import NotFound
from geo.figures import OPEN_STATUSES, UnitFigures, Window, figures
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
    return [html.Div([html.Span(value, className="gs-kpi-value"),
                      html.Span([t(key, lang), how.mark(figure)], className="gs-kpi-label")],
                     className=f"gs-kpi gs-kpi-{name}") for key, value, name, figure in tiles]


def breadcrumbs(trail: list[Unit], state: ViewState) -> list[Any]:
    """County › township › village › cell, each a link that goes back up."""
    items: list[Any] = []
    for i, unit in enumerate(trail):
        if i:
            items.append(html.Span(" › ", className="gs-crumb-sep"))
        if i == len(trail) - 1:
            items.append(html.Span(unit.name, className="gs-crumb current"))
        else:
            items.append(dcc.Link(unit.name, href=state.search(unit=unit.code), className="gs-crumb"))
    return items


def ranking(children: list[UnitFigures], state: ViewState, lang: str, how: Notes) -> list[Any]:
    """The children ranked by the state's metric, worst first (n/a last); each row drills down."""
    worse_high = state.metric == "incident_rate"  # more incidents is worse; less coverage is worse

    def key(u: UnitFigures) -> tuple[bool, float]:
        value = getattr(u, state.metric)
        return (value is None, (-value if worse_high else value) if value is not None else 0.0)

    suffix = " ‰" if worse_high else " %"
    rows = [
        html.Li(dcc.Link([html.Span(u.name, className="gs-rank-name"),
                          html.Span(fmt(getattr(u, state.metric), lang, suffix), className="gs-rank-value")],
                         href=state.search(unit=u.code), className="gs-rank-row", title=u.code))
        for u in sorted(children, key=key)
    ]
    title = f"{t('ranking', lang)} · {METRICS[state.metric][0 if lang == 'en' else 1]}"
    return [html.H3([title, how.mark(state.metric)]), html.Ol(rows, className="gs-ranking-list")]


def panels(conn: Connection, state: ViewState, lang: str, phone: bool = False) -> tuple[Any, Any, Any]:
    """KPI tiles, breadcrumbs, and the ranking (or, for a grid cell, its details) for ``state``; the
    grid worker's phone only when ``phone`` (leader and above)."""
    focus = state.unit or hierarchy.top(conn)[0].code
    window = state.window()
    ever = Window.since(dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
                        categories=state.cat, statuses=OPEN_STATUSES)
    open_now = figures(conn, ever, codes=[focus])[0].incidents
    trail = breadcrumbs(hierarchy.ancestry(conn, focus), state)
    how = notes(conn, window, lang)
    if len(focus) == 15:  # a grid cell: its details instead of a ranking
        cell = details.cell_details(conn, focus, window, phone=phone)
        return kpis(cell.figures[0], open_now, lang, how), trail, cell_panel.panel(cell, lang, how)
    view = View(-180, -90, 180, 90, 0, lang, state.days, state.unit, state.metric, state.cat, state.status,
                window.start, window.end)
    shown, unit = units.shown_with_focus(conn, view)
    if unit is None:
        raise NotFound(f"no unit {focus}")
    return kpis(unit, open_now, lang, how), trail, ranking([u for u in shown if u.code != focus], state, lang, how)
