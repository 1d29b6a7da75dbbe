"""Export briefing: the map page of a view as a one-page PDF or PNG.

The map page is rendered by headless Chromium from the app itself, as a one-page A4 landscape PDF
or a PNG, stamped with the time of export and the account.

``GET /api/briefing.pdf?<view>`` and ``/api/briefing.png?<view>`` open ``/?<view>&briefing=1`` (the
map page laid out for paper: no controls, the selected unit's figures and the window shown) in
Debian's Chromium on the server, wait until the map, its legend and the panels are drawn, then print
or screenshot it. The requester's cookies go with it, so the page sees the same account. The page is
asked for on the address the request came in on (the server's own port), so the server must answer
a second request while the first waits: run it threaded (the development server is) or with more
than one worker.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request, session
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import ViewportSize, sync_playwright
from sqlalchemy import Engine

from dashboard import auth
from dashboard.i18n import t
from dashboard.state import ViewState
from geo.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--font-render-hinting=none",
]
# A4 landscape at CSS's 96 pixels per inch: 297 x 210 mm
PAGE_PX: ViewportSize = {"width": 1123, "height": 794}
PNG_SCALE = 2  # 2246 x 1588 pixels
TIMEOUT_MS = 60_000
_RENDERS = threading.BoundedSemaphore(2)  # Chromium takes ~150 MB and a core per render
# Drawn: the map's units, the KPIs, the legend's classes, no request under way
_READY = """() => { const m = window.gridsightMap; if (!m) return false;
  let units = 0;
  m.eachLayer(l => { if (l.feature && l.feature.properties.layer === 'units') units++; });
  return units > 0 && document.querySelector('.gs-status.ok') !== null
    && document.querySelectorAll('.gs-kpi-value').length > 0
    && document.querySelector('.gs-unit-name') !== null
    && document.querySelector('.gs-legend [data-layer=units] .gs-legend-row') !== null; }"""


class BriefingError(RuntimeError):
    """The briefing could not be rendered (Chromium missing, the page not drawn in time)."""


def account() -> str:
    """Return the signed-in account of the current request, as the sign-in stores it, else '-'."""
    for source in (g, session):
        for key in ("account", "user", "username"):
            value: Any = source.get(key) if hasattr(source, "get") else None
            name = getattr(value, "name", None) or getattr(value, "username", None) or value
            if name:
                return str(name)
    return "-"


def render(
    base_url: str, state: ViewState, lang: str, kind: str, stamp: str, cookies: dict[str, str]
) -> bytes:
    """Render the briefing of ``state`` in ``lang`` as ``kind`` ('pdf' or 'png') bytes.

    The page is rendered from the app at ``base_url`` with ``cookies``; ``stamp`` is the line of
    export time and account.

    Raises
    ------
    BriefingError
        When Chromium cannot start or the page is not drawn within a minute.
    """
    url = f"{base_url.rstrip('/')}/{state.search(lang=lang)}&briefing=1"
    host = urlsplit(base_url).hostname or "127.0.0.1"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(
                    viewport=PAGE_PX, device_scale_factor=PNG_SCALE if kind == "png" else 1
                )
                if cookies:
                    context.add_cookies(
                        [
                            {"name": k, "value": v, "domain": host, "path": "/"}
                            for k, v in cookies.items()
                        ]
                    )
                page = context.new_page()
                page.goto(url, timeout=TIMEOUT_MS)
                page.wait_for_function(_READY, timeout=TIMEOUT_MS, polling=200)
                page.evaluate(
                    "(s) => { document.getElementById('gs-briefing-stamp').textContent = s; }",
                    stamp,
                )
                page.evaluate("() => document.fonts.ready")
                page.wait_for_timeout(300)  # the last canvas redraw of the map
                if kind == "png":
                    return page.screenshot(type="png")
                page.emulate_media(media="screen")
                return page.pdf(
                    width="297mm",
                    height="210mm",
                    print_background=True,
                    page_ranges="1",
                    margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise BriefingError(str(exc).splitlines()[0]) from None


def register_api(server: Flask, engine: Engine, settings: Settings) -> None:
    """Add ``GET /api/briefing.pdf`` and ``GET /api/briefing.png`` to ``server``.

    Their arguments are the view's, as in the map page's address; each export is audited through
    ``engine``.
    """

    def briefing(kind: str) -> Response:
        query = request.query_string.decode("utf-8", "replace")
        state = ViewState.from_search(query, settings.default_metric, settings.target_pct)
        lang = state.lang or settings.language
        now = dt.datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")
        stamp = t("briefing_exported", lang).format(time=now, account=account())
        host = request.environ.get("SERVER_NAME", "127.0.0.1")
        host = "127.0.0.1" if host in ("0.0.0.0", "", "localhost") else host
        port = request.environ.get("SERVER_PORT", settings.port)
        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        if not _RENDERS.acquire(timeout=TIMEOUT_MS / 1000):
            return Response(
                t("briefing_failed", lang).format(error="busy"), status=503, mimetype="text/plain"
            )
        try:
            body = render(base, state, lang, kind, stamp, dict(request.cookies))
        except BriefingError as exc:
            return Response(
                t("briefing_failed", lang).format(error=exc),
                status=503,
                mimetype="text/plain; charset=utf-8",
            )
        finally:
            _RENDERS.release()
        name = f"briefing-{state.unit or 'top'}-{now[:10]}.{kind}"
        auth.record(engine, "export", f"briefing {state.unit or 'top'}", detail={"format": kind})
        return Response(
            body,
            mimetype="application/pdf" if kind == "pdf" else "image/png",
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    @server.get("/api/briefing.pdf")
    def briefing_pdf() -> Response:
        return briefing("pdf")

    @server.get("/api/briefing.png")
    def briefing_png() -> Response:
        return briefing("png")
