"""Sign-in, sessions, roles and security headers for every request the server answers.

Default deny: a request is answered only when its route is one of the few public ones (the sign-in
page, the kiosk link, static code and styles) or a signed-in account's role reaches the route's
minimum role: pages by their name, Dash callbacks by their outputs (a map built when the app
registers its callbacks), the layer API by its own. Anonymous requests get 401 (or, for a page, a
redirect to ``/login``); a role too low gets 403. Sessions are Flask's signed cookies (HttpOnly,
SameSite=Lax, Secure when the request came over TLS) holding the account id, its session epoch and
the last request time; every request checks them against the database, so disabling an account,
resetting its password or revoking a kiosk link ends its sessions in every worker at once.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import Flask, Response, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response as BaseResponse

from dashboard import pages
from dashboard._style_hashes import style_sources
from dashboard.i18n import t
from geo import accounts, audit, jurisdiction
from geo.accounts import Account, SignInRefused
from geo.settings import Settings

# Paths anyone may ask for: the sign-in and sign-out pages, kiosk links, and the app's code and
# styles (the same for everyone, no data).
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/kiosk/")
PUBLIC_PATHS = frozenset({"/login", "/logout", "/_favicon.ico"})
# Minimum role of the other non-page routes.
ROUTE_ROLES: dict[str, str] = {
    "/import/": "data",
    "/api/": "viewer",
    "/_dash-": "wall",
    "/_reload-hash": "wall",
    "/fonts/": "wall",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOUCH_S = 60  # the session's last-request time is rewritten at most once a minute


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure whenever the request itself came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


@dataclass
class CallbackRoles:
    """Minimum role of every Dash callback, keyed by its output string (as Dash posts it)."""

    roles: dict[str, str]

    def track(self, app: Dash, role: str, register: Callable[[], None]) -> None:
        """Run ``register`` and give every callback it added to ``app`` the role ``role``."""
        before = set(app.callback_map)
        register()
        for key in set(app.callback_map) - before:
            self.roles[key] = role


def current() -> Account | None:
    """Return the account of the current request (None when anonymous or outside a request)."""
    return g.get("account") if _in_request() else None


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def allowed(role: str) -> bool:
    """Whether the current request's account reaches ``role``."""
    account = current()
    return account is not None and account.at_least(role)


def address() -> str | None:
    """Return the client's address as the server saw it."""
    return request.remote_addr if _in_request() else None


def record(
    where: Engine | Connection,
    kind: str,
    target: str = "",
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit ``kind`` as done by the current request's account, from its address.

    See :func:`geo.audit.record`: an engine writes in a transaction of its own.
    """
    account = current()
    audit.record(
        where,
        kind,
        account=account.name if account else None,
        address=address(),
        target=target,
        outcome=outcome,
        detail=detail,
    )


def page_role(path: str, home: str) -> str:
    """Minimum role of the page at ``path`` (``/`` is ``home``)."""
    return pages.page_for(path, home).role


def _json(status: int, message: str) -> Response:
    import json

    return Response(
        json.dumps({"error": message}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
    )


def _lang(settings: Settings) -> str:
    lang = request.args.get("lang", "")
    return lang if lang in ("zh", "en") else settings.language


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this server, else ``/`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _login_page(settings: Settings, message: str = "", status: int = 200) -> Response:
    lang = _lang(settings)
    token = session.get("csrf") or secrets.token_urlsafe(24)
    session["csrf"] = token
    nxt = _safe_next(request.values.get("next"))
    other = "en" if lang == "zh" else "zh"
    switch = f"/login?lang={other}&next={quote(nxt)}"
    error = f'<p class="gs-error" role="alert">{html.escape(message)}</p>' if message else ""
    body = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t("login_title", lang))} · {html.escape(t("app_title", lang))}</title>
<link rel="stylesheet" href="/assets/gridsight.css"></head>
<body class="gs-login-body"><main class="gs-login">
<h1>{html.escape(t("app_title", lang))}</h1>
<form method="post" action="/login?lang={lang}">
<input type="hidden" name="csrf_token" value="{html.escape(token)}">
<input type="hidden" name="next" value="{html.escape(nxt)}">
<label>{html.escape(t("login_username", lang))}
<input name="username" autocomplete="username" required autofocus maxlength="64"></label>
<label>{html.escape(t("login_password", lang))}
<input name="password" type="password" autocomplete="current-password" \
required maxlength="1024"></label>
{error}<button type="submit">{html.escape(t("login_submit", lang))}</button>
</form>
<p><a href="{html.escape(switch)}">{"English" if other == "en" else "中文"}</a></p>
</main></body></html>"""
    return Response(
        body, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"}
    )


def _start_session(account: Account, kiosk_id: int | None) -> None:
    session.clear()
    session.update(
        a=account.id,
        n=account.name,
        r=account.role,
        u=account.unit_code,
        e=account.session_epoch,
        k=kiosk_id,
        t=int(time.time()),
    )
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = kiosk_id is not None  # a wall display's cookie outlives the browser session


def _register_routes(server: Flask, engine: Engine, settings: Settings) -> None:
    @server.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse:
        if request.method == "GET":
            return _login_page(settings)
        lang = _lang(settings)
        sent = request.form.get("csrf_token", "")
        if not sent or not secrets.compare_digest(sent, str(session.get("csrf", ""))):
            return _login_page(settings, t("login_expired", lang), 400)
        name = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:1024]
        try:
            account = accounts.authenticate(engine, name, password, request.remote_addr or "")
        except SignInRefused as exc:
            audit.record(
                engine, "sign_in_failed", account=name or None, address=address(), outcome=str(exc)
            )
            message = (
                t("login_throttled", lang).format(s=exc.retry_after)
                if exc.retry_after
                else t("login_failed", lang)
            )
            page = _login_page(settings, message, 429 if exc.retry_after else 401)
            if exc.retry_after:
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        audit.record(
            engine,
            "sign_in",
            account=account.name,
            address=address(),
            detail={"role": account.role},
        )
        _start_session(account, None)
        return redirect(_safe_next(request.form.get("next")), 303)

    @server.route("/logout", methods=["GET", "POST"])
    def logout() -> BaseResponse:
        lang = _lang(settings)
        if (
            request.method == "GET"
        ):  # a link shows a button: a cross-site GET cannot sign anyone out
            body = (
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" '
                f'href="/assets/gridsight.css"></head><body class="gs-login-body">'
                f'<main class="gs-login">'
                f'<form method="post" action="/logout?lang={lang}"><button type="submit">'
                f"{html.escape(t('logout', lang))}</button></form></main></body></html>"
            )
            return Response(body, mimetype="text/html", headers={"Cache-Control": "no-store"})
        account = _session_account(engine, settings)
        if account is not None:
            audit.record(engine, "sign_out", account=account.name, address=address())
        session.clear()
        return redirect(f"/login?lang={lang}", 303)

    @server.get("/kiosk/<token>")
    def kiosk(token: str) -> BaseResponse:
        with engine.connect() as conn:
            found = accounts.kiosk_sign_in(conn, token[:200])
        if found is None:
            audit.record(
                engine,
                "sign_in_failed",
                account=None,
                address=address(),
                outcome="kiosk link not valid",
            )
            return Response(
                html.escape(t("kiosk_invalid", _lang(settings))), status=401, mimetype="text/plain"
            )
        account, kiosk_id = found
        audit.record(
            engine,
            "sign_in",
            account=account.name,
            address=address(),
            detail={"role": account.role, "kiosk": kiosk_id},
        )
        _start_session(account, kiosk_id)
        return redirect(
            "/wall"
            + (f"?lang={request.args['lang']}" if request.args.get("lang") in ("zh", "en") else ""),
            303,
        )


def _session_account(engine: Engine, settings: Settings) -> Account | None:
    """Return the account of the request's session cookie.

    None when there is no cookie, or it was idle too long or revoked.
    """
    try:
        account_id, epoch, kiosk_id, seen = (
            int(session["a"]),
            int(session["e"]),
            session.get("k"),
            int(session["t"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    now = int(time.time())
    if kiosk_id is None and now - seen > settings.session_idle_min * 60:
        session.clear()
        return None
    try:
        with engine.connect() as conn:
            # one statement, no transaction: no BEGIN and ROLLBACK round trips on every request
            conn.execution_options(isolation_level="AUTOCOMMIT")
            account = accounts.session_account(
                conn, account_id, epoch, None if kiosk_id is None else int(kiosk_id)
            )
    except OperationalError:
        # The database cannot be reached to check the session: the signed cookie's own claims stand
        # in for this request, which can read nothing from the database either (pages then say
        # "reconnecting" instead of failing); revocations apply again as soon as it is back.
        try:
            return Account(
                account_id, str(session["n"]), str(session["r"]), session.get("u"), False, epoch
            )
        except KeyError:
            return None
    if account is None:
        session.clear()
    elif now - seen >= _TOUCH_S:
        session["t"] = now
    return account


def _host_allowed(settings: Settings) -> bool:
    if "*" in settings.allowed_hosts:
        return True
    host = request.host.lower()
    name = (
        host[1 : host.index("]")]
        if host.startswith("[") and "]" in host
        else host.rsplit(":", 1)[0]
    )
    return name in settings.allowed_hosts


def _same_origin() -> bool:
    """Whether a state-changing request came from a page of this server (Origin, else Referer)."""
    expected = f"{request.scheme}://{request.host}".lower()
    origin = request.headers.get("Origin")
    if origin is None and request.referrer:
        parts = urlsplit(request.referrer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin is not None and origin.lower() == expected


def _minimum_role(settings: Settings, callback_roles: CallbackRoles) -> str | None:
    """Return the least role that may make the current request.

    None when the request names a callback the app does not know.
    """
    path = request.path
    if path == "/_dash-update-component":
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        return callback_roles.roles.get(output) if isinstance(output, str) else None
    if (
        path == "/_dash-layout"
    ):  # the layout of the page the browser is on (its address is the referrer)
        return page_role(urlsplit(request.referrer or "").path or "/", settings.home)
    for prefix, role in ROUTE_ROLES.items():
        if path.startswith(prefix):
            return role
    return page_role(path, settings.home)


def _is_page(path: str) -> bool:
    return request.method in ("GET", "HEAD") and not path.startswith(("/_", "/api/", "/fonts/"))


def _content_security_policy(app: Dash, settings: Settings) -> str:
    images = ["'self'", "data:", "blob:"]
    if settings.tile_url:
        parts = urlsplit(settings.tile_url.replace("{", "").replace("}", ""))
        images.append(f"{parts.scheme}://{parts.netloc}")
    # Dash's own inline scripts (the renderer's start) by hash; no other inline script runs.
    scripts = ["'self'", *app.csp_hashes()]
    # Dash's developer tools (GRIDSIGHT_DEBUG, never in production) add styles of their own; with
    # hashes present a browser ignores 'unsafe-inline', so debug mode lists none.
    styles = ["'self'", "'unsafe-inline'"] if settings.debug else ["'self'", *style_sources()]
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(scripts)}",
            # No inline style: only the fixed <style> texts the bundles insert, by their hashes
            # (styles set through the CSSOM, as Leaflet's and Plotly's are, are not subject to it).
            f"style-src {' '.join(styles)}",
            f"img-src {' '.join(images)}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install(app: Dash, engine: Engine, settings: Settings, callback_roles: CallbackRoles) -> None:
    """Install the sign-in routes, the per-request checks and the security headers on ``app``.

    They go on ``app``'s server. Call after every callback is registered (the CSP hashes Dash's
    inline scripts, the role map must be complete).
    """
    server = app.server
    server.secret_key = accounts.session_secret(settings.data_dir)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME="gridsight_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=400 * 86400,
    )
    csp = _content_security_policy(app, settings)
    server.extensions["gridsight_callback_roles"] = callback_roles.roles
    _register_routes(server, engine, settings)

    def check() -> BaseResponse | None:
        jurisdiction.current_scope.set(
            jurisdiction.NOTHING
        )  # until an account is signed in: no row
        g.account = None
        if not _host_allowed(settings):
            return _json(400, f"host {request.host!r} is not served here (GRIDSIGHT_ALLOWED_HOSTS)")
        if request.method not in SAFE_METHODS and not _same_origin():
            return _json(
                403, "cross-site request refused: the Origin (or Referer) is not this server"
            )
        path = request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        account = _session_account(engine, settings)
        if account is None:
            if _is_page(path):
                lang = request.args.get("lang")
                shown = (
                    f"lang={lang}&" if lang in ("zh", "en") else ""
                )  # the sign-in page in the page's language
                return redirect(f"/login?{shown}next={quote(request.full_path.rstrip('?'))}", 303)
            return _json(401, "sign in first (POST /login)")
        g.account = account
        jurisdiction.current_scope.set(account.unit_code)
        minimum = _minimum_role(settings, callback_roles)
        if minimum is None:
            return _json(403, "unknown callback")
        if minimum == "data" and account.unit_code is not None:
            # Imports write the territory's layers as the owner, outside row-level security: only an
            # account of the whole deployment may make them (a limited one could write anywhere).
            audit.record(
                engine,
                "denied",
                account=account.name,
                address=address(),
                target=path,
                outcome="import needs the whole deployment",
                detail={"unit": account.unit_code},
            )
            message = "imports need an account of the whole deployment, not one limited to a unit"
            if _is_page(path):
                return Response(
                    html.escape(t("forbidden", _lang(settings))), status=403, mimetype="text/plain"
                )
            return _json(403, message)
        if account.at_least(minimum):
            return None
        if _is_page(path) and account.role == "wall" and path.rstrip("/") in ("", "/map"):
            return redirect("/wall", 303)
        audit.record(
            engine,
            "denied",
            account=account.name,
            address=address(),
            target=path,
            outcome=f"needs {minimum}",
            detail={"role": account.role},
        )
        if _is_page(path):
            return Response(
                html.escape(t("forbidden", _lang(settings))), status=403, mimetype="text/plain"
            )
        return _json(403, f"the role {account.role!r} may not do this (needs {minimum!r} or above)")

    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    def forget(_exc: BaseException | None) -> None:
        jurisdiction.current_scope.set(jurisdiction.NOTHING)

    server.before_request(check)
    server.after_request(headers)
    server.teardown_request(forget)
