"""Compiled maritime strike: :func:`straitsim.engine.maritime.maritime_strike`, row by row.

Same model, same draws (the salvo luck from the same :class:`Streams`): launchers, ships and
aircraft draw on their stocks in the reference's order, the salvo against the invasion fleet,
and the strikes on mainland airbases when allowed. Sums add terms in element order (the
reference adds some of them pairwise: equal within rounding).

Length: one kernel mirrors one NumPy module (the fleet salvo and the mainland strikes share
their stocks day by day), so splitting it would split the mirror.
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
    outputs,
    pack,
    pr,
    prs,
)
from straitsim.engine.maritime import _reload
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

# the kernel's per-replication parameters, side by side in one (P, R, k) array (jit.common.pack)
PARAMS = (
    "allied_targeting",
    "p_launch_failure",
    "ship_defence_scale",
    "interceptors_per_missile",
    "p_terminal_defence_supersonic",
    "p_terminal_defence",
    "p_guidance_failure",
    "prc_magazine_reload_per_day",
    "amphib_target_share",
    "base_missile_defence",
    "prc_shelter_share",
    "runway_target_share",
    "lethal_area_km2",
    "p_kill_shelter",
    "missiles_per_runway_cut",
)
(
    _TARGETING,
    _P_LAUNCH,
    _DEF_SCALE,
    _K_INT,
    _P_TERM_SS,
    _P_TERM,
    _P_GUID,
    _RELOAD,
    _AMPH_SHARE,
    _BASE_DEF,
    _SHELTER_SHARE,
    _RW_SHARE,
    _LETHAL_AREA,
    _P_KILL,
    _PER_CUT,
) = range(len(PARAMS))

_EPS = 1e-12
_CONST: dict[int, tuple[Params, dict[str, Any]]] = {}


def _flat(lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated index lists and their starts: list ``i`` is ``flat[st[i]:st[i + 1]]``."""
    flat = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists] + [np.zeros(0, np.int64)])
    st = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
    return np.ascontiguousarray(flat, dtype=np.int64), st


# the fields the strikes on mainland airbases change
MAIN_FIELDS = ("n_ac", "lost_ground", "closed", "missiles_in")


def constants(p: Params) -> dict[str, Any]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    mx = p.derived
    ok = np.asarray(mx.launcher_ok, dtype=bool)
    own = p.launcher_actor == p.launcher_host
    basing = np.asarray(p.us_basing_pa[:, p.launcher_host], dtype=bool)  # (P, L)
    W = len(p.weapons)
    # aircraft weapons in catalogue order (anti-ship ones), their carriers and stocks
    units_w, stocks_w, load_w = [], [], []
    for w in range(W):
        units, stocks = mx.air_lists[w]
        units_w.append(units)
        stocks_w.append(stocks)
        load_w.append(np.asarray(p.unit_load[units, w], dtype=np.float64))
    au, ast = _flat(units_w)
    am, _ = _flat(stocks_w)
    # the stocks each weapon's carriers draw on (the other stocks get nothing of it)
    sm, sst = _flat([np.unique(x) for x in stocks_w])
    pg, pm, prate = mx.ship_pairs
    out = {
        "l_act": np.ascontiguousarray(p.launcher_actor, dtype=np.int64),
        "l_stock": np.ascontiguousarray(np.where(ok, p.launcher_stock, 0), dtype=np.int64),
        "l_w": c64((own | basing) & ok),  # (P, L): the launcher fires (0/1)
        "l_rate": c64(p.launcher_rate),
        "pg": np.ascontiguousarray(pg, dtype=np.int64),
        "pm": np.ascontiguousarray(pm, dtype=np.int64),
        "prate": c64(prate),
        "g_act": np.ascontiguousarray(p.group_actor, dtype=np.int64),
        "anti_ship_m": c64(p.weapon_anti_ship[p.stock_weapon]),
        "anti_ship_w": c64(p.weapon_anti_ship),
        "land_w": c64(p.weapon_land_attack),
        "supersonic": c64(p.weapon_supersonic),
        "stock_w": np.ascontiguousarray(p.stock_weapon, dtype=np.int64),
        "au": au,
        "ast": ast,
        "am": am,
        "sm": sm,
        "sst": sst,
        "uu": np.unique(au).astype(np.int64),  # aircraft units that carry any of them
        "al": c64(np.concatenate([*load_w, np.zeros(0)])),
        "amph": c64(mx.prc_amphib),
        "esc": c64(mx.prc_escort),
        "eng": c64(p.group_eng),
        "htk": c64(p.group_htk),
        "full": c64(p.group_int),
        "amph0": float((p.group_n0 * mx.prc_amphib).sum()),
        "unit_base": np.ascontiguousarray(mx.ub.unit_base, dtype=np.int64),  # (P, U)
        "chn": c64(p.unit_actor == p.i_chn),
        "mainland": c64(mx.mainland),
        "runways": c64(p.base_runways),
        "apron": c64(p.base_apron_km2),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _safe_div(a: float, b: float) -> float:
    return a / b if b > _EPS else 0.0


@njit
def _targets(
    ships: np.ndarray,
    amph: np.ndarray,
    esc: np.ndarray,
    fws: np.ndarray,
    amph0: float,
    o_exp: np.ndarray,
    o_tgt: np.ndarray,
) -> bool:
    """Escorts exposed and anything at sea to shoot at, per row; True if anywhere."""
    P, R, G = ships.shape
    anywhere = False
    for p in range(P):
        for r in range(R):
            na = 0.0
            ne = 0.0
            for g in range(G):
                na += ships[p, r, g] * amph[g]
                ne += ships[p, r, g] * esc[g]
            ex = 1.0
            if amph0 > 0:
                ex = 1.0 if na > fws[p, r] * amph0 else 0.0
            o_exp[p, r] = ex
            t = (na + ne * ex) > 0.01
            o_tgt[p, r] = 1.0 if t else 0.0
            anywhere = anywhere or t
    return anywhere


@njit
def _kernel(
    mainland_share: float,
    ships: np.ndarray,
    stock: np.ndarray,
    spent: np.ndarray,
    inter: np.ndarray,
    effort: np.ndarray,
    sorties: np.ndarray,
    n_ac: np.ndarray,
    lost_ground: np.ndarray,
    closed: np.ndarray,
    missiles_in: np.ndarray,
    shock: np.ndarray,
    noise: np.ndarray,
    exposed: np.ndarray,
    tgt: np.ndarray,
    here_g: np.ndarray,
    l_act: np.ndarray,
    l_stock: np.ndarray,
    l_w: np.ndarray,
    l_rate: np.ndarray,
    pg: np.ndarray,
    pm: np.ndarray,
    prate: np.ndarray,
    g_act: np.ndarray,
    anti_ship_m: np.ndarray,
    anti_ship_w: np.ndarray,
    land_w: np.ndarray,
    supersonic: np.ndarray,
    stock_w: np.ndarray,
    au: np.ndarray,
    ast: np.ndarray,
    am: np.ndarray,
    sm: np.ndarray,
    sst: np.ndarray,
    uu: np.ndarray,
    al: np.ndarray,
    amph_m: np.ndarray,
    esc_m: np.ndarray,
    eng: np.ndarray,
    htk: np.ndarray,
    full: np.ndarray,
    unit_base: np.ndarray,
    chn: np.ndarray,
    mainland: np.ndarray,
    runways: np.ndarray,
    apron: np.ndarray,
    par: np.ndarray,
    pk_k: np.ndarray,
    o_stock: np.ndarray,
    o_spent: np.ndarray,
    o_ships: np.ndarray,
    o_inter: np.ndarray,
    o_sunk: np.ndarray,
    o_n_ac: np.ndarray,
    o_lost: np.ndarray,
    o_closed: np.ndarray,
    o_min: np.ndarray,
    live: np.ndarray,
    carry: bool,
) -> None:
    P, R, G = ships.shape
    M = stock.shape[2]
    W = spent.shape[2]
    U = sorties.shape[2]
    L = l_act.shape[0]
    B = mainland.shape[0]
    A = effort.shape[2]
    strike_main = mainland_share > 0
    n_main_bases = 0.0
    for b in range(B):
        n_main_bases += mainland[b]
    n_main_bases = max(n_main_bases, 1.0)
    eff = np.empty(A)
    demand = np.empty(M)
    launched = np.empty(M)
    left = np.empty(M)
    want = np.empty(M)
    frac = np.empty(M)
    rem = np.empty(U)
    by_w = np.empty(W)
    to_main = np.empty(W)
    acb = np.empty(B)
    share_b = np.empty(B)
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (nothing to copy when written in place)
                o_sunk[p, r] = 0.0
                if not carry:
                    continue
                o_stock[p, r] = stock[p, r]
                o_spent[p, r] = spent[p, r]
                o_ships[p, r] = ships[p, r]
                o_inter[p, r] = inter[p, r]
                if strike_main:
                    o_n_ac[p, r] = n_ac[p, r]
                    o_lost[p, r] = lost_ground[p, r]
                    o_closed[p, r] = closed[p, r]
                    o_min[p, r] = missiles_in[p, r]
                continue
            pv = par[p, r]
            t = tgt[p, r]
            for a in range(A):
                eff[a] = effort[p, r, a] * t
            # coastal launchers, then ships
            for m in range(M):
                demand[m] = 0.0
            for i in range(L):
                demand[l_stock[i]] += eff[l_act[i]] * l_w[p, i] * l_rate[i]
            for i in range(pg.shape[0]):
                g = pg[i]
                demand[pm[i]] += ships[p, r, g] * here_g[g] * eff[g_act[g]] * prate[i]
            for m in range(M):
                launched[m] = min(demand[m] * anti_ship_m[m], stock[p, r, m])
                left[m] = stock[p, r, m] - launched[m]
            # aircraft, weapons in catalogue order
            tg = pv[_TARGETING]
            for u in uu:
                rem[u] = sorties[p, r, u] * tg
            for w in range(W):
                a0 = ast[w]
                a1 = ast[w + 1]
                mult = anti_ship_w[w] * t
                if a1 == a0 or not mult > 0:
                    continue
                for j in range(sst[w], sst[w + 1]):
                    want[sm[j]] = 0.0
                for i in range(a0, a1):
                    want[am[i]] += rem[au[i]] * al[i]
                for j in range(sst[w], sst[w + 1]):
                    m = sm[j]
                    wm = want[m] * mult
                    got = min(wm, left[m])
                    frac[m] = _safe_div(got, wm)
                    left[m] = left[m] - got
                    launched[m] = launched[m] + got
                for i in range(a0, a1):
                    rem[au[i]] = rem[au[i]] * (1.0 - frac[am[i]])
            for w in range(W):
                to_main[w] = 0.0
            if strike_main:
                for u in uu:
                    rem[u] = sorties[p, r, u] * (1.0 - tg) + rem[u]  # idle strike sorties
                for w in range(W):
                    a0 = ast[w]
                    a1 = ast[w + 1]
                    if land_w[w] == 0 or a1 == a0:
                        continue
                    for j in range(sst[w], sst[w + 1]):
                        want[sm[j]] = 0.0
                    for i in range(a0, a1):
                        want[am[i]] += rem[au[i]] * al[i]
                    tot = 0.0
                    for j in range(sst[w], sst[w + 1]):
                        m = sm[j]
                        got = min(want[m] * mainland_share, left[m])
                        left[m] = left[m] - got
                        launched[m] = launched[m] + got
                        tot += got
                    to_main[w] = tot
            for w in range(W):
                by_w[w] = 0.0
            for m in range(M):
                by_w[stock_w[m]] += launched[m]
                o_stock[p, r, m] = left[m]
            # the salvo against the invasion fleet
            plf = 1.0 - pv[_P_LAUNCH]
            arriving = 0.0
            through = 0.0
            for w in range(W):
                o_spent[p, r, w] = spent[p, r, w] + by_w[w]
                arr_w = (by_w[w] - to_main[w]) * plf
                arriving += arr_w
                pt = pv[_P_TERM_SS] if supersonic[w] > 0 else pv[_P_TERM]
                through += arr_w * (1.0 - pt)
            capacity = 0.0
            held = 0.0
            n_esc_all = 0.0
            for g in range(G):
                e = ships[p, r, g] * esc_m[g]
                capacity += e * eng[g]
                held += e * inter[p, r, g]
                n_esc_all += e
            k = pv[_K_INT]
            engaged = min(min(arriving, capacity * pv[_DEF_SCALE]), held / k)
            pk_area = pk_k[p, r]  # 1 - (1 - pk)^k: at least one of k interceptors kills
            leak = 1.0 - _safe_div(engaged * pk_area, arriving)
            hits = through * leak * (1.0 - pv[_P_GUID])
            hits = hits * noise[r]
            hits = hits * shock[p, r]
            per_ship = _safe_div(engaged * k, n_esc_all)
            rate = pv[_RELOAD]
            # allocate the hits: amphibious ships and exposed escorts
            ex = exposed[p, r]
            n_amph = 0.0
            n_esc = 0.0
            for g in range(G):
                n_amph += ships[p, r, g] * amph_m[g]
                n_esc += ships[p, r, g] * esc_m[g] * ex
            if n_esc > 0:
                sh = pv[_AMPH_SHARE] if n_amph > 0 else 0.0
            else:
                sh = 1.0
            h_amph = hits * sh
            h_esc = hits - h_amph
            for g in range(G):
                n = ships[p, r, g]
                amph = n * amph_m[g]
                esc = n * esc_m[g] * ex
                hit_g = h_amph * _safe_div(amph, n_amph) + h_esc * _safe_div(esc, n_esc)
                sunk = min(max(hit_g, 0.0) / htk[g], amph + esc)
                o_ships[p, r, g] = n - sunk
                o_sunk[p, r, g] = sunk * amph_m[g]
                x = inter[p, r, g] - per_ship * esc_m[g]
                x = x + (full[g] - x) * (rate * esc_m[g])
                o_inter[p, r, g] = max(x, 0.0)
            if not strike_main:
                continue
            # strikes on mainland airbases: the same airbase attack, PRC aircraft sheltered
            missiles = 0.0
            for w in range(W):
                missiles += to_main[w]
            for b in range(B):
                acb[b] = 0.0
            for u in range(U):
                acb[unit_base[p, u]] += n_ac[p, r, u] * chn[u]
            n_main = 0.0
            for b in range(B):
                n_main += acb[b] * mainland[b]
            bd = (1.0 - pv[_P_LAUNCH]) * (1.0 - pv[_BASE_DEF])
            rw = pv[_RW_SHARE]
            for b in range(B):
                if n_main > 0:
                    split = _safe_div(acb[b] * mainland[b], n_main)
                else:
                    split = mainland[b] / n_main_bases
                m_b = missiles * split * bd
                n = acb[b]
                shelters = n * pv[_SHELTER_SHARE]
                m_air = m_b * (1.0 - rw)
                f_open = _safe_div(n - min(n, shelters), n)
                m_open = m_air * f_open
                m_shel = m_air - m_open
                kill_open = 1.0 - math.exp(-m_open * pv[_LETHAL_AREA] / apron[b])
                kill_shel = 1.0 - math.exp(-m_shel * pv[_P_KILL] / max(shelters, 1.0))
                share_b[b] = f_open * kill_open + (1.0 - f_open) * kill_shel
                o_closed[p, r, b] = min(runways[b], closed[p, r, b] + m_b * rw / pv[_PER_CUT])
                o_min[p, r, b] = missiles_in[p, r, b] + m_b
            for u in range(U):
                lost = n_ac[p, r, u] * (share_b[unit_base[p, u]] * chn[u])
                o_n_ac[p, r, u] = n_ac[p, r, u] - lost
                o_lost[p, r, u] = lost_ground[p, r, u] + lost


def maritime_strike(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.maritime.maritime_strike` compiled (same result, 1e-9)."""
    if day < v["invasion_start_day"]:
        return {}
    k = constants(p)
    ships = c64(s["ships"])
    P, R, G = ships.shape
    exposed = np.empty((P, R))
    tgt = np.empty((P, R))
    anywhere = _targets(
        ships, k["amph"], k["esc"], prs(v["fleet_withdraw_share"], P, R), k["amph0"], exposed, tgt
    )
    mainland_share = v["mainland_strike_share"] * (v["us_strikes_mainland"] > 0)
    if not anywhere and mainland_share <= 0:
        # (decided replications carried over, as the kernel does)
        inter = np.broadcast_to(s["interceptors"], (P, R, G))
        new = _reload(s["interceptors"], p, v, p.derived, np)
        return {"interceptors": np.where(live_rows(s)[..., None], new, inter)}
    strike_main = bool(mainland_share > 0)
    noise = c64(rng.lognormal("maritime", day, 1, v["salvo_sigma"])[:, 0])
    stock = cb(s["stock"], (P, R, k["anti_ship_m"].shape[0]))
    spent = cb(s["spent"], (P, R, k["supersonic"].shape[0]))
    n_ac = c64(s["n_ac"])
    closed = c64(s["closed"])
    inter = cb(s["interceptors"], (P, R, G))
    lost_ground, missiles_in = c64(s["lost_ground"]), c64(s["missiles_in"])
    # (each input read before the kernel writes its element: outputs may be the inputs)
    out, in_place = outputs(
        s, {"stock": stock, "spent": spent, "ships": ships, "interceptors": inter}
    )
    out["today_amph_sunk"] = np.empty((P, R, G))
    if strike_main:
        main, main_in_place = outputs(
            s, dict(zip(MAIN_FIELDS, (n_ac, lost_ground, closed, missiles_in), strict=True))
        )
    else:  # (not written without strikes on the mainland)
        main, main_in_place = {f: np.empty((0, 0, 0)) for f in MAIN_FIELDS}, True
    carry = not (in_place and main_in_place)
    _kernel(
        float(mainland_share),
        ships,
        stock,
        spent,
        inter,
        c64(s["effort"]),
        c64(s["today_strike_sorties"]),
        n_ac,
        lost_ground,
        closed,
        missiles_in,
        pr(s.get("shock_coalition", 1.0), P, R),
        noise,
        exposed,
        tgt,
        c64(p.group_arrival <= day),
        k["l_act"],
        k["l_stock"],
        k["l_w"],
        k["l_rate"],
        k["pg"],
        k["pm"],
        k["prate"],
        k["g_act"],
        k["anti_ship_m"],
        k["anti_ship_w"],
        k["land_w"],
        k["supersonic"],
        k["stock_w"],
        k["au"],
        k["ast"],
        k["am"],
        k["sm"],
        k["sst"],
        k["uu"],
        k["al"],
        k["amph"],
        k["esc"],
        k["eng"],
        k["htk"],
        k["full"],
        k["unit_base"],
        k["chn"],
        k["mainland"],
        k["runways"],
        k["apron"],
        pack(tuple(v[name] for name in PARAMS), P, R),
        kill_by_interceptors(v, P, R),
        out["stock"],
        out["spent"],
        out["ships"],
        out["interceptors"],
        out["today_amph_sunk"],
        main["n_ac"],
        main["lost_ground"],
        main["closed"],
        main["missiles_in"],
        live_rows(s),
        carry,
    )
    if strike_main:
        out.update(main)
    return out
