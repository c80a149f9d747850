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
state stops changing) but stays in the batch. The loop ends early once every replication
is decided.
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
    last_day = 0
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
        _record(traces, day, s, p, v, xp, stock0, prc0)
        last_day = day
        if on_day is not None:
            on_day(day)
        if not (s["outcome"] == UNDECIDED).any():
            break
    for k in traces:
        traces[k][:, last_day + 1 :, :] = traces[k][:, last_day : last_day + 1, :]
    return _trajectory(s, p, v, traces, rep_offset)


def _record(
    traces: dict[str, np.ndarray], day: int, s: State, p: Params, v: dict[str, Any], xp: Any, stock0: float, prc0: float
) -> None:
    lift0 = s["lift0"]
    lift = lift_capacity(s, p, v, xp)
    ok = lift0 > 0
    share = np.where(ok, lift / np.where(ok, lift0, 1.0), 1.0)
    traces["lift_share"][:, day] = _np(share)
    traces["battalions_ashore"][:, day] = _np(s["bn_ashore"])
    traces["air_superiority"][:, day] = _np(s["today_air_sup"])
    traces["allied_munitions_share"][:, day] = _np(s["stock"].sum(-1) / stock0)
    traces["prc_missiles_share"][:, day] = _np((s["land_inv"].sum(-1) + s["asbm_inv"]) / prc0)
    traces["territory_share"][:, day] = _np(s["territory"])


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _trajectory(s: State, p: Params, v: dict[str, Any], traces: dict[str, np.ndarray], rep_offset: int) -> Trajectory:
    """The losses ledger, aggregated to countries once, at the end.

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
    crews = by_actor(lost_ships * p.group_crew, p.group_actor, A) * _np(np.asarray(v["crew_killed_share"]))[..., None]
    aircrew = lost_air * _np(np.asarray(v["aircrew_killed_per_air_loss"]))[..., None]
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
    return Trajectory(
        outcome=_np(s["outcome"]).astype(np.int8),
        losses=losses,
        traces=traces,
        decided_day=_np(s["decided_day"]),
        spent=_np(s["spent"]),
        weapons=p.weapons,
        profiles=p.profiles,
        rep_offset=rep_offset,
    )
