"""``python -m etl``: load the demo county, import and export GIS files."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import Any

from etl import deleting, steering
from etl.datum import DATUMS
from etl.demo import DemoSize
from etl.exporting import export_layer
from etl.fields import LAYERS
from etl.importing import ImportOptions, check_file, import_file, write_report
from etl.loading import load_demo
from etl.progress import ProgressBar
from etl.sources import FORMATS
from geo import _cli, audit, meta
from geo.coverage import refresh
from geo.db import connect
from geo.errors import DataError
from geo.settings import Settings, epilog


def parser() -> argparse.ArgumentParser:
    """Return the command line's parser (the import page builds its options with it too)."""
    parser = argparse.ArgumentParser(
        prog="python -m etl",
        description=__doc__,
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="generate and load the demo county, replacing earlier demo data"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument(
        "--counties", type=int, default=1, help="counties to generate (province-size sets)"
    )
    demo.add_argument("--townships", type=int, default=10, help="townships per county")
    demo.add_argument(
        "--cameras", type=int, default=DemoSize.cameras_per_county, help="cameras per county"
    )
    demo.add_argument(
        "--incidents",
        type=int,
        default=DemoSize.incidents_per_county,
        help="incidents per county over the year",
    )
    demo.add_argument(
        "--end",
        type=dt.datetime.fromisoformat,
        default=None,
        help="end of the incident year, ISO 8601 with time zone (default: now)",
    )
    demo.add_argument(
        "--if-empty", action="store_true", help="load only when the database has no data"
    )
    demo.add_argument("--force", action="store_true", help="replace data that is not demo data")
    _import_parser(sub)
    _delete_parser(sub)
    export = sub.add_parser(
        "export", help="write a layer to a GeoJSON, GeoPackage, CSV or Shapefile"
    )
    export.add_argument("layer", choices=LAYERS, help="the layer to export")
    export.add_argument(
        "file",
        type=Path,
        help="output file; its extension (.geojson .gpkg .csv .shp) chooses the format",
    )
    return parser


def _pair(raw: str) -> tuple[str, str]:
    try:
        return steering.pair(raw)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _value_map(raw: str) -> tuple[str, dict[str, str]]:
    try:
        return steering.value_map(raw)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _import_parser(sub: Any) -> None:
    imp = sub.add_parser(
        "import", help="import a GIS file into a layer (one transaction, upsert by code)"
    )
    imp.add_argument("layer", choices=LAYERS, help="the layer to import into")
    imp.add_argument("file", type=Path, help=f"the file: {FORMATS}")
    imp.add_argument("--layer", dest="sublayer", help="GeoPackage/KML layer, or file inside a zip")
    imp.add_argument("--crs", help="CRS of a file that declares none (e.g. EPSG:4547)")
    imp.add_argument(
        "--datum",
        choices=DATUMS,
        default="wgs84",
        help="web datum of longitude/latitude: gcj02 (高德/腾讯) or bd09 (百度) are converted",
    )
    imp.add_argument(
        "--encoding", help="text encoding of the attributes (e.g. GBK) when not detected"
    )
    imp.add_argument(
        "--map",
        type=_pair,
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read FIELD from COLUMN (repeatable); FIELD= with no column switches the field off",
    )
    imp.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="COLUMN",
        help="never match COLUMN to a field (repeatable)",
    )
    imp.add_argument(
        "--set",
        type=_pair,
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=(
            "one value of FIELD for every feature, over the file's column if it has one "
            "(repeatable)"
        ),
    )
    imp.add_argument(
        "--values",
        type=_value_map,
        action="append",
        default=[],
        metavar="FIELD=A:B,C:D",
        help="read the value A of FIELD as B, C as D (repeatable; A: with nothing after ':' "
        "skips those features)",
    )
    imp.add_argument(
        "--code-from",
        type=steering.names,
        default=(),
        metavar="COLUMN,COLUMN",
        help="codes made of these columns' values joined by '-'",
    )
    imp.add_argument(
        "--code-prefix",
        metavar="P",
        help="codes made of P and a digest of each feature's content "
        "(the same feature always gets the same code), for files without ids",
    )
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the good features and report the bad ones (default: write nothing)",
    )
    imp.add_argument(
        "--replace",
        action="store_true",
        help="also delete the layer's rows within the file's units that the file no longer has",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="check and count everything, write nothing"
    )
    imp.add_argument(
        "--report",
        type=Path,
        help="CSV of rejected features (default FILE-rejected.csv in the current folder)",
    )


def _delete_parser(sub: Any) -> None:
    rm = sub.add_parser(
        "delete", help="delete rows of a layer (one transaction with the coverage refresh)"
    )
    rm.add_argument("layer", choices=LAYERS, help="the layer to delete from")
    which = rm.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--codes",
        help="comma-separated codes (tracks: patrol units); an admin unit takes the "
        "units and cells under it along",
    )
    which.add_argument(
        "--file", type=Path, help="the codes of this file's features (read as an import would)"
    )
    which.add_argument(
        "--under", metavar="UNIT", help="everything of the layer in or under this unit or cell"
    )
    rm.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
    )


def _actor() -> str:
    """Who runs the command line, as the audit records it."""
    return f"cli:{getpass.getuser()}"


def _run_delete(args: argparse.Namespace, settings: Settings) -> int:
    engine = connect(settings)
    layer = args.layer
    codes: list[str] = []
    if args.codes is not None:
        codes = [c.strip() for c in args.codes.split(",") if c.strip()]
        if not codes:
            raise DataError("--codes: expected one or more comma-separated codes")
    elif args.file is not None:
        prepared = check_file(engine, layer, args.file, ImportOptions(), settings)
        key = "unit" if layer == "tracks" else "code"
        codes = sorted({str(r[key]) for r in prepared.checked.rows})
    with engine.connect() as conn, conn.begin() as transaction:
        plan = (
            deleting.plan_under(conn, layer, args.under)
            if args.under
            else deleting.plan_codes(conn, layer, codes)
        )
        deletion = deleting.Deletion(
            layer, {t: k for t, k in plan.items() if k}, dry_run=args.dry_run
        )
        if args.dry_run or not deletion.count:
            transaction.rollback()
        else:
            deleting.execute(conn, layer, plan, args.under if layer == "tracks" else None)
            meta.put(conn, "dataset", "imported")
            deletion.refresh = refresh(conn, settings.patrol_buffer_m).mode
            audit.record(
                conn,
                "delete",
                account=_actor(),
                address="local",
                target=layer,  # with the rows
                detail={"summary": deletion.summary(), "under": args.under, "codes": codes[:100]},
            )
    print(deletion.summary())
    return 0


def import_options(args: argparse.Namespace) -> ImportOptions:
    """Return the options of ``python -m etl import`` as parsed.

    The import page builds the same object.
    """
    return ImportOptions(
        layer=args.sublayer,
        crs=args.crs,
        datum=args.datum,
        encoding=args.encoding,
        columns=dict(args.map),
        constants=dict(args.set),
        skip_invalid=args.skip_invalid,
        ignore=tuple(args.ignore),
        values=dict(args.values),
        code_from=args.code_from,
        code_prefix=args.code_prefix,
        replace=args.replace,
        dry_run=args.dry_run,
    )


def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    options = import_options(args)
    engine = connect(settings)
    result = import_file(
        engine, args.layer, args.file, options, settings, progress=ProgressBar(sys.stderr)
    )
    if not args.dry_run:
        audit.record(
            engine,
            "import",
            account=_actor(),
            address="local",
            target=f"{args.layer} {args.file.name}",
            detail={"summary": result.summary(), "replace": args.replace},
        )
    for note in result.notes + result.repaired:
        print(f"note: {note}", file=sys.stderr)
    if result.rejected:
        report = args.report or Path(f"{args.file.stem}-rejected.csv")
        write_report(report, result.rejected)
        print(f"rejected features written to {report}", file=sys.stderr)
    if result.deletion is not None and result.deletion.count:
        print(result.deletion.summary(), file=sys.stderr)
    print(result.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m etl`` with ``argv`` (default: the process's arguments).

    Returns the exit code.
    """
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "demo":
        engine = connect(settings)
        if args.if_empty:
            from sqlalchemy import text

            with engine.connect() as conn:
                if conn.execute(text("SELECT EXISTS (SELECT 1 FROM admin_unit)")).scalar():
                    print("the database already has data; demo not reloaded")
                    return 0
        end = args.end
        if end is not None and end.tzinfo is None:
            end = end.replace(tzinfo=dt.UTC)
        size = DemoSize(
            counties=args.counties,
            townships=args.townships,
            cameras_per_county=args.cameras,
            incidents_per_county=args.incidents,
        )
        report = load_demo(
            engine,
            seed=args.seed,
            size=size,
            end=end,
            force=args.force,
            patrol_buffer_m=settings.patrol_buffer_m,
            refresh_sessions=settings.refresh_sessions,
        )
        print(report.summary())
    elif args.command == "import":
        return _run_import(args, settings)
    elif args.command == "delete":
        return _run_delete(args, settings)
    elif args.command == "export":
        count = export_layer(connect(settings), args.layer, args.file)
        print(f"exported {count} {args.layer} to {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(main))
