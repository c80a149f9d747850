"""Compiled air war: :func:`straitsim.engine.air.air_war`, row by row (same model, same draws)."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.jit.common import (
    c64,
    daily_output,
    live_rows,
    njit,
    outputs,
    pr,
    prs,
    square_step,
)
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State

_EPS = 1e-12
_CONST: dict[int, tuple[Params, dict[str, np.ndarray]]] = {}


def constants(p: Params) -> dict[str, np.ndarray]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    P = p.n_profiles
    chn = p.unit_actor == p.i_chn
    fighter = np.asarray(p.unit_fighter, dtype=bool)
    out = {
        "unit_base": np.ascontiguousarray(p.derived.ub.unit_base, dtype=np.int64),  # (P, U)
        "actor": np.ascontiguousarray(p.unit_actor, dtype=np.int64),
        "chn": c64(chn),
        "fighter": c64(fighter),
        "us_bomber": c64(~fighter & (p.unit_actor == p.i_usa)),
        "rate": c64(np.broadcast_to(p.unit_sortie_rate * p.unit_avail, (P, len(p.unit_actor)))),
        "quality": c64(p.unit_quality),
        "ascm": c64(p.unit_ascm_load),
        "runways": c64(p.base_runways),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _safe_div(a: float, b: float, default: float) -> float:
    return a / b if b > _EPS else default


@njit
def _kernel(
    here: np.ndarray,
    capable: np.ndarray,
    n_ac: np.ndarray,
    closed: np.ndarray,
    effort: np.ndarray,
    weather: np.ndarray,
    lost_air: np.ndarray,
    shock_x: np.ndarray,
    shock_y: np.ndarray,
    noise: np.ndarray,
    unit_base: np.ndarray,
    actor: np.ndarray,
    chn: np.ndarray,
    fighter: np.ndarray,
    us_bomber: np.ndarray,
    rate: np.ndarray,
    quality: np.ndarray,
    ascm: np.ndarray,
    runways: np.ndarray,
    strike_share: np.ndarray,
    negation: np.ndarray,
    engaged_share: np.ndarray,
    enabler: np.ndarray,
    k_air: np.ndarray,
    o_n_ac: np.ndarray,
    o_lost: np.ndarray,
    o_sup: np.ndarray,
    o_strike: np.ndarray,
    o_h6: np.ndarray,
    live: np.ndarray,
    sup0: np.ndarray,
    carry: bool,
    zero: bool,
) -> None:
    P, R, U = n_ac.shape
    B = runways.shape[0]
    open_share = np.empty(B)
    S = np.empty(U)
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: carried over (nothing to copy when written in place)
                if zero:
                    o_strike[p, r] = 0.0
                    o_h6[p, r] = 0.0
                if carry:
                    o_n_ac[p, r] = n_ac[p, r]
                    o_lost[p, r] = lost_air[p, r]
                    o_sup[p, r] = sup0[p, r]
                continue
            for b in range(B):
                open_share[b] = _safe_div(runways[b] - closed[p, r, b], runways[b], 0.0)
            share = strike_share[p, r]
            neg = negation[p, r]
            engaged = engaged_share[p, r]
            wx = weather[p, r]
            X = 0.0
            Y = 0.0
            QX = 0.0
            QY = 0.0
            for u in range(U):
                eff = 1.0 if chn[u] > 0.0 else effort[p, r, actor[u]]
                s_u = n_ac[p, r, u] * here[u] * rate[p, u] * open_share[unit_base[p, u]]
                s_u = s_u * eff * wx
                S[u] = s_u
                if chn[u] > 0.0:
                    o_strike[p, r, u] = 0.0
                    if fighter[u] > 0.0:
                        s_prc = s_u * engaged
                        Y += s_prc
                        QY += s_prc * quality[u]
                else:
                    if fighter[u] > 0.0:
                        s_ca = s_u * (1.0 - share * capable[u])
                        X += s_ca
                        QX += s_ca * quality[u]
                        st = s_u * (share * capable[u])
                    else:
                        st = s_u
                    o_strike[p, r, u] = st * (1.0 - neg * us_bomber[u])
            QX = QX * enabler[p, r] * shock_x[p, r]
            QY = QY * shock_y[p, r]
            qx = _safe_div(QX, X, 1.0)
            qy = _safe_div(QY, Y, 1.0)
            a = k_air[p, r] * qx / qy * noise[r, 0]
            b = k_air[p, r] * qy / qx * noise[r, 1]
            x1, y1 = square_step(X, Y, a, b)
            lx = _safe_div(X - x1, X, 0.0)
            ly = _safe_div(Y - y1, Y, 0.0)
            h6 = 0.0
            for u in range(U):
                s_u = S[u]
                if chn[u] > 0.0:
                    if fighter[u] > 0.0:
                        loss = s_u * engaged * ly
                    else:
                        h6 += s_u * (1.0 - engaged * ly) * ascm[u]
                        loss = s_u * engaged * ly
                elif fighter[u] > 0.0:
                    loss = s_u * (1.0 - share * capable[u]) * lx
                else:
                    loss = 0.0
                lost = min(loss, n_ac[p, r, u])
                o_n_ac[p, r, u] = n_ac[p, r, u] - lost
                o_lost[p, r, u] = lost_air[p, r, u] + lost
            o_h6[p, r] = h6
            QX1 = QX * (1.0 - lx)
            QY1 = QY * (1.0 - ly)
            o_sup[p, r] = _safe_div(QX1, QX1 + QY1, 0.5)


def air_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.air.air_war` compiled (same result within 1e-9)."""
    k = constants(p)
    n_ac = c64(s["n_ac"])
    P, R, U = n_ac.shape
    here = c64(p.unit_arrival <= day)
    usable = p.weapon_anti_ship | bool(v["us_strikes_mainland"] > 0)
    capable = c64((p.unit_load * usable).sum(-1) > 0)
    noise = c64(rng.lognormal("air", day, 2, v["air_sigma"]))
    # (each input read before the kernel writes its element: outputs may be the inputs)
    lost_air = c64(s["lost_air"])
    sup0 = pr(s.get("today_air_sup", 0.5), P, R)
    out, in_place = outputs(s, {"n_ac": n_ac, "lost_air": lost_air, "today_air_sup": sup0})
    fresh = {
        "today_strike_sorties": daily_output(s, "today_strike_sorties", (P, R, U)),
        "today_h6_missiles": daily_output(s, "today_h6_missiles", (P, R)),
    }
    out |= {f: a for f, (a, _) in fresh.items()}
    _kernel(
        here,
        capable,
        n_ac,
        c64(s["closed"]),
        c64(s["effort"]),
        pr(s.get("air_weather_factor", 1.0), P, R),
        lost_air,
        pr(s.get("shock_coalition", 1.0), P, R),
        pr(s.get("shock_prc", 1.0), P, R),
        noise,
        k["unit_base"],
        k["actor"],
        k["chn"],
        k["fighter"],
        k["us_bomber"],
        k["rate"],
        k["quality"],
        k["ascm"],
        k["runways"],
        prs(v["fighter_strike_share"], P, R),
        prs(v["us_bomber_negation"], P, R),
        prs(v["prc_engaged_share"], P, R),
        prs(v["coalition_air_enabler"], P, R),
        prs(v["k_air"], P, R),
        out["n_ac"],
        out["lost_air"],
        out["today_air_sup"],
        out["today_strike_sorties"],
        out["today_h6_missiles"],
        live_rows(s),
        sup0,
        not in_place,
        any(new for _, new in fresh.values()),
    )
    return out
