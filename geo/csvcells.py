"""CSV cells that a spreadsheet program cannot run: formula injection neutralised.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, WPS or LibreOffice (``=HYPERLINK(...)``, ``=cmd|...``). Every CSV Gridsight writes passes its
cells through :func:`cell`, which prefixes such text with an apostrophe (shown as text, not run);
numbers are left alone. The importer's CSV reader takes the apostrophe off again
(:func:`restore`), so export then import gives the same text back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    r"""Return ``value`` made safe for a CSV cell.

    >>> cell("=HYPERLINK(\"http://x\")"), cell("-1"), cell(-1.5), cell("示范镇")
    ('\'=HYPERLINK("http://x")', "'-1", -1.5, '示范镇')
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """Every value of a CSV row through :func:`cell`."""
    return [cell(v) for v in values]


def mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of a ``csv.DictWriter`` row through :func:`cell`."""
    return {k: cell(v) for k, v in values.items()}


def restore(value: str) -> str:
    """Return the text :func:`cell` was given: one leading apostrophe before a trigger taken off.

    >>> restore("'=1+2"), restore("'quoted"), restore("=raw")
    ('=1+2', "'quoted", '=raw')
    """
    if value.startswith("'") and value[1:2] and value[1] in TRIGGERS:
        return value[1:]
    return value
