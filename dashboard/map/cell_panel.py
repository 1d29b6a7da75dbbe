"""The cell panel: facts, figures beside the village's and township's, cameras, incidents, chart."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.i18n import t
from dashboard.map.notes import Notes
from dashboard.state import CATEGORIES, STATUSES
from geo import metrics
from geo.cell_details import CellDetails
from geo.vocabulary import CAMERA_KIND, CAMERA_STATUS, SHIFT

_ROWS = metrics.shown_in(metrics.Shown.CELL)


def _label(names: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    return names[key][0 if lang == "en" else 1] if key in names else key


def panel(details: CellDetails, lang: str, how: Notes) -> list[Any]:
    """Build the side panel of a selected grid cell (``how``: the figures' notes)."""
    c = details.cell
    worker = c["grid_worker"] or "—"
    if c.get("grid_worker_phone"):  # only read for leader and above
        worker = f"{worker} · {c['grid_worker_phone']}"
    facts = [
        (t("cell_worker", lang), worker),
        (
            [t("cell_population", lang), how.mark("population")],
            f"{c['population']} / {c['households']}",
        ),
        ([t("cell_area", lang), how.mark("area")], f"{c['area_km2']} km²"),
    ]
    head = [html.Th("")] + [html.Th(f.name) for f in details.figures]
    rows = [
        html.Tr(
            [html.Th([m.label(lang), how.mark(m.key)])]
            + [html.Td(m.text(f.value(m), t("na", lang))) for f in details.figures]
        )
        for m in _ROWS
    ]
    cameras = [
        html.Li(
            f"{cam['code']} {cam['name']} · {_label(CAMERA_KIND, cam['kind'], lang)} · "
            f"{_label(CAMERA_STATUS, cam['status'], lang)}",
            className=f"gs-cam {cam['status']}",
        )
        for cam in details.cameras
    ]
    incidents = [
        html.Li(
            f"{i['occurred']} {_label(CATEGORIES, i['category'], lang)} · "
            f"{_label(STATUSES, i['status'], lang)}"
            f"{' · ' + t('blind', lang) if i['blind'] else ''}",
            className="gs-incident" + (" blind" if i["blind"] else ""),
        )
        for i in details.incidents
    ]  # newest first; the panel scrolls, the list does not
    routes = [
        html.Li(f"{r['code']} {r['unit']} ({_label(SHIFT, r['shift'], lang)})")
        for r in details.routes
    ]
    return [
        html.H3(f"{c['name']} ({c['code']})", className="gs-cell-title"),
        html.Dl(
            [item for k, v in facts for item in (html.Dt(k), html.Dd(v))], className="gs-facts"
        ),
        html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="gs-compare"),
        html.H3(f"{t('cell_cameras', lang)} ({len(cameras)})"),
        html.Ul(cameras, className="gs-list"),
        html.H3(f"{t('kpi_incidents', lang)} ({len(details.incidents)})"),
        html.Ul(incidents, className="gs-list gs-incident-list"),
        dcc.Graph(
            figure=_chart(details, lang), config={"displayModeBar": False}, className="gs-chart"
        )
        if details.daily
        else html.P(t("cell_no_incidents", lang), className="gs-no-chart"),
        html.H3(f"{t('cell_routes', lang)} ({len(routes)})"),
        html.Ul(routes, className="gs-list"),
    ]


def warm_up() -> None:
    """Build one chart, so that plotly's first-use cost (its imports and validators) is paid early.

    It is paid when the server starts, not by the first leader who opens a cell.
    """
    _chart(
        CellDetails({}, [], [], [], [], [{"day": "2026-01-01", "category": "theft", "count": 1}]),
        "en",
    ).to_dict()


def day_label(day: str, lang: str) -> str:
    """Name a local calendar day ``YYYY-MM-DD`` as the chart does in ``lang``.

    >>> day_label("2026-12-01", "zh"), day_label("2026-12-01", "en")
    ('12月1日', 'Dec 1')
    """
    _year, month, date = (int(part) for part in day.split("-"))
    if lang == "en":
        return f"{_MONTHS[month - 1]} {date}"
    return f"{month}月{date}日"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _chart(details: CellDetails, lang: str) -> go.Figure:
    """Chart the incidents per local day and category, stacked.

    Days are named in ``lang`` (categories on the axis, so that no English month name appears);
    whole-incident ticks.
    """
    fig = go.Figure()
    days = sorted({d["day"] for d in details.daily})
    totals = {day: sum(d["count"] for d in details.daily if d["day"] == day) for day in days}
    for category in sorted({d["category"] for d in details.daily}):
        rows = [d for d in details.daily if d["category"] == category]
        fig.add_bar(
            x=[day_label(d["day"], lang) for d in rows],
            y=[d["count"] for d in rows],
            name=_label(CATEGORIES, category, lang),
        )
    highest = max(totals.values(), default=1)
    fig.update_layout(
        barmode="stack",
        height=220,
        margin={"l": 30, "r": 10, "t": 10, "b": 30},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": "#e5e7eb"},
        legend={"orientation": "h", "y": -0.25},
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [day_label(day, lang) for day in days],
        },
        yaxis={"rangemode": "tozero", "tickformat": "d", "dtick": max(1, -(-highest // 4))},
    )
    return fig
