"""The unit hierarchy: [province → city →] county → township → village → grid cell, by code.

Codes are statistical division codes, so a unit's ancestors follow from its code: its province
(``xx0000``), its city (``xxxx00``), then prefixes of 6, 9 and 12 digits. Province and city are
optional: the top is whatever units have no parent. Reads ``unit_coverage``, which holds every unit
of every level after a refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo.errors import NotFound

CHILD_LEVEL = {
    "province": "city",
    "city": "county",
    "county": "township",
    "township": "village",
    "village": "grid",
    "grid": None,
}
LEVEL_RANK = {level: rank for rank, level in enumerate(CHILD_LEVEL)}


@dataclass(frozen=True)
class Unit:
    """A unit: code, name, level, parent code, and bounds.

    Bounds are ``[[south, west], [north, east]]`` in EPSG:4326 degrees.
    """

    code: str
    name: str
    level: str
    parent_code: str | None
    bounds: tuple[tuple[float, float], tuple[float, float]]

    @property
    def child_level(self) -> str | None:
        """The level of this unit's children (None for a grid cell)."""
        return CHILD_LEVEL[self.level]


_UNIT = """
SELECT code, name, level, parent_code, ST_YMin(geom), ST_XMin(geom), ST_YMax(geom), ST_XMax(geom)
FROM unit_coverage WHERE {where} ORDER BY code
"""


def _unit(row: tuple[Any, ...]) -> Unit:
    code, name, level, parent, s, w, n, e = row
    return Unit(
        str(code),
        str(name),
        str(level),
        None if parent is None else str(parent),
        ((float(s), float(w)), (float(n), float(e))),
    )


def get(conn: Connection, code: str) -> Unit:
    """Return the unit ``code``.

    Raises
    ------
    NotFound
        When there is none.
    """
    row = conn.execute(text(_UNIT.format(where="code = :code")), {"code": code}).first()
    if row is None:
        raise NotFound(f"no unit with code {code!r}")
    return _unit(tuple(row))


def top(conn: Connection) -> list[Unit]:
    """Return the top of the hierarchy ``conn`` may see.

    The unit its transaction is limited to (``gridsight.scope``, see :mod:`geo.jurisdiction`) when
    it has figures, else the admin units without a parent (a province, cities or counties; row-level
    security keeps those out of scope), highest level first, then by code.
    """
    rows = conn.execute(
        text(
            _UNIT.format(
                where="code = current_setting('gridsight.scope', true)"
                " OR (parent_code IS NULL AND level <> 'grid' "
                "AND NOT EXISTS (SELECT 1 FROM unit_coverage s"
                " WHERE s.code = current_setting('gridsight.scope', true)))"
            )
        )
    )
    return sorted((_unit(tuple(r)) for r in rows), key=lambda u: LEVEL_RANK[u.level])


def children(conn: Connection, code: str) -> list[Unit]:
    """Return the units one level below ``code`` (townships of a county, …, cells of a village)."""
    return [
        _unit(tuple(r))
        for r in conn.execute(text(_UNIT.format(where="parent_code = :code")), {"code": code})
    ]


def ancestry(conn: Connection, code: str) -> list[Unit]:
    """Return ``code`` and its ancestors, the top first (the breadcrumbs)."""
    prefixes = (
        [code[:2] + "0000", code[:4] + "00"]
        + [code[:n] for n in (6, 9, 12) if n < len(code)]
        + [code]
    )
    rows = conn.execute(text(_UNIT.format(where="code = ANY(:codes)")), {"codes": prefixes}).all()
    return sorted((_unit(tuple(r)) for r in rows), key=lambda u: LEVEL_RANK[u.level])
