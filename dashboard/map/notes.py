"""'How is this computed' notes beside every figure on the map page.

Each note gives the figure's definition in one sentence, the incident window, and when the figure
was computed (components only; the words are in i18n).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dash import html
from sqlalchemy import Connection

from dashboard.i18n import t
from geo import meta
from geo.coverage import computed_at
from geo.figures import Window

# Figures counted from the window's incidents at each request; facts as imported, never computed;
# the others come from the last refresh.
_WINDOWED = ("incidents", "blind_incidents", "incident_coverage_pct", "incident_rate")
_IMPORTED = ("population",)


@dataclass(frozen=True)
class Notes:
    """What the notes of one view say.

    ``lang``, the incident ``window``, when the coverage was ``computed`` (None: never), when the
    incidents were ``counted``, the patrol buffer (metres).
    """

    lang: str
    window: Window
    computed: dt.datetime | None
    counted: dt.datetime
    buffer_m: float
    timezone: str  # IANA name (the GRIDSIGHT_TIMEZONE setting): the times are shown in it

    def text(self, figure: str) -> str:
        """Return the note of ``figure``.

        ``figure``: a UnitFigures field, 'cameras', 'open', or a cell's 'area' or 'population'.
        Its definition, then when it was computed (nothing for a fact as imported).
        """
        definition = t(f"how_{figure}", self.lang).format(buffer=f"{self.buffer_m:g}")
        if figure in _IMPORTED:
            return definition
        if figure in _WINDOWED:
            when = t("how_window", self.lang).format(
                start=self._local(self.window.start),
                end=self._local(self.window.end),
                now=self._local(self.counted),
            )
        elif figure == "open":
            when = t("how_now", self.lang).format(now=self._local(self.counted))
        elif self.computed is None:
            when = t("how_not_computed", self.lang)
        else:
            when = t("how_computed", self.lang).format(time=self._local(self.computed))
        return f"{definition} {when}"

    def _local(self, moment: dt.datetime) -> str:
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")

    def mark(self, figure: str) -> Any:
        """Build a small 'i' that opens the note of ``figure`` when clicked.

        No callback: an HTML details element.
        """
        return html.Details(
            [
                html.Summary("i", title=t("how", self.lang), className="gs-how-mark"),
                html.Div(self.text(figure), className="gs-how-text"),
            ],
            className=f"gs-how gs-how-{figure}",
        )


def notes(conn: Connection, window: Window, lang: str, *, timezone: str) -> Notes:
    """Return the notes of a view over ``window`` in ``lang`` (last refresh time, patrol buffer).

    Times are shown in ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting).
    """
    buffer = meta.get(conn, "coverage_patrol_buffer_m")
    return Notes(
        lang,
        window,
        computed_at(conn),
        dt.datetime.now(dt.UTC),
        float(buffer) if buffer else 100.0,
        timezone,
    )


def figures_as_of(computed: dt.datetime | None, lang: str, *, timezone: str) -> str:
    """Return the line a page shows under its figures: "figures as of HH:MM".

    The last refresh's time in ``timezone`` (an IANA name: the ``GRIDSIGHT_TIMEZONE`` setting), with
    the date when it was not today, or that the figures were never computed.
    """
    if computed is None:
        return t("how_not_computed", lang)
    zone = ZoneInfo(timezone)
    local = computed.astimezone(zone)
    today = dt.datetime.now(zone).date()
    shown = local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")
    return t("figures_as_of", lang).format(time=shown)
