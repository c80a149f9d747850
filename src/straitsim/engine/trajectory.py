"""What the engine returns: outcomes, a losses ledger per country, daily traces.

:class:`TraceRecorder` writes the daily traces as the campaign runs;
:func:`build_trajectory` turns the final state into the ledger; :func:`check_finite` refuses
a result with a non-finite number in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from straitsim.engine.groups import by_actor
from straitsim.engine.landing import lift_capacity
from straitsim.engine.params import AMPHIB, SHIP_CLASSES, Params, Values
from straitsim.engine.state import OUTCOMES, State
from straitsim.errors import UserError

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


class TraceRecorder:
    """Daily traces (P, T, R) of one engine call, written after each day."""

    def __init__(self, p: Params, n_reps: int, xp: Any = np) -> None:
        self.p, self.n_reps, self.xp = p, n_reps, xp
        self.traces = self._allocate()
        self.stock0 = max(float(np.sum(p.stock_n0)), 1e-9)
        self.prc0 = max(float(np.sum(p.land_n0) + p.asbm_n0), 1e-9)

    def _allocate(self) -> dict[str, np.ndarray]:
        """Return the trace arrays, (P, T, R) float32 each (zeros until written)."""
        p = self.p
        return {k: np.zeros((p.n_profiles, p.n_days, self.n_reps), np.float32) for k in TRACES}

    def record(self, day: int, s: State, v: Values, rows: np.ndarray) -> None:
        """Write day ``day`` for the batch positions ``rows`` (the state's replication rows)."""
        xp, p, tr = self.xp, self.p, self.traces
        cols: Any = slice(None) if rows.size == self.n_reps else rows
        lift0 = s["lift0"]
        lift = lift_capacity(s, p, v, xp)
        ok = lift0 > 0
        share = xp.where(ok, lift / xp.where(ok, lift0, 1.0), 1.0)
        tr["lift_share"][:, day, cols] = _np(share)
        tr["battalions_ashore"][:, day, cols] = _np(s["bn_ashore"])
        tr["air_superiority"][:, day, cols] = _np(s["today_air_sup"])
        tr["allied_munitions_share"][:, day, cols] = _np(s["stock"].sum(-1) / self.stock0)
        missiles = s["land_inv"].sum(-1) + s["asbm_inv"]
        tr["prc_missiles_share"][:, day, cols] = _np(missiles / self.prc0)
        tr["territory_share"][:, day, cols] = _np(s["territory"])

    def after_day(self, ev: Any) -> None:
        """Record the day's final state (the campaign's first after-day hook)."""
        self.record(ev.day, ev.state, ev.v, ev.rows)

    def finish(self, done_day: np.ndarray) -> dict[str, np.ndarray]:
        """Hold each replication's traces at their value on its last computed day."""
        T = self.p.n_days
        for a in self.traces.values():
            for d in np.unique(done_day):
                if d < T - 1:
                    cols = np.flatnonzero(done_day == d)
                    a[:, d + 1 :, cols] = a[:, d : d + 1, cols]
        return self.traces


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a)


# The fields of the final state :func:`build_trajectory` reads (the campaign keeps only these).
FINAL_FIELDS = (
    "ships",
    "lost_air",
    "lost_ground",
    "killed",
    "bn_landed",
    "missiles_in",
    "outcome",
    "decided_day",
    "spent",
)


def build_trajectory(
    s: State, p: Params, v: Values, traces: dict[str, np.ndarray], rep_offset: int
) -> Trajectory:
    """Build the losses ledger from the final state, aggregated to countries once.

    Reads only :data:`FINAL_FIELDS` of ``s``.
    ``v`` holds the values of every replication of ``s`` (not a subset). Personnel killed =
    killed ashore and at sea (troops) + crews of sunk ships (``crew_killed_share``) + aircrew of
    aircraft lost in the air (``aircrew_killed_per_air_loss``).
    """
    A = len(p.actors)
    lost_ships = np.asarray(p.group_n0) - _np(s["ships"])  # (P, R, G)
    by_cls = {}
    for ci, name in enumerate(SHIP_CLASSES):
        mask = (p.group_class == ci).astype(float)
        by_cls[name] = by_actor(lost_ships * mask, p.group_actor, A)
    amph_mask = np.isin(p.group_class, AMPHIB).astype(float)
    amph_lost = by_actor(lost_ships * amph_mask, p.group_actor, A)
    lost_air = by_actor(_np(s["lost_air"]), p.unit_actor, A)
    lost_ground = by_actor(_np(s["lost_ground"]), p.unit_actor, A)
    crews = (
        by_actor(lost_ships * p.group_crew, p.group_actor, A)
        * np.asarray(_np(v["crew_killed_share"]))[..., None]
    )
    aircrew = lost_air * np.asarray(_np(v["aircrew_killed_per_air_loss"]))[..., None]
    killed = _np(s["killed"]) + crews + aircrew
    losses: dict[str, dict[str, np.ndarray]] = {}
    for a, code in enumerate(p.actors):
        d = {
            "aircraft": lost_air[..., a] + lost_ground[..., a],
            "aircraft_on_ground": lost_ground[..., a],
            "carriers": by_cls["carrier"][..., a],
            "surface_combatants": by_cls["surface_combatant"][..., a],
            "submarines": by_cls["submarine"][..., a],
            "personnel_killed": killed[..., a],
            "ships": lost_ships.__mul__(p.group_actor == a).sum(-1),
        }
        if a == p.i_chn:
            n_amph = float((np.asarray(p.group_n0) * amph_mask).sum())
            d["amphibious_ships"] = amph_lost[..., a]
            d["amphibious_fleet_sunk_share"] = amph_lost[..., a] / max(n_amph, 1e-9)
            d["battalions_landed"] = _np(s["bn_landed"])
        losses[code] = d
    extra = {
        "base_ids": p.base_ids,
        "base_aircraft_lost": p.derived.ub.to_bases(_np(s["lost_ground"]), np),
        "base_missiles": _np(s["missiles_in"]),
    }
    return Trajectory(
        extra=extra,
        outcome=_np(s["outcome"]).astype(np.int8),
        losses=losses,
        traces=traces,
        decided_day=_np(s["decided_day"]),
        spent=_np(s["spent"]),
        weapons=p.weapons,
        profiles=p.profiles,
        rep_offset=rep_offset,
    )


class NonFiniteOutput(UserError):
    """The engine produced a non-finite number: the inputs drove the model out of its domain."""


def _outputs(t: Trajectory) -> dict[str, np.ndarray]:
    out = {"outcome": t.outcome, "decided_day": t.decided_day, "spent": t.spent}
    for c, metrics in t.losses.items():
        out.update({f"losses.{c}.{m}": a for m, a in metrics.items()})
    out.update({f"traces.{k}": a for k, a in t.traces.items()})
    out.update({f"extra.{k}": a for k, a in t.extra.items() if isinstance(a, np.ndarray)})
    return out


def check_finite(t: Trajectory, p: Params) -> None:
    """Raise :class:`NonFiniteOutput` if any output of ``t`` holds NaN or infinity.

    The message names the scenario, the first offending output and the parameters whose
    values are non-finite or beyond 1e12 in size (the usual cause).
    """
    for name, a in _outputs(t).items():
        if a.dtype.kind == "f" and not bool(np.isfinite(a).all()):
            bad = np.argwhere(~np.isfinite(a))[0]
            suspects = [
                k for k, x in p.values.items() if isinstance(x, int | float) and not (abs(x) < 1e12)
            ] + [k for k, d in p.dists.items() if not all(abs(y) < 1e12 for y in d[1:])]
            rep_axis = 2 if name.startswith("traces.") else 1
            prof = t.profiles[int(bad[0])]
            where = "profile " + (" ".join(f"{c}={r}" for c, r in prof.items()) or "default")
            if a.ndim > rep_axis:
                where += f", replication {int(bad[rep_axis]) + t.rep_offset}"
            raise NonFiniteOutput(
                f"the engine produced a non-finite value in {name} ({where})",
                file=p.scenario or None,
                key=", ".join(suspects) or None,
                expected="finite parameter values within their domains",
                found=f"{a[tuple(bad)]}",
            )
