"""Run replications in process, in chunks, with an optional progress callback."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from straitsim.engine import campaign
from straitsim.engine.backend import array_module
from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory
from straitsim.limits import MAX_REPS, check_memory, check_number, check_reps, check_seed
from straitsim.scenario.compile import compile_params
from straitsim.scenario.schema import Scenario

DEFAULT_CHUNK = 5000
DEFAULT_LANES = 50_000  # profile x replication cells per engine call (bounds memory)


def chunks(n_reps: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``(offset, size)`` pairs covering ``0 .. n_reps - 1``."""
    size = max(1, int(chunk_size or DEFAULT_CHUNK))
    return [(o, min(size, n_reps - o)) for o in range(0, n_reps, size)]


def run_local(
    p: Params,
    n_reps: int,
    seed: int,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    xp: Any = np,
) -> Trajectory:
    """Simulate ``n_reps`` replications of every profile, chunk by chunk.

    ``progress`` is called with the number of replications just finished. Results are
    identical for any ``chunk_size`` (the engine's random streams are indexed by replication).
    """
    if n_reps < 1:
        raise ValueError("n_reps must be at least 1")
    if chunk_size is None:
        chunk_size = max(64, min(DEFAULT_CHUNK, DEFAULT_LANES // max(1, p.n_profiles)))
    parts = []
    for offset, size in chunks(n_reps, chunk_size):
        parts.append(campaign.simulate(p, size, seed, rep_offset=offset, xp=xp))
        if progress is not None:
            progress(size)
    return Trajectory.concat(parts)


def simulate(
    scenario: Scenario,
    reps: int = 1000,
    seed: int = 0,
    profiles: Sequence[Mapping[str, str]] | None = None,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> Trajectory:
    """Run ``reps`` replications of each role profile (default: the scenario's roles).

    All profiles share the random numbers of each replication (common random numbers).
    ``device="gpu"`` runs the same engine on CuPy (the ``gpu`` extra and a CUDA GPU).
    """
    reps, seed = check_reps(reps), check_seed(seed)
    if days is not None:
        days = int(check_number(days, "days", 1, 365, integer=True))
    if chunk_size is not None:
        chunk_size = int(check_number(chunk_size, "chunk_size", 1, MAX_REPS, integer=True))
    p = compile_params(scenario, profiles, days)
    check_memory(reps, p.n_profiles, days or scenario.horizon_days)  # before any work
    return run_local(p, reps, seed, chunk_size, progress, xp=array_module(device))
