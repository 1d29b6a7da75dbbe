"""Column steering as text, read into one :class:`ImportOptions`.

The command line's ``--map``, ``--ignore``, ``--set``, ``--values``, ``--code-from`` and
``--code-prefix`` (and ``--replace``).

``python -m etl import`` and the import page read the same text with these functions, so an option
means the same wherever it is typed: the page's boxes take one entry a line (or comma-separated
lists) in exactly the command line's syntax.
"""

from __future__ import annotations

import dataclasses
import re

from etl.importing import ImportOptions
from geo.errors import DataError

_ENTRY = re.compile(r"[\n;]+")


def pair(raw: str) -> tuple[str, str]:
    """``FIELD=VALUE`` as ``(field, value)``, both stripped; the value may be empty.

    >>> pair(" code = adcode ")
    ('code', 'adcode')

    Raises
    ------
    DataError
        When there is no ``=`` or nothing before it.
    """
    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        raise DataError(f"{raw!r}: expected field=value")
    return name.strip(), value.strip()


def value_map(raw: str) -> tuple[str, dict[str, str]]:
    """``FIELD=A:B,C:D`` as ``(field, {a: B, c: D})``; the values read are matched lower-case.

    >>> value_map("class=Primary:highway,footway:")
    ('class', {'primary': 'highway', 'footway': ''})

    Raises
    ------
    DataError
        When an item has no ``:`` or nothing before it.
    """
    name, values = pair(raw)
    mapping = {}
    for item in values.split(","):
        source, sep, target = item.partition(":")
        if not sep or not source.strip():
            raise DataError(
                f"{raw!r}: expected FIELD=value:replacement,value:replacement ({item!r} has no ':')"
            )
        mapping[source.strip().lower()] = target.strip()
    return name, mapping


def names(raw: str | None) -> tuple[str, ...]:
    """Split a comma-separated (or line-separated) list of column names, blanks dropped.

    >>> names("name, kind,,")
    ('name', 'kind')
    """
    return tuple(n.strip() for n in re.split(r"[,\n]", raw or "") if n.strip())


def entries(raw: str | None) -> list[str]:
    r"""Split a box that takes one entry a line (``;`` separates too), blanks dropped.

    >>> entries("kind=gun\n\n status = online ")
    ['kind=gun', 'status = online']
    """
    return [e.strip() for e in _ENTRY.split(raw or "") if e.strip()]


def steer(
    base: ImportOptions,
    *,
    maps: str | None = None,
    ignore: str | None = None,
    sets: str | None = None,
    values: str | None = None,
    code_from: str | None = None,
    code_prefix: str | None = None,
    replace: bool = False,
) -> ImportOptions:
    """Return ``base`` with the steering typed as text.

    ``maps`` (``FIELD=COLUMN`` a line), ``ignore`` (columns), ``sets`` (``FIELD=VALUE`` a
    line), ``values`` (``FIELD=A:B,C:D`` a line), ``code_from`` (columns), ``code_prefix`` and
    ``replace``.

    >>> steer(ImportOptions(), maps="code=编号", code_prefix=" wp ").columns
    {'code': '编号'}

    Raises
    ------
    DataError
        When an entry is not in the command line's syntax (the message names it).
    """
    return dataclasses.replace(
        base,
        columns=dict(pair(e) for e in entries(maps)),
        ignore=names(ignore),
        constants=dict(pair(e) for e in entries(sets)),
        values=dict(value_map(e) for e in entries(values)),
        code_from=names(code_from),
        code_prefix=(code_prefix or "").strip() or None,
        replace=replace,
    )
