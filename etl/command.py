"""``gridsight``: the one command installed with the project (``pip install -e .``).

Usable from any folder.

``gridsight import|export|delete|demo ...`` are ``python -m etl``'s commands, ``gridsight
coverage|crs|plan|db|migrate ...`` ``python -m geo``'s, ``gridsight serve`` runs the dashboard
(``app.py``). The data folder is ``GRIDSIGHT_DATA_DIR`` when set, else ``var/`` of the project the
command was installed from (not the current folder), so the same embedded database answers wherever
the command is typed.
"""

from __future__ import annotations

import sys

ETL = ("import", "export", "delete", "demo")
GEO = ("coverage", "crs", "plan", "db", "migrate")
USAGE = (
    f"usage: gridsight {{{','.join((*ETL, *GEO, 'serve'))}}} ...\n"
    "  gridsight import LAYER FILE [options]   import a GIS file (gridsight import --help)\n"
    "  gridsight coverage [--level L]          coverage figures\n"
    "  gridsight demo                          load the demo county\n"
    "  gridsight serve [--host H] [--port P]   serve the dashboard"
)


def run(argv: list[str] | None = None) -> int:
    """Dispatch ``argv`` (default: the command line) to the module that owns the command."""
    from geo import _cli

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] in ETL:
        from etl.__main__ import main as etl_main

        return _cli.run(etl_main, args)
    if args[0] in GEO:
        from geo.__main__ import main as geo_main

        return _cli.run(geo_main, args)
    if args[0] == "serve":
        import app

        return app.main(args[1:])
    print(f"gridsight: unknown command {args[0]!r}\n{USAGE}", file=sys.stderr)
    return 2


def main() -> None:
    """Run the console script and exit with its code."""
    sys.exit(run())
