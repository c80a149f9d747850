"""What the engine returns: outcomes, a losses ledger per country, daily traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from straitsim.engine.state import OUTCOMES

LOSS_METRICS = (
    "aircraft",
    "aircraft_on_ground",
    "carriers",
    "surface_combatants",
    "submarines",
    "personnel_killed",
)
CHN_METRICS = ("amphibious_ships", "amphibious_fleet_sunk_share", "battalions_landed")
TRACES = (
    "lift_share",
    "battalions_ashore",
    "air_superiority",
    "allied_munitions_share",
    "prc_missiles_share",
    "territory_share",
)


@dataclass
class Trajectory:
    """Per-replication results of one engine call.

    ``outcome``: (P, R) int codes indexing :data:`OUTCOMES`. ``losses``: country -> metric ->
    (P, R). ``traces``: name -> (P, T, R) daily values (day 0 .. T-1, decided replications
    frozen). ``spent``: (P, R, W) allied anti-ship missiles fired by weapon. ``extra`` holds
    per-base results: ``base_ids``, ``base_aircraft_lost`` and ``base_missiles`` (P, R, B):
    aircraft destroyed on the ground at each base and PRC missiles arriving there.
    """

    outcome: np.ndarray
    losses: dict[str, dict[str, np.ndarray]]
    traces: dict[str, np.ndarray]
    decided_day: np.ndarray
    spent: np.ndarray
    weapons: tuple[str, ...]
    profiles: tuple[dict[str, str], ...]
    rep_offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_profiles(self) -> int:
        """Number of role profiles."""
        return int(self.outcome.shape[0])

    @property
    def n_reps(self) -> int:
        """Number of replications."""
        return int(self.outcome.shape[1])

    def outcome_shares(self) -> np.ndarray:
        """(P, 5) share of replications in each outcome category."""
        return np.stack([(self.outcome == k).mean(axis=1) for k in range(len(OUTCOMES))], axis=1)

    @staticmethod
    def concat(parts: list[Trajectory]) -> Trajectory:
        """Join chunks of replications (in order) along the replication axis."""
        first = parts[0]
        if len(parts) == 1:
            return first
        T = max(x.traces[TRACES[0]].shape[1] for x in parts)

        def pad(a: np.ndarray) -> np.ndarray:
            if a.shape[1] == T:
                return a
            tail = np.repeat(a[:, -1:, :], T - a.shape[1], axis=1)
            return np.concatenate([a, tail], axis=1)

        return Trajectory(
            outcome=np.concatenate([x.outcome for x in parts], axis=1),
            losses={
                c: {
                    m: np.concatenate([x.losses[c][m] for x in parts], axis=1)
                    for m in first.losses[c]
                }
                for c in first.losses
            },
            traces={
                k: np.concatenate([pad(x.traces[k]) for x in parts], axis=2) for k in first.traces
            },
            decided_day=np.concatenate([x.decided_day for x in parts], axis=1),
            spent=np.concatenate([x.spent for x in parts], axis=1),
            weapons=first.weapons,
            profiles=first.profiles,
            rep_offset=first.rep_offset,
            extra=_concat_extra([x.extra for x in parts]),
        )

    def select(self, profiles: list[int]) -> Trajectory:
        """Return the same results restricted to some profiles."""
        idx = np.asarray(profiles)
        return Trajectory(
            outcome=self.outcome[idx],
            losses={c: {m: a[idx] for m, a in d.items()} for c, d in self.losses.items()},
            traces={k: a[idx] for k, a in self.traces.items()},
            decided_day=self.decided_day[idx],
            spent=self.spent[idx],
            weapons=self.weapons,
            profiles=tuple(self.profiles[i] for i in profiles),
            rep_offset=self.rep_offset,
            extra={
                k: (a[idx] if isinstance(a, np.ndarray) and a.ndim >= 2 else a)
                for k, a in self.extra.items()
            },
        )


def _concat_extra(extras: list[dict[str, Any]]) -> dict[str, Any]:
    """Join per-replication extras along the replication axis; keep the rest from the first."""
    out: dict[str, Any] = {}
    for k, a in extras[0].items():
        if isinstance(a, np.ndarray) and a.ndim >= 2:
            out[k] = np.concatenate([e[k] for e in extras], axis=1)
        else:
            out[k] = a
    return out
