"""One execution layer: every engine call of every analysis runs here, on all cores.

:func:`run_jobs` takes engine jobs (compiled parameters, replication count, seed), cuts each
into chunks of replications and computes the chunks in this process or in a shared pool of
worker processes. The pool is created on first use (``spawn``: a fresh interpreter per
worker, safe beside threads) and reused by later calls, so only the first parallel call pays
its start-up.

Results never depend on where or how a job is cut: the engine's random streams are indexed
by replication, so a chunk draws exactly what it would draw inside a larger run, and chunks
are joined in replication order. Same scenario and seed, same numbers, for any worker count
and any chunk size.

How many workers:

- ``workers="auto"`` (the default): one per core this process may run on (its CPU affinity
  mask); ``STRAITSIM_WORKERS`` in the environment overrides the default.
- ``workers=1``: everything in this process (debugging, profiling).
- :func:`workers` is a context manager that sets the count for everything inside it, so
  ``with workers(1): roles(...)`` runs a whole analysis in process.
- Inside a worker process (ours or any other ``multiprocessing`` child) the default is 1:
  pools never nest.

Small problems stay in process: below :data:`PARALLEL_MIN_LANES` profile-replications per
call (:data:`PARALLEL_MIN_LANES_WARM` once the pool is running) the pool's start-up and
transfers cost more than they save (measured in ``docs/performance.md``).

Workers die with their parent (SIGKILL, SIGTERM, a crash): when the pool is made by the main
thread, each worker asks the kernel for SIGKILL when its parent dies (``prctl(
PR_SET_PDEATHSIG)`` on Linux; the kernel ties it to the thread that started the worker, so
pools made by other threads, e.g. a web server's, rely on the next line alone), and a watchdog
thread in every worker checks once a second that the parent is alive. Workers ignore SIGINT:
Ctrl-C reaches the parent, which stops the pool at once and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextvars import ContextVar
from typing import Any

import numpy as np

from straitsim.engine import campaign
from straitsim.engine.backend import check_numba
from straitsim.engine.heap import keep_freed_memory
from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.runners import handoff
from straitsim.runners.spawning import alive, context, die_with_parent

DEFAULT_CHUNK = 10_000  # replications per engine call, at most (DEFAULT_LANES bounds memory)
# profile x replication cells per engine call, at most: bounds memory, and keeps one call's
# state small. A fresh process then faults less new memory in (a role lattice's first 1,000
# replications on one core: 3.05 s in calls of 48 x 250 against 3.6 s in calls of 48 x 1,000;
# once warm the two run alike), and a job splits into enough chunks to balance the workers.
DEFAULT_LANES = 12_000
MIN_CHUNK = 64  # replications per chunk, at least (when the caller does not choose)
# A job is cut for the workers' sake only down to this many profile-replications per chunk:
# an engine call has a fixed cost per simulated day, so small chunks waste CPU
# (docs/performance.md: a 1,000-replication call runs at about 60% of the rate of a 2,000 one).
SPLIT_MIN_LANES = 1_000
# Below this many profile-replications per call, work stays in process: the pool's start-up
# (cold: 0.3 s quiet, 2.6 s loaded, docs/performance.md) or smaller chunks (warm) cost more.
PARALLEL_MIN_LANES = 5_000
PARALLEL_MIN_LANES_WARM = 2_000
MAX_WORKERS = 1024

Job = tuple[Params, int, int]  # (compiled parameters, replications, seed)
Workers = int | str | None

_workers: ContextVar[int | None] = ContextVar("straitsim_workers", default=None)
_in_worker = False
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_lanes = [0]  # profile-replications simulated through run_jobs by this process (benchmarks)


# ---------------------------------------------------------------------------- worker count
def available_cores() -> int:
    """Cores this process may run on (its affinity mask where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: Workers = None, key: str = "workers") -> int:
    """Return the worker count for ``workers``: ``"auto"``, an integer >= 1, or None.

    None means the current default: the innermost :func:`workers` block, else
    ``STRAITSIM_WORKERS``, else ``"auto"`` (1 inside a worker process).
    """
    if workers is None:
        current = _workers.get()
        if current is not None:
            return current
        if _in_worker or multiprocessing.parent_process() is not None:
            return 1
        workers = os.environ.get("STRAITSIM_WORKERS", "auto")
        key = "STRAITSIM_WORKERS" if "STRAITSIM_WORKERS" in os.environ else key
    expected = f"auto or an integer from 1 to {MAX_WORKERS}"
    if isinstance(workers, str):
        text = workers.strip().lower()
        if text == "auto":
            return available_cores()
        if not text.isdigit():
            raise UserError("bad worker count", key=key, expected=expected, found=repr(workers))
        workers = int(text)
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer):
        raise UserError("bad worker count", key=key, expected=expected, found=repr(workers))
    if not 1 <= int(workers) <= MAX_WORKERS:
        raise UserError("bad worker count", key=key, expected=expected, found=str(workers))
    return int(workers)


@contextlib.contextmanager
def workers(n: Workers) -> Iterator[int]:
    """Run everything inside the block with ``n`` workers (``"auto"``, an integer, or None)."""
    token = _workers.set(resolve_workers(n))
    try:
        yield _workers.get() or 1
    finally:
        _workers.reset(token)


_device: ContextVar[str | None] = ContextVar("straitsim_device", default=None)


def resolve_device(device: str | None = None, key: str = "device") -> str:
    """Return the engine device for ``device``: ``cpu``, ``numba`` or ``gpu``, or None.

    None means the current default: the innermost :func:`device` block, else
    ``STRAITSIM_DEVICE``, else ``cpu`` (the NumPy reference). Every analysis runs its
    replications on it; the numbers agree within 1e-9 on ``cpu`` and ``numba``. ``key``
    names the option in the message when ``device`` is unknown.
    """
    if device is None:
        device = _device.get()
    if device is None:
        device = os.environ.get("STRAITSIM_DEVICE", "cpu")
        key = "STRAITSIM_DEVICE" if "STRAITSIM_DEVICE" in os.environ else key
    name = str(device).strip().lower()
    if name not in ("cpu", "numba", "gpu"):
        raise UserError("unknown device", key=key, expected="cpu, numba or gpu", found=repr(device))
    return name


@contextlib.contextmanager
def device(name: str | None) -> Iterator[str]:
    """Run every analysis inside the block on engine device ``name`` (None: the default)."""
    token = _device.set(resolve_device(name))
    try:
        yield _device.get() or "cpu"
    finally:
        _device.reset(token)


# ---------------------------------------------------------------------------- chunks
def chunks(n_reps: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``(offset, size)`` pairs covering ``0 .. n_reps - 1``."""
    size = max(1, int(chunk_size or DEFAULT_CHUNK))
    return [(o, min(size, n_reps - o)) for o in range(0, n_reps, size)]


def default_chunk(n_reps: int, n_profiles: int, split: int = 1) -> int:
    """Replications per chunk: bounded memory, and at least ``split`` chunks where possible."""
    size = max(MIN_CHUNK, min(DEFAULT_CHUNK, DEFAULT_LANES // max(1, n_profiles)))
    if split > 1:
        least = max(MIN_CHUNK, math.ceil(SPLIT_MIN_LANES / max(1, n_profiles)))
        size = min(size, max(least, math.ceil(n_reps / split)))
    return size


def min_lanes(n: int) -> int:
    """Profile-replications from which ``n`` workers pay (lower once their pool is running)."""
    warm = _pool is not None and _pool_size == n and not getattr(_pool, "_broken", False)
    return PARALLEL_MIN_LANES_WARM if warm else PARALLEL_MIN_LANES


def run_chunk(
    p: Params, size: int, seed: int, offset: int, compiled: bool = False, ship_to: int = 0
) -> Any:
    """Replications ``offset .. offset + size - 1`` of every profile (what a worker runs).

    ``compiled``: the compiled steps (the ``numba`` device), same numbers within 1e-9.
    ``ship_to``: the parent's pid, to hand a large result over through shared memory
    (:mod:`.handoff`; the parent calls ``handoff.receive``); 0 returns the trajectory.
    """
    t = campaign.simulate(p, size, seed, rep_offset=offset, compiled=compiled)
    return handoff.ship(t, ship_to) if ship_to else t


# ---------------------------------------------------------------------------- running
def run_jobs(
    jobs: Sequence[Job],
    workers: Workers = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    xp: Any = np,
    compiled: bool | None = None,
) -> list[Trajectory]:
    """Simulate every job; return one trajectory per job, in order.

    ``progress`` is called with the number of replications just finished (per chunk).
    ``compiled`` runs the compiled steps (the ``numba`` device: NumPy arrays, ``xp`` NumPy),
    in this process and in the workers alike; None: when the default device
    (:func:`resolve_device`) is ``numba``.
    Chunks of all jobs share the workers, so many small jobs (sensitivity evaluations, one
    scenario each) spread over the cores as well as one large job does.
    """
    if compiled is None:
        compiled = resolve_device() == "numba" and xp is np
        if compiled:
            check_numba()
    n = resolve_workers(workers)
    lanes = sum(p.n_profiles * reps for p, reps, _ in jobs)
    _lanes[0] += lanes
    parallel = n > 1 and xp is np and lanes >= min_lanes(n)
    split = math.ceil(n / max(1, len(jobs))) if parallel else 1
    plans = [
        chunks(reps, chunk_size or default_chunk(reps, p.n_profiles, split)) for p, reps, _ in jobs
    ]
    if parallel and sum(len(c) for c in plans) > 1:
        keep_freed_memory()  # results are joined here: reuse freed memory, as the engine does
        parts = _run_pool(jobs, plans, n, progress, compiled)
    else:
        parts = []
        for (p, _, seed), plan in zip(jobs, plans, strict=True):
            one = []
            for offset, size in plan:
                one.append(
                    campaign.simulate(p, size, seed, rep_offset=offset, xp=xp, compiled=compiled)
                )
                if progress is not None:
                    progress(size)
            parts.append(one)
    return [Trajectory.concat(one) for one in parts]


def _run_pool(
    jobs: Sequence[Job],
    plans: list[list[tuple[int, int]]],
    n: int,
    progress: Callable[[int], None] | None,
    compiled: bool = False,
) -> list[list[Trajectory]]:
    tasks = [(j, k) for j, plan in enumerate(plans) for k in range(len(plan))]
    out: list[list[Any]] = [[None] * len(plan) for plan in plans]
    pool = get_pool(n)
    pending: dict[Future[Trajectory], tuple[int, int]] = {}
    it = iter(tasks)
    window = 2 * n  # chunks in flight: bounds the memory of queued work
    try:
        while True:
            for j, k in it:
                p, _, seed = jobs[j]
                offset, size = plans[j][k]
                fut = pool.submit(run_chunk, p, size, seed, offset, compiled, os.getpid())
                pending[fut] = (j, k)
                if len(pending) >= window:
                    break
            if not pending:
                break
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                j, k = pending.pop(fut)
                out[j][k] = handoff.receive(fut.result())
                if progress is not None:
                    progress(plans[j][k][1])
    except BaseException as exc:
        abandon(pending, exc)
        raise
    return out


def abandon(pending: Iterable[Future[Any]], exc: BaseException) -> None:
    """Drop the chunks in flight after ``exc``.

    Queued chunks are cancelled. On Ctrl-C the workers are stopped at once; otherwise (an
    error, a cancelled web request) the chunks already running finish in the background and
    the pool stays for other callers.
    """
    pending = list(pending)
    for fut in pending:
        if not fut.cancel():  # running or done: its result, when it comes, is nobody's
            fut.add_done_callback(handoff.discard_when_done)
    if pending and isinstance(exc, KeyboardInterrupt):
        shutdown(kill=True)


# ---------------------------------------------------------------------------- the pool
def get_pool(n: int) -> ProcessPoolExecutor:
    """Return the shared pool of ``n`` workers (created, or re-created, on demand)."""
    global _pool, _pool_size
    with _lock:
        if _pool is not None and (_pool_size != n or getattr(_pool, "_broken", False)):
            _pool.shutdown(wait=False)  # work already submitted still finishes
            _pool = None
        if _pool is None:
            handoff.sweep(alive)  # results left by a killed parent
            main = threading.current_thread() is threading.main_thread()
            _pool = ProcessPoolExecutor(
                max_workers=n,
                mp_context=context(),
                initializer=_init_worker,
                initargs=(os.getpid(), main),
            )
            _pool_size = n
            # start every worker now, from this thread (their parent-death signal is tied
            # to it), and in parallel with whatever the caller does next. Workers are born
            # with Ctrl-C ignored (a spawned Python keeps an inherited SIG_IGN), so one still
            # importing when Ctrl-C reaches the process group prints no traceback.
            old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                for _ in range(n):
                    _pool.submit(os.getpid)
            finally:
                if main and old is not None:
                    signal.signal(signal.SIGINT, old)
        return _pool


def lanes_simulated() -> int:
    """Profile-replications simulated through :func:`run_jobs` by this process so far."""
    return _lanes[0]


def warm_up(workers: Workers = None, params: Params | None = None, compiled: bool = False) -> int:
    """Start the pool now (a server at start-up), so the first request pays no start-up.

    With ``params``, return only once every worker has started and simulated a few
    replications of them (benchmarks: no start-up inside the timing); ``compiled``: with the
    compiled steps, so the workers have loaded them too.
    """
    n = resolve_workers(workers)
    if n > 1:
        pool = get_pool(n)
        if params is not None:
            futs = [pool.submit(run_chunk, params, 8, 0, 8 * i, compiled) for i in range(2 * n)]
            for fut in futs:
                fut.result()
    return n


def pool_pids() -> list[int]:
    """Process ids of the shared pool's live workers (empty when there is no pool)."""
    procs = getattr(_pool, "_processes", None) or {}
    return [pid for pid, proc in list(procs.items()) if proc.is_alive()]


def shutdown(kill: bool = False) -> None:
    """Stop the shared pool; ``kill=True`` ends its workers at once (work in flight is lost)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    if kill:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.kill()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=not kill, cancel_futures=True)
    handoff.sweep(alive, os.getpid())  # results of chunks nobody received


atexit.register(shutdown)


def _init_worker(parent_pid: int, deathsig: bool) -> None:
    """Worker start-up: default to one worker inside, ignore Ctrl-C, die with the parent."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid, deathsig)
