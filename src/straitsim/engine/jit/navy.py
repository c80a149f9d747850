"""Compiled counter-navy: :func:`straitsim.engine.navy.counter_navy`, row by row.

Same model, same draws (the salvo luck from the same :class:`Streams`); per-navy sums add
groups in group order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from straitsim.engine.jit.common import (
    c64,
    cb,
    kill_by_interceptors,
    live_rows,
    njit,
    output,
    outputs,
    pr,
    prs,
)
from straitsim.engine.params import CARRIER, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

_EPS = 1e-12
_CONST: dict[int, tuple[Params, dict[str, Any]]] = {}


def constants(p: Params) -> dict[str, Any]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    mx = p.derived
    sg = np.ascontiguousarray(mx.surface_idx, dtype=np.int64)
    owner = np.ascontiguousarray(p.group_actor[sg], dtype=np.int64)
    car = p.group_class[sg] == CARRIER
    out = {
        "sg": sg,
        "owner": owner,
        "car": c64(car),
        "near": c64(owner == p.i_twn),
        "usa_car": c64(car & (owner == p.i_usa)),
        "eng": c64(p.group_eng[sg]),
        "htk": c64(p.group_htk[sg]),
        "full": c64(p.group_int[sg]),
        # index lists of the few nonzero entries of the masks (the others add exact zeros)
        "prc_sub": np.flatnonzero(mx.prc_sub).astype(np.int64),
        "mainland": np.flatnonzero(mx.mainland).astype(np.int64),
        "carrier_unit": np.flatnonzero(p.unit_carrier).astype(np.int64),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _safe_div(a: float, b: float) -> float:
    return a / b if b > _EPS else 0.0


@njit
def _kernel(
    ships_all: np.ndarray,
    inter_all: np.ndarray,
    effort: np.ndarray,
    asbm_inv: np.ndarray,
    ascm_inv: np.ndarray,
    missiles_in: np.ndarray,
    h6: np.ndarray,
    air_sup: np.ndarray,
    noise: np.ndarray,
    sg: np.ndarray,
    owner: np.ndarray,
    here: np.ndarray,
    car: np.ndarray,
    near: np.ndarray,
    usa_car: np.ndarray,
    eng: np.ndarray,
    htk: np.ndarray,
    full: np.ndarray,
    prc_sub: np.ndarray,
    mainland: np.ndarray,
    asbm_n0: float,
    n_actors: int,
    days_expend: np.ndarray,
    suppress: np.ndarray,
    sub_ascm: np.ndarray,
    car_share: np.ndarray,
    near_expo: np.ndarray,
    targeting: np.ndarray,
    def_scale: np.ndarray,
    k_int: np.ndarray,
    pk_k: np.ndarray,
    pk_bal_k: np.ndarray,
    p_guid: np.ndarray,
    p_term: np.ndarray,
    reload_rate: np.ndarray,
    o_ships: np.ndarray,
    o_inter: np.ndarray,
    o_asbm: np.ndarray,
    o_ascm: np.ndarray,
    o_car: np.ndarray,
    live: np.ndarray,
) -> bool:
    P, R, G = ships_all.shape
    S = sg.shape[0]
    asbm = np.empty((P, R))
    air = np.empty((P, R))
    ascm = np.empty((P, R))
    fired = False
    # missiles fired today (first: does anything fire anywhere in the batch?)
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: fires nothing (it no longer changes)
                asbm[p, r] = 0.0
                air[p, r] = 0.0
                ascm[p, r] = 0.0
                continue
            expo = 0.0
            for i in range(S):
                expo += ships_all[p, r, sg[i]] * here[i] * effort[p, r, owner[i]]
            target = expo > 0
            m = 0.0
            for b in mainland:
                m += missiles_in[p, r, b]
            share = math.exp(-suppress[p, r] * m)
            a_b = min(asbm_inv[p, r], asbm_n0 / days_expend[p, r]) * share
            a_l = min(h6[p, r] * (1.0 - air_sup[p, r]), ascm_inv[p, r])
            subs = 0.0
            for g in prc_sub:
                subs += ships_all[p, r, g]
            asbm[p, r] = a_b if target else 0.0
            air[p, r] = a_l if target else 0.0
            ascm[p, r] = a_l + subs * sub_ascm[p, r] if target else 0.0
            fired = fired or (asbm[p, r] + ascm[p, r]) > 0
    cap_a = np.empty(n_actors)
    held_a = np.empty(n_actors)
    total_a = np.empty(n_actors)
    eng_a = np.empty(n_actors)
    arr_b = np.empty(S)
    arr_c = np.empty(S)
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (ships and interceptors are copies)
                o_asbm[p, r] = asbm_inv[p, r]
                o_ascm[p, r] = ascm_inv[p, r]
                continue
            rate = reload_rate[p, r]
            if not fired:  # (the outputs hold copies of the inputs: write the surface groups)
                for i in range(S):
                    x = inter_all[p, r, sg[i]]
                    o_inter[p, r, sg[i]] = x + (full[i] - x) * rate
                continue
            n_car = 0.0
            n_sc = 0.0
            for i in range(S):
                e = ships_all[p, r, sg[i]] * here[i] * effort[p, r, owner[i]]
                n_car += e * car[i]
                n_sc += e * (1.0 - car[i])
            if n_car > 0:
                c_share = car_share[p, r] if n_sc > 0 else 1.0
            else:
                c_share = 0.0
            for a in range(n_actors):
                cap_a[a] = 0.0
                held_a[a] = 0.0
                total_a[a] = 0.0
            for i in range(S):
                n = ships_all[p, r, sg[i]]
                eff = effort[p, r, owner[i]]
                e = n * here[i] * eff
                split = c_share * _safe_div(e * car[i], n_car) + (1.0 - c_share) * _safe_div(
                    e * (1.0 - car[i]), n_sc
                )
                track = near_expo[p, r] if near[i] > 0 else targeting[p, r]
                arr_b[i] = asbm[p, r] * split * track
                arr_c[i] = ascm[p, r] * split * track
                in_fight = n * here[i] * (1.0 if eff > 0 else 0.0)
                cap_a[owner[i]] += in_fight * eng[i]
                held_a[owner[i]] += in_fight * inter_all[p, r, sg[i]]
                total_a[owner[i]] += arr_b[i] + arr_c[i]
            k = k_int[p, r]
            for a in range(n_actors):
                eng_a[a] = min(min(total_a[a], cap_a[a] * def_scale[p, r]), held_a[a] / k)
            pk_c = pk_k[p, r]  # 1 - (1 - pk)^k: at least one of k interceptors kills
            pk_b = pk_bal_k[p, r]
            gfail = 1.0 - p_guid[p, r]
            term = 1.0 - p_term[p, r]
            sunk_usa = 0.0
            here_usa = 0.0
            for i in range(S):
                a = owner[i]
                g = sg[i]
                n = ships_all[p, r, g]
                frac = _safe_div(eng_a[a], total_a[a])
                hits = (
                    arr_c[i] * (1.0 - frac * pk_c) * term + arr_b[i] * (1.0 - frac * pk_b)
                ) * gfail
                hits = hits * noise[r]
                present = n * here[i]
                sunk = min(max(hits, 0.0) / htk[i], present)
                o_ships[p, r, g] = n - sunk
                in_fight = present * (1.0 if effort[p, r, a] > 0 else 0.0)
                x = inter_all[p, r, g]
                used = eng_a[a] * k * _safe_div(in_fight * x, held_a[a])
                x = max(x - _safe_div(used, in_fight), 0.0)
                o_inter[p, r, g] = x + (full[i] - x) * rate
                sunk_usa += sunk * usa_car[i]
                here_usa += present * usa_car[i]
            car_frac = _safe_div(sunk_usa, here_usa)
            o_car[p, r] = car_frac
            o_asbm[p, r] = asbm_inv[p, r] - asbm[p, r]
            o_ascm[p, r] = ascm_inv[p, r] - air[p, r]
    return fired


@njit
def _wings(
    n_ac: np.ndarray,
    lost_ground: np.ndarray,
    car_frac: np.ndarray,
    on_deck: np.ndarray,
    o_n_ac: np.ndarray,
    o_lost: np.ndarray,
    in_place: bool,
) -> None:
    """Carrier air wings go down with their carriers (a share ``car_frac`` of each wing).

    Writes every unit (one pass over fresh outputs): the units not ``on_deck`` lose nothing.
    Written in place (the outputs are the inputs), rows with no carrier lost are left alone.
    """
    P, R, U = n_ac.shape
    for p in range(P):
        for r in range(R):
            f = car_frac[p, r]
            if in_place and f == 0.0:
                continue
            for u in range(U):
                lost = n_ac[p, r, u] * f if on_deck[u] else 0.0
                o_n_ac[p, r, u] = n_ac[p, r, u] - lost
                o_lost[p, r, u] = lost_ground[p, r, u] + lost


def counter_navy(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.navy.counter_navy` compiled (same result within 1e-9)."""
    k = constants(p)
    ships = c64(s["ships"])
    P, R, G = ships.shape
    n_ac = c64(s["n_ac"])
    here = c64(p.group_arrival[k["sg"]] <= day)
    cu = k["carrier_unit"]
    wing = np.ascontiguousarray(cu[p.unit_arrival[cu] <= day])  # wings on deck today
    noise = c64(rng.lognormal("navy", day, 1, v["salvo_sigma"])[:, 0])
    # the kernel writes only what changes (ships and interceptors start as copies), each
    # element after reading it: the outputs may be the inputs themselves
    inter = cb(s["interceptors"], (P, R, G))
    asbm, ascm = pr(s["asbm_inv"], P, R), pr(s["ascm_inv"], P, R)
    out = {f: output(s, f, x, copy=True)[0] for f, x in (("ships", ships), ("interceptors", inter))}
    out |= outputs(s, {"asbm_inv": asbm, "ascm_inv": ascm})[0]
    car_frac = np.zeros((P, R))
    fired = _kernel(
        ships,
        inter,
        c64(s["effort"]),
        asbm,
        ascm,
        c64(s["missiles_in"]),
        pr(s["today_h6_missiles"], P, R),
        pr(s["today_air_sup"], P, R),
        noise,
        k["sg"],
        k["owner"],
        here,
        k["car"],
        k["near"],
        k["usa_car"],
        k["eng"],
        k["htk"],
        k["full"],
        k["prc_sub"],
        k["mainland"],
        float(p.asbm_n0),
        len(p.actors),
        prs(v["prc_asbm_days_to_expend"], P, R),
        prs(v["launcher_suppression_per_missile"], P, R),
        prs(v["prc_sub_ascm_per_day"], P, R),
        prs(v["carrier_target_share"], P, R),
        prs(v["near_fleet_exposure"], P, R),
        prs(v["prc_targeting"], P, R),
        prs(v["ship_defence_scale"], P, R),
        prs(v["interceptors_per_missile"], P, R),
        kill_by_interceptors(v, P, R),
        kill_by_interceptors(v, P, R, ballistic=True),
        prs(v["p_guidance_failure"], P, R),
        prs(v["p_terminal_defence_supersonic"], P, R),
        prs(v["allied_magazine_reload_per_day"], P, R),
        out["ships"],
        out["interceptors"],
        out["asbm_inv"],
        out["ascm_inv"],
        car_frac,
        live_rows(s),
    )
    if not fired:
        return {"interceptors": out["interceptors"]}
    if car_frac.any() and wing.size:
        lost = c64(s["lost_ground"])
        on_deck = np.zeros(n_ac.shape[2], dtype=np.bool_)
        on_deck[wing] = True
        wings, in_place = outputs(s, {"n_ac": n_ac, "lost_ground": lost})
        out |= wings
        _wings(n_ac, lost, car_frac, on_deck, out["n_ac"], out["lost_ground"], in_place)
    else:  # no carrier lost: the wings as they are (the same values the reference computes)
        out["n_ac"] = s["n_ac"]
        out["lost_ground"] = s["lost_ground"]
    return out
