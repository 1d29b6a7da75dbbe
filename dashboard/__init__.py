"""The Dash application: layout, callbacks and HTTP routes, wired to one engine and settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from dash import Dash, html
from flask import has_request_context, request
from sqlalchemy import Engine

from dashboard import api, audit_page, auth, guard, pages
from dashboard.i18n import t
from dashboard.imports import callbacks as import_callbacks
from dashboard.imports import layout as import_page
from dashboard.map import briefing, callbacks, cell_panel, playback
from dashboard.map import layout as map_page
from dashboard.plan import callbacks as planning
from dashboard.plan import layout as plan_page
from dashboard.state import ViewState
from dashboard.wall import callbacks as wall_callbacks
from dashboard.wall import layout as wall
from geo import hierarchy
from geo.jurisdiction import web_engine
from geo.settings import PROJECT_DIR, Settings

# The demo county's surroundings: the view when the database holds no units yet.
_FALLBACK_BOUNDS = [[37.4, 113.45], [37.8, 113.95]]


def initial_bounds(engine: Engine) -> list[list[float]]:
    """Return the bounds of the top units ``engine`` may see, else of the demo area.

    The bounds are [[south, west], [north, east]] in EPSG:4326 degrees; the top units are all
    counties, or the account's own unit; the demo area is used when there are none.
    """
    with engine.connect() as conn:
        top = hierarchy.top(conn)
    if not top:
        return _FALLBACK_BOUNDS
    return [
        [min(u.bounds[0][0] for u in top), min(u.bounds[0][1] for u in top)],
        [max(u.bounds[1][0] for u in top), max(u.bounds[1][1] for u in top)],
    ]


class _App(Dash):  # type: ignore[misc]
    """Dash whose page names its language (``<html lang>``, WCAG 3.1.1).

    The language is the one asked for with ``?lang=``, else ``default_lang``; screen readers pick
    their voice and the browser its fonts.
    """

    default_lang = "zh"

    def interpolate_index(self, **kwargs: Any) -> str:  # type: ignore[override]
        lang = request.args.get("lang") if has_request_context() else None
        lang = lang if lang in ("zh", "en") else self.default_lang
        html: str = super().interpolate_index(**kwargs)  # type: ignore[no-untyped-call]
        return html.replace("<html>", f'<html lang="{HTML_LANG[lang]}">', 1)


HTML_LANG = {"zh": "zh-CN", "en": "en"}


def _skippable(layout: Any, target: str, lang: str) -> html.Div:
    """Put a skip link (WCAG 2.4.1) before ``layout``.

    The first Tab shows it, Enter moves the focus past the header and the side panel to the map
    (``target``, focusable: Leaflet gives it a tabindex).
    """
    return html.Div(
        [html.A(t("skip_to_map", lang), href=f"#{target}", className="gs-skip"), layout]
    )


def build_app(settings: Settings, engine: Engine, authorize: bool = True) -> Dash:
    """Build a Dash app serving the map page, its assets (offline) and the layer endpoints.

    Every request is signed in and authorized (``authorize=False`` only for the bench's measure of
    what that costs).

    ``engine`` is the owner's (:func:`geo.db.connect`): the app imports and applies plans with it
    (each refreshing the coverage in its transaction; pages never refresh, the background refresher
    :mod:`geo.refresher` that ``create_app`` starts does for other programs' rows). Everything a
    request reads (and the plans it saves) goes through the web app's own role instead, scoped to
    the request's jurisdiction (:func:`geo.jurisdiction.web_engine`).
    """
    # The web engine's statements are cancelled after GRIDSIGHT_STATEMENT_TIMEOUT_S; imports and
    # refreshes run unbounded through the owner's.
    owner, engine = engine, web_engine(settings, engine)
    app = _App(
        __name__,
        title=t("app_title", settings.language),
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,
        update_title="",
        # two pages: each page's callbacks see only their components
        suppress_callback_exceptions=True,
    )
    app.default_lang = settings.language
    # Uploads are streamed to disk by their own route (multipart, not inside a callback's JSON).
    app.server.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 2**20 + 2**20
    guard.install(app.server, settings.statement_timeout_s)
    cell_panel.warm_up()

    # The layout is a function so that every page load reads the current county extent, in the
    # language the page was asked in (?lang=zh|en, default GRIDSIGHT_LANGUAGE). Dash asks for the
    # layout in a request of its own, so the page's address is its referrer.
    def page() -> Any:
        lang, path, address = settings.language, "/", urlsplit("")
        if has_request_context():
            address = urlsplit(request.referrer or "")
            lang = ViewState.from_search(address.query).lang or lang
            path = address.path.rstrip("/") or "/"
        spec = pages.page_for(path, settings.home)
        layout = builders[spec.name](lang, address.query)
        return layout if spec.skip_to is None else _skippable(layout, spec.skip_to, lang)

    def map_layout(lang: str, query: str) -> Any:
        briefing = "briefing=1" in query.split("&")
        return map_page.layout(settings, initial_bounds(engine), lang, briefing=briefing)

    def plan_layout(lang: str, query: str) -> Any:
        with engine.connect() as conn:
            saved = planning.plan_list(conn, lang)
        units = planning.patrol_units(engine)
        return plan_page.layout(settings, initial_bounds(engine), lang, units, saved)

    def wall_layout(lang: str, query: str) -> Any:
        tour = wall.tour_from(query)
        tour_s = settings.wall_tour_s if tour is None else tour
        return wall.layout(settings, initial_bounds(engine), lang, tour_s)

    def import_layout(lang: str, query: str) -> Any:
        return import_page.layout(settings, initial_bounds(engine), lang)

    # Each Dash page's layout builder and callbacks; the pages' table gives their roles.
    builders: dict[str, Callable[[str, str], Any]] = {
        "map": map_layout,
        "plan": plan_layout,
        "wall": wall_layout,
        "import": import_layout,
    }
    registers: dict[str, Callable[[], None]] = {
        "map": lambda: callbacks.register(app, engine, settings),
        "import": lambda: import_callbacks.register(app, owner, settings),
        "wall": lambda: wall_callbacks.register(app, engine, settings),
        "plan": lambda: planning.register(app, engine, settings, owner),
    }
    app.layout = page
    # Every callback gets the least role of its page; the server checks it on every call.
    roles = auth.CallbackRoles({})
    for name, register in registers.items():
        roles.track(app, pages.PAGES[name].role, register)
    api.register_api(app.server, engine, settings)
    playback.register_api(app.server, engine, settings)
    briefing.register_api(app.server, engine, settings)
    audit_page.register(app.server, engine, settings)
    if authorize:
        auth.install(app, engine, settings, roles)
    # Dash lists the scripts it may serve on a worker's first request, and marks that done before
    # doing it: the other threads' requests for the page's scripts meanwhile answered 500 (blank
    # pages on a fresh or recycled worker). Done here, before any request.
    app._setup_server()  # type: ignore[no-untyped-call]
    return app
