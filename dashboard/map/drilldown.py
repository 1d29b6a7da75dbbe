"""The drill-down panels: KPI header, breadcrumbs and the ranking of the children.

Components only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from dash import dcc, html
from sqlalchemy import Connection

from dashboard.i18n import t
from dashboard.map import cell_panel
from dashboard.map.notes import Notes, figures_as_of, notes
from dashboard.state import ViewState
from geo import cell_details as details
from geo import hierarchy, metrics
from geo.errors import NotFound
from geo.figures import OPEN_STATUSES, UnitFigures, Window, figures
from geo.hierarchy import Unit
from layers import View, units


def fmt(value: float | None, lang: str, suffix: str = " %") -> str:
    """Format a figure with one decimal and its unit, or n/a in ``lang``."""
    return t("na", lang) if value is None else f"{value:.1f}{suffix}"


def kpis(unit: UnitFigures, open_incidents: int, lang: str, how: Notes) -> list[Any]:
    """Build the KPI tiles of ``unit`` (the selected unit, the county at the top), with notes."""
    tiles = [
        (
            "kpi_coverage",
            fmt(unit.value(metrics.CAMERA_AREA_PCT), lang),
            "coverage",
            metrics.CAMERA_AREA_PCT.key,
        ),
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
    """Rank the children by the state's metric, worst first (n/a last); each row drills down.

    A percentage's ranking shows the target line between the units below the target (marked) and
    the others.
    """
    metric = metrics.get(state.metric)
    worse_high = not metric.higher_is_better  # more incidents is worse; less coverage is worse

    def key(u: UnitFigures) -> tuple[bool, float]:
        value = u.value(state.metric)
        return (value is None, (-value if worse_high else value) if value is not None else 0.0)

    rows: list[Any] = []
    target = "" if state.target is None else f"{state.target:g}"
    line = html.Li(t("target_line", lang).format(target=target), className="gs-target-line")
    drawn = not metric.is_percentage or state.target is None  # only a percentage has a target
    for u in sorted(children, key=key):
        value = u.value(state.metric)
        below = state.below_target(value)
        if not drawn and not below:
            rows.append(line)
            drawn = True
        rows.append(
            html.Li(
                dcc.Link(
                    [
                        html.Span(u.name, className="gs-rank-name"),
                        html.Span(metric.text(value, t("na", lang)), className="gs-rank-value"),
                    ],
                    href=state.search(unit=u.code),
                    title=u.code,
                    className="gs-rank-row" + (" gs-below" if below else ""),
                )
            )
        )
    if not drawn:
        rows.append(line)
    title = f"{t('ranking', lang)} · {metric.label(lang)}"
    return [html.H3([title, how.mark(state.metric)]), html.Ol(rows, className="gs-ranking-list")]


def unit_figures(
    unit: UnitFigures, window: Window, lang: str, computed: dt.datetime | None, timezone: str
) -> list[Any]:
    """Show the selected unit's figures, the window and when the coverage was ``computed``.

    As the briefing shows them; ``computed`` is the last refresh (None: never), times are in
    ``timezone`` (an IANA name).
    """
    rows = [
        (m.label(lang), m.text(unit.value(m), t("na", lang)))
        for m in metrics.shown_in(metrics.Shown.MAP)
    ]
    local = [
        w.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        for w in (window.start, window.end)
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
        html.Div(figures_as_of(computed, lang, timezone=timezone), className="gs-as-of"),
    ]


def classes(conn: Connection, state: ViewState, lang: str, *, timezone: str) -> units.Classes:
    """Return the colour classes of the units the map shows for ``state`` (as the map does).

    A custom range's days are in ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).
    """
    shown = units.shown_with_focus(conn, _view(state, lang, timezone))[0]
    return units.class_breaks([u.value(state.metric) for u in shown], state.metric)


def _view(state: ViewState, lang: str, timezone: str) -> View:
    return replace(state, lang=lang, timezone=timezone)


def panels(
    conn: Connection, state: ViewState, lang: str, phone: bool = False, *, timezone: str
) -> tuple[Any, Any, Any, Any]:
    """Build the drill-down panels for ``state``.

    KPI tiles, breadcrumbs, the ranking (or, for a grid cell, its details) and the selected unit's
    figures; the grid worker's phone only when ``phone`` (leader and above); times and a custom
    range's days in ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).
    """
    focus = state.unit or hierarchy.top(conn)[0].code
    window = state.window(timezone)
    all_time_open = Window.since(
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC), categories=state.cat, statuses=OPEN_STATUSES
    )
    open_now = figures(conn, all_time_open, codes=[focus])[0].incidents
    trail = breadcrumbs(hierarchy.ancestry(conn, focus), state)
    how = notes(conn, window, lang, timezone=timezone)
    if len(focus) == 15:  # a grid cell: its details instead of a ranking
        cell = details.cell_details(conn, focus, window, phone=phone, timezone=timezone)
        mine = cell.figures[0]
        return (
            kpis(mine, open_now, lang, how),
            trail,
            cell_panel.panel(cell, lang, how),
            unit_figures(mine, window, lang, how.computed, timezone),
        )
    shown, unit = units.shown_with_focus(conn, _view(state, lang, timezone))
    if unit is None:
        raise NotFound(f"no unit {focus}")
    return (
        kpis(unit, open_now, lang, how),
        trail,
        ranking([u for u in shown if u.code != focus], state, lang, how),
        unit_figures(unit, window, lang, how.computed, timezone),
    )
