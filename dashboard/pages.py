"""The dashboard's pages, declared once.

Each page has a name (the last part of its address: ``/plan`` is ``plan``, ``/`` is the
deployment's home page, ``GRIDSIGHT_HOME``), the least role that opens it and calls its callbacks,
and the element its skip link moves the focus to. Routing (:mod:`dashboard`) and authorization
(:mod:`dashboard.auth`) both read this table, so a new page is one entry here and a layout builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import ids


@dataclass(frozen=True, kw_only=True)
class Page:
    """One page of the dashboard."""

    name: str
    role: str  # the least role (dashboard.auth.ROLES) that opens the page and calls its callbacks
    skip_to: str | None  # id of the element the skip link focuses (WCAG 2.4.1); None: no skip link


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page(name="map", role="viewer", skip_to=ids.MAP),
        Page(name="wall", role="wall", skip_to=None),  # full screen, nobody uses a keyboard there
        Page(name="plan", role="planner", skip_to=ids.MAP),
        Page(name="import", role="data", skip_to=ids.IMPORT_MAP),
        Page(name="audit", role="admin", skip_to=None),  # served by dashboard/audit_page.py
    )
}


def page_for(path: str, home: str) -> Page:
    """Return the page at ``path`` (``/`` is ``home``); an unknown name is the map."""
    name = path.rstrip("/").rsplit("/", 1)[-1] or home
    return PAGES.get(name, PAGES["map"])
