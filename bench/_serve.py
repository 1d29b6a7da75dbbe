"""``python -m bench._serve [--no-auth]``: the production server (gunicorn) of the app.

With or without sign-in and authorization, for the throughput bench. Settings from the environment.
"""

from __future__ import annotations

import sys

from dashboard import build_app, serving
from geo.db import connect
from geo.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    authorize = "--no-auth" not in sys.argv[1:]
    connect(settings)
    serving.serve(
        settings, lambda: build_app(settings, connect(settings), authorize=authorize).server
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
