"""What every long command shares: ``--workers``, ``--quiet`` and one progress display.

Progress goes to stderr, so ``--json`` output on stdout stays clean: a Rich bar on a
terminal; on a pipe, a log file or CI, one plain line every few seconds
(:data:`PLAIN_EVERY_S`) and one at the end; nothing with ``--quiet``.
"""

from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from straitsim.runners.execute import resolve_workers, workers

PLAIN_EVERY_S = 5.0

WorkersOpt = Annotated[
    str,
    typer.Option(
        "--workers",
        "-w",
        metavar="auto|N",
        envvar="STRAITSIM_WORKERS",
        help="Worker processes: auto (one per core) or N (1 computes in this process). "
        "The results do not depend on it.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def use_workers(text: str | int | None) -> AbstractContextManager[int]:
    """Run the block with the ``--workers`` count (``auto`` or N); bad text is a UserError."""
    return workers(resolve_workers(text, key="--workers"))


class Progress:
    """Progress of ``total`` units on stderr: a bar on a terminal, plain lines otherwise.

    Use as a context manager; call :meth:`advance` (or pass it as a ``progress`` callback).
    """

    def __init__(
        self,
        total: int,
        label: str = "simulating",
        unit: str = "replications",
        quiet: bool = False,
        every_s: float = PLAIN_EVERY_S,
        console: Console | None = None,
    ) -> None:
        self.total = max(0, int(total))
        self.label, self.unit, self.quiet, self.every_s = label, unit, quiet, every_s
        self.done = 0
        self.console = console or Console(stderr=True)
        self.plain = not self.console.is_terminal
        self._bar: RichProgress | None = None
        self._task: Any = None
        self._t0 = self._last = time.monotonic()
        self._printed = False

    def __enter__(self) -> Progress:
        self._t0 = self._last = time.monotonic()
        if not self.quiet and not self.plain:
            self._bar = RichProgress(
                TextColumn(f"[bold]{self.label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.unit),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._task = self._bar.add_task(self.label, total=self.total or None)
            self._bar.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self.plain and not self.quiet and self._printed and exc_type is None:
            self._line()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.update(self.done + int(n))

    def __call__(self, n: int = 1) -> None:
        """Count ``n`` more units done (the object is itself a ``progress`` callback)."""
        self.advance(n)

    def update(self, done: int, total: int | None = None) -> None:
        """Set the units done (and the total, when it becomes known)."""
        self.done = int(done)
        if total is not None:
            self.total = int(total)
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, total=self.total or None)
            return
        now = time.monotonic()
        if self.plain and now - self._last >= self.every_s:
            self._last = now
            self._line()

    def _line(self) -> None:
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        elapsed = time.monotonic() - self._t0
        sys.stderr.write(
            f"{self.label}: {self.done:,}/{self.total:,} {self.unit}{share}, {elapsed:.0f} s\n"
        )
        sys.stderr.flush()
        self._printed = True


def progress_bar(
    total: int, quiet: bool, label: str = "simulating", unit: str = "replications"
) -> tuple[Progress | None, Any]:
    """Return a :class:`Progress` and its callback, or ``(None, None)`` when ``quiet``."""
    if quiet:
        return None, None
    bar = Progress(total, label, unit)
    return bar, bar.advance
