"""``/audit``: the audit log for administrators, filtered by account, kind and time.

A plain HTML page rendered on the server; every value escaped.
"""

from __future__ import annotations

import html

from flask import Flask, Response, request
from sqlalchemy import Engine

from dashboard.i18n import t
from geo import audit
from geo.errors import DataError
from geo.settings import Settings

_LIMIT = 500


def _options(kinds: list[str], chosen: str) -> str:
    rows = ['<option value="">*</option>'] + [
        f'<option value="{html.escape(k)}"{" selected" if k == chosen else ""}>'
        f"{html.escape(k)}</option>"
        for k in kinds
    ]
    return "".join(rows)


def register(server: Flask, engine: Engine, settings: Settings) -> None:
    """Add ``GET /audit?user=&kind=&since=&lang=`` (the role check is the app's: admin)."""

    @server.get("/audit")
    def audit_page() -> Response:
        lang = "en" if request.args.get("lang", settings.language) == "en" else "zh"
        user = request.args.get("user", "").strip()[:64] or None
        kind = request.args.get("kind", "").strip() or None
        since_raw = request.args.get("since", "").strip()[:40]
        error, events = "", []
        try:
            since = audit.parse_since(since_raw) if since_raw else None
            if kind is not None and kind not in audit.KINDS:
                raise DataError(f"kind {kind!r}: expected one of {', '.join(audit.KINDS)}")
            audit.flush(engine)
            with engine.connect() as conn:
                events = audit.events(conn, account=user, since=since, kind=kind, limit=_LIMIT)
        except DataError as exc:
            error = f'<p class="gs-error" role="alert">{html.escape(str(exc))}</p>'
        heads = (
            "audit_at",
            "audit_account",
            "audit_address",
            "audit_kind",
            "audit_target",
            "audit_outcome",
            "audit_detail",
        )
        choices = _options(sorted(audit.KINDS), kind or "")
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in e.line().split("\t")) + "</tr>"
            for e in reversed(events)
        )
        body = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<title>{html.escape(t("audit_title", lang))} · {html.escape(t("app_title", lang))}</title>
<link rel="stylesheet" href="/assets/gridsight.css"></head>
<body class="gs-audit-body"><main class="gs-audit">
<h1>{html.escape(t("audit_title", lang))}</h1>\
<p><a href="/?lang={lang}">{html.escape(t("back_to_map", lang))}</a></p>
<form method="get" action="/audit"><input type="hidden" name="lang" value="{lang}">
<label>{html.escape(t("audit_account", lang))} \
<input name="user" value="{html.escape(user or "")}"></label>
<label>{html.escape(t("audit_kind", lang))} <select name="kind">{choices}</select></label>
<label>{html.escape(t("audit_since", lang))} <input name="since" value="{html.escape(since_raw)}"
 placeholder="2026-12-01, 12h, 7d"></label>
<button type="submit">{html.escape(t("audit_filter", lang))}</button></form>{error}
<p>{len(events)} / {_LIMIT}</p>
<table class="gs-audit-table"><thead><tr>\
{"".join(f"<th>{html.escape(t(h, lang))}</th>" for h in heads)}</tr></thead>
<tbody>{rows}</tbody></table></main></body></html>"""
        return Response(body, mimetype="text/html", headers={"Cache-Control": "no-store"})
