"""Progress of long jobs: a bar in a terminal or notebook, a plain line now and then in a log.

A sweep or a comparison runs for minutes to hours. In a terminal a tqdm bar shows how far it
is; in a log file (a cluster job, ``nohup … > log``) a bar is a smear of carriage returns, and
silence looks like a hang. There a plain line goes to stderr every ``PROGRESS_SECONDS``
(60 by default; the environment variable ``WELFARE_SIM_PROGRESS_SECONDS`` changes it), and a
last line when the job ends if any was printed — so short jobs stay quiet. Like
:mod:`sim.errors` this sits below every layer (standard library only; tqdm is imported when
a bar is drawn).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

__all__ = ["LogProgress", "interactive", "progress_bar"]

PROGRESS_SECONDS = 60.0


def interactive() -> bool:
    """A terminal or a notebook, where a bar redraws in place."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def _seconds(value: float) -> str:
    minutes, secs = divmod(int(round(value)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _every() -> float:
    try:
        return max(float(os.environ.get("WELFARE_SIM_PROGRESS_SECONDS", PROGRESS_SECONDS)), 0.0)
    except ValueError:
        return PROGRESS_SECONDS


class LogProgress:
    """tqdm's ``update``/``close`` as a line every `every` seconds: ``sweep x: 12 of 40 runs
    done (30%), 2m 10s, about 5m 03s left``."""

    def __init__(self, total: int, *, desc: str, unit: str, initial: int = 0,
                 every: float | None = None, file: TextIO | None = None):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.done = self.initial = int(initial)
        self.every = _every() if every is None else every
        self.file = file
        self.started = self.last = time.monotonic()
        self.lines = 0
        self.reported = self.done

    def _line(self, now: float) -> None:
        elapsed = now - self.started
        units = self.unit if self.total == 1 else f"{self.unit}s"
        text = f"{self.desc}: {self.done} of {self.total} {units} done"
        if self.total:
            text += f" ({100 * self.done / self.total:.0f}%)"
        text += f", {_seconds(elapsed)}"
        new = self.done - self.initial
        if 0 < new and self.done < self.total:
            text += f", about {_seconds(elapsed / new * (self.total - self.done))} left"
        print(text, file=self.file or sys.stderr, flush=True)
        self.lines += 1
        self.last, self.reported = now, self.done

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self._line(now)

    def close(self) -> None:
        """The last line, if any line was printed and something happened since."""
        if self.lines and self.done != self.reported:
            self._line(time.monotonic())

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, *, desc: str, unit: str, initial: int = 0,
                 progress: bool | None = None) -> Any:
    """Something with ``update(n)`` and ``close()``: a tqdm bar when `progress` is True (or
    None in a terminal or notebook), log lines when None elsewhere, nothing when False."""
    if progress is False:
        return _Silent()
    if progress or interactive():
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, unit=unit, desc=desc, dynamic_ncols=True,
                    file=sys.stderr)
    return LogProgress(total, desc=desc, unit=unit, initial=initial)
