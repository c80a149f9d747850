"""Compiled missile strikes: :func:`straitsim.engine.missiles.missile_strikes`, row by row.

Same model, same draws (the salvo luck comes from the same :class:`Streams`); per-base sums
add units in unit order (the reference adds them in slot order: equal within rounding).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from straitsim.engine.jit.common import c64, derived, live_rows, njit, outputs, pack, pr, prs
from straitsim.engine.missiles import CIVIL
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

_EPS = 1e-12
# the kernel's per-replication parameters, side by side in one (P, R, k) array (jit.common.pack)
PARAMS = (
    "civil_find_share",
    "runway_aim_weight",
    "prc_opening_salvo_share",
    "prc_missile_days_to_expend",
    "launcher_suppression_per_missile",
    "prc_land_launchers",
    "prc_launcher_salvos_per_day",
    "min_salvo_per_base",
    "missile_reliability",
    "base_missile_defence",
    "runway_target_share",
    "lethal_area_km2",
    "p_kill_shelter",
    "missiles_per_runway_cut",
)
(
    _CIVIL_FIND,
    _RW_AIM,
    _OPENING,
    _DAYS,
    _SUPPRESS,
    _LAUNCHERS,
    _SALVOS,
    _MIN_SALVO,
    _RELIABILITY,
    _DEFENCE,
    _RW_SHARE,
    _LETHAL_AREA,
    _P_KILL,
    _PER_CUT,
) = range(len(PARAMS))
_CONST: dict[int, tuple[Params, dict[str, Any]]] = {}


def constants(p: Params) -> dict[str, Any]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    reach = np.flatnonzero(p.base_strikeable & p.land_in_range.any(axis=0))
    slot = np.full(len(p.base_host), -1, dtype=np.int64)
    slot[reach] = np.arange(reach.size)
    out = {
        "unit_base": np.ascontiguousarray(p.derived.ub.unit_base, dtype=np.int64),  # (P, U)
        "host": np.ascontiguousarray(p.base_host, dtype=np.int64),
        "is_twn": c64(p.base_host == p.i_twn),
        "strikeable": c64(p.base_strikeable),
        "civil": c64(p.base_kind == CIVIL),
        "runways": c64(p.base_runways),
        "shelters": c64(p.base_shelters),
        "apron": c64(p.base_apron_km2),
        "mainland": c64(p.derived.mainland),
        "n0": c64(p.land_n0),
        # bases in range of each class, as 1.0 (0.0: out of range, weighs nothing): dense rows
        # the split loops over without indirection (adding exact zeros, so the same sums)
        "inr": c64(p.land_in_range),
        # base -> its column of the salvo-luck normals (-1: never struck, no draw)
        "slot": slot,
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _safe_div(a: float, b: float, default: float) -> float:
    return a / b if b > _EPS else default


# The one kernel allowed to reassociate its sums (LLVM then vectorises the per-base loops):
# the missile step is a quarter of a lattice's time and this takes about a tenth off it; its
# sums differ from the sequential ones by rounding only (well inside the 1e-9 conformance).
@numba.njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc"})
def _kernel(
    day0: bool,
    day: float,
    i_usa: int,
    allied: bool,
    n_ac: np.ndarray,
    at_war: np.ndarray,
    us_at_war: np.ndarray,
    preempt: np.ndarray,
    closed: np.ndarray,
    land_inv: np.ndarray,
    missiles_in: np.ndarray,
    attacked_day: np.ndarray,
    lost_ground: np.ndarray,
    shock: np.ndarray,
    z: np.ndarray,
    slot: np.ndarray,
    on_ground: np.ndarray,
    us_present: np.ndarray,
    unit_base: np.ndarray,
    host: np.ndarray,
    is_twn: np.ndarray,
    strikeable: np.ndarray,
    civil: np.ndarray,
    runways: np.ndarray,
    shelters: np.ndarray,
    apron: np.ndarray,
    mainland: np.ndarray,
    n0: np.ndarray,
    inr: np.ndarray,
    par: np.ndarray,
    kept: np.ndarray,
    o_n_ac: np.ndarray,
    o_lost: np.ndarray,
    o_closed: np.ndarray,
    o_inv: np.ndarray,
    o_min: np.ndarray,
    o_att: np.ndarray,
    live: np.ndarray,
    carry: bool,
) -> bool:
    P, R, U = n_ac.shape
    B = runways.shape[0]
    C = n0.shape[0]
    A = at_war.shape[2]
    any_fire = False
    ac = np.empty(B)
    find = np.empty(B)
    weight = np.empty(B)
    sent = np.empty(B)
    defended = np.empty(B)
    fire = np.empty(C)
    struck = np.empty(A, dtype=np.bool_)
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (nothing to copy when written in place)
                if not carry:
                    continue
                o_n_ac[p, r] = n_ac[p, r]
                o_lost[p, r] = lost_ground[p, r]
                o_closed[p, r] = closed[p, r]
                o_inv[p, r] = land_inv[p, r]
                o_min[p, r] = missiles_in[p, r]
                o_att[p, r] = attacked_day[p, r]
                continue
            # aircraft on the ground at each base
            ac[:] = 0.0
            for u in range(U):
                ac[unit_base[p, u]] += n_ac[p, r, u] * on_ground[u]
            us_war = us_at_war[p, r]
            pre = preempt[p, r] > 0.5
            q = par[p, r]
            cf = q[_CIVIL_FIND]
            for b in range(B):
                hw = at_war[p, r, host[b]]
                usp = us_present[p, b]
                us_ops = usp and us_war
                t = is_twn[b] > 0.0 or (allied and (us_ops or hw or (usp and pre)))
                t = t and strikeable[b] > 0.0
                find[b] = 1.0 - civil[b] * (1.0 - cf)
                found = ac[b] * find[b]
                w = found + q[_RW_AIM] * (runways[b] - closed[p, r, b])
                weight[b] = w if t else 0.0
                defended[b] = 1.0 if (hw or us_ops) else 0.0
            # fire per class, capped by launchers, scaled by the launch capacity left
            m = 0.0
            for b in range(B):
                m += missiles_in[p, r, b] * mainland[b]
            left = math.exp(-q[_SUPPRESS] * m)
            tot_fire = 0.0
            for c in range(C):
                if day0:
                    want = n0[c] * q[_OPENING]
                else:
                    want = n0[c] * (1.0 - q[_OPENING]) / q[_DAYS]
                fire[c] = min(want, land_inv[p, r, c])
                tot_fire += fire[c]
            scale = min(1.0, _safe_div(q[_LAUNCHERS] * q[_SALVOS], tot_fire, 1.0)) * left
            for c in range(C):
                fire[c] = fire[c] * scale
                if fire[c] > 0.0:
                    any_fire = True
            # split each class over the targets in range; drop allotments under a salvo
            sent[:] = 0.0
            ms = q[_MIN_SALVO]
            for c in range(C):
                # every base, out-of-range ones weighing an exact 0.0 (they add nothing)
                tot = 0.0
                for b in range(B):
                    tot += inr[c, b] * weight[b]
                f_c = fire[c] if tot > 0.0 else 0.0
                o_inv[p, r, c] = land_inv[p, r, c] - f_c
                if f_c == 0.0:  # nothing sent: every allotment is zero
                    continue
                k1 = _safe_div(f_c, tot, 0.0)
                tot2 = 0.0
                # branch-free (adding an exact 0.0 where an allotment is dropped)
                for b in range(B):
                    w = inr[c, b] * weight[b]
                    tot2 += w if w * k1 >= ms else 0.0
                if tot2 > 0.0:
                    k2 = _safe_div(f_c, tot2, 0.0)
                    for b in range(B):
                        w = inr[c, b] * weight[b]
                        sent[b] += w * k2 if w * k1 >= ms else 0.0
                else:
                    for b in range(B):
                        sent[b] += inr[c, b] * weight[b] * k1
            # arrivals, airbase attack, runways
            rel = q[_RELIABILITY]
            dfc = q[_DEFENCE]
            sh = shock[p, r]
            rw = q[_RW_SHARE]
            la = q[_LETHAL_AREA]
            pk = q[_P_KILL]
            repair = kept[p, r]
            for a in range(A):
                struck[a] = False
            for b in range(B):
                # mean-one lognormal salvo luck, drawn per replication (only where missiles
                # go: elsewhere it multiplies zero)
                luck = z[r, slot[b]] if slot[b] >= 0 and sent[b] != 0.0 else 1.0
                arrive = sent[b] * rel * (1.0 - dfc * defended[b]) * luck * sh
                o_min[p, r, b] = missiles_in[p, r, b] + arrive
                n = ac[b] * find[b]
                # the kill share: exactly 0 without missiles, and unused without aircraft
                # found (apron > 0: a finite share), so those skip the exponentials
                share = 0.0
                if (arrive != 0.0 and n != 0.0) or not apron[b] > 0.0:
                    m_air = arrive * (1.0 - rw)
                    sheltered = min(n, shelters[b])
                    f_open = _safe_div(n - sheltered, n, 0.0)
                    m_open = m_air * f_open
                    m_shel = m_air - m_open
                    # each term only where its weight is not zero (the other is finite)
                    if f_open != 0.0:
                        share = f_open * (1.0 - math.exp(-m_open * la / apron[b]))
                    if f_open != 1.0:
                        kill_shel = 1.0 - math.exp(-m_shel * pk / max(shelters[b], 1.0))
                        share = share + (1.0 - f_open) * kill_shel
                # reuse `weight` for the share of the base's aircraft killed
                weight[b] = share * find[b]
                cl = min(runways[b], closed[p, r, b] + arrive * rw / q[_PER_CUT])
                o_closed[p, r, b] = cl * repair
                if sent[b] > 0.0:
                    struck[host[b]] = True
                    if us_present[p, b]:
                        struck[i_usa] = True
            for u in range(U):
                lost = n_ac[p, r, u] * (weight[unit_base[p, u]] * on_ground[u])
                o_n_ac[p, r, u] = n_ac[p, r, u] - lost
                o_lost[p, r, u] = lost_ground[p, r, u] + lost
            for a in range(A):
                old = attacked_day[p, r, a]
                o_att[p, r, a] = day if (struck[a] and math.isinf(old)) else old
    return any_fire


def _arrived(p: Params, k: dict[str, Any], day: int) -> tuple[np.ndarray, np.ndarray]:
    """Land-based units arrived by ``day`` (U,) as 0/1, and bases with US aircraft (P, B).

    The same from one arrival day to the next: kept per set of arrived units.
    """
    arrived = p.unit_arrival <= day
    memo = k.setdefault("arrived", {})
    key = arrived.tobytes()
    if key not in memo:
        on_ground = arrived & ~p.unit_carrier
        us = (p.unit_avail * ((p.unit_actor == p.i_usa) & on_ground)) > 0  # (P, U)
        us_present = np.zeros((p.n_profiles, k["runways"].shape[0]), dtype=np.bool_)
        q, u = np.nonzero(us)
        us_present[q, k["unit_base"][q, u]] = True
        memo[key] = (c64(on_ground), us_present)
    out: tuple[np.ndarray, np.ndarray] = memo[key]
    return out


def missile_strikes(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.missiles.missile_strikes` compiled (same result, 1e-9)."""
    k = constants(p)
    n_ac = c64(s["n_ac"])
    P, R, U = n_ac.shape
    on_ground, us_present = _arrived(p, k, day)
    n_luck = int((k["slot"] >= 0).sum())
    # the salvo luck of each replication and base struck, as the reference draws it (one
    # table for every profile: a replication's luck is the same in each)
    z = rng.lognormal("missiles", day, n_luck, v["salvo_sigma"]) if n_luck else np.ones((R, 1))
    preempt = pr(s.get("prc_preempt", 0.0), P, R)
    # the share of runway cuts still unrepaired after a day, exp(-1 / repair days), per row
    days = prs(v["dur_runway_repair_days"], P, R)
    kept = derived("runway_cuts_kept", (days,), P, R, lambda: np.exp(-1.0 / days))
    closed = c64(s["closed"])
    # (each input read before the kernel writes its element: outputs may be the inputs)
    ins = {f: c64(s[f]) for f in ("lost_ground", "land_inv", "missiles_in", "attacked_day")}
    ins["n_ac"], ins["closed"] = n_ac, closed
    out, in_place = outputs(s, ins)
    any_fire = _kernel(
        day == 0,
        float(day),
        int(p.i_usa),
        bool(v.get("strike_allied_bases", 1.0)),
        n_ac,
        np.ascontiguousarray(s["at_war"], dtype=np.bool_),
        np.ascontiguousarray(np.broadcast_to(s["us_at_war"], (P, R)), dtype=np.bool_),
        preempt,
        closed,
        ins["land_inv"],
        ins["missiles_in"],
        ins["attacked_day"],
        ins["lost_ground"],
        pr(s.get("shock_prc", 1.0), P, R),
        c64(z),
        k["slot"],
        on_ground,
        us_present,
        k["unit_base"],
        k["host"],
        k["is_twn"],
        k["strikeable"],
        k["civil"],
        k["runways"],
        k["shelters"],
        k["apron"],
        k["mainland"],
        k["n0"],
        k["inr"],
        pack(tuple(v[name] for name in PARAMS), P, R),
        kept,
        out["n_ac"],
        out["lost_ground"],
        out["closed"],
        out["land_inv"],
        out["missiles_in"],
        out["attacked_day"],
        live_rows(s),
        not in_place,
    )
    # as the reference: only the runway repairs, not of decided replications (written in place,
    # the kernel's outputs are those already)
    if not any_fire and not in_place:
        return {"closed": np.where(live_rows(s)[..., None], closed * kept[..., None], closed)}
    return out
