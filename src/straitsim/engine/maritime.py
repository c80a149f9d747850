"""Module 4, maritime strike: allied anti-ship missiles against the invasion fleet.

Launchers fire in this order each day: coastal batteries, then ships, then aircraft; each
draws on its owner's stock of the weapon. Aircraft fill each strike sortie with the first
weapon in the catalogue order that its type carries and its owner still holds (LRASM before
JASSM-ER, so LRASM run out first). The salvo is adjudicated with the CSIS chain on a Hughes
salvo structure: launch failure, area defence by the escorts (engagement capacity and
interceptor magazines, two interceptors per engaged missile), terminal defence, guidance
failure. Hits fall on amphibious ships (``amphib_target_share``) and escorts, and sink
``hits / hits_to_kill`` ships of each class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.common import (
    airbase_attack,
    escorts_exposed,
    group_sum,
    present,
    safe_div,
)
from straitsim.engine.laws import hughes_losses
from straitsim.engine.params import Derived, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col


def maritime_strike(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Launch the day's allied anti-ship missiles and adjudicate them against the PRC fleet."""
    xp = rng.xp
    mx = p.derived
    if day < v["invasion_start_day"]:
        return {}
    stock = s["stock"]
    ships = s["ships"]
    exposed = escorts_exposed(s, p, v, xp)
    amph_left = (ships * xp.asarray(mx.prc_amphib)).sum(-1)
    esc_left = (ships * xp.asarray(mx.prc_escort)).sum(-1) * exposed
    targets = (amph_left + esc_left) > 0.01  # (P, R): is there anything at sea to shoot at?
    mainland_share = v["mainland_strike_share"] * (v["us_strikes_mainland"] > 0)
    if not bool(targets.any()) and mainland_share <= 0:
        # the same state the full path gives a replication with nothing to shoot at
        return {"interceptors": _reload(s["interceptors"], p, v, mx, xp)}
    effort = s["effort"] * targets[..., None]
    here_g = present(p.group_arrival, day, xp)
    # coastal launchers: owner at war; US launchers also need basing on the host
    eff_l = xp.take(effort, xp.asarray(p.launcher_actor), axis=-1)
    basing = xp.asarray(p.us_basing_pa[:, p.launcher_host])[:, None, :]
    own = xp.asarray(p.launcher_actor == p.launcher_host)
    eff_l = eff_l * (own | basing)
    M = len(p.stock_n0)
    ok_l = mx.launcher_ok
    demand = group_sum(
        xp.take(eff_l, xp.asarray(np.flatnonzero(ok_l)), axis=-1)
        * xp.asarray(p.launcher_rate[ok_l]),
        p.launcher_stock[ok_l],
        M,
        xp,
    )
    # ship-launched
    eff_g = xp.take(effort, xp.asarray(p.group_actor), axis=-1)
    pg, pm, prate = mx.ship_pairs
    demand = demand + group_sum(
        xp.take(ships * here_g * eff_g, xp.asarray(pg), axis=-1) * xp.asarray(prate), pm, M, xp
    )
    # only weapons that may strike ships
    anti_ship_m = xp.asarray(p.weapon_anti_ship[p.stock_weapon], dtype=xp.float64)
    launched = xp.minimum(demand * anti_ship_m, stock)
    left = stock - launched
    # aircraft: weapons in catalogue order; land-attack weapons (catalogue `land_attack`:
    # JASSM-ER) also against mainland airbases when allowed (fixed targets: those strikes go
    # on after the fleet is gone)
    rem = s["today_strike_sorties"] * col(v["allied_targeting"])
    at_sea = targets.astype(xp.float64)
    W = len(p.weapons)
    to_mainland = xp.zeros(stock.shape[:-1] + (W,))  # (P, R, W) fired at mainland bases
    load = p.unit_load
    for w in range(len(p.weapons)):
        units, stocks = mx.air_lists[w]
        if units.size == 0:
            continue
        mult = p.weapon_anti_ship[w] * at_sea
        if not bool((mult > 0).any()):
            continue
        r_u = xp.take(rem, xp.asarray(units), axis=-1)
        want = group_sum(r_u * xp.asarray(load[units, w]), stocks, M, xp) * col(mult)  # (P, R, M)
        got = xp.minimum(want, left)
        frac = safe_div(got, want, xp)
        rem[..., units] = r_u * (1.0 - xp.take(frac, xp.asarray(stocks), axis=-1))
        left = left - got
        launched = launched + got
    if mainland_share > 0:
        # fixed targets need no firing solution on the fleet: a share of the strike sorties
        # left idle today (no track on the fleet, or no fleet left) fire land-attack weapons
        # at the mainland (each such weapon its carriers' full load: the catalogue has one)
        idle = s["today_strike_sorties"] * (1.0 - col(v["allied_targeting"])) + rem
        for j in np.flatnonzero(p.weapon_land_attack):
            units, stocks = mx.air_lists[j]
            r_u = xp.take(idle, xp.asarray(units), axis=-1)
            want = group_sum(r_u * xp.asarray(load[units, j]), stocks, M, xp)
            got = xp.minimum(want * mainland_share, left)
            left = left - got
            launched = launched + got
            to_mainland[..., j] = got.sum(-1)
    by_w = group_sum(launched, p.stock_weapon, W, xp)  # (P, R, W)
    at_ships = by_w - to_mainland

    # ---- salvo against the invasion fleet (Hughes structure, CSIS probabilities)
    arriving_w = at_ships * (1.0 - col(v["p_launch_failure"]))
    arriving = arriving_w.sum(-1)
    esc = ships * xp.asarray(mx.prc_escort)
    capacity = (esc * xp.asarray(p.group_eng)).sum(-1) * v["ship_defence_scale"]
    k = v["interceptors_per_missile"]
    magazine = (esc * s["interceptors"]).sum(-1) / k
    engaged = xp.minimum(xp.minimum(arriving, capacity), magazine)
    pk_area = 1.0 - (1.0 - v["pk_interceptor"]) ** k
    leak = 1.0 - safe_div(engaged * pk_area, arriving, xp)
    p_term = xp.where(
        xp.asarray(p.weapon_supersonic),
        col(v["p_terminal_defence_supersonic"]),
        col(v["p_terminal_defence"]),
    )
    hits = (arriving_w * (1.0 - p_term)).sum(-1) * leak * (1.0 - v["p_guidance_failure"])
    hits = hits * rng.lognormal("maritime", day, 1, v["salvo_sigma"])[:, 0]
    hits = hits * s.get("shock_coalition", 1.0)  # campaign shock (engine/weather.py)
    used = engaged * k
    per_ship = safe_div(used, esc.sum(-1), xp)
    interceptors = s["interceptors"] - col(per_ship) * xp.asarray(mx.prc_escort)
    interceptors = _reload(interceptors, p, v, mx, xp)
    ships_after, sunk = allocate_hits(ships, hits, v, p, mx, xp, exposed)
    out: State = {
        "stock": left,
        "spent": s["spent"] + by_w,
        "ships": ships_after,
        "interceptors": xp.maximum(interceptors, 0.0),
        "today_amph_sunk": sunk * xp.asarray(mx.prc_amphib),
    }
    # ---- strikes on mainland airbases (when allowed)
    if mainland_share > 0:
        out.update(mainland_strike(s, p, v, to_mainland.sum(-1), day, rng, out))
    return out


def _reload(interceptors: Any, p: Params, v: dict[str, Any], mx: Derived, xp: Any) -> Any:
    """PRC escorts reload a share of their spent interceptors each day."""
    full = xp.asarray(p.group_int)
    reload = col(v["prc_magazine_reload_per_day"]) * xp.asarray(mx.prc_escort)
    return interceptors + (full - interceptors) * reload


def allocate_hits(
    ships: Any,
    hits: Any,
    v: dict[str, Any],
    p: Params,
    mx: Derived,
    xp: Any,
    esc_exposed: Any = 1.0,
) -> tuple[Any, Any]:
    """Split hits between amphibious ships and escorts, and sink hits / hits_to_kill ships."""
    amph = ships * xp.asarray(mx.prc_amphib)
    esc = (
        ships * xp.asarray(mx.prc_escort) * col(esc_exposed)
        if not isinstance(esc_exposed, float)
        else ships * xp.asarray(mx.prc_escort)
    )
    n_amph, n_esc = amph.sum(-1), esc.sum(-1)
    share = xp.where(n_esc > 0, xp.where(n_amph > 0, v["amphib_target_share"], 0.0), 1.0)
    h_amph = hits * share
    h_esc = hits - h_amph
    htk = xp.asarray(p.group_htk)
    hit_g = col(h_amph) * safe_div(amph, col(n_amph), xp) + col(h_esc) * safe_div(
        esc, col(n_esc), xp
    )
    # Hughes' staying power: the CSIS chain already removed what the defence stopped
    sunk = hughes_losses(hit_g, amph + esc, 0.0, htk, xp)
    return ships - sunk, sunk


def mainland_strike(
    s: State, p: Params, v: dict[str, Any], missiles: Any, day: int, rng: Streams, out: State
) -> State:
    """JASSM-ER against PRC airbases: the same airbase-attack model, PRC aircraft sheltered.

    The day's missiles split over mainland bases in proportion to the PRC aircraft there.
    """
    xp = rng.xp
    ub = p.derived.ub
    chn = xp.asarray(p.unit_actor == p.i_chn, dtype=xp.float64)
    n_ac = s["n_ac"]
    ac_at_base = ub.to_bases(n_ac * chn, xp)
    mainland = xp.asarray(p.derived.mainland)
    at_mainland = ac_at_base * mainland
    n_main = at_mainland.sum(-1)
    even = mainland / max(float(mainland.sum()), 1.0)
    split = xp.where(col(n_main) > 0, safe_div(at_mainland, col(n_main), xp), even)
    arrive = (
        col(missiles)
        * split
        * (1.0 - col(v["p_launch_failure"]))
        * (1.0 - col(v["base_missile_defence"]))
    )
    shelters = ac_at_base * col(v["prc_shelter_share"])
    share, rw = airbase_attack(arrive, ac_at_base, shelters, xp.asarray(p.base_apron_km2), v, xp)
    runways = xp.asarray(p.base_runways)
    closed = xp.minimum(runways, s["closed"] + rw / col(v["missiles_per_runway_cut"]))
    lost = n_ac * (ub.to_units(share, xp) * chn)
    return {
        "n_ac": n_ac - lost,
        "lost_ground": s["lost_ground"] + lost,
        "closed": closed,
        "missiles_in": s["missiles_in"] + arrive,  # read by missiles.launch_capacity
    }
