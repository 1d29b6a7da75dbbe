"""``python -m etl``: load the demo county (and, later, import and export files)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from etl.demo import DemoSize
from etl.loading import load_demo
from geo import _cli
from geo.db import connect
from geo.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate and load the demo county, replacing earlier demo data")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--counties", type=int, default=1, help="counties to generate (province-size sets)")
    demo.add_argument("--townships", type=int, default=10, help="townships per county")
    demo.add_argument("--cameras", type=int, default=DemoSize.cameras_per_county, help="cameras per county")
    demo.add_argument("--incidents", type=int, default=DemoSize.incidents_per_county,
                      help="incidents per county over the year")
    demo.add_argument("--end", type=dt.datetime.fromisoformat, default=None,
                      help="end of the incident year, ISO 8601 with time zone (default: now)")
    demo.add_argument("--if-empty", action="store_true", help="load only when the database has no data")
    demo.add_argument("--force", action="store_true", help="replace data that is not demo data")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    engine = connect(settings)
    if args.command == "demo":
        if args.if_empty:
            from sqlalchemy import text

            with engine.connect() as conn:
                if conn.execute(text("SELECT EXISTS (SELECT 1 FROM admin_unit)")).scalar():
                    print("the database already has data; demo not reloaded")
                    return 0
        end = args.end
        if end is not None and end.tzinfo is None:
            end = end.replace(tzinfo=dt.UTC)
        size = DemoSize(counties=args.counties, townships=args.townships,
                        cameras_per_county=args.cameras, incidents_per_county=args.incidents)
        report = load_demo(engine, seed=args.seed, size=size, end=end, force=args.force,
                           patrol_buffer_m=settings.patrol_buffer_m)
        print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(main))
