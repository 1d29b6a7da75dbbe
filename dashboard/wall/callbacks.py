"""The wall display's callback (``/wall``): live, unattended for days.

One server callback runs on a timer (``GRIDSIGHT_WALL_REFRESH_S``). It reads the change versions of
:mod:`geo.wall_feed` (one tiny query) and sends only what changed: the incident panels when
incidents changed (or the minute turned), the choropleth and camera KPIs when cameras or coverage
changed; nothing else. Every element is replaced in place, never appended, so the page does not
grow. When the database is unreachable the page keeps what it shows and says "reconnecting"; when
the server is unreachable ``assets/wall.js`` says so (it watches the page's requests), and the timer
resumes by itself when either comes back.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from dash import Dash, Input, Output, State, html, no_update
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from dashboard import ids
from dashboard.i18n import t
from dashboard.map.drilldown import fmt
from dashboard.map.notes import figures_as_of
from dashboard.wall.layout import MAP_METRIC
from geo import hierarchy, metrics, wall_feed
from geo.coverage import computed_at
from geo.figures import Window, figures
from geo.settings import Settings
from geo.vocabulary import INCIDENT_CATEGORY, SEVERITY
from layers import View, units

HIGHLIGHT_S = 60  # seconds a new incident stands out


def _county_tiles(
    conn: Connection, county: str, settings: Settings, lang: str
) -> dict[str, tuple[str, str]]:
    unit = figures(conn, Window.last_days(settings.window_days), codes=[county])[0]
    road = fmt(unit.value(metrics.CAMERA_ROAD_PCT), lang)
    return {
        "coverage": (
            fmt(unit.value(metrics.CAMERA_AREA_PCT), lang),
            t("wall_coverage_sub", lang).format(road=road),
        ),
        "cameras": (
            f"{unit.cameras_online} / {unit.cameras}",
            f"{t('wall_working_rate', lang)} {fmt(unit.value(metrics.WORKING_RATE_PCT), lang)}",
        ),
        "blind": (
            str(unit.blind_incidents),
            t("wall_blind_sub", lang).format(days=settings.window_days),
        ),
    }


def _incident_tiles(day: wall_feed.Today, lang: str) -> dict[str, tuple[str, str]]:
    delta = day.today - day.same_day_last_week
    return {
        "today": (
            str(day.today),
            t("wall_last_week", lang).format(n=day.same_day_last_week, delta=f"{delta:+d}"),
        ),
        "open": (str(day.open_now), t("wall_open_sub", lang)),
    }


def _feed(
    items: list[wall_feed.FeedItem], new: dict[str, float], zone: ZoneInfo, lang: str
) -> list[Any]:
    """One row per incident: time, code (read out on the radio), category, severity and place."""
    i = 0 if lang == "en" else 1
    return [
        html.Li(
            className="gs-wall-item" + (" gs-new" if item.code in new else ""),
            children=[
                html.Span(
                    item.occurred_at.astimezone(zone).strftime("%H:%M"), className="gs-wall-time"
                ),
                html.Span(item.code, className="gs-wall-code"),
                html.Span(
                    INCIDENT_CATEGORY.get(item.category, (item.category,) * 2)[i],
                    className="gs-wall-cat",
                ),
                html.Span(
                    _severity(item.severity, lang), className=f"gs-wall-sev gs-sev-{item.severity}"
                ),
                html.Span(place, className="gs-wall-place", title=place),
            ],
        )
        for item, place in (
            (it, " · ".join(x for x in (it.township, it.village) if x) or "–") for it in items
        )
    ]


def _severity(level: int, lang: str) -> str:
    """Short enough for a feed row: 'sev 3' in English, its name ('严重') in Chinese."""
    if lang == "en" or level not in SEVERITY:
        return f"sev {level}"
    return SEVERITY[level][1]


def _chart(day: wall_feed.Today, lang: str) -> list[Any]:
    """Draw 24 bars, oldest first; the last is the current hour, so far.

    It is marked "now" so that a quiet hour reads as a quiet hour, not as a stalled feed.
    """
    top = max(max(day.hourly), 1)
    last = len(day.hours) - 1
    return [
        html.Div(
            className="gs-wall-bar" + (" gs-wall-now" if i == last else ""),
            title=f"{h:02d}:00 {n}",
            children=[
                html.Span(str(n) if n else "", className="gs-wall-bar-n"),
                html.Div(className="gs-wall-bar-fill", style={"height": f"{80 * n / top:.0f}%"}),
                html.Span(
                    t("wall_now", lang)
                    if i == last
                    else f"{h:02d}"
                    if h % 3 == 0 and i < last - 1
                    else "",
                    className="gs-wall-bar-h",
                ),
            ],
        )
        for i, (h, n) in enumerate(zip(day.hours, day.hourly, strict=True))
    ]


def _dated(
    rows: list[Any], items: list[wall_feed.FeedItem], now: dt.datetime, zone: ZoneInfo, lang: str
) -> list[Any]:
    """Build the feed's rows with a date line before the first row of each day other than today.

    The rows show the time of day only.
    """
    today = now.astimezone(zone).date()
    out: list[Any] = []
    shown = today
    for row, item in zip(rows, items, strict=True):
        day = item.occurred_at.astimezone(zone).date()
        if day != shown:
            label = t("wall_yesterday", lang) if day == today - dt.timedelta(days=1) else ""
            text = (
                f"{label} {day:%m-%d}".strip()
                if lang == "en"
                else f"{label} {day.month}月{day.day}日".strip()
            )
            out.append(html.Li(text, className="gs-wall-day"))
            shown = day
        out.append(row)
    return out


def _points(conn: Connection, now: dt.datetime, new: dict[str, float]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"code": code, "category": cat, "new": code in new},
        }
        for code, cat, lon, lat in wall_feed.recent(conn, now - dt.timedelta(hours=24))
    ]
    return {"type": "FeatureCollection", "features": features}


class _Tick:
    """One poll: what changed since the page's last poll (``seen``), and the outputs for it."""

    def __init__(self, conn: Connection, seen: dict[str, Any] | None) -> None:
        self.versions = wall_feed.versions(conn)
        self.now = wall_feed.db_now(conn)
        self.minute = self.now.strftime("%Y-%m-%dT%H:%M")
        self.first = not seen
        old = seen or {}
        before = old.get("v", {})
        clock = self.now.timestamp()
        self.new = {code: at for code, at in old.get("new", {}).items() if clock - at < HIGHLIGHT_S}
        self.expired = len(self.new) != len(old.get("new", {}))
        self.incidents = (
            self.first
            or before.get("incident") != self.versions["incident"]
            or old.get("minute") != self.minute
        )
        self.cameras = self.first or any(
            before.get(k) != self.versions[k] for k in ("camera", "coverage")
        )
        if not self.first and before.get("incident") != self.versions["incident"]:
            since, opened = (
                dt.datetime.fromisoformat(old["since"]),
                dt.datetime.fromisoformat(old["opened"]),
            )
            self.new.update(
                {
                    code: clock
                    for code in wall_feed.arrivals(conn, since, opened)
                    if code not in self.new
                }
            )
        self.opened = old.get("opened", self.now.isoformat())

    def seen(self) -> dict[str, Any]:
        return {
            "v": self.versions,
            "minute": self.minute,
            "since": self.now.isoformat(),
            "opened": self.opened,
            "new": self.new,
        }


def register(app: Dash, engine: Engine, settings: Settings) -> None:
    """Wire the wall's timer callback to ``engine`` (the web app's, scoped).

    It only reads: the figures are refreshed where data changes (imports, plans,
    :mod:`geo.refresher`).
    """
    zone = ZoneInfo(settings.timezone)
    tiles = ("coverage", "cameras", "today", "open", "blind")
    outputs = (
        [Output(ids.wall_value(n), "children") for n in tiles]
        + [Output(ids.wall_sub(n), "children") for n in tiles]
        + [
            Output(ids.WALL_FEED, "children"),
            Output(ids.WALL_CHART, "children"),
            Output(ids.WALL_UNITS, "data"),
            Output(ids.WALL_INCIDENTS, "data"),
            Output(ids.WALL_STATUS, "className"),
            Output(ids.WALL_UPDATED, "children"),
            Output(ids.WALL_SEEN, "data"),
        ]
    )

    # The timer pauses while a poll runs: a poll slower than the interval would otherwise be
    # overtaken by the next one, and Dash drops the answers of overtaken requests, so nothing would
    # ever show.
    @app.callback(
        *outputs,
        Input(ids.WALL_TICK, "n_intervals"),
        State(ids.WALL_SEEN, "data"),
        State(ids.LANG_STORE, "data"),
        running=[(Output(ids.WALL_TICK, "disabled"), True, False)],
    )
    def tick(_: int | None, seen: dict[str, Any] | None, lang: str) -> list[Any]:
        skip: list[Any] = [no_update] * len(outputs)
        try:
            with engine.begin() as conn:
                return _outputs(conn, _Tick(conn, seen), settings, zone, lang, skip)
        except OperationalError:
            return [*skip[:-3], "gs-wall-status reconnecting", no_update, no_update]


def _outputs(
    conn: Connection,
    tick: _Tick,
    settings: Settings,
    zone: ZoneInfo,
    lang: str,
    skip: list[Any],
) -> list[Any]:
    tiles: dict[str, tuple[str, str]] = {}
    out = list(skip)
    county = hierarchy.top(conn)  # the account's own unit when it is limited to one
    if tick.cameras and county:
        # zoom 12: the detail of the townships' outlines; fixed classes: the same legend every day
        view = View(
            zoom=12,
            lang=lang,
            days=settings.window_days,
            metric=MAP_METRIC,
            fixed_classes=True,  # the wall's legend: the same classes every day
            timezone=settings.timezone,
        )
        out[12] = json.loads(units.LAYER.features_json(conn, view, settings.max_features))
    if (tick.cameras or tick.incidents) and county:
        tiles.update(_county_tiles(conn, county[0].code, settings, lang))
    if tick.incidents or tick.expired:
        day = wall_feed.today(conn, tick.now, zone)
        tiles.update(_incident_tiles(day, lang))
        items = wall_feed.feed(conn)
        out[10] = _dated(_feed(items, tick.new, zone, lang), items, tick.now, zone, lang)
        out[11] = _chart(day, lang)
        out[13] = _points(conn, tick.now, tick.new)
    for i, name in enumerate(("coverage", "cameras", "today", "open", "blind")):
        if name in tiles:
            out[i], out[5 + i] = tiles[name]
    updated = t("wall_updated", lang).format(time=tick.now.astimezone(zone).strftime("%H:%M:%S"))
    updated += " · " + figures_as_of(computed_at(conn), lang, timezone=settings.timezone)
    return [*out[:14], "gs-wall-status ok", updated, tick.seen()]
