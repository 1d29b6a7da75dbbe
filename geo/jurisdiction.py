"""Jurisdiction: the unit whose data the current request may see.

``current_scope`` holds the signed-in account's unit code (None: the whole deployment). The web
app sets it at the start of every request from the account; the database layer applies it to every
transaction of that request.
"""

from __future__ import annotations

from contextvars import ContextVar

current_scope: ContextVar[str | None] = ContextVar("current_scope", default=None)
