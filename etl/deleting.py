"""Undoing imports: deleting a layer's rows by code, by a file, or under a unit.

Also replacing a layer's rows within a file's area by the file's. Everything runs in the caller's
transaction together with the coverage refresh, so a deletion and its figures commit or roll back
together; a dry run lists what would go and writes nothing. Deleting an admin unit deletes what
hangs from it (the units under it and their grid cells), since a unit cannot lose its parent. Tracks
are keyed by patrol unit and time: their "codes" are patrol units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from etl.fields import LAYERS, LayerSpec
from geo.errors import DataError

_SHOWN = 20


@dataclass
class Deletion:
    """What a deletion removed (or would remove, in a dry run): per table, the keys."""

    layer: str
    deleted: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    refresh: str = "none"

    @property
    def count(self) -> int:
        """Return the number of rows deleted (or that would be)."""
        return sum(len(v) for v in self.deleted.values())

    def summary(self) -> str:
        """Describe the deletion: the rows per table, a few keys each, and the coverage refresh."""
        verb = "would delete" if self.dry_run else "deleted"
        if not self.count:
            return f"{self.layer}: nothing to delete"
        lines = [
            f"{self.layer}: {verb} {self.count} row(s)"
            + ("" if self.dry_run else f"; coverage refresh: {self.refresh}")
        ]
        for table, keys in self.deleted.items():
            shown = ", ".join(keys[:_SHOWN]) + (
                f", ... ({len(keys) - _SHOWN} more)" if len(keys) > _SHOWN else ""
            )
            lines.append(f"  {table} ({len(keys)}): {shown}")
        return "\n".join(lines)


def _unit_and_below(conn: Connection, codes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return the admin units ``codes`` and every unit under them, and the grid cells under them."""
    units = (
        conn.execute(
            text("""
        WITH RECURSIVE tree AS (
            SELECT code FROM admin_unit WHERE code = ANY(:codes)
            UNION SELECT a.code FROM admin_unit a JOIN tree t ON a.parent_code = t.code)
        SELECT code FROM tree ORDER BY code"""),
            {"codes": list(codes)},
        )
        .scalars()
        .all()
    )
    cells = (
        conn.execute(
            text("SELECT code FROM grid_cell WHERE village_code = ANY(:u) ORDER BY code"),
            {"u": list(units)},
        )
        .scalars()
        .all()
    )
    return list(units), list(cells)


def _keys(spec: LayerSpec) -> str:
    return "code" if spec.key == ("code",) else "unit"


def _select(conn: Connection, spec: LayerSpec, codes: Sequence[str]) -> list[str]:
    column = _keys(spec)
    extra = ", recorded_at" if spec.name == "tracks" else ""
    # S608 below: table and column names from the layer specs
    rows = conn.execute(
        text(
            f"SELECT {column}{extra} FROM {spec.table} WHERE {column} = ANY(:codes) "  # noqa: S608
            f"ORDER BY {column}{extra}"
        ),
        {"codes": list(codes)},
    ).all()
    return [" ".join(str(v) for v in r) for r in rows]


def plan_codes(conn: Connection, layer: str, codes: Sequence[str]) -> dict[str, list[str]]:
    """List the rows (per table) that deleting ``codes`` from ``layer`` removes, with dependants."""
    spec = LAYERS[layer]
    if layer == "admin":
        units, cells = _unit_and_below(conn, codes)
        return {"grid_cell": cells, "admin_unit": units}
    return {spec.table: _select(conn, spec, codes)}


def plan_under(conn: Connection, layer: str, unit: str) -> dict[str, list[str]]:
    """List the rows (per table) of ``layer`` under the admin unit or grid cell ``unit``.

    These are the units and cells below it, or the features that lie in it (touching its boundary
    counts).
    """
    found = conn.execute(
        text(
            "SELECT 1 FROM admin_unit WHERE code = :u UNION ALL "
            "SELECT 1 FROM grid_cell WHERE code = :u"
        ),
        {"u": unit},
    ).first()
    if found is None:
        raise DataError(f"--under {unit}: no admin unit or grid cell has that code")
    spec = LAYERS[layer]
    if layer in ("admin", "grids"):
        units, cells = _unit_and_below(conn, [unit])
        below = [u for u in units if u != unit]
        return (
            {"grid_cell": cells} if layer == "grids" else {"grid_cell": cells, "admin_unit": below}
        )
    column = _keys(spec)
    # S608 below: table and column names from the layer specs
    codes = (
        conn.execute(
            text(f"""
        SELECT DISTINCT t.{column} FROM {spec.table} t,
            (SELECT geom FROM admin_unit WHERE code = :u
             UNION ALL SELECT geom FROM grid_cell WHERE code = :u) a
        WHERE ST_Intersects(t.geom, a.geom)"""),  # noqa: S608
            {"u": unit},
        )
        .scalars()
        .all()
    )
    if layer == "tracks":
        # S608 below: table and column names from the layer specs
        rows = (
            conn.execute(
                text(f"""
            SELECT t.unit || ' ' || t.recorded_at FROM {spec.table} t,
                (SELECT geom FROM admin_unit WHERE code = :u
                 UNION ALL SELECT geom FROM grid_cell WHERE code = :u) a
            WHERE ST_Intersects(t.geom, a.geom) ORDER BY 1"""),  # noqa: S608
                {"u": unit},
            )
            .scalars()
            .all()
        )
        return {spec.table: list(rows)}
    return {spec.table: sorted(codes)}


def execute(
    conn: Connection, layer: str, plan: dict[str, list[str]], unit: str | None = None
) -> None:
    """Delete what ``plan`` lists (children first), in the caller's transaction."""
    spec = LAYERS[layer]
    if layer == "tracks":
        keys = plan.get(spec.table, [])
        if unit is None:
            units = sorted({k.split(" ", 1)[0] for k in keys})
            conn.execute(text("DELETE FROM patrol_track WHERE unit = ANY(:k)"), {"k": units})
        else:
            conn.execute(
                text("""DELETE FROM patrol_track t
                                 USING (SELECT geom FROM admin_unit WHERE code = :u
                                 UNION ALL SELECT geom FROM grid_cell WHERE code = :u) a
                                 WHERE ST_Intersects(t.geom, a.geom)"""),
                {"u": unit},
            )
        return
    for table in ("grid_cell", "admin_unit", spec.table):
        doomed = plan.get(table)
        if doomed:
            if table == "admin_unit":  # deepest first: a unit cannot outlive its parent
                for depth in (12, 9, 6):
                    conn.execute(
                        text(
                            "DELETE FROM admin_unit WHERE code = ANY(:k) AND length(code) = :n "
                            "AND level NOT IN ('province', 'city')"
                        ),
                        {"k": doomed, "n": depth},
                    )
                conn.execute(
                    text("DELETE FROM admin_unit WHERE code = ANY(:k) AND level = 'city'"),
                    {"k": doomed},
                )
            # S608 below: table and column names from the layer specs
            conn.execute(text(f"DELETE FROM {table} WHERE code = ANY(:k)"), {"k": doomed})  # noqa: S608
