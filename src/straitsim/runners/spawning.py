"""How the shared pool's worker processes start and end (see :mod:`.execute`).

- :func:`context`: the ``spawn`` start method (a fresh interpreter per worker, safe beside
  threads), with worker processes that do not re-run the caller's ``__main__``.
- :func:`die_with_parent`: a worker ends when the process that made the pool is gone
  (``prctl(PR_SET_PDEATHSIG)`` on Linux, and a watchdog thread checking once a second).
- :func:`alive`: whether a process runs (a zombie does not).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing import spawn
from typing import Any

WATCHDOG_S = 1.0

WORKER_NAME = "straitsim-worker-"


class _Context:
    """A start-method context whose processes do not re-run the caller's ``__main__``.

    Workers only run functions of this package, so a user's script without an
    ``if __name__ == "__main__":`` guard is not executed again in every worker.
    """

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def Process(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (multiprocessing's name)
        proc = self._ctx.Process(*args, **kwargs)
        proc.name = WORKER_NAME + proc.name
        return proc


def _preparation_data(name: str) -> dict[str, Any]:
    data = _spawn_preparation_data(name)
    if str(name).startswith(WORKER_NAME):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


_spawn_preparation_data = spawn.get_preparation_data


def context() -> Any:
    """Return the workers' start-method context (``spawn``, without the caller's main)."""
    if spawn.get_preparation_data is not _preparation_data:
        spawn.get_preparation_data = _preparation_data  # only our workers' data change
    return _Context(multiprocessing.get_context("spawn"))


def die_with_parent(parent_pid: int, deathsig: bool = True) -> None:
    """End this process when ``parent_pid`` (the process that made the pool) is gone."""
    if deathsig and sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: when our parent dies
    if not alive(parent_pid):
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _watch(parent_pid: int) -> None:
    ppid = os.getppid()
    event = threading.Event()
    while not event.wait(WATCHDOG_S):
        if os.getppid() != ppid or not alive(parent_pid):
            os._exit(1)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists (another user's process may reuse the id: rare)
        return True
    return not os.path.isdir("/proc/self")  # Linux: no /proc entry means gone
