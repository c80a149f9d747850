"""Compiled ground war: :func:`straitsim.engine.ground.ground_war` and its objectives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from straitsim.engine.jit.common import c64, live_rows, njit, pr, prs, safe_div, square_step
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

# the (P, R) state fields and values the kernel reads, in its argument order
_STATE = (
    "bn_ashore",
    "roc_active",
    "roc_reserve",
    "territory",
    "supply_t",
    "today_air_sup",
    "port_progress",
    "port",
    "port_tpd",
    "capital",
    "airfield_progress",
    "airfield",
    "airfield_tpd",
)
_VALUES = (
    "roc_reserve_quality",
    "roc_will_to_resist",
    "will_loss_weight",
    "will_capital_weight",
    "will_ally_weight",
    "victory_territory_share",
    "t_supply_per_bn_day",
    "cas_multiplier",
    "roc_defence_multiplier",
    "roc_reserve_mobilisation_days",
    "roc_local_share",
    "roc_max_engaged_share",
    "roc_mobilisation_days",
    "k_ground",
    "territory_per_battalion",
    "beachhead_max_share",
    "territory_rate",
    "troops_per_battalion",
    "ground_killed_share",
    "port_offload_tpd",
    "port_assault_days",
    "port_demolition_share",
    "port_repair_days",
    "port_strike_rate",
    "capital_approach_share",
    "capital_assault_days",
    "airlift_tpd",
    "airfield_assault_days",
    "airfield_demolition_share",
    "airfield_repair_days",
)


@njit
def _capacity(
    progress: float,
    held_now: float,
    tpd: float,
    ratio: float,
    alive: bool,
    full: float,
    days: float,
    demolition: float,
    repair: float,
    strike: float,
) -> tuple[float, float, float]:
    """:func:`straitsim.engine.objectives._capacity_objective` for one replication.

    Returns (progress, held, working capacity); ``strike`` is the strike rate times air
    superiority.
    """
    prog = min(max(progress + math.tanh(ratio - 1.0) / days, 0.0), 1.0) if alive else 0.0
    held0 = held_now > 0.5
    taken = (not held0) and prog >= 1.0
    held = (prog > 0.5 if held0 else taken) and alive
    cap = full * (1.0 - demolition) if taken else tpd
    cap = min(cap + (full / repair if held0 else 0.0), full)
    cap = cap * (1.0 - min(strike, 1.0))
    return prog, 1.0 if held else 0.0, cap if held else 0.0


@njit
def _kernel(
    day: float,
    t_since: float,
    roc_bn: float,
    roc_res_bn: float,
    i_chn: int,
    i_twn: int,
    noise: np.ndarray,
    us_war: np.ndarray,
    landed: np.ndarray,
    shock_prc: np.ndarray,
    shock_coalition: np.ndarray,
    killed: np.ndarray,
    bn_ashore: np.ndarray,
    roc_active: np.ndarray,
    roc_reserve: np.ndarray,
    territory: np.ndarray,
    supply_t: np.ndarray,
    air_sup: np.ndarray,
    port_progress: np.ndarray,
    port: np.ndarray,
    port_tpd: np.ndarray,
    capital: np.ndarray,
    a_progress: np.ndarray,
    airfield: np.ndarray,
    a_tpd: np.ndarray,
    rrq: np.ndarray,
    will0: np.ndarray,
    w_loss: np.ndarray,
    w_capital: np.ndarray,
    w_ally: np.ndarray,
    vts: np.ndarray,
    supply_per_bn: np.ndarray,
    cas: np.ndarray,
    defence: np.ndarray,
    reserve_days: np.ndarray,
    local: np.ndarray,
    top: np.ndarray,
    mob_days: np.ndarray,
    k_ground: np.ndarray,
    terr_per_bn: np.ndarray,
    beachhead: np.ndarray,
    terr_rate: np.ndarray,
    troops_bn: np.ndarray,
    killed_share: np.ndarray,
    full_tpd: np.ndarray,
    assault_days: np.ndarray,
    demolition: np.ndarray,
    repair_days: np.ndarray,
    strike_rate: np.ndarray,
    approach: np.ndarray,
    capital_days: np.ndarray,
    a_full: np.ndarray,
    a_days: np.ndarray,
    a_demolition: np.ndarray,
    a_repair: np.ndarray,
    o_ashore: np.ndarray,
    o_will: np.ndarray,
    o_active: np.ndarray,
    o_reserve: np.ndarray,
    o_mob: np.ndarray,
    o_terr: np.ndarray,
    o_supply: np.ndarray,
    o_killed: np.ndarray,
    o_ratio: np.ndarray,
    o_progress: np.ndarray,
    o_port: np.ndarray,
    o_tpd: np.ndarray,
    o_capital: np.ndarray,
    o_a_progress: np.ndarray,
    o_airfield: np.ndarray,
    o_a_tpd: np.ndarray,
    live: np.ndarray,
    will_in: np.ndarray,
    mob_in: np.ndarray,
    ratio_in: np.ndarray,
) -> None:
    P, R = bn_ashore.shape
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (it no longer changes)
                o_ashore[p, r] = bn_ashore[p, r]
                o_will[p, r] = will_in[p, r]
                o_active[p, r] = roc_active[p, r]
                o_reserve[p, r] = roc_reserve[p, r]
                o_mob[p, r] = mob_in[p, r]
                o_terr[p, r] = territory[p, r]
                o_supply[p, r] = supply_t[p, r]
                o_killed[p, r] = killed[p, r]
                o_ratio[p, r] = ratio_in[p, r]
                o_progress[p, r] = port_progress[p, r]
                o_port[p, r] = port[p, r]
                o_tpd[p, r] = port_tpd[p, r]
                o_capital[p, r] = capital[p, r]
                o_a_progress[p, r] = a_progress[p, r]
                o_airfield[p, r] = airfield[p, r]
                o_a_tpd[p, r] = a_tpd[p, r]
                continue
            q = rrq[p, r]
            act = roc_active[p, r]
            res = roc_reserve[p, r]
            terr0 = territory[p, r]
            # Taiwan's will to resist (objectives.will_to_resist)
            lost = 1.0 - safe_div(act + q * res, roc_bn + q * roc_res_bn, 1.0)
            threat = max(min(terr0 / vts[p, r], 1.0), capital[p, r])
            w = will0[p, r] - w_loss[p, r] * lost - w_capital[p, r] * threat
            will = max(w + w_ally[p, r] * us_war[p, r], 0.0)
            # combat power (ground.combat_power)
            P0 = bn_ashore[p, r]
            need = P0 * supply_per_bn[p, r]
            supply_ratio = min(safe_div(supply_t[p, r], need, 1.0), 1.0)
            air = air_sup[p, r]
            e_prc = supply_ratio * (1.0 + cas[p, r] * (1.0 - air)) * shock_prc[p, r]
            e_roc = will * defence[p, r] * (1.0 + cas[p, r] * air) * shock_coalition[p, r]
            mob = 1.0 - math.exp(-day / max(reserve_days[p, r], 1e-9))
            pool = act + q * res * mob
            engaged = local[p, r] + (top[p, r] - local[p, r]) * (
                1.0 - math.exp(-t_since / mob_days[p, r])
            )
            R0 = pool * engaged
            a = k_ground[p, r] * e_prc * noise[r, 0]
            b = k_ground[p, r] * e_roc * noise[r, 1]
            P1, R1 = square_step(P0, R0, a, b)
            dR = R0 - R1
            act_share = safe_div(act, pool, 0.0)
            o_active[p, r] = max(act - dR * act_share, 0.0)
            res_lost = safe_div(dR * (1.0 - act_share), q * mob, 0.0)
            o_reserve[p, r] = max(res - res_lost, 0.0)
            alive = P1 > 0.05
            ratio = min(safe_div(a * P1, b * R1, 10.0), 10.0) if alive else 0.0
            gained = min(landed[p, r] * terr_per_bn[p, r], max(beachhead[p, r] - terr0, 0.0))
            kept = min(safe_div(P1, P0, 1.0), 1.0)
            advance = terr_rate[p, r] * max(math.tanh(ratio - 1.0), 0.0)
            terr = terr0 * kept + gained + advance
            o_terr[p, r] = min(max(terr, 0.0), 1.0) if alive else 0.0
            o_supply[p, r] = max(supply_t[p, r] - P1 * supply_per_bn[p, r], 0.0)
            troops = troops_bn[p, r] * killed_share[p, r]
            for i in range(killed.shape[2]):
                o_killed[p, r, i] = killed[p, r, i]
            o_killed[p, r, i_chn] += (P0 - P1) * troops
            o_killed[p, r, i_twn] += dR * troops
            o_ashore[p, r] = P1
            o_will[p, r] = will
            o_mob[p, r] = mob
            o_ratio[p, r] = ratio
            # the port complex and the airfield (objectives._capacity_objective)
            strike = strike_rate[p, r] * air
            o_progress[p, r], o_port[p, r], o_tpd[p, r] = _capacity(
                port_progress[p, r],
                port[p, r],
                port_tpd[p, r],
                ratio,
                alive,
                full_tpd[p, r],
                assault_days[p, r],
                demolition[p, r],
                repair_days[p, r],
                strike,
            )
            o_a_progress[p, r], o_airfield[p, r], o_a_tpd[p, r] = _capacity(
                a_progress[p, r],
                airfield[p, r],
                a_tpd[p, r],
                ratio,
                alive,
                a_full[p, r],
                a_days[p, r],
                a_demolition[p, r],
                a_repair[p, r],
                strike,
            )
            # the capital (objectives.capital_objective), with this day's territory
            garrison = b * max(pool - R0, 0.0)
            f_c = min(a * P1 / garrison, 10.0) if garrison > 0 else 10.0
            if o_terr[p, r] >= approach[p, r]:
                c_step = math.tanh(f_c - 1.0) / capital_days[p, r]
            else:
                c_step = -1.0 / capital_days[p, r]
            o_capital[p, r] = min(max(capital[p, r] + c_step, 0.0), 1.0) if alive else 0.0


def ground_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.ground.ground_war` compiled (same result within 1e-9)."""
    if day < v["invasion_start_day"]:
        return {}
    P, R = s["bn_ashore"].shape
    noise = c64(rng.lognormal("ground", day, 2, v["salvo_sigma"]))
    us = s["us_at_war"] if "us_at_war" in s else 0.0
    killed = c64(s["killed"])
    names = ("bn_ashore", "roc_will", "roc_active", "roc_reserve", "roc_mobilised", "territory")
    out: State = {k: np.empty((P, R)) for k in names}
    out["supply_t"] = np.empty((P, R))
    out["killed"] = np.empty_like(killed)
    for k in ("today_force_ratio", "port_progress", "port", "port_tpd", "capital"):
        out[k] = np.empty((P, R))
    for k in ("airfield_progress", "airfield", "airfield_tpd"):
        out[k] = np.empty((P, R))
    kernel: Any = _kernel  # called with the state fields and values unpacked, in order
    kernel(
        float(day),
        max(day - float(v["invasion_start_day"]), 0.0),
        float(p.twn_battalions),
        float(p.twn_reserve_battalions),
        int(p.i_chn),
        int(p.i_twn),
        noise,
        pr(us, P, R),
        pr(s.get("today_landed", 0.0), P, R),
        pr(s.get("shock_prc", 1.0), P, R),
        pr(s.get("shock_coalition", 1.0), P, R),
        killed,
        *[pr(s[k], P, R) for k in _STATE],
        *[prs(v[k], P, R) for k in _VALUES],
        *out.values(),
        live_rows(s),
        pr(s.get("roc_will", 0.0), P, R),
        pr(s.get("roc_mobilised", 0.0), P, R),
        pr(s.get("today_force_ratio", 0.0), P, R),
    )
    return out
