"""Module 6, counter-navy: PRC anti-ship missiles against allied surface fleets."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import by_actor, present, safe_div
from straitsim.engine.laws import hughes_losses
from straitsim.engine.missiles import launch_share
from straitsim.engine.params import CARRIER, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col


def counter_navy(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """PRC ASBMs, bomber-launched and submarine-launched cruise missiles against allied ships.

    Exposure of an allied surface group is ships present x its owner's effort. Missiles fired: ASBMs
    (the inventory over ``prc_asbm_days_to_expend`` days), surviving H-6 sorties x their missile
    load x (1 - air superiority), while the air-launched stock lasts, PRC submarines x
    ``prc_sub_ascm_per_day``. A share ``carrier_target_share`` aims at carriers while any are
    exposed; within a class, missiles split by exposure. Only the tracked share arrives
    (``prc_targeting``; Taiwan's navy, close to the mainland, ``near_fleet_exposure``). Each navy
    pools its area defence (engagements per ship-day, limited by interceptor magazines); leakers
    pass terminal defence (cruise missiles only) and guidance failure; ``hits / hits_to_kill`` ships
    sink. A sunk carrier takes its share of the embarked air wing with it (counted as lost on the
    ground).
    """
    xp = rng.xp
    mx = p.derived
    sg = mx.surface_idx  # the allied surface groups: everything below works on them only
    ships_all = s["ships"]
    ships = xp.take(ships_all, xp.asarray(sg), axis=-1)
    inter = xp.take(s["interceptors"], xp.asarray(sg), axis=-1)
    owner = p.group_actor[sg]
    here = present(p.group_arrival[sg], day, xp)
    eff_g = xp.take(s["effort"], xp.asarray(owner), axis=-1)
    car = xp.asarray(p.group_class[sg] == CARRIER, dtype=xp.float64)
    expo = ships * here * eff_g  # (P, R, Gs)
    any_target = expo.sum(-1) > 0
    # missiles fired today
    asbm = xp.where(
        any_target,
        xp.minimum(s["asbm_inv"], p.asbm_n0 / v["prc_asbm_days_to_expend"])
        * launch_share(s, p, v, xp),  # launchers left after mainland strikes
        0.0,
    )
    air_sup = s["today_air_sup"]
    air_launch = xp.minimum(s["today_h6_missiles"] * (1.0 - air_sup), s["ascm_inv"])
    air_launch = xp.where(any_target, air_launch, 0.0)
    prc_subs = (ships_all * xp.asarray(mx.prc_sub)).sum(-1)
    ascm = xp.where(any_target, air_launch + prc_subs * v["prc_sub_ascm_per_day"], 0.0)
    if not bool(((asbm + ascm) > 0).any()):
        # the same state the full path gives a replication at which nothing is fired
        return {
            "interceptors": _put(s["interceptors"], sg, _reload(inter, p.group_int[sg], v, xp), xp)
        }
    # split across groups
    e_car, e_sc = expo * car, expo * (1.0 - car)
    n_car, n_sc = e_car.sum(-1), e_sc.sum(-1)
    c_share = xp.where(n_car > 0, xp.where(n_sc > 0, v["carrier_target_share"], 1.0), 0.0)
    split = col(c_share) * safe_div(e_car, col(n_car), xp) + col(1.0 - c_share) * safe_div(
        e_sc, col(n_sc), xp
    )
    near = xp.asarray(owner == p.i_twn)
    track = xp.where(near, col(v["near_fleet_exposure"]), col(v["prc_targeting"]))
    arr_b = col(asbm) * split * track  # (P, R, Gs)
    arr_c = col(ascm) * split * track
    # pooled area defence per navy
    A = len(p.actors)
    in_fight = ships * here * (eff_g > 0)
    cap_a = by_actor(in_fight * xp.asarray(p.group_eng[sg]), owner, A, xp)
    cap_a = cap_a * col(v["ship_defence_scale"])
    k = col(v["interceptors_per_missile"])
    held_g = in_fight * inter
    held_a = by_actor(held_g, owner, A, xp)
    total_a = by_actor(arr_b + arr_c, owner, A, xp)
    engaged_a = xp.minimum(xp.minimum(total_a, cap_a), held_a / k)
    frac_eng = xp.take(safe_div(engaged_a, total_a, xp), xp.asarray(owner), axis=-1)
    pk_c = 1.0 - (1.0 - col(v["pk_interceptor"])) ** k
    pk_b = 1.0 - (1.0 - col(v["pk_interceptor_ballistic"])) ** k
    noise = rng.lognormal("navy", day, 1, v["salvo_sigma"])
    gfail = 1.0 - col(v["p_guidance_failure"])
    hits = (
        arr_c * (1.0 - frac_eng * pk_c) * (1.0 - col(v["p_terminal_defence_supersonic"]))
        + arr_b * (1.0 - frac_eng * pk_b)
    ) * gfail
    hits = hits * noise[:, :1]
    # Hughes' staying power: the chain above already removed what the defence stopped
    sunk = hughes_losses(hits, ships * here, 0.0, xp.asarray(p.group_htk[sg]), xp)
    used_g = xp.take(engaged_a * k, xp.asarray(owner), axis=-1) * safe_div(
        held_g, xp.take(held_a, xp.asarray(owner), axis=-1), xp
    )
    inter = _reload(xp.maximum(inter - safe_div(used_g, in_fight, xp), 0.0), p.group_int[sg], v, xp)
    # carrier air wings go down with their carriers
    usa_car = car * xp.asarray(owner == p.i_usa)
    car_frac = safe_div((sunk * usa_car).sum(-1), (ships * here * usa_car).sum(-1), xp)
    # wings on deck today
    wing = xp.asarray(p.unit_carrier & (p.unit_arrival <= day), dtype=xp.float64)
    wing_lost = s["n_ac"] * col(car_frac) * wing
    return {
        "ships": _put(ships_all, sg, ships - sunk, xp),
        "interceptors": _put(s["interceptors"], sg, inter, xp),
        "asbm_inv": s["asbm_inv"] - asbm,
        "ascm_inv": s["ascm_inv"] - air_launch,
        "n_ac": s["n_ac"] - wing_lost,
        "lost_ground": s["lost_ground"] + wing_lost,
    }


def _put(full: Any, cols: Any, values: Any, xp: Any) -> Any:
    """Return a copy of ``full`` with its last-axis columns ``cols`` replaced by ``values``."""
    out = full.copy()
    out[..., xp.asarray(cols)] = values
    return out


def _reload(interceptors: Any, full: Any, v: dict[str, Any], xp: Any) -> Any:
    """Allied surface ships reload a share of their spent interceptors each day."""
    full = xp.asarray(full)
    return interceptors + (full - interceptors) * col(v["allied_magazine_reload_per_day"])
