"""Large results from worker processes through shared memory instead of the result pipe.

A worker's chunk of a role lattice is about 120 MB of arrays. Sent back the usual way it is
pickled into one bytes object, pushed through a pipe 64 KiB at a time and read into another
bytes object: a third of a second per chunk, on the parent's critical path and on a core the
other workers need. Instead, :func:`ship` (in the worker) copies the arrays once into a file
in ``/dev/shm`` (memory, not disk) and returns a small :class:`Shipped` handle; :func:`receive`
(in the parent) maps the file, unlinks it at once and rebuilds the object with its arrays
backed by the mapping: no further copy. The memory is freed when the last array goes.

The arrays travel out of band through pickle protocol 5, so any picklable result works and
the values are the very same bytes. Where shared memory is unavailable or too small (no
``/dev/shm``, a full one: the space is reserved before writing, so a full ``/dev/shm`` is a
fallback, never a crash) or the result is small, the object itself is returned and travels
through the pipe as before.

Files are named ``straitsim-<parent pid>-<worker pid>-<n>``. The parent unlinks each one as
it receives it; results it abandons are unlinked when they arrive (:func:`discard`); and
:func:`sweep` removes what a killed parent left behind.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHM_DIR = Path("/dev/shm")
PREFIX = "straitsim-"
SHIP_MIN_BYTES = 1 << 20  # smaller results go through the pipe (no file for them)
_ALIGN = 64
_count = itertools.count()


@dataclass(frozen=True)
class Shipped:
    """A result left in shared memory: the file, the pickle without its arrays, their spans."""

    path: str
    size: int
    meta: bytes
    spans: tuple[tuple[int, int], ...]  # (offset, length) of each out-of-band buffer


def ship(obj: Any, parent_pid: int) -> Any:
    """Return a :class:`Shipped` handle to ``obj`` copied into shared memory, or ``obj``.

    ``obj`` itself where the result is small or shared memory cannot take it.
    """
    bufs: list[pickle.PickleBuffer] = []
    meta = pickle.dumps(obj, protocol=5, buffer_callback=bufs.append)
    try:
        raws = [b.raw() for b in bufs]
    except BufferError:  # a non-contiguous buffer: the pipe takes it as it is
        return obj
    spans, size = [], 0
    for raw in raws:
        spans.append((size, raw.nbytes))
        size += -(-raw.nbytes // _ALIGN) * _ALIGN
    if size < SHIP_MIN_BYTES or not SHM_DIR.is_dir():
        return obj
    path = str(SHM_DIR / f"{PREFIX}{parent_pid}-{os.getpid()}-{next(_count)}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return obj
    try:
        # reserve the pages now: a full /dev/shm fails here (ENOSPC), not later with SIGBUS
        os.posix_fallocate(fd, 0, size)
        with mmap.mmap(fd, size) as m:
            for (off, n), raw in zip(spans, raws, strict=True):
                m[off : off + n] = raw
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return obj
    finally:
        os.close(fd)
    return Shipped(path, size, meta, tuple(spans))


def receive(x: Any) -> Any:
    """In the parent: the object behind ``x`` (a :class:`Shipped` handle, or the object)."""
    if not isinstance(x, Shipped):
        return x
    fd = os.open(x.path, os.O_RDWR)
    try:
        m = mmap.mmap(fd, x.size)
    finally:
        os.close(fd)
        os.unlink(x.path)  # the mapping keeps the memory until its last array is gone
    view = memoryview(m)
    return pickle.loads(x.meta, buffers=[view[off : off + n] for off, n in x.spans])


def discard(x: Any) -> None:
    """Free a result that will not be received (an abandoned chunk's)."""
    if isinstance(x, Shipped):
        with contextlib.suppress(OSError):
            os.unlink(x.path)


def discard_when_done(fut: Any) -> None:
    """Discard a future's result once it is done (a done-callback: nobody will receive it)."""
    if not fut.cancelled() and fut.exception() is None:
        discard(fut.result())


def sweep(alive: Callable[[int], bool], parent_pid: int | None = None) -> int:
    """Remove files of parents that are gone (``alive`` says), or all of ``parent_pid``'s.

    Returns how many. A parent killed between a worker's :func:`ship` and its :func:`receive`
    leaves the file behind; the next pool made on the machine removes it.
    """
    if not SHM_DIR.is_dir():
        return 0
    removed = 0
    for f in SHM_DIR.glob(f"{PREFIX}*-*-*"):
        pid = f.name[len(PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        if (parent_pid is None and not alive(int(pid))) or int(pid) == parent_pid:
            with contextlib.suppress(OSError):
                f.unlink()
                removed += 1
    return removed
