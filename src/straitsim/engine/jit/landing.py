"""Compiled landing: :func:`straitsim.engine.landing.landing`, row by row (same model)."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.jit.common import c64, live_rows, njit, pr, prs
from straitsim.engine.landing import lift_capacity
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

_CONST: dict[int, tuple[Params, dict[str, np.ndarray]]] = {}
# the (P, R) state fields and values the kernel reads, in its argument order
_STATE = (
    "today_air_sup",
    "port_tpd",
    "roro_share",
    "bn_pool",
    "bn_ashore",
    "bn_landed",
    "bn_airborne",
    "supply_t",
    "airfield_tpd",
)
_VALUES = (
    "loaded_share",
    "roro_loss_rate",
    "roro_tpd",
    "t_per_battalion",
    "troops_per_battalion",
    "pla_amphibious_competence",
    "amphib_cycle_days",
    "prc_lift_scale",
    "beach_offload_tpd",
    "t_supply_per_bn_day",
    "beach_loss_share",
    "airborne_battalions_max",
    "airborne_bn_per_day",
    "supply_days_carried",
    "crew_killed_share",
    "ground_killed_share",
    "airlift_tpd",
)


def constants(p: Params) -> dict[str, np.ndarray]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    out = {
        "troops": c64(p.group_troops),
        "lift": c64(np.asarray(p.derived.prc_amphib) * np.asarray(p.group_lift_t)),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _kernel(
    i_chn: int,
    troops_g: np.ndarray,
    lift_g: np.ndarray,
    sunk: np.ndarray,
    ships: np.ndarray,
    killed: np.ndarray,
    sea_state: np.ndarray,
    shock: np.ndarray,
    air_wx: np.ndarray,
    air_sup: np.ndarray,
    port_tpd: np.ndarray,
    roro_share: np.ndarray,
    bn_pool: np.ndarray,
    bn_ashore: np.ndarray,
    bn_landed: np.ndarray,
    bn_airborne: np.ndarray,
    supply_t: np.ndarray,
    airfield_tpd: np.ndarray,
    loaded: np.ndarray,
    roro_loss: np.ndarray,
    roro_tpd: np.ndarray,
    t_per_bn: np.ndarray,
    troops_bn: np.ndarray,
    competence: np.ndarray,
    cycle: np.ndarray,
    lift_scale: np.ndarray,
    beach_tpd: np.ndarray,
    supply_per_bn: np.ndarray,
    beach_loss: np.ndarray,
    airborne_max: np.ndarray,
    airborne_day: np.ndarray,
    days_carried: np.ndarray,
    crew_killed: np.ndarray,
    ground_killed: np.ndarray,
    airlift: np.ndarray,
    o_pool: np.ndarray,
    o_ashore: np.ndarray,
    o_landed: np.ndarray,
    o_airborne: np.ndarray,
    o_supply: np.ndarray,
    o_roro: np.ndarray,
    o_today: np.ndarray,
    o_killed: np.ndarray,
    live: np.ndarray,
) -> None:
    P, R, G = ships.shape
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (it no longer changes)
                o_pool[p, r] = bn_pool[p, r]
                o_ashore[p, r] = bn_ashore[p, r]
                o_landed[p, r] = bn_landed[p, r]
                o_airborne[p, r] = bn_airborne[p, r]
                o_supply[p, r] = supply_t[p, r]
                o_roro[p, r] = roro_share[p, r]
                o_today[p, r] = 0.0
                o_killed[p, r] = killed[p, r]
                continue
            lost_t = 0.0
            trip = 0.0
            for g in range(G):
                lost_t += sunk[p, r, g] * troops_g[g]
                trip += ships[p, r, g] * lift_g[g]
            troops_lost = lost_t * loaded[p, r]
            air = air_sup[p, r]
            port_open = 1.0 if port_tpd[p, r] > 0.0 else 0.0
            roro_sunk = min(roro_loss[p, r] * air, 1.0) * port_open
            roro_lift = roro_tpd[p, r] * roro_share[p, r] * port_open
            roro_bn_lost = roro_lift * roro_sunk * loaded[p, r] / t_per_bn[p, r]
            sea_bn = troops_lost / troops_bn[p, r] + roro_bn_lost
            pool = max(bn_pool[p, r] - sea_bn, 0.0)
            share = roro_share[p, r] * (1.0 - roro_sunk)
            # offload over the beaches and through the port (landing.offload)
            sea = sea_state[p, r] * competence[p, r] * shock[p, r]
            amph = trip / cycle[p, r] * lift_scale[p, r]
            beach = min(amph, beach_tpd[p, r])
            port = min(roro_tpd[p, r] * share * port_open + (amph - beach), port_tpd[p, r])
            beach_t = beach * sea
            # the air bridge through the airfield held (landing.air_landed)
            fly = airlift[p, r] * (1.0 - air)
            air_t = min(fly, airfield_tpd[p, r]) * (air_wx[p, r] * shock[p, r])
            delivered = beach_t + port * sea + air_t
            need = bn_ashore[p, r] * supply_per_bn[p, r]
            supply_in = min(delivered, max(need - supply_t[p, r], 0.0))
            new_bn = min((delivered - supply_in) / t_per_bn[p, r], pool)
            pool = pool - new_bn
            beach_share = beach_t / delivered if delivered > 0.0 else 0.0
            beach_lost = new_bn * beach_share * beach_loss[p, r]
            air_left = max(airborne_max[p, r] - bn_airborne[p, r], 0.0)
            airborne = min(min(airborne_day[p, r] * (1.0 - air), pool), air_left)
            pool = pool - airborne
            landed = new_bn + airborne
            o_pool[p, r] = pool
            o_ashore[p, r] = bn_ashore[p, r] + landed - beach_lost
            o_landed[p, r] = bn_landed[p, r] + landed
            o_airborne[p, r] = bn_airborne[p, r] + airborne
            o_supply[p, r] = (
                supply_t[p, r] + supply_in + landed * supply_per_bn[p, r] * days_carried[p, r]
            )
            o_roro[p, r] = share
            o_today[p, r] = landed
            tr = troops_bn[p, r]
            k_chn = sea_bn * tr * crew_killed[p, r] + beach_lost * tr * ground_killed[p, r]
            for i in range(killed.shape[2]):
                o_killed[p, r, i] = killed[p, r, i]
            o_killed[p, r, i_chn] += k_chn


def landing(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.landing.landing` compiled (same result within 1e-9)."""
    if day < v["invasion_start_day"]:
        return {}
    k = constants(p)
    ships = c64(s["ships"])
    P, R, G = ships.shape
    sunk = s.get("today_amph_sunk", 0.0)
    sunk = np.full((P, R, G), float(sunk)) if isinstance(sunk, float | int) else c64(sunk)
    killed = c64(s["killed"])
    names = ("bn_pool", "bn_ashore", "bn_landed", "bn_airborne", "supply_t", "roro_share")
    out: State = {n: np.empty((P, R)) for n in names}
    out["today_landed"] = np.empty((P, R))
    out["killed"] = np.empty_like(killed)
    kernel: Any = _kernel  # called with the state fields and values unpacked, in order
    kernel(
        int(p.i_chn),
        k["troops"],
        k["lift"],
        np.ascontiguousarray(np.broadcast_to(sunk, (P, R, G))),
        ships,
        killed,
        pr(s.get("sea_state_factor", 1.0), P, R),
        pr(s.get("shock_prc", 1.0), P, R),
        pr(s.get("air_weather_factor", 1.0), P, R),
        *[pr(s[n], P, R) for n in _STATE],
        *[prs(v[n], P, R) for n in _VALUES],
        *out.values(),
        live_rows(s),
    )
    if day == v["invasion_start_day"]:
        out["lift0"] = lift_capacity(s, p, v, np)
    return out
