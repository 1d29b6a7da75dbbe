"""Progress of a long import on the command line.

A tqdm bar on a terminal, a line per 10 % elsewhere (a log file or a pipe gets readable lines,
never carriage returns). Shown only for large files.
"""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm

MIN_FEATURES = 5_000  # smaller files finish before a bar would help


class ProgressBar:
    """An import's progress report: call with (stage, done, total).

    A bar per stage on a terminal, else ``stage: 40 % (2,000/5,000)`` each time another tenth is
    done.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._terminal = bool(getattr(out, "isatty", lambda: False)())
        self._stage = ""
        self._bar: tqdm | None = None
        self._tenths = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` features of ``stage`` are done."""
        if total < MIN_FEATURES:
            return
        if stage != self._stage:
            self.close()
            self._stage, self._tenths = stage, -1
            if self._terminal:
                self._bar = tqdm(
                    total=total, desc=stage, file=self.out, unit=" features", leave=True
                )
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
        else:
            tenths = 10 * done // total
            if tenths > self._tenths:
                self._tenths = tenths
                self.out.write(f"{stage}: {10 * tenths} % ({done:,}/{total:,})\n")
                self.out.flush()
        if done >= total:
            self.close()

    def close(self) -> None:
        """End the current stage's bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
