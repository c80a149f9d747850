"""What every long command shares: ``--workers``, ``--device``, ``--quiet``, a progress display.

Progress goes to stderr, so ``--json`` output on stdout stays clean: a Rich bar on a
terminal; on a pipe, a log file or CI, one plain line every few seconds
(:data:`PLAIN_EVERY_S`) and one at the end; nothing with ``--quiet``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from straitsim.engine.backend import array_module
from straitsim.runners.execute import device, resolve_device, resolve_workers, workers

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
DeviceOpt = Annotated[
    str | None,
    typer.Option(
        "--device",
        metavar="cpu|numba|gpu",
        envvar="STRAITSIM_DEVICE",
        help="Engine for every replication: cpu (NumPy, the reference; the default), numba "
        "(compiled: the fast extra) or gpu (CuPy: the gpu extra). The numbers agree within 1e-9.",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


@contextmanager
def use_workers(text: str | int | None, engine: str | None = None) -> Iterator[int]:
    """Run the block with the ``--workers`` count (``auto`` or N) on the ``--device`` engine.

    Bad text is a UserError, and so is a device this machine cannot run (numba or CuPy not
    installed), before any work starts.
    """
    name = resolve_device(engine, key="--device")
    array_module(name)  # a clear error now, before any work, if the device is unusable
    with device(name), workers(resolve_workers(text, key="--workers")) as n:
        yield n


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
