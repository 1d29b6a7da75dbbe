"""Importing a GIS file into one layer: read, check every feature, upsert by key, refresh coverage.

One import is one transaction: the rows, the references between them and the coverage refresh
commit together or not at all. By default a file with any bad feature writes nothing (the error
lists the problems); with ``skip_invalid`` the good features are written and the bad ones reported.
Rows are upserted by their key (``code``; tracks: ``unit`` + ``recorded_at``): importing the same
file again changes nothing, a changed feature updates its row, rows missing from the file stay.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from etl import bulk, deleting
from etl.deleting import Deletion
from etl.fields import LAYERS, LayerSpec
from etl.geometry import Conversion, parse_crs
from etl.sources import ReadOptions, Source, read
from etl.validation import Checked, FeatureError, check, possible_parents, rules_for
from geo import csvcells, meta, metric_crs
from geo.coverage import metric_srid, refresh
from geo.errors import DataError
from geo.settings import Settings

Progress = Callable[[str, int, int], None]
_SHOWN_ERRORS = 20


@dataclass(frozen=True)
class ImportOptions:
    """What the command line and the import page pass: see ``python -m etl import --help``."""

    layer: str | None = None
    crs: str | None = None
    datum: str = "wgs84"
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False
    ignore: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    code_from: tuple[str, ...] = ()
    code_prefix: str | None = None
    replace: bool = False
    dry_run: bool = False


@dataclass
class Prepared:
    """A checked file, not yet written: rows, errors, repairs and notes (detected encoding, CRS)."""

    spec: LayerSpec
    source: str
    total: int
    checked: Checked
    notes: list[str]


@dataclass
class ImportResult:
    """What an import did. ``rejected`` lists every feature not written."""

    layer: str
    source: str
    total: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)
    rejected: list[FeatureError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refresh: str = "none"
    seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)
    repeats: int = 0
    deletion: Deletion | None = None
    dry_run: bool = False

    def summary(self) -> str:
        """Describe the import in one line: rows written, repeats dropped, features skipped."""
        skipped = sum(self.skipped.values())
        extra = (f", {self.repeats} exact repeats dropped" if self.repeats else "") + (
            f", {skipped} skipped "
            f"({', '.join(f'{n} {why}' for why, n in sorted(self.skipped.items()))})"
            if skipped
            else ""
        )
        rejected = len({(e.number) for e in self.rejected})
        if self.deletion is not None:
            extra += f", {self.deletion.count} deleted (--replace)"
        if self.dry_run:
            extra += "; DRY RUN: nothing was written"
        return (
            f"{self.layer} from {self.source}: {self.total} read, {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.repaired)} repaired, "
            f"{rejected} rejected{extra}; coverage refresh: {self.refresh}; {self.seconds:.1f} s"
        )


class ImportRefused(DataError):
    """The file has bad features and nothing was written; ``errors`` holds every one."""

    def __init__(self, source: str, errors: list[FeatureError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:_SHOWN_ERRORS])
        more = (
            f"\n  ... and {len(errors) - _SHOWN_ERRORS} more" if len(errors) > _SHOWN_ERRORS else ""
        )
        features = len({e.number for e in errors})
        where = errors[0].where if errors else "feature"
        super().__init__(
            f"{source}: {features} bad {where}(s); nothing was written "
            f"({len(errors)} problem(s): fix "
            f"them, or pass --skip-invalid to write the good ones):\n{shown}{more}"
        )


def _conversion(
    conn: Connection, source: Source, options: ImportOptions, notes: list[str]
) -> Conversion:
    declared = parse_crs(source.crs, f"{source.name} CRS") if source.crs else None
    given = parse_crs(options.crs, "--crs") if options.crs else None
    if (
        declared is not None
        and given is not None
        and not declared.equals(given, ignore_axis_order=True)
    ):
        raise DataError(
            f"{source.name}: declares CRS {declared.to_string()} "
            f"but --crs says {given.to_string()}; "
            "the file's CRS is used when it has one: drop --crs or fix the file"
        )
    crs = declared or given
    if crs is None:
        crs = parse_crs("EPSG:4326", "default")
        if (
            source.where != "row"
        ):  # a CSV's longitude/latitude are WGS-84 by convention (our exports too)
            notes.append(
                f"{source.name}: no CRS in the file and no --crs; read as WGS-84 longitude/latitude"
            )
    if options.datum != "wgs84" and not crs.is_geographic:
        raise DataError(
            f"--datum {options.datum}: the datum applies to longitude/latitude, but {source.name} "
            f"is in the projected CRS {crs.to_string()}"
        )
    srid = metric_srid(conn)
    # an empty database accepts data anywhere in China: its first units choose the metric CRS
    return Conversion(
        crs, options.datum, srid, None if metric_crs.has_units(conn) else metric_crs.CHINA
    )


def _existing(conn: Connection, table: str, codes: set[str], where: str = "") -> set[str]:
    if not codes:
        return set()
    # S608 below: table and column names from the layer specs
    rows = conn.execute(
        text(f"SELECT code FROM {table} WHERE code = ANY(:codes) {where}"),  # noqa: S608
        {"codes": sorted(codes)},
    )
    return {r[0] for r in rows}


def _fill_admin_parents(conn: Connection, prepared: Prepared) -> None:
    """Fill in or drop the optional parents of provinces, cities and counties.

    A province's, city's or county's parent is optional: one given but in neither the database nor
    the file is dropped (noted), and one not given is the unit's city or else province when present.
    """
    rows = prepared.checked.rows
    top = [r for r in rows if r["level"] in ("city", "county")]
    wanted = {p for r in top for p in possible_parents(r["code"], r["level"])}
    present = _existing(conn, "admin_unit", wanted) | {r["code"] for r in rows}
    dropped: dict[str, int] = {}
    for row in top:
        given = row["parent_code"]
        if given is not None and given not in present:
            dropped[given] = dropped.get(given, 0) + 1
            row["parent_code"] = None
        if row["parent_code"] is None:
            row["parent_code"] = next(
                (p for p in possible_parents(row["code"], row["level"]) if p in present), None
            )
    for parent, n in sorted(dropped.items()):
        prepared.notes.append(
            f"{prepared.source}: {n} unit(s) name the parent {parent}, which is in neither the "
            "database nor the file; they are imported without a parent (the top of the "
            "hierarchy)"
        )


def _check_references(conn: Connection, prepared: Prepared) -> None:
    """Check that parents (admin) and villages (grids) exist in the file or the database.

    A feature whose parent is rejected is rejected too. Above the township a parent is optional.
    """
    spec, checked = prepared.spec, prepared.checked
    ref = {"admin": "parent_code", "grids": "village_code"}.get(spec.name)
    if ref is None:
        return
    if spec.name == "admin":
        _fill_admin_parents(conn, prepared)
    wanted = {r[ref] for r in checked.rows if r[ref]}
    in_db = _existing(
        conn, "admin_unit", wanted, "AND level = 'village'" if spec.name == "grids" else ""
    )
    order = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
    rows = sorted(
        zip(checked.rows, checked.numbers, strict=True),
        key=lambda rn: order.get(str(rn[0].get("level")), 0),
    )
    known = set(in_db)
    kept_rows, kept_numbers = [], []
    for row, number in rows:
        if row[ref] is None or row[ref] in known:
            kept_rows.append(row)
            kept_numbers.append(number)
            if spec.name == "admin":
                known.add(row["code"])
            continue
        what = (
            "village"
            if spec.name == "grids"
            else {"township": "county", "village": "township"}[row["level"]]
        )
        checked.errors.append(
            FeatureError(
                prepared.source,
                "feature",
                number,
                row["code"],
                ref,
                row[ref],
                f"the code of a {what} in the database or in this file",
                "reference",
            )
        )
    checked.rows, checked.numbers = kept_rows, kept_numbers


def prepare(
    conn: Connection,
    layer: str,
    source: Source,
    options: ImportOptions,
    zone: dt.tzinfo,
    progress: Progress | None = None,
) -> Prepared:
    """Check every feature of ``source`` for ``layer``, reading references in ``conn``.

    Writes nothing.
    """
    spec = LAYERS.get(layer)
    if spec is None:
        raise DataError(f"unknown layer {layer!r}: expected one of {', '.join(LAYERS)}")
    notes = list(source.notes)
    conversion = _conversion(conn, source, options, notes)
    rules = rules_for(
        spec,
        source,
        options.columns,
        options.constants,
        conversion,
        zone,
        options.ignore,
        options.values,
        notes,
        options.code_from,
        options.code_prefix,
    )
    prepared = Prepared(
        spec, source.name, len(source.features), check(source, rules, progress), notes
    )
    _check_references(conn, prepared)
    prepared.checked.errors.sort(key=lambda e: e.number)
    return prepared


def _upsert_sql(spec: LayerSpec) -> str:
    columns = [f.name for f in spec.fields] + ["geom"]
    quoted = [f'"{c}"' for c in columns]
    rest = [c for c in quoted if c.strip('"') not in spec.key and c != '"geom"']
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*rest, '"geom"'])
    changed = " OR ".join(
        (
            [
                f"({', '.join('t.' + c for c in rest)}) IS DISTINCT FROM "
                f"({', '.join('EXCLUDED.' + c for c in rest)})"
            ]
            if len(rest) > 1
            else [f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in rest]
        )
        + ["NOT ST_Equals(t.geom, EXCLUDED.geom)"]
    )
    # S608 below: table and column names from the layer specs
    return (
        f"INSERT INTO {spec.table} AS t ({', '.join(quoted)}) "  # noqa: S608
        f"SELECT {', '.join(quoted)} FROM gs_import "
        f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {assignments} WHERE {changed} "
        "RETURNING (xmax = 0) AS inserted"
    )


def write(conn: Connection, prepared: Prepared) -> tuple[int, int, int]:
    """Upsert the checked rows; return (inserted, updated, unchanged)."""
    spec, rows = prepared.spec, prepared.checked.rows
    columns = ", ".join(f'"{f.name}"' for f in spec.fields)
    conn.execute(text("DROP TABLE IF EXISTS gs_import"))
    # S608 below: table and column names from the layer specs
    conn.execute(
        text(
            f"CREATE TEMP TABLE gs_import ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns}, geom FROM {spec.table} "
            "WITH NO DATA"
        )
    )
    bulk.copy_rows(conn, spec.table, rows, into="gs_import")
    try:
        written = [bool(r[0]) for r in conn.execute(text(_upsert_sql(spec)))]
    except DBAPIError as exc:
        diag = getattr(exc.orig, "diag", None)
        detail = " ".join(
            x
            for x in (getattr(diag, "message_primary", None), getattr(diag, "message_detail", None))
            if x
        ) or str(exc.orig)
        raise DataError(
            f"{prepared.source}: the database refused the rows ({detail}); nothing was written"
        ) from None
    inserted = sum(written)
    return inserted, len(written) - inserted, len(rows) - len(written)


def _replace(conn: Connection, prepared: Prepared) -> Deletion:
    """Delete the rows of the layer within the file's units that the file no longer has.

    These are admin units under the same parents, cells of the same villages, tracks of the same
    patrol units, other features in the counties the file's features lie in.
    """
    spec, rows = prepared.spec, prepared.checked.rows
    deletion = Deletion(spec.name)
    if not rows:
        return deletion
    keep = sorted({r["code"] for r in rows} if "code" in spec.key else {r["unit"] for r in rows})
    if spec.name == "admin":
        parents = sorted({r["parent_code"] for r in rows if r["parent_code"]})
        stale = (
            conn.execute(
                text(
                    "SELECT code FROM admin_unit WHERE parent_code = ANY(:p) AND NOT code = ANY(:k)"
                ),
                {"p": parents, "k": keep},
            )
            .scalars()
            .all()
        )
        plan = deleting.plan_codes(conn, "admin", stale)
    elif spec.name == "grids":
        villages = sorted({r["village_code"] for r in rows})
        stale = (
            conn.execute(
                text(
                    "SELECT code FROM grid_cell WHERE village_code = ANY(:v) AND NOT code = ANY(:k)"
                ),
                {"v": villages, "k": keep},
            )
            .scalars()
            .all()
        )
        plan = {"grid_cell": list(stale)}
    elif spec.name == "tracks":
        keys = [(r["unit"], r["recorded_at"]) for r in rows]
        conn.execute(
            text(
                "CREATE TEMP TABLE gs_keep ON COMMIT DROP AS SELECT * FROM unnest("
                "CAST(:u AS text[]), CAST(:t AS timestamptz[])) AS k(unit, recorded_at)"
            ),
            {"u": [k[0] for k in keys], "t": [k[1] for k in keys]},
        )
        stale = (
            conn.execute(
                text(
                    "DELETE FROM patrol_track t WHERE t.unit = ANY(:units) "
                    "AND NOT EXISTS (SELECT 1 FROM gs_keep k "
                    "WHERE k.unit = t.unit AND k.recorded_at = t.recorded_at) "
                    "RETURNING t.unit || ' ' || t.recorded_at"
                ),
                {"units": keep},
            )
            .scalars()
            .all()
        )
        deletion.deleted = {"patrol_track": sorted(stale)}
        return deletion
    else:
        shapes = [shapely.to_wkb(r["geom"], hex=True) for r in rows]
        stale = (
            conn.execute(
                text(f"""
            SELECT DISTINCT t.code FROM {spec.table} t
            JOIN admin_unit a ON ST_Intersects(t.geom, a.geom)
            WHERE a.level = 'county' AND NOT t.code = ANY(:k) AND a.code IN (
                SELECT c.code FROM admin_unit c, unnest(CAST(:g AS text[])) AS f(w)
                WHERE c.level = 'county'
                  AND ST_Intersects(c.geom, ST_SetSRID(ST_GeomFromWKB(decode(f.w, 'hex')), 4326)))
            ORDER BY 1"""),  # noqa: S608 (table and column names from the layer specs)
                {"k": keep, "g": shapes},
            )
            .scalars()
            .all()
        )
        plan = {spec.table: list(stale)}
    deleting.execute(conn, spec.name, plan)
    deletion.deleted = {t: k for t, k in plan.items() if k}
    return deletion


def spec_first_units(conn: Connection, layer: str) -> bool:
    """Return whether an import into ``layer`` brings the database's first units.

    The first units choose the database's metric CRS.
    """
    return layer in ("admin", "grids") and not metric_crs.has_units(conn)


def _choose_metric_crs(conn: Connection, prepared: Prepared, result: ImportResult) -> None:
    """Measure in the equal-area CRS centred on the file's units (:mod:`geo.metric_crs`)."""
    w, s, e, n = shapely.total_bounds([r["geom"] for r in prepared.checked.rows])
    srid = metric_crs.srid_for((w + e) / 2, (s + n) / 2)
    if metric_crs.change(conn, srid):
        result.notes.append(
            f"the database's first units: areas, lengths and buffers are measured in "
            f"{metric_crs.describe(srid)}, chosen from them"
        )


def import_source(
    conn: Connection,
    layer: str,
    source: Source,
    options: ImportOptions,
    settings: Settings,
    progress: Progress | None = None,
) -> ImportResult:
    """Check and write ``source`` in the caller's transaction, then refresh coverage in it.

    Raises
    ------
    ImportRefused
        When a feature is bad and ``options.skip_invalid`` is false (nothing written).
    DataError
        When the file as a whole cannot be imported (CRS, columns, the database refusing rows).
    """
    started = time.perf_counter()
    prepared = prepare(conn, layer, source, options, ZoneInfo(settings.timezone), progress)
    checked = prepared.checked
    if checked.errors and not options.skip_invalid:
        raise ImportRefused(source.name, checked.errors)
    result = ImportResult(
        layer,
        source.name,
        prepared.total,
        repaired=checked.repaired,
        rejected=checked.errors,
        notes=prepared.notes,
        skipped=checked.skipped,
        repeats=checked.repeats,
    )
    if spec_first_units(conn, layer) and checked.rows:
        _choose_metric_crs(conn, prepared, result)
    result.inserted, result.updated, result.unchanged = write(conn, prepared)
    if options.replace:
        result.deletion = _replace(conn, prepared)
    if result.inserted or result.updated or (result.deletion is not None and result.deletion.count):
        meta.put(conn, "dataset", "imported")
        # fresh statistics, so that the refresh and the next queries are planned for the new rows
        # rather than for the table as it was (autovacuum would get to it only a minute later)
        conn.execute(text(f"ANALYZE {LAYERS[layer].table}"))
    result.refresh = refresh(conn, settings.patrol_buffer_m).mode
    result.seconds = time.perf_counter() - started
    return result


def _read_options(layer: str, options: ImportOptions, settings: Settings) -> ReadOptions:
    spec = LAYERS.get(layer)
    if spec is None:
        raise DataError(f"unknown layer {layer!r}: expected one of {', '.join(LAYERS)}")
    return ReadOptions(
        options.layer, options.encoding, spec.gpx_layer, settings.max_upload_mb * 2**20
    )


def check_file(
    engine: Engine, layer: str, path: Path, options: ImportOptions, settings: Settings
) -> Prepared:
    """Read and check the file at ``path`` as an import would, writing nothing.

    This is the import preview.
    """
    with read(path, _read_options(layer, options, settings)) as source, engine.connect() as conn:
        return prepare(conn, layer, source, options, ZoneInfo(settings.timezone))


def import_file(
    engine: Engine,
    layer: str,
    path: Path,
    options: ImportOptions,
    settings: Settings,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the file at ``path`` into ``layer`` in one transaction (see :func:`import_source`)."""
    with read(path, _read_options(layer, options, settings)) as source, engine.connect() as conn:
        transaction = conn.begin()
        try:
            result = import_source(conn, layer, source, options, settings, progress)
        except BaseException:
            transaction.rollback()
            raise
        if options.dry_run:
            transaction.rollback()
            result.dry_run = True
            if result.deletion is not None:
                result.deletion.dry_run = True
        else:
            transaction.commit()
        return result


def write_report(path: Path, errors: list[FeatureError]) -> None:
    """Write a CSV (UTF-8) of the rejected features to ``path``.

    Columns: file, feature number, code, field, value, expected.
    """
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "feature", "code", "field", "value", "expected"])
        for e in errors:
            writer.writerow(
                csvcells.row(
                    [
                        e.source,
                        e.number,
                        e.code or "",
                        e.field,
                        "" if e.value is None else e.value,
                        e.expected,
                    ]
                )
            )
