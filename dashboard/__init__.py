"""The Dash application: layout, callbacks and HTTP routes, wired to one engine and settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dash import Dash
from flask import has_request_context, request
from sqlalchemy import Engine, text

from dashboard import api, audit_page, auth, callbacks, import_page, map_page, plan_page, planning, wall
from dashboard import details as cell_panel
from dashboard.i18n import t
from dashboard.state import ViewState
from geo.settings import PROJECT_DIR, Settings

# The demo county's surroundings: the view when the database holds no units yet.
_FALLBACK_BOUNDS = [[37.4, 113.45], [37.8, 113.95]]


def initial_bounds(engine: Engine) -> list[list[float]]:
    """[[south, west], [north, east]] of all counties (EPSG:4326), or the demo area when empty."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM admin_unit WHERE level = 'county') x")).one()
    if row[0] is None:
        return _FALLBACK_BOUNDS
    return [[row[0], row[1]], [row[2], row[3]]]


def build_app(settings: Settings, engine: Engine, authorize: bool = True) -> Dash:
    """A Dash app serving the map page, its assets (offline) and the layer endpoints, every request
    signed in and authorized (``authorize=False`` only for the bench's measure of what that costs)."""
    app = Dash(
        __name__,
        title=t("app_title", settings.language),
        assets_folder=str(PROJECT_DIR / "assets"),
        serve_locally=True,
        update_title="",
        suppress_callback_exceptions=True,  # two pages: each page's callbacks see only their components
    )
    # Uploads arrive base64-encoded inside a callback request (4/3 of the file size).
    app.server.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 2**20 * 4 // 3 + 2**20
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
        page_name = path.rsplit("/", 1)[-1] or settings.home
        if page_name == "import":
            return import_page.layout(settings, initial_bounds(engine), lang)
        if page_name == "plan":
            with engine.connect() as conn:
                saved = planning.plan_list(conn, lang)
            return plan_page.layout(settings, initial_bounds(engine), lang, planning.patrol_units(engine), saved)
        if page_name == "wall":
            tour = wall.tour_from(address.query)
            return wall.layout(settings, initial_bounds(engine), lang, settings.wall_tour_s if tour is None else tour)
        return map_page.layout(settings, initial_bounds(engine), lang)

    app.layout = page
    # Every callback gets the least role of its page; the server checks it on every call.
    roles = auth.CallbackRoles({})
    roles.track(app, "viewer", lambda: callbacks.register(app, engine, settings))
    roles.track(app, "data", lambda: import_page.register(app, engine, settings))
    roles.track(app, "wall", lambda: wall.register(app, engine, settings))
    roles.track(app, "planner", lambda: planning.register(app, engine, settings))
    api.register_api(app.server, engine, settings)
    audit_page.register(app.server, engine, settings)
    if authorize:
        auth.install(app, engine, settings, roles)
    return app
