"""Compiled submarine war: :func:`straitsim.engine.submarines.submarine_war`, row by row.

Same model, same draws (the salvo luck from the same :class:`Streams`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from straitsim.engine.jit.common import c64, cb, live_rows, njit, output, prs
from straitsim.engine.params import Params
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
    out = {
        # the groups of each kind (the masks' nonzero entries; the other groups add exact zeros)
        "amph": np.flatnonzero(mx.prc_amphib).astype(np.int64),
        "esc": np.flatnonzero(mx.prc_escort).astype(np.int64),
        "sub": np.flatnonzero(mx.allied_sub).astype(np.int64),
        "actor": np.ascontiguousarray(p.group_actor, dtype=np.int64),
        "amph0": float((p.group_n0 * mx.prc_amphib).sum()),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _safe_div(a: float, b: float) -> float:
    return a / b if b > _EPS else 0.0


@njit
def _linear_step(x: float, y: float, a: float, b: float) -> tuple[float, float]:
    """:func:`straitsim.engine.laws.linear_step` for one pair, ``dt`` = 1."""
    a = max(a, _EPS)
    b = max(b, _EPS)
    c = b * x - a * y
    small = abs(c) < 1e-9 * (b * x + a * y + _EPS)
    c_safe = 1.0 if small else c
    e = math.exp(min(max(-c_safe, -700.0), 700.0))
    den = b * x - (b * x - c_safe) * e
    x_gen = c_safe * x / (1.0 if den == 0 else den) if abs(den) > _EPS else 0.0
    x_zero = x / (1.0 + b * x)
    x1 = x_zero if small else x_gen
    x1 = min(max(x1, 0.0), x)
    y1 = x1 * b / a if small else (b * x1 - c) / a
    return x1, min(max(y1, 0.0), y)


@njit
def _sizes(
    ships: np.ndarray,
    here: np.ndarray,
    effort: np.ndarray,
    on_station: np.ndarray,
    fws: np.ndarray,
    amph_m: np.ndarray,
    esc_m: np.ndarray,
    sub_m: np.ndarray,
    actor: np.ndarray,
    amph0: float,
    o_x: np.ndarray,
    o_y: np.ndarray,
    o_na: np.ndarray,
    o_ne: np.ndarray,
    o_exp: np.ndarray,
) -> bool:
    """Compute the two sides, ``x`` (PRC ships exposed), ``y`` (allied boats on station)."""
    P, R, _ = ships.shape
    fight = False
    for p in range(P):
        for r in range(R):
            y = 0.0
            na = 0.0
            ne = 0.0
            for g in sub_m:
                y += ships[p, r, g] * here[g] * effort[p, r, actor[g]] * on_station[p, r]
            for g in amph_m:
                na += ships[p, r, g]
            for g in esc_m:
                ne += ships[p, r, g]
            ex = 1.0
            if amph0 > 0:
                ex = 1.0 if na > fws[p, r] * amph0 else 0.0
            ne = ne * ex
            x = na + ne
            o_x[p, r] = x
            o_y[p, r] = y
            o_na[p, r] = na
            o_ne[p, r] = ne
            o_exp[p, r] = ex
            fight = fight or (x > 0 and y > 0)
    return fight


@njit
def _kernel(
    ships: np.ndarray,
    here: np.ndarray,
    effort: np.ndarray,
    on_station: np.ndarray,
    amph_m: np.ndarray,
    esc_m: np.ndarray,
    sub_m: np.ndarray,
    actor: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    nas: np.ndarray,
    nes: np.ndarray,
    exs: np.ndarray,
    kill: np.ndarray,
    noise: np.ndarray,
    loss: np.ndarray,
    amph_share: np.ndarray,
    sunk_before: np.ndarray,
    o_ships: np.ndarray,
    o_sunk: np.ndarray,
    live: np.ndarray,
) -> None:
    P, R, _ = ships.shape
    for p in range(P):
        for r in range(R):
            if not live[p, r]:  # decided: the outputs hold its inputs already
                continue
            x = xs[p, r]
            y = ys[p, r]
            n_amph = nas[p, r]
            n_esc = nes[p, r]
            x1, y1 = _linear_step(x, y, kill[p, r] * noise[r], loss[p, r])
            engaged = x > 0 and y > 0
            dx = x - x1 if engaged else 0.0
            dy = y - y1 if engaged else 0.0
            if n_esc > 0:
                d_amph = min(dx * amph_share[p, r], n_amph)
            else:
                d_amph = min(dx, n_amph)
            d_esc = min(dx - d_amph, n_esc)
            ex = exs[p, r]
            # (the outputs hold copies of the inputs: write the groups that change)
            for g in amph_m:
                n = ships[p, r, g]
                sunk = d_amph * _safe_div(n, n_amph)
                o_ships[p, r, g] = n - sunk
                o_sunk[p, r, g] = sunk_before[p, r, g] + sunk
            for g in esc_m:
                n = ships[p, r, g]
                o_ships[p, r, g] = n - d_esc * _safe_div(n * ex, n_esc)
            for g in sub_m:
                n = ships[p, r, g]
                subs = n * here[g] * effort[p, r, actor[g]] * on_station[p, r]
                o_ships[p, r, g] = n - dy * _safe_div(subs, y)


def submarine_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.submarines.submarine_war` compiled (same result, 1e-9)."""
    if day < v["invasion_start_day"]:
        return {}
    k = constants(p)
    ships = c64(s["ships"])
    P, R, G = ships.shape
    here = c64(p.group_arrival <= day)
    effort = c64(s["effort"])
    on_station = prs(v["sub_on_station_share"], P, R)
    xs, ys, nas, nes, exs = (np.empty((P, R)) for _ in range(5))
    fight = _sizes(
        ships,
        here,
        effort,
        on_station,
        prs(v["fleet_withdraw_share"], P, R),
        k["amph"],
        k["esc"],
        k["sub"],
        k["actor"],
        k["amph0"],
        xs,
        ys,
        nas,
        nes,
        exs,
    )
    if not fight:
        return {}
    noise = c64(rng.lognormal("submarines", day, 1, v["salvo_sigma"])[:, 0])
    before = s.get("today_amph_sunk", 0.0)
    sunk_before = cb(before, (P, R, G))
    # the kernel writes only the groups that change, each after reading it: the outputs start
    # as copies of the inputs, or are the inputs themselves where the loop allows it
    out = {
        f: output(s, f, x, copy=True)[0]
        for f, x in (("ships", ships), ("today_amph_sunk", sunk_before))
    }
    _kernel(
        ships,
        here,
        effort,
        on_station,
        k["amph"],
        k["esc"],
        k["sub"],
        k["actor"],
        xs,
        ys,
        nas,
        nes,
        exs,
        prs(v["sub_kill_rate"], P, R),
        noise,
        prs(v["sub_loss_rate"], P, R),
        prs(v["sub_amphib_share"], P, R),
        sunk_before,
        out["ships"],
        out["today_amph_sunk"],
        live_rows(s),
    )
    return out
