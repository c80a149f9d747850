"""The role lattice: every combination of chosen allies' rungs, in one batched engine call.

All profiles share the random numbers of each replication (common random numbers), so the
difference between two profiles on the same replication measures the roles, not the dice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from straitsim.analysis.metrics import metric as get_metric
from straitsim.api import simulate
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.schema import Scenario

MAX_PROFILES = 4096


def ladders(sc: Scenario, allies: Sequence[str]) -> dict[str, list[str]]:
    """Rungs of each chosen ally, lowest first."""
    out = {}
    for a in allies:
        code = a.strip().upper()
        actor = sc.actors.get(code)
        if actor is None or len(actor.rungs) < 2:
            choices = [c for c, x in sc.actors.items() if len(x.rungs) > 1]
            raise UserError("unknown ally", key="allies", expected="some of " + ", ".join(choices), found=repr(a))
        out[code] = list(actor.rungs)
    return out


def enumerate_profiles(sc: Scenario, allies: Sequence[str]) -> list[dict[str, str]]:
    """Every combination of the allies' rungs; other actors keep the scenario's roles."""
    lad = ladders(sc, allies)
    n = int(np.prod([len(r) for r in lad.values()])) if lad else 1
    if n > MAX_PROFILES:
        raise UserError("role lattice too large", key="allies", expected=f"at most {MAX_PROFILES} profiles", found=str(n))
    base = profile_roles(sc, None)
    profiles = []
    for combo in itertools.product(*lad.values()):
        prof = dict(base)
        prof.update(dict(zip(lad, combo, strict=True)))
        profiles.append(prof)
    return profiles


@dataclass
class Lattice:
    """Per-profile, per-replication metric values for a role lattice.

    ``values[i, r]`` is the metric for ``profiles[i]`` on replication ``r``; ``trajectory`` keeps
    everything else (outcomes, losses) for other metrics without re-simulating.
    """

    allies: tuple[str, ...]
    rungs: dict[str, list[str]]
    profiles: list[dict[str, str]]
    trajectory: Trajectory
    metric: str
    values: np.ndarray

    def index(self, roles: Mapping[str, str]) -> int:
        """Row of the profile whose chosen allies hold ``roles`` (others as in the scenario)."""
        for i, p in enumerate(self.profiles):
            if all(p[a] == roles[a] for a in self.allies if a in roles):
                if all(a in roles for a in self.allies):
                    return i
        raise KeyError(dict(roles))

    def mean(self) -> np.ndarray:
        """Mean metric per profile."""
        return self.values.mean(axis=1)

    def with_metric(self, name: str) -> Lattice:
        """The same lattice evaluated on another metric (no new simulation)."""
        return Lattice(self.allies, self.rungs, self.profiles, self.trajectory, name, get_metric(name)(self.trajectory))


def evaluate_lattice(
    sc: Scenario,
    allies: Sequence[str],
    reps: int,
    seed: int,
    metric: str = "defence_prevails",
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Lattice:
    """Evaluate every role profile of ``allies`` in one batched call with common random numbers."""
    fn = get_metric(metric)
    profiles = enumerate_profiles(sc, allies)
    traj = simulate(sc, reps, seed, profiles, days, chunk_size, progress)
    lad = ladders(sc, allies)
    return Lattice(tuple(lad), lad, profiles, traj, metric, fn(traj))
