"""Gridsight entry point.

``create_app(settings)`` builds the dashboard; ``python app.py`` serves it.
"""

from __future__ import annotations

import argparse
import sys

from dash import Dash

from dashboard import build_app, serving
from geo import _cli
from geo.db import connect
from geo.refresher import Refresher
from geo.settings import Settings, epilog, help_text


def create_app(settings: Settings | None = None) -> Dash:
    """Build the Dash app for ``settings`` (default: from the environment), database migrated.

    The background coverage refresher of this process is started (``GRIDSIGHT_REFRESH_S``, 0:
    none).
    """
    settings = settings or Settings.from_env()
    engine = connect(settings)
    if settings.refresh_s > 0:
        Refresher(engine, settings.patrol_buffer_m, settings.refresh_s).start()
    return build_app(settings, engine)


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard with the options in ``argv`` (``python app.py --help``)."""
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Serve the Gridsight dashboard.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help=help_text("host"))
    parser.add_argument("--port", type=int, help=help_text("port"))
    parser.add_argument(
        "--wall", action="store_true", help="open on the wall display (/ serves /wall)"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env(host=args.host, port=args.port, home="wall" if args.wall else None)
    connect(settings)  # start the embedded PostGIS and migrate once, before the workers start
    print(
        f"Gridsight: http://{settings.host}:{settings.port}/ (wall display: /wall, map: /map); "
        f"{serving.worker_count(settings)} workers x {settings.threads} threads",
        flush=True,
    )
    if settings.debug:  # Dash's debug mode needs its own (development) server
        # no version check: it would ask plotly.com from every page (the app works offline)
        create_app(settings).run(
            host=settings.host,
            port=settings.port,
            debug=True,
            dev_tools_disable_version_check=True,
        )
    else:
        serving.serve(settings, lambda: create_app(settings).server)
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(main))
