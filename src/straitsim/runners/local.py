"""Run replications of a scenario, in chunks, on every core (see :mod:`.execute`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from straitsim.engine.backend import array_module
from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory
from straitsim.limits import MAX_REPS, check_memory, check_number, check_reps, check_seed
from straitsim.runners.execute import (
    DEFAULT_CHUNK,
    DEFAULT_LANES,
    Workers,
    chunks,
    default_chunk,
    resolve_device,
    resolve_workers,
    run_jobs,
)
from straitsim.scenario.compile import compile_params
from straitsim.scenario.schema import Scenario

__all__ = ["DEFAULT_CHUNK", "DEFAULT_LANES", "chunks", "run_local", "simulate", "simulate_each"]

T = TypeVar("T")


def run_local(
    p: Params,
    n_reps: int,
    seed: int,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    xp: Any = np,
    workers: Workers = None,
    compiled: bool | None = None,
) -> Trajectory:
    """Simulate ``n_reps`` replications of every profile, chunk by chunk, on ``workers``.

    ``progress`` is called with the number of replications just finished. Results are
    identical for any ``chunk_size`` and any ``workers`` (the engine's random streams are
    indexed by replication). ``workers`` None means the current default (every core).
    ``compiled`` runs the compiled steps (the ``numba`` device); None: the default device's.
    """
    if n_reps < 1:
        raise ValueError("n_reps must be at least 1")
    return run_jobs([(p, n_reps, seed)], workers, chunk_size, progress, xp, compiled)[0]


def simulate(
    scenario: Scenario,
    reps: int = 1000,
    seed: int = 0,
    profiles: Sequence[Mapping[str, str]] | None = None,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    device: str | None = None,
    workers: Workers = None,
) -> Trajectory:
    """Run ``reps`` replications of each role profile (default: the scenario's roles).

    All profiles share the random numbers of each replication (common random numbers).
    ``device``: ``"cpu"`` (NumPy, the reference), ``"numba"`` (the costliest daily steps
    compiled by numba: the ``fast`` extra; same model and random numbers, results within
    1e-9 of ``cpu``) or ``"gpu"`` (CuPy: the ``gpu`` extra and a CUDA GPU); None: the
    default (:func:`straitsim.runners.execute.resolve_device`: ``STRAITSIM_DEVICE``, else
    ``cpu``).
    ``workers``: ``"auto"`` (every core), an integer (1: in this process), or None for the
    current default (see :func:`straitsim.runners.execute.workers`). The numbers do not
    depend on it.
    """
    reps, seed = check_reps(reps), check_seed(seed)
    if days is not None:
        days = int(check_number(days, "days", 1, 365, integer=True))
    if chunk_size is not None:
        chunk_size = int(check_number(chunk_size, "chunk_size", 1, MAX_REPS, integer=True))
    n_workers = resolve_workers(workers)
    p = compile_params(scenario, profiles, days)
    # before any work: the results held, and one engine chunk (the execution layer's unless set)
    chunk = chunk_size or default_chunk(reps, p.n_profiles)
    check_memory(reps, p.n_profiles, days or scenario.horizon_days, chunk=chunk)
    device = resolve_device(device)
    xp = array_module(device)
    compiled = device == "numba"
    return run_local(p, reps, seed, chunk_size, progress, xp, n_workers, compiled)


def simulate_each(
    scenarios: Sequence[Scenario],
    reduce: Callable[[Trajectory], T],
    reps: int = 1000,
    seed: int = 0,
    days: int | None | Sequence[int | None] = None,
    progress: Callable[[int], None] | None = None,
    workers: Workers = None,
) -> list[T]:
    """Return ``reduce(trajectory)`` of each scenario (its own roles), run on the workers.

    Many small runs use every core together, as one large run does. The values equal
    ``[reduce(simulate(s, reps, seed, days=d)) ...]``; ``days`` is one horizon or one per
    scenario. Trajectories are reduced batch by batch, so memory stays bounded however many
    scenarios. ``progress`` counts replications.
    """
    reps, seed = check_reps(reps), check_seed(seed)
    horizons = list(days) if isinstance(days, Sequence) else [days] * len(scenarios)
    if len(horizons) != len(scenarios):
        raise ValueError("one horizon per scenario")
    for i, d in enumerate(horizons):
        if d is not None:
            horizons[i] = int(check_number(d, "days", 1, 365, integer=True))
    n = resolve_workers(workers)
    out: list[T] = []
    step = 8 * n
    for i in range(0, len(scenarios), step):
        jobs = []
        for s, d in zip(scenarios[i : i + step], horizons[i : i + step], strict=True):
            check_memory(reps, 1, d or s.horizon_days)
            jobs.append((compile_params(s, None, d), reps, seed))
        out += [reduce(t) for t in run_jobs(jobs, n, None, progress)]
    return out
