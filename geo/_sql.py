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
from typing import Any

from sqlalchemy import TextClause, text

# The incidents of a window (its category and status filters; an empty filter keeps everything),
# for an incident table whose alias is ``$i`` (``i.`` or empty for none). Binds ``:categories`` and
# ``:statuses`` (text arrays; see :func:`window_params`). Its time bounds are left to each query,
# since they differ ("(start, end]", or since a start).
INCIDENT_FILTERS = (
    "(cardinality(CAST(:categories AS text[])) = 0 OR ${i}category = ANY(CAST(:categories AS text[])))"
    " AND (cardinality(CAST(:statuses AS text[])) = 0 OR ${i}status = ANY(CAST(:statuses AS text[])))"
)

_PLACEHOLDER = re.compile(r"\$(?:[_a-z][_a-z0-9]*|\{[_a-z][_a-z0-9]*\})", re.IGNORECASE)


def fill(template: str, **fragments: object) -> str:
    """``template`` with the named ``fragments`` in place of their ``$name``; other placeholders stay.

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
    """A SQLAlchemy ``text()`` of :func:`complete` (``template``, ``fragments``)."""
    return text(complete(template, **fragments))


def incident_filters(alias: str = "i") -> str:
    """:data:`INCIDENT_FILTERS` for incident table alias ``alias`` ('' when unaliased).

    >>> incident_filters("").startswith("(cardinality(CAST(:categories AS text[])) = 0 OR category")
    True
    """
    return fill(INCIDENT_FILTERS, i=f"{alias}." if alias else "")


def window_params(window: Any) -> dict[str, Any]:
    """The bound parameters of a window (:class:`geo.figures.Window`): ``start`` and ``end``
    (timezone-aware datetimes), ``categories`` and ``statuses`` (lists of text) for
    :data:`INCIDENT_FILTERS`."""
    return {
        "start": window.start,
        "end": window.end,
        "categories": list(window.categories),
        "statuses": list(window.statuses),
    }
