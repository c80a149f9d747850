"""The daily campaign loop.

Each day runs these modules, in this order (each ``state, params, rng -> state``):

1. :func:`~straitsim.engine.escalation.escalation` - who is at war today, with what effort.
2. :func:`~straitsim.engine.missiles.missile_strikes` - PRC missiles against airbases.
3. :func:`~straitsim.engine.air.air_war` - sorties, air-to-air attrition, air superiority.
4. :func:`~straitsim.engine.maritime.maritime_strike` - allied anti-ship missiles (and
   mainland strikes where allowed).
5. :func:`~straitsim.engine.submarines.submarine_war` - allied submarines, PRC ASW.
6. :func:`~straitsim.engine.navy.counter_navy` - PRC anti-ship missiles against allied fleets.
7. :func:`~straitsim.engine.landing.landing` - lift, offload, battalions and supply ashore.
8. :func:`~straitsim.engine.ground.ground_war` - combat ashore, territory, ports.
9. :func:`~straitsim.engine.outcome.outcome` - decide replications.

Arrays carry a leading (profile, replication) batch; a decided replication is frozen (its
state stops changing) and stays in the results. Once at least half the replications in the
batch are decided in every profile, those are set aside and the loop computes only the rest
(every operation is row-wise, so this changes nothing but the time taken); the loop ends
once every replication is decided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from straitsim.engine.air import air_war
from straitsim.engine.common import by_actor
from straitsim.engine.escalation import escalation
from straitsim.engine.ground import ground_war
from straitsim.engine.landing import landing, lift_capacity
from straitsim.engine.maritime import derived, maritime_strike
from straitsim.engine.missiles import missile_strikes
from straitsim.engine.navy import counter_navy
from straitsim.engine.outcome import outcome
from straitsim.engine.params import AMPHIB, SHIP_CLASSES, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import PERSISTENT, UNDECIDED, State, initial_state, sample_values
from straitsim.engine.submarines import submarine_war
from straitsim.engine.trajectory import TRACES, Trajectory

# Set aside decided replications once the batch has at least this many and half are decided.
COMPACT_MIN_REPS = 32

MODULES: tuple[Callable[..., State], ...] = (
    escalation,
    missile_strikes,
    air_war,
    maritime_strike,
    submarine_war,
    counter_navy,
    landing,
    ground_war,
)


def simulate(
    p: Params,
    n_reps: int,
    seed: int,
    rep_offset: int = 0,
    xp: Any = np,
    on_day: Callable[[int], None] | None = None,
) -> Trajectory:
    """Run every profile in ``p`` for replications ``rep_offset .. rep_offset + n_reps - 1``.

    The result depends only on ``(p, seed)`` and the replication indices, so a run split
    into chunks concatenates to exactly the unsplit run.
    """
    rng = Streams(seed, rep_offset, n_reps, xp)
    v = sample_values(p, rng)
    v["_mx"] = derived(p)
    s = initial_state(p, n_reps, xp)
    s["today_air_sup"] = xp.full(s["territory"].shape, 0.5)
    T = p.n_days
    traces = {k: np.zeros((p.n_profiles, T, n_reps), dtype=np.float32) for k in TRACES}
    stock0 = max(float(np.sum(p.stock_n0)), 1e-9)
    prc0 = max(float(np.sum(p.land_n0) + p.asbm_n0), 1e-9)
    # Replications whose every profile is decided leave the computation (not the results):
    # `idx` holds the batch positions still computed, `final` the state of those that left.
    idx = np.arange(n_reps)
    final: State = {}
    done_day = np.full(n_reps, T - 1)
    for day in range(T):
        old = s
        s = dict(s)
        s["today_amph_sunk"] = 0.0
        for module in MODULES:
            s.update(module(s, p, v, day, rng))
        s.update(outcome(s, p, v, day, rng, last=day == T - 1))
        frozen = old["outcome"] != UNDECIDED
        if frozen.any():
            for k in PERSISTENT + ("today_air_sup", "today_force_ratio"):
                if k not in old or k not in s or isinstance(s[k], float):
                    continue
                a = s[k]
                f = frozen.reshape(frozen.shape + (1,) * (a.ndim - 2))
                s[k] = xp.where(f, old[k], a)
        _record(traces, day, s, p, v, xp, stock0, prc0, idx if idx.size < n_reps else None)
        if on_day is not None:
            on_day(day)
        alive = _np((s["outcome"] == UNDECIDED).any(axis=0))
        if not alive.any():
            done_day[idx] = day
            break
        if alive.size >= COMPACT_MIN_REPS and alive.sum() <= alive.size // 2:
            gone = np.flatnonzero(~alive)
            _keep_final(final, s, idx[gone], gone, n_reps, xp)
            done_day[idx[gone]] = day
            keep = np.flatnonzero(alive)
            R = alive.size
            s = {k: _take_reps(a, keep, R, xp) for k, a in s.items()}
            v = {k: (_take_reps(a, keep, R, xp) if k != "_mx" else a) for k, a in v.items()}
            rng = rng.subset(keep)
            idx = idx[keep]
    _keep_final(final, s, idx, np.arange(idx.size), n_reps, xp)
    for k in traces:
        a = traces[k]
        for d in np.unique(done_day):
            if d < T - 1:
                cols = np.flatnonzero(done_day == d)
                a[:, d + 1 :, cols] = a[:, d : d + 1, cols]
    return _trajectory(final, p, v, traces, rep_offset)


def _per_rep(a: Any, R: int) -> bool:
    """Return True for batch arrays with a replication axis of length ``R`` (axis 1)."""
    return not isinstance(a, float | int) and getattr(a, "ndim", 0) >= 2 and a.shape[1] == R


def _take_reps(a: Any, keep: np.ndarray, R: int, xp: Any) -> Any:
    """Rows ``keep`` of the replication axis of a batch array; anything else as it is."""
    return a[:, xp.asarray(keep)] if _per_rep(a, R) else a


def _keep_final(
    final: State, s: State, positions: np.ndarray, rows: np.ndarray, n_reps: int, xp: Any
) -> None:
    """Copy the state of batch ``rows`` into full-size arrays at replication ``positions``."""
    R = int(s["outcome"].shape[1])
    for k, a in s.items():
        if not _per_rep(a, R):
            continue
        if k not in final:
            final[k] = xp.zeros(a.shape[:1] + (n_reps,) + a.shape[2:], dtype=a.dtype)
        final[k][:, xp.asarray(positions)] = a[:, xp.asarray(rows)]


def _record(
    traces: dict[str, np.ndarray],
    day: int,
    s: State,
    p: Params,
    v: dict[str, Any],
    xp: Any,
    stock0: float,
    prc0: float,
    idx: np.ndarray | None = None,
) -> None:
    """Write today's traces (for batch positions ``idx``; all when None)."""
    cols = slice(None) if idx is None else idx
    lift0 = s["lift0"]
    lift = lift_capacity(s, p, v, xp)
    ok = lift0 > 0
    share = xp.where(ok, lift / xp.where(ok, lift0, 1.0), 1.0)
    traces["lift_share"][:, day, cols] = _np(share)
    traces["battalions_ashore"][:, day, cols] = _np(s["bn_ashore"])
    traces["air_superiority"][:, day, cols] = _np(s["today_air_sup"])
    traces["allied_munitions_share"][:, day, cols] = _np(s["stock"].sum(-1) / stock0)
    traces["prc_missiles_share"][:, day, cols] = _np((s["land_inv"].sum(-1) + s["asbm_inv"]) / prc0)
    traces["territory_share"][:, day, cols] = _np(s["territory"])


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _trajectory(
    s: State, p: Params, v: dict[str, Any], traces: dict[str, np.ndarray], rep_offset: int
) -> Trajectory:
    """Build the losses ledger, aggregated to countries once, at the end.

    Personnel killed = killed ashore and at sea (troops) + crews of sunk ships
    (``crew_killed_share``) + aircrew of aircraft lost in the air (``aircrew_killed_per_air_loss``).
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
    ub = v["_mx"]["ub"]
    extra = {
        "base_ids": p.base_ids,
        "base_aircraft_lost": ub.to_bases(_np(s["lost_ground"]), np),
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
