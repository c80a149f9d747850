"""Run replications in process, in chunks, with an optional progress callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from straitsim.engine.campaign import simulate
from straitsim.engine.params import Params
from straitsim.engine.trajectory import Trajectory

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
        parts.append(simulate(p, size, seed, rep_offset=offset, xp=xp))
        if progress is not None:
            progress(size)
    return Trajectory.concat(parts)
