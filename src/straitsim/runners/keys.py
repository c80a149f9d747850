"""The identity of a unit of work: chunk keys, run plans, digests and the code version.

A *chunk* is the unit of work and of writing: replications ``offset .. offset + size - 1`` of
one resolved scenario with one seed, computed by one code version. A *run* is ``n_reps``
replications of one scenario and seed, cut into chunks of ``chunk_size``. Runners compute
chunks by these keys; the results store (:mod:`straitsim.store.schema`) keys its rows by them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from straitsim.meta import __version__


@dataclass(frozen=True, order=True)
class ChunkKey:
    """Identity of one stored chunk of replications."""

    scenario_hash: str
    seed: int
    chunk_offset: int
    chunk_size: int
    code_version: str


def digest(*parts: Any) -> str:
    """Short SHA-256 digest of JSON-serialisable parts (run and sweep identifiers)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunSpec:
    """``n_reps`` replications of one resolved scenario and seed, cut into chunks.

    ``label`` and ``settings`` describe the variant for people (for a sweep: the roles and
    ``--set`` values that made it); they are not part of the identity.
    """

    scenario_hash: str
    seed: int
    n_reps: int
    chunk_size: int
    code_version: str
    label: str = ""
    settings: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def run_id(self) -> str:
        """Stable identifier: a digest of the scenario hash, seed, counts and code version."""
        return digest(
            self.scenario_hash, self.seed, self.n_reps, self.chunk_size, self.code_version
        )

    def chunk_keys(self) -> list[ChunkKey]:
        """List the chunks of this run's plan, in order."""
        size = max(1, int(self.chunk_size))
        return [
            ChunkKey(
                self.scenario_hash, self.seed, o, min(size, self.n_reps - o), self.code_version
            )
            for o in range(0, self.n_reps, size)
        ]


# Source files whose code decides a chunk's numbers (the scenario's data is in its hash).
_RESULT_SOURCES = ("engine/*.py", "scenario/compile.py")


@functools.cache
def code_version() -> str:
    """Return the code version in every chunk's key: the package version plus a source digest.

    ``straitsim.__version__`` alone does not change while the engine is edited in a source
    checkout; the digest of the engine's source files (and the scenario compiler) does, so a
    resumed sweep never mixes numbers from two states of the code, and a Dask worker running
    other engine code is refused. Form: ``0.1.0+src.1a2b3c4d`` (a PEP 440 local version).
    """
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for pattern in _RESULT_SOURCES for p in root.glob(pattern))
    if not files:  # pragma: no cover - installed without sources
        return __version__
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return f"{__version__}+src.{h.hexdigest()[:8]}"
