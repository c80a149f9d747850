"""Chunk runners on this machine: in process (default) or in local worker processes.

A runner takes ``(ChunkKey, Params)`` jobs and yields ``(key, trajectory, info)`` as chunks
finish, in any order. The trajectory holds one chunk's replications without daily traces
(they are not stored); ``info`` says which worker computed it, how long it took and with which
code version. Every runner computes a chunk with the same function, :func:`compute_chunk`,
whose result depends only on the compiled parameters, the seed and the replication range.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
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
    from straitsim.engine.campaign import simulate

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
    """Compute chunks in ``n_workers`` local worker processes (started with ``spawn``).

    At most ``2 * n_workers`` chunks are in flight, so memory stays bounded however long
    the sweep.
    """

    name = "processes"

    def __init__(self, n_workers: int) -> None:
        if n_workers < 1:
            raise UserError(
                "bad worker count", key="workers", expected="an integer >= 1", found=str(n_workers)
            )
        self.n_workers = int(n_workers)
        self.pool = ProcessPoolExecutor(
            max_workers=self.n_workers, mp_context=multiprocessing.get_context("spawn")
        )

    def imap(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Submit jobs to the pool, keeping a bounded window in flight; yield as they finish."""
        it = iter(jobs)
        pending: dict[Future[tuple[Trajectory, dict[str, Any]]], ChunkKey] = {}
        window = 2 * self.n_workers

        def fill() -> None:
            while len(pending) < window:
                try:
                    key, params = next(it)
                except StopIteration:
                    return
                pending[self.pool.submit(compute_chunk, params, key)] = key

        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                key = pending.pop(fut)
                traj, info = fut.result()
                yield key, traj, info
            fill()

    def close(self) -> None:
        """Stop the worker processes (queued chunks are cancelled)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PoolRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def local_runner(workers: int | None) -> InProcessRunner | PoolRunner:
    """In process for ``workers`` None or 1 (no start-up cost), else a process pool."""
    if workers is None or workers == 1:
        return InProcessRunner()
    return PoolRunner(workers)
