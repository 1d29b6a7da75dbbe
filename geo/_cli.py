"""Plumbing shared by the command lines (``python -m geo``, ``python -m etl``, ``app.py``)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from geo.errors import GridsightError


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run ``main``; a Gridsight error prints its message (no traceback) and exits with 2."""
    try:
        return main(argv)
    except GridsightError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head or less, which closed early
        sys.stderr.close()
        return 0
