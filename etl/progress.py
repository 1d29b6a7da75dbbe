"""A text progress bar for the command line, shown only for large files."""

from __future__ import annotations

import time
from typing import TextIO

MIN_FEATURES = 5_000  # smaller files finish before a bar would help


class ProgressBar:
    """Call with (stage, done, total); draws ``stage [#####     ] done/total`` on ``out``, in place."""

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out, self.width = out, width
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < MIN_FEATURES:
            return
        now = time.monotonic()
        if done < total and stage == self._stage and now - self._last < 0.2:
            return
        self._last, self._stage = now, stage
        filled = self.width * done // max(total, 1)
        end = "\n" if done >= total else ""
        self.out.write(f"\r{stage:<8} [{'#' * filled}{' ' * (self.width - filled)}] {done:,}/{total:,}{end}")
        self.out.flush()
