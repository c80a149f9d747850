"""Module 6, counter-navy: PRC anti-ship missiles against allied surface fleets."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import by_actor, present, safe_div
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col


def counter_navy(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """PRC ASBMs, bomber-launched and submarine-launched cruise missiles against allied ships.

    Exposure of an allied surface group is ships present x its owner's effort. Missiles fired:
    ASBMs (the inventory over ``prc_asbm_days_to_expend`` days), surviving H-6 sorties x their missile load x
    (1 - air superiority), while the air-launched stock lasts, PRC submarines x ``prc_sub_ascm_per_day``. A share
    ``carrier_target_share`` aims at carriers while any are exposed; within a class, missiles
    split by exposure. Only the tracked share arrives (``prc_targeting``; Taiwan's navy, close
    to the mainland, ``near_fleet_exposure``). Each navy pools its area defence (engagements
    per ship-day, limited by interceptor magazines); leakers pass terminal defence (cruise
    missiles only) and guidance failure; ``hits / hits_to_kill`` ships sink. A sunk carrier
    takes its share of the embarked air wing with it (counted as lost on the ground).
    """
    xp = rng.xp
    mx = v["_mx"]
    ships = s["ships"]
    here = present(p.group_arrival, day)
    eff_g = xp.take(s["effort"], xp.asarray(p.group_actor), axis=-1)
    surf = xp.asarray(mx["allied_surface"])
    car = xp.asarray(mx["carrier"])
    expo = ships * here * eff_g * surf  # (P, R, G)
    any_target = expo.sum(-1) > 0
    # missiles fired today
    asbm = xp.where(any_target, xp.minimum(s["asbm_inv"], p.asbm_n0 / v["prc_asbm_days_to_expend"]), 0.0)
    air_sup = s["today_air_sup"]
    air_launch = xp.minimum(s["today_h6_missiles"] * (1.0 - air_sup), s["ascm_inv"])
    air_launch = xp.where(any_target, air_launch, 0.0)
    ascm = air_launch
    prc_subs = (ships * xp.asarray(mx["prc_sub"])).sum(-1)
    ascm = xp.where(any_target, ascm + prc_subs * v["prc_sub_ascm_per_day"], 0.0)
    if not bool(((asbm + ascm) > 0).any()):
        # the same state the full path gives a replication at which nothing is fired
        return {"interceptors": _reload(s["interceptors"], p, v, surf, xp)}
    # split across groups
    e_car, e_sc = expo * car, expo * (1.0 - car)
    n_car, n_sc = e_car.sum(-1), e_sc.sum(-1)
    c_share = xp.where(n_car > 0, xp.where(n_sc > 0, v["carrier_target_share"], 1.0), 0.0)
    split = col(c_share) * safe_div(e_car, col(n_car), xp) + col(1.0 - c_share) * safe_div(e_sc, col(n_sc), xp)
    near = xp.asarray(p.group_actor == p.i_twn)
    track = xp.where(near, v["near_fleet_exposure"], col(v["prc_targeting"]))
    arr_b = col(asbm) * split * track  # (P, R, G)
    arr_c = col(ascm) * split * track
    # pooled area defence per navy
    A = len(p.actors)
    owner = p.group_actor
    in_fight = ships * here * surf * (eff_g > 0)
    cap_a = by_actor(in_fight * xp.asarray(p.group_eng), owner, A, xp) * v["ship_defence_scale"]
    k = v["interceptors_per_missile"]
    mag_a = by_actor(in_fight * s["interceptors"], owner, A, xp) / k
    ab_a, ac_a = by_actor(arr_b, owner, A, xp), by_actor(arr_c, owner, A, xp)
    total_a = ab_a + ac_a
    engaged_a = xp.minimum(xp.minimum(total_a, cap_a), mag_a)
    frac_eng = safe_div(engaged_a, total_a, xp)
    pk_c = 1.0 - (1.0 - v["pk_interceptor"]) ** k
    pk_b = 1.0 - (1.0 - v["pk_interceptor_ballistic"]) ** k
    leak_c = 1.0 - frac_eng * pk_c
    leak_b = 1.0 - frac_eng * pk_b
    noise = rng.lognormal("navy", day, 1, v["salvo_sigma"])
    gfail = 1.0 - v["p_guidance_failure"]
    leak_c_g = xp.take(leak_c, xp.asarray(owner), axis=-1)
    leak_b_g = xp.take(leak_b, xp.asarray(owner), axis=-1)
    hits = (arr_c * leak_c_g * (1.0 - v["p_terminal_defence_supersonic"]) + arr_b * leak_b_g) * gfail
    hits = hits * noise[:, :1]
    sunk = xp.minimum(hits / xp.asarray(p.group_htk), ships * here * surf)
    used_a = engaged_a * k
    held_g = in_fight * s["interceptors"]
    held_a = xp.take(by_actor(held_g, owner, A, xp), xp.asarray(owner), axis=-1)
    used_g = xp.take(used_a, xp.asarray(owner), axis=-1) * safe_div(held_g, held_a, xp)
    per_ship_used = safe_div(used_g, in_fight, xp)
    interceptors = _reload(xp.maximum(s["interceptors"] - per_ship_used, 0.0), p, v, surf, xp)
    # carrier air wings go down with their carriers
    usa_car = car * (p.group_actor == p.i_usa)
    car_here = (ships * here * xp.asarray(usa_car)).sum(-1)
    car_frac = safe_div((sunk * xp.asarray(usa_car)).sum(-1), car_here, xp)
    wing = xp.asarray(p.unit_carrier, dtype=xp.float64)
    wing_lost = s["n_ac"] * col(car_frac) * wing
    return {
        "ships": ships - sunk,
        "interceptors": interceptors,
        "asbm_inv": s["asbm_inv"] - asbm,
        "ascm_inv": s["ascm_inv"] - air_launch,
        "n_ac": s["n_ac"] - wing_lost,
        "lost_ground": s["lost_ground"] + wing_lost,
    }


def _reload(interceptors: Any, p: Params, v: dict[str, Any], surf: Any, xp: Any) -> Any:
    """Allied surface ships reload a share of their spent interceptors each day."""
    full = xp.asarray(p.group_int)
    return interceptors + (full - interceptors) * v["allied_magazine_reload_per_day"] * surf
