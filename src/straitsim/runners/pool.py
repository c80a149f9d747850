"""Chunk runners on this machine: in process or in the shared local worker processes.

A runner takes ``(ChunkKey, Params)`` jobs and yields ``(key, trajectory, info)`` as chunks
finish, in any order. The trajectory holds one chunk's replications without daily traces
(they are not stored); ``info`` says which worker computed it, how long it took and with which
code version. Every runner computes a chunk with the same function, :func:`compute_chunk`,
whose result depends only on the compiled parameters, the seed and the replication range.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, Protocol

from straitsim.engine.campaign import simulate
from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory
from straitsim.runners.execute import Workers, abandon, get_pool, resolve_workers
from straitsim.runners.keys import ChunkKey
from straitsim.runners.keys import code_version as schema_code_version

Job = tuple[ChunkKey, Params]
Done = tuple[ChunkKey, Trajectory, dict[str, Any]]


def code_version() -> str:
    """Return this process's code version (part of every chunk's key; see the store schema)."""
    return schema_code_version()


def compute_chunk(params: Params, key: ChunkKey) -> tuple[Trajectory, dict[str, Any]]:
    """Simulate the replications of one chunk; return them without traces, plus run info.

    Parameters
    ----------
    params
        Compiled parameters of one scenario with one role profile.
    key
        The chunk: seed, replication offset and count.

    Returns
    -------
    trajectory, info
        The chunk's results (traces dropped) and ``{"worker", "elapsed_s", "code_version"}``.
    """
    t0 = time.perf_counter()
    traj = simulate(params, key.chunk_size, key.seed, rep_offset=key.chunk_offset)
    traj.traces = {}
    info = {
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "elapsed_s": time.perf_counter() - t0,
        "code_version": code_version(),
    }
    return traj, info


class Runner(Protocol):
    """Where chunks are computed."""

    name: str
    n_workers: int

    def imap(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Compute every job; yield results as they finish (any order)."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class InProcessRunner:
    """Compute chunks one after another in this process."""

    name = "local"
    n_workers = 1

    def imap(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Compute every job in order."""
        for key, params in jobs:
            traj, info = compute_chunk(params, key)
            yield key, traj, info

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> InProcessRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PoolRunner:
    """Compute chunks in ``n_workers`` local worker processes.

    They are the shared pool of :mod:`straitsim.runners.execute`: started once, reused,
    dying with their parent. At most ``2 * n_workers`` chunks are in flight, so memory stays
    bounded however long the sweep. If the caller stops early, the chunks in flight are
    abandoned (see :func:`~straitsim.runners.execute.abandon`).
    """

    name = "processes"

    def __init__(self, n_workers: Workers) -> None:
        self.n_workers = resolve_workers(n_workers)

    def imap(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Submit jobs to the pool, keeping a bounded window in flight; yield as they finish."""
        pool = get_pool(self.n_workers)
        it = iter(jobs)
        pending: dict[Future[tuple[Trajectory, dict[str, Any]]], ChunkKey] = {}
        window = 2 * self.n_workers

        def fill() -> None:
            while len(pending) < window:
                try:
                    key, params = next(it)
                except StopIteration:
                    return
                pending[pool.submit(compute_chunk, params, key)] = key

        try:
            fill()
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    key = pending.pop(fut)
                    traj, info = fut.result()
                    yield key, traj, info
                fill()
        except BaseException as exc:
            abandon(pending, exc)
            raise

    def close(self) -> None:
        """Nothing to release: the shared pool stays for the next call (it ends at exit)."""

    def __enter__(self) -> PoolRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def local_runner(workers: Workers) -> InProcessRunner | PoolRunner:
    """In process for one worker (no start-up cost), else the shared process pool.

    ``workers`` None is the current default (:func:`straitsim.runners.execute.workers`,
    else every core).
    """
    n = resolve_workers(workers)
    if n == 1:
        return InProcessRunner()
    return PoolRunner(n)
