"""``python -m geo``: the database (start, stop, migrate) and the spatial analytics."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from sqlalchemy import text

from geo import _accounts_cli, _cli, metric_crs
from geo.coverage_parallel import refresh_with_sessions
from geo.db import cluster_for, connect, grant_app_role
from geo.dosage import cell_dosage, hot_spot_dosage
from geo.errors import DataError
from geo.figures import LEVELS, Window, figures
from geo.hotspots import analyse
from geo.optimise import plan_cameras
from geo.report import FORMATS, plan_summary, render, render_dosage, render_plan
from geo.settings import Settings, epilog, setting_note
from geo.verify import DEFAULT_SAMPLE, EDGE_M, MAX_PP, choose_units, verify
from geo.verify import render as render_checks


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description=__doc__,
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="the embedded PostGIS")
    db.add_argument(
        "action",
        choices=["start", "stop", "status", "url", "grant"],
        help="grant: give the web app's grants (role gridsight_app) and make LOGIN a member of it",
    )
    db.add_argument(
        "login", nargs="?", help="grant: the login role the web app connects as (external server)"
    )
    sub.add_parser("migrate", help="bring the database to the current schema")
    cov = sub.add_parser(
        "coverage", help="coverage figures of every unit of a level (refreshed first)"
    )
    cov.add_argument("--level", choices=LEVELS, default="grid", help="unit level (default grid)")
    cov.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default table)"
    )
    cov.add_argument(
        "--window-days",
        type=int,
        default=None,
        help=f"incident window in days, ending now ({setting_note('window_days')})",
    )
    cov.add_argument(
        "--window-end",
        type=_instant,
        default=None,
        metavar="ISO-TIME",
        help="end of the incident window, e.g. 2026-12-01T08:00+08:00 (default: now)",
    )
    cov.add_argument(
        "--full", action="store_true", help="recompute everything, not only what changed"
    )
    ver = sub.add_parser(
        "verify",
        help="stored figures beside an independent recomputation from the raw rows; "
        "exits 1 when one differs",
    )
    ver.add_argument(
        "--sample",
        type=int,
        default=None,
        help=f"verify N units at random, one of each level among them (default {DEFAULT_SAMPLE})",
    )
    ver.add_argument("--unit", default=None, help="verify this unit only (its code)")
    ver.add_argument(
        "--level",
        choices=LEVELS,
        default=None,
        help="verify the units of this level (all; or --sample N)",
    )
    ver.add_argument(
        "--seed", type=int, default=None, help="seed of the random sample (repeatable)"
    )
    ver.add_argument(
        "--window-days",
        type=int,
        default=None,
        help=f"incident window in days, ending now ({setting_note('window_days')})",
    )
    crs = sub.add_parser(
        "crs", help="the metric CRS coverage is measured in: show it, or change it and recompute"
    )
    crs.add_argument(
        "choice",
        nargs="?",
        default="show",
        help="show (default); auto: the equal-area CRS centred on the units; or an EPSG code",
    )
    plan = sub.add_parser(
        "plan", help="planning: propose new cameras (maximal covering location model)"
    )
    plan.add_argument(
        "what",
        choices=["cameras", "dosage"],
        help="cameras: propose new cameras; dosage: patrol dosage of every hot spot or cell",
    )
    plan.add_argument("--count", type=int, default=None, help="cameras: how many to propose")
    plan.add_argument(
        "--areas", choices=["hotspots", "cells"], default="hotspots", help="dosage: of what"
    )
    plan.add_argument(
        "--window-days",
        type=int,
        default=None,
        help=f"incident window in days, ending now ({setting_note('window_days')})",
    )
    plan.add_argument(
        "--format",
        choices=["csv", "json"],
        default="csv",
        help="csv (importable with 'python -m etl import cameras'; the coverage goes to stderr)"
        " or json",
    )
    plan.add_argument(
        "--fov",
        type=float,
        default=90.0,
        help="field of view of a new camera, degrees (default 90)",
    )
    plan.add_argument(
        "--range", type=float, default=100.0, help="range of a new camera, metres (default 100)"
    )
    plan.add_argument(
        "--spacing", type=float, default=100.0, help="candidate sites along roads every N metres"
    )
    plan.add_argument(
        "--directions", type=int, default=8, help="view directions tried per site (default 8)"
    )
    _accounts_cli.add_parsers(sub)
    return parser


def _instant(value: str) -> dt.datetime:
    """Parse an ISO 8601 time with its UTC offset (argparse type)."""
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        expected = "expected ISO 8601, e.g. 2026-12-01T08:00+08:00"
        raise argparse.ArgumentTypeError(f"{value!r} is not a time: {expected}") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no UTC offset: expected e.g. 2026-12-01T08:00+08:00"
        )
    return instant


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    engine = connect(settings)
    refresh_with_sessions(engine, settings.patrol_buffer_m, sessions=settings.refresh_sessions)
    window = Window.last_days(args.window_days or settings.window_days)
    if args.what == "dosage":
        with engine.begin() as conn:
            if args.areas == "cells":
                report = cell_dosage(conn, window, settings.patrol_buffer_m, settings.timezone)
            else:
                report = hot_spot_dosage(
                    conn, analyse(conn, window), window, settings.patrol_buffer_m, settings.timezone
                )
        print(render_dosage(report, args.format))
        return 0
    if args.count is None:
        raise DataError("plan cameras needs --count N (how many cameras to propose)")
    with engine.begin() as conn:
        result = plan_cameras(
            conn,
            args.count,
            window,
            settings.patrol_buffer_m,
            args.fov,
            args.range,
            args.spacing,
            args.directions,
        )
    print(render_plan(result, window, args.format))
    if args.format == "csv":
        print(plan_summary(result), file=sys.stderr)
    return 0


def _coverage(args: argparse.Namespace, settings: Settings) -> int:
    engine = connect(settings)
    report = refresh_with_sessions(
        engine,
        settings.patrol_buffer_m,
        full=args.full,
        rebuild_units=args.full,
        sessions=settings.refresh_sessions,
    )
    if report.mode != "none":
        print(
            f"refreshed ({report.mode}, {report.changes} changes) in {report.seconds:.2f} s",
            file=sys.stderr,
        )
    window = Window.last_days(args.window_days or settings.window_days, end=args.window_end)
    with engine.begin() as conn:
        print(render(figures(conn, window, level=args.level), args.format))
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    engine = connect(settings)
    window = Window.last_days(
        settings.window_days if args.window_days is None else args.window_days
    )
    with engine.begin() as conn:
        pending = conn.execute(text("SELECT count(*) FROM coverage_change")).scalar_one()
        if pending:
            print(
                f"warning: {pending} changes since the last refresh:"
                " the stored figures predate them "
                "(python -m geo coverage refreshes)",
                file=sys.stderr,
            )
        codes = choose_units(conn, args.sample, args.unit, args.level, args.seed)
        checks = verify(conn, codes, window, settings.patrol_buffer_m)
    print(render_checks(checks))
    bad = [c for c in checks if not c.ok]
    print(
        f"{len(codes)} units, {len(checks)} figures, {len(bad)} differ "
        f"(more than {MAX_PP} pp, or incidents beyond those within {EDGE_M} m of an edge); "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 1 if bad else 0


def _crs(choice: str, settings: Settings) -> int:
    engine = connect(settings)
    with engine.begin() as conn:
        if choice == "show":
            print(metric_crs.describe(metric_crs.current(conn)))
            return 0
        if choice == "auto":
            srid = metric_crs.choose(conn)
            if srid is None:
                raise DataError(
                    "crs auto: the database has no units to centre the CRS on; import them first "
                    "(the first units choose it anyway)"
                )
        else:
            digits = choice.upper().removeprefix("EPSG:")
            if not digits.isdigit():
                raise DataError(
                    f"crs {choice!r}: expected show, auto or an EPSG code such as EPSG:4547"
                )
            srid = int(digits)
            try:
                metric_crs.crs_of(srid)
            except Exception:
                raise DataError(f"crs {choice!r}: not an EPSG code PROJ knows") from None
            if metric_crs.crs_of(srid).is_geographic:
                raise DataError(f"crs {choice!r} is in degrees; expected a projected CRS in metres")
        changed = metric_crs.change(conn, srid)
    if not changed:
        print(f"already measuring in {metric_crs.describe(srid)}")
        return 0
    report = refresh_with_sessions(
        engine,
        settings.patrol_buffer_m,
        full=True,
        rebuild_units=True,
        sessions=settings.refresh_sessions,
    )
    print(
        f"measuring in {metric_crs.describe(srid)};"
        f" every figure recomputed in {report.seconds:.2f} s"
    )
    return 0


def _db(action: str, settings: Settings, login: str | None = None) -> int:
    if action == "grant":
        with connect(settings).begin() as conn:
            grant_app_role(conn, member=login)
        print(
            "role gridsight_app has the web app's grants"
            f"{f'; {login} is a member' if login else ''}"
        )
        return 0
    if settings.database_url and action != "url":
        print("DATABASE_URL is set: the embedded PostGIS is not used")
        return 0
    cluster = cluster_for(settings)
    if action == "start":
        connect(settings)
        print(
            f"embedded PostGIS running on 127.0.0.1:{cluster.port()}"
            f" (credentials in {cluster.credentials_file})"
        )
    elif action == "stop":
        print("stopped" if cluster.stop() else "not running")
    elif action == "status":
        print(f"running on 127.0.0.1:{cluster.port()}" if cluster.is_running() else "not running")
        return 0 if cluster.is_running() else 1
    else:
        print(settings.database_url or cluster.url())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m geo`` with ``argv`` (default: the process's); return the exit code."""
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "db":
        return _db(args.action, settings, args.login)
    if args.command == "coverage":
        return _coverage(args, settings)
    if args.command == "verify":
        return _verify(args, settings)
    if args.command == "plan":
        return _plan(args, settings)
    if args.command == "users":
        return _accounts_cli.users(args, connect(settings), settings)
    if args.command == "audit":
        return _accounts_cli.audit_log(args, connect(settings))
    if args.command == "crs":
        return _crs(args.choice, settings)
    if args.command == "migrate":
        connect(settings)
        print("schema is current")
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(main))
