"""Module 8, ground war: the lodgement against Taiwan's army (Lanchester square law)."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.common import safe_div
from straitsim.engine.laws import square_step
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


def combat_power(s: State, v: dict[str, Any], xp: Any) -> tuple[Any, Any]:
    """Per-battalion effectiveness of the PRC lodgement and of ROC forces.

    PRC: supply ratio x (1 + cas_multiplier x (1 - air superiority)).
    ROC: roc_will_to_resist x roc_defence_multiplier x (1 + cas_multiplier x air superiority).
    """
    need = s["bn_ashore"] * v["t_supply_per_bn_day"]
    supply_ratio = xp.minimum(safe_div(s["supply_t"], need, xp, 1.0), 1.0)
    air = s["today_air_sup"]
    e_prc = supply_ratio * (1.0 + v["cas_multiplier"] * (1.0 - air))
    e_roc = (
        v["roc_will_to_resist"] * v["roc_defence_multiplier"] * (1.0 + v["cas_multiplier"] * air)
    )
    return e_prc, e_roc


def ground_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """One day of combat ashore.

    With ``P`` PRC battalions ashore and ``R`` ROC battalion-equivalents engaged
    (``(active + roc_reserve_quality x reserve) x engaged share``), the square law
    ``dP/dt = -b R``, ``dR/dt = -a P`` runs for a day with ``a = k_ground e_prc``,
    ``b = k_ground e_roc``. Territory held moves by ``territory_rate x tanh(force ratio - 1)``
    (force ratio ``a P / (b R)``; the advance saturates at ``territory_rate`` a day), and
    never below the beachhead ``P x territory_per_battalion``; a port is held above
    ``port_capture_share``. The lodgement consumes ``t_supply_per_bn_day`` per battalion.
    """
    xp = rng.xp
    if day < v["invasion_start_day"]:
        return {}
    P0 = s["bn_ashore"]
    e_prc, e_roc = combat_power(s, v, xp)
    q = v["roc_reserve_quality"]
    pool = s["roc_active"] + q * s["roc_reserve"]
    R0 = pool * roc_engaged_share(v, day, xp)
    noise = rng.lognormal("ground", day, 2, v["salvo_sigma"])
    a = v["k_ground"] * e_prc * noise[:, 0]
    b = v["k_ground"] * e_roc * noise[:, 1]
    P1, R1 = square_step(P0, R0, a, b, 1.0, xp)
    dR = R0 - R1
    act_share = safe_div(s["roc_active"], pool, xp)
    roc_active = xp.maximum(s["roc_active"] - dR * act_share, 0.0)
    roc_reserve = xp.maximum(s["roc_reserve"] - dR * (1.0 - act_share) / q, 0.0)
    ratio = safe_div(a * P1, b * R1, xp, 10.0)
    ratio = xp.where(P1 > 0.05, xp.minimum(ratio, 10.0), 0.0)
    terr = xp.clip(s["territory"] + v["territory_rate"] * xp.tanh(ratio - 1.0), 0.0, 1.0)
    terr = xp.maximum(terr, xp.minimum(P1 * v["territory_per_battalion"], 1.0))
    terr = xp.where(P1 > 0.05, terr, 0.0)
    port = (terr >= v["port_capture_share"]).astype(np.float64)
    need = P1 * v["t_supply_per_bn_day"]
    supply = xp.maximum(s["supply_t"] - need, 0.0)
    troops = v["troops_per_battalion"] * v["ground_killed_share"]
    killed = s["killed"].copy()
    killed[..., p.i_chn] += (P0 - P1) * troops
    killed[..., p.i_twn] += dR * troops
    return {
        "bn_ashore": P1,
        "roc_active": roc_active,
        "roc_reserve": roc_reserve,
        "territory": terr,
        "port": port,
        "supply_t": supply,
        "killed": killed,
        "today_force_ratio": ratio,
    }
