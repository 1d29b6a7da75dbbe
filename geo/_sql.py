"""SQL as named fragments: one templating mechanism, and the fragments more than one module uses.

A template is SQL text with ``$name`` placeholders (:class:`string.Template`). :func:`fill` puts
fragments in for some of them and leaves the others for a later :func:`fill`, so fragments compose;
:func:`statement` puts in the last ones and refuses to return SQL that still has a placeholder. A
fragment is always SQL written in this code base (a table name, a condition, a number constant),
never a value from a request or a file: values go in bound parameters (``:name``).
A script is a sequence of statements (:func:`fill_all` fills each one), never a string to split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from string import Template
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause, text

if TYPE_CHECKING:
    from geo.figures import Window

# The incidents of a window: ``(start, end]`` and its category and status filters (an empty filter
# keeps everything), for an incident table whose alias is ``$i`` (with its dot, or empty). Binds
# ``:start``, ``:end`` (timestamptz), ``:categories`` and ``:statuses`` (text arrays): see
# :func:`window_params`.
INCIDENT_WINDOW = (
    "${i}occurred_at > :start AND ${i}occurred_at <= :end"
    " AND (cardinality(CAST(:categories AS text[])) = 0"
    " OR ${i}category = ANY(CAST(:categories AS text[])))"
    " AND (cardinality(CAST(:statuses AS text[])) = 0"
    " OR ${i}status = ANY(CAST(:statuses AS text[])))"
)

_PLACEHOLDER = re.compile(r"\$(?:[_a-z][_a-z0-9]*|\{[_a-z][_a-z0-9]*\})", re.IGNORECASE)


def fill(template: str, **fragments: object) -> str:
    """Put the named ``fragments`` in place of their ``$name`` in ``template``; others stay.

    >>> fill("SELECT $cols FROM $table WHERE $where", cols="code", table="unit_coverage")
    'SELECT code FROM unit_coverage WHERE $where'
    """
    return Template(template).safe_substitute({k: str(v) for k, v in fragments.items()})


def fill_all(script: Sequence[str], **fragments: object) -> tuple[str, ...]:
    """Each statement of ``script`` filled with ``fragments`` (see :func:`fill`)."""
    return tuple(fill(s, **fragments) for s in script)


def complete(template: str, **fragments: object) -> str:
    """``template`` filled with ``fragments``; raises ``ValueError`` if a placeholder is left.

    >>> complete("SELECT 1 FROM $t", t="road")
    'SELECT 1 FROM road'
    """
    sql = fill(template, **fragments)
    left = _PLACEHOLDER.findall(sql)
    if left:
        raise ValueError(f"SQL template placeholders left unfilled: {', '.join(sorted(set(left)))}")
    return sql


def statement(template: str, **fragments: object) -> TextClause:
    """Return a SQLAlchemy ``text()`` of :func:`complete` (``template``, ``fragments``)."""
    return text(complete(template, **fragments))


def incident_window(alias: str = "i") -> str:
    """:data:`INCIDENT_WINDOW` for incident table alias ``alias`` ('' when unaliased).

    >>> incident_window("").startswith("occurred_at > :start AND occurred_at <= :end AND")
    True
    """
    return fill(INCIDENT_WINDOW, i=f"{alias}." if alias else "")


def clipped_to_scope(expr: str, srid: str | None = None) -> str:
    """Return SQL of the geometry ``expr`` cut to the session's jurisdiction.

    For a session limited to a unit, the part of ``expr`` inside the unit's polygon, of
    ``expr``'s own dimension; ``expr`` itself for the whole deployment or an unscoped session
    (migration 0014_scope_clip). The polygon is looked up once per statement. ``expr`` is in
    EPSG:4326 unless ``srid`` is given: the SQL of its SRID (a constant or a bound parameter such
    as ``":srid"``), into which the polygon is transformed.

    >>> clipped_to_scope("r.geom")
    'gs_clip_to(r.geom, (SELECT gs_scope_geom()))'
    >>> clipped_to_scope("g", ":srid")
    'gs_clip_to(g, (SELECT ST_Transform(gs_scope_geom(), :srid)))'
    """
    scope = "gs_scope_geom()" if srid is None else f"ST_Transform(gs_scope_geom(), {srid})"
    return f"gs_clip_to({expr}, (SELECT {scope}))"


def window_params(window: Window) -> dict[str, Any]:
    """Return the bound parameters of a window (:class:`geo.figures.Window`).

    ``start`` and ``end`` (timezone-aware datetimes), ``categories`` and ``statuses`` (lists of
    text) for :data:`INCIDENT_WINDOW`.
    """
    return {
        "start": window.start,
        "end": window.end,
        "categories": list(window.categories),
        "statuses": list(window.statuses),
    }
