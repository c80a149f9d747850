"""Module 8, ground war: the lodgement against Taiwan's army (Lanchester square law), objectives."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import safe_div
from straitsim.engine.laws import square_step
from straitsim.engine.objectives import (
    airfield_objective,
    capital_objective,
    port_objective,
    will_to_resist,
)
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State


def roc_engaged_share(v: dict[str, Any], day: int, xp: Any) -> Any:
    """Share of ROC strength engaged against the lodgement ``t`` days after the landing.

    ``local + (max - local) x (1 - exp(-t / roc_mobilisation_days))``.
    """
    t = max(day - float(v["invasion_start_day"]), 0.0)
    local, top = v["roc_local_share"], v["roc_max_engaged_share"]
    return local + (top - local) * (
        1.0 - xp.exp(-t / xp.asarray(v["roc_mobilisation_days"], dtype=float))
    )


def reserve_mobilised(v: dict[str, Any], day: int, xp: Any) -> Any:
    """Share of ROC reserve battalions mobilised ``day`` days after the first strike.

    ``1 - exp(-day / roc_reserve_mobilisation_days)``.
    """
    tau = xp.asarray(v["roc_reserve_mobilisation_days"], dtype=float)
    return 1.0 - xp.exp(-float(day) / xp.maximum(tau, 1e-9))


def combat_power(s: State, v: dict[str, Any], xp: Any) -> tuple[Any, Any]:
    """Per-battalion effectiveness of the PRC lodgement and of ROC forces.

    PRC: supply ratio x (1 + cas_multiplier x (1 - air superiority)) x ``shock_prc``.
    ROC: will to resist (state ``roc_will``) x roc_defence_multiplier
    x (1 + cas_multiplier x air superiority) x ``shock_coalition``. The campaign shocks
    (:mod:`~straitsim.engine.weather`, one draw per replication and side) scale ground combat
    as they scale the air war and the PRC's lift and missiles.
    """
    need = s["bn_ashore"] * v["t_supply_per_bn_day"]
    supply_ratio = xp.minimum(safe_div(s["supply_t"], need, xp, 1.0), 1.0)
    air = s["today_air_sup"]
    e_prc = supply_ratio * (1.0 + v["cas_multiplier"] * (1.0 - air)) * s.get("shock_prc", 1.0)
    e_roc = s["roc_will"] * v["roc_defence_multiplier"] * (1.0 + v["cas_multiplier"] * air)
    e_roc = e_roc * s.get("shock_coalition", 1.0)
    return e_prc, e_roc


def ground_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """One day of combat ashore, then objectives and Taiwan's will.

    With ``P`` PRC battalions ashore and ``R`` ROC battalion-equivalents engaged
    (``(active + roc_reserve_quality x reserve x mobilised share) x engaged share``), the square
    law ``dP/dt = -b R``, ``dR/dt = -a P`` runs for a day with ``a = k_ground e_prc``,
    ``b = k_ground e_roc``. Territory held grows by ``territory_per_battalion`` for each
    battalion landed today (the beachhead its assault seizes, while territory is below
    ``beachhead_max_share``) and, when the lodgement outfights
    the defence, by ``territory_rate x tanh(force ratio - 1)`` (force ratio ``a P / (b R)``); the
    defence retakes ground in proportion to the battalions it destroys (held share times
    ``P(1) / P(0)``); it is 0 once the lodgement is gone. The
    port complex, the airfield and the capital follow (``objectives.py``; the capital's garrison is
    the pool not engaged, ``pool - R``). Taiwan's will to resist ``roc_will``
    is recomputed first, from yesterday's losses and territory (``objectives.py``). The lodgement
    consumes ``t_supply_per_bn_day`` per battalion.
    """
    xp = rng.xp
    if day < v["invasion_start_day"]:
        return {}
    P0 = s["bn_ashore"]
    q = v["roc_reserve_quality"]
    roc0 = p.twn_battalions + q * p.twn_reserve_battalions
    lost = 1.0 - safe_div(s["roc_active"] + q * s["roc_reserve"], roc0, xp, 1.0)
    will = will_to_resist(s, v, lost, xp)
    e_prc, e_roc = combat_power({**s, "roc_will": will}, v, xp)
    mob = reserve_mobilised(v, day, xp)
    pool = s["roc_active"] + q * s["roc_reserve"] * mob
    R0 = pool * roc_engaged_share(v, day, xp)
    noise = rng.lognormal("ground", day, 2, v["salvo_sigma"])
    a = v["k_ground"] * e_prc * noise[:, 0]
    b = v["k_ground"] * e_roc * noise[:, 1]
    P1, R1 = square_step(P0, R0, a, b, 1.0, xp)
    dR = R0 - R1
    act_share = safe_div(s["roc_active"], pool, xp)
    roc_active = xp.maximum(s["roc_active"] - dR * act_share, 0.0)
    res_lost = safe_div(dR * (1.0 - act_share), q * mob, xp)
    roc_reserve = xp.maximum(s["roc_reserve"] - res_lost, 0.0)
    alive = P1 > 0.05
    ratio = safe_div(a * P1, b * R1, xp, 10.0)
    ratio = xp.where(alive, xp.minimum(ratio, 10.0), 0.0)
    gained = s.get("today_landed", 0.0) * v["territory_per_battalion"]
    gained = xp.minimum(gained, xp.maximum(v["beachhead_max_share"] - s["territory"], 0.0))
    kept = xp.minimum(safe_div(P1, P0, xp, 1.0), 1.0)
    advance = v["territory_rate"] * xp.maximum(xp.tanh(ratio - 1.0), 0.0)
    terr = s["territory"] * kept + gained + advance
    terr = xp.where(alive, xp.clip(terr, 0.0, 1.0), 0.0)
    need = P1 * v["t_supply_per_bn_day"]
    supply = xp.maximum(s["supply_t"] - need, 0.0)
    troops = v["troops_per_battalion"] * v["ground_killed_share"]
    killed = s["killed"].copy()
    killed[..., p.i_chn] += (P0 - P1) * troops
    killed[..., p.i_twn] += dR * troops
    out: State = {
        "bn_ashore": P1,
        "roc_will": will,
        "roc_active": roc_active,
        "roc_reserve": roc_reserve,
        "roc_mobilised": xp.zeros_like(P1) + mob,
        "territory": terr,
        "supply_t": supply,
        "killed": killed,
        "today_force_ratio": ratio,
    }
    out.update(port_objective({**s, **out}, v, ratio, alive, xp))
    out.update(airfield_objective({**s, **out}, v, ratio, alive, xp))
    garrison = b * xp.maximum(pool - R0, 0.0)
    out.update(capital_objective({**s, **out}, v, a * P1, garrison, alive, xp))
    return out
