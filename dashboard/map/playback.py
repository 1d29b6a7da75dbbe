"""The time bar under the map: incident playback and an hour-of-day × weekday chart.

The playback is of the chosen window, the chart of the selected unit (components only).

Every frame is drawn by ``assets/playback.js`` from the incidents the browser fetched once per view
(``GET /api/playback``): play, pause, speed, a step or a scrub never ask the server anything.
"""

from __future__ import annotations

import json
from typing import Any

from dash import dcc, html
from flask import Flask, Response, request
from sqlalchemy import Engine

from dashboard import ids
from dashboard.i18n import t
from geo import hierarchy
from geo import playback as geo_playback
from geo.errors import NotFound
from geo.settings import Settings
from layers import View

SPEEDS = (2, 5, 10, 20, 30, 60)  # frames per second
DEFAULT_SPEED = 10


def attrs(values: dict[str, str]) -> dict[str, Any]:
    """Return attributes with dashes (aria-*, data-*) as keyword arguments of a Dash component."""
    return dict(values)


def bar(lang: str, timezone: str) -> html.Div:
    """Build the playback bar in ``lang``, times shown in ``timezone`` (an IANA name).

    The buttons are Dash's; the selects and the time slider are built by assets/playback.js from
    ``data-config`` (so that React never resets what the player sets at every frame).
    """
    config = {
        "speeds": list(SPEEDS),
        "speed": DEFAULT_SPEED,
        "labels": {
            k: t(k, lang)
            for k in (
                "play",
                "pause",
                "play_speed",
                "play_step",
                "play_hour",
                "play_day",
                "play_mode",
                "play_cumulative",
                "play_sliding",
                "play_time",
                "play_chart",
            )
        },
        "lang": lang,
        "tz": timezone,
    }
    button = "gs-play-button"
    group = attrs({"aria-label": t("play_time", lang)})
    return html.Div(
        id=ids.PLAYBACK,
        className="gs-playback",
        role="group",
        **group,
        children=[
            dcc.Store(id=ids.PLAY_LOADED),
            html.Button(
                "|◀",
                id="gs-play-back",
                className=button,
                title=t("play_back", lang),
                **attrs({"aria-label": t("play_back", lang)}),
            ),
            html.Button(
                "▶",
                id="gs-play-toggle",
                className=f"{button} gs-play-main",
                title=t("play", lang),
                **attrs({"aria-label": t("play", lang)}),
            ),
            html.Button(
                "▶|",
                id="gs-play-forward",
                className=button,
                title=t("play_forward", lang),
                **attrs({"aria-label": t("play_forward", lang)}),
            ),
            html.Button(
                "■",
                id="gs-play-reset",
                className=button,
                title=t("play_reset", lang),
                **attrs({"aria-label": t("play_reset", lang)}),
            ),
            html.Div(
                id="gs-play-controls",
                className="gs-play-controls",
                **attrs({"data-config": json.dumps(config)}),
            ),
            html.Span("–", id="gs-play-time", className="gs-play-time"),
            html.Span("", id="gs-play-count", className="gs-play-count"),
            html.Canvas(
                id="gs-play-chart",
                className="gs-play-chart",
                width=236,
                height=66,
                role="img",
                title=t("play_chart", lang),
                **attrs({"aria-label": t("play_chart", lang)}),
            ),
        ],
    )


def register_api(server: Flask, engine: Engine, settings: Settings) -> None:
    """Add ``GET /api/playback?unit=CODE&days=N&cat=..&status=..&start=..&end=..`` to ``server``.

    It answers the incidents of the unit (default: the top unit) and window as columns
    (:mod:`geo.playback`).
    """

    @server.get("/api/playback")
    def playback_data() -> Response:
        args = request.args
        view = View.parse(
            {**args, "bbox": "-180,-90,180,90", "zoom": "0"},
            settings.window_days,
            settings.timezone,
        )
        with engine.connect() as conn:
            code = view.unit or next((u.code for u in hierarchy.top(conn)), None)
            if code is None:
                raise NotFound("the database holds no units yet")
            hierarchy.get(conn, code)
            body = geo_playback.incidents(conn, code, view.window(), settings.timezone).as_json()
        return Response(
            json.dumps(body, separators=(",", ":")),
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )
