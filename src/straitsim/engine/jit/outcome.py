"""Compiled outcome step: :func:`straitsim.engine.campaign.decide`, row by row."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from straitsim.engine.jit.common import c64, njit, pr, prs
from straitsim.engine.outcome import AGAINST, DEFEAT, STALEMATE, TOWARD, VICTORY
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import UNDECIDED, State

_EPS = 1e-12
_CONST: dict[int, tuple[Params, dict[str, Any]]] = {}
# the values the kernel reads, in its argument order
_VALUES = (
    "roc_reserve_quality",
    "port_offload_tpd",
    "victory_port_tpd",
    "victory_force_ratio",
    "defeat_force_ratio",
    "defeat_fleet_sunk_share",
    "against_fleet_sunk_share",
    "settle_tol",
    "capitulation_will",
    "victory_territory_share",
    "fleet_withdraw_share",
    "settle_days",
    "war_end_days",
)


def constants(p: Params) -> dict[str, Any]:
    """Per-scenario arrays of the kernel (computed once per compiled scenario)."""
    hit = _CONST.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_CONST) > 32:
        _CONST.clear()
    out = {
        "amph": c64(p.derived.prc_amphib),
        "n0": float((np.asarray(p.group_n0) * p.derived.prc_amphib).sum()),
    }
    _CONST[id(p)] = (p, out)
    return out


@njit
def _judge(
    sunk: float,
    ashore: float,
    dfd: float,
    ports: bool,
    vfr: float,
    dfr: float,
    dfs: float,
    afs: float,
) -> int:
    """:func:`straitsim.engine.outcome.judge` for one replication."""
    outnumber = ashore > vfr * dfd
    confined = ashore <= dfr * dfd
    if outnumber and ports:
        return VICTORY
    if sunk >= dfs and confined and not ports:
        return DEFEAT
    if ports or outnumber:
        return TOWARD
    if sunk >= afs:
        return AGAINST
    return STALEMATE


@njit
def _kernel(
    day: float,
    judge_now: bool,
    last: bool,
    amph: np.ndarray,
    n0: float,
    ships: np.ndarray,
    bn_ashore: np.ndarray,
    bn_pool: np.ndarray,
    roc_active: np.ndarray,
    roc_reserve: np.ndarray,
    roc_mobilised: np.ndarray,
    roc_will: np.ndarray,
    port_tpd: np.ndarray,
    territory: np.ndarray,
    capital: np.ndarray,
    verdict: np.ndarray,
    verdict_day: np.ndarray,
    settle_ref: np.ndarray,
    settle_n: np.ndarray,
    outcome: np.ndarray,
    decided_day: np.ndarray,
    rrq: np.ndarray,
    offload: np.ndarray,
    vpt: np.ndarray,
    vfr: np.ndarray,
    dfr: np.ndarray,
    dfs: np.ndarray,
    afs: np.ndarray,
    tol: np.ndarray,
    cw: np.ndarray,
    vts: np.ndarray,
    fws: np.ndarray,
    settle_days: np.ndarray,
    war_end: np.ndarray,
    o_verdict: np.ndarray,
    o_vday: np.ndarray,
    o_ref: np.ndarray,
    o_n: np.ndarray,
    o_outcome: np.ndarray,
    o_decided: np.ndarray,
) -> None:
    P, R, G = ships.shape
    q = np.empty(4)
    for p in range(P):
        for r in range(R):
            if outcome[p, r] != UNDECIDED:  # decided: carried over (it no longer changes)
                o_verdict[p, r] = verdict[p, r]
                o_vday[p, r] = verdict_day[p, r]
                o_ref[p, r] = settle_ref[p, r]
                o_n[p, r] = settle_n[p, r]
                o_outcome[p, r] = outcome[p, r]
                o_decided[p, r] = decided_day[p, r]
                continue
            if n0 > 0:
                left = 0.0
                for g in range(G):
                    left += ships[p, r, g] * amph[g]
                sunk = 1.0 - (left / n0 if n0 > _EPS else 1.0)
            else:
                sunk = 0.0
            ashore = bn_ashore[p, r]
            dfd = roc_active[p, r] + rrq[p, r] * roc_reserve[p, r] * roc_mobilised[p, r]
            share = port_tpd[p, r] / offload[p, r]
            tot = ashore + dfd
            q[0] = sunk
            q[1] = ashore / tot if tot > _EPS else 0.0
            q[2] = min(share, 1.0)
            q[3] = territory[p, r]
            # the largest move since the reference (NaN anywhere: not moved, as NumPy's max)
            big = -math.inf
            nan = False
            for i in range(4):
                d = abs(q[i] - settle_ref[p, r, i])
                if d != d:
                    nan = True
                big = max(big, d)
            moved = (not nan) and big > tol[p, r]
            count = 0.0 if moved else settle_n[p, r] + 1.0
            for i in range(4):
                o_ref[p, r, i] = q[i] if moved else settle_ref[p, r, i]
            o_n[p, r] = count
            v_now = verdict[p, r]
            vday = verdict_day[p, r]
            if judge_now:
                won = (
                    roc_will[p, r] <= cw[p, r]
                    or territory[p, r] >= vts[p, r]
                    or capital[p, r] >= 1.0
                )
                no_port = port_tpd[p, r] <= 0.0
                lift_out = (1.0 - sunk) < fws[p, r] and no_port
                gone = bn_pool[p, r] < 0.5 and ashore < 0.5
                settled = lift_out or gone or count >= settle_days[p, r]
                ports = port_tpd[p, r] >= vpt[p, r]
                new = UNDECIDED
                if won:
                    new = VICTORY
                elif settled or last:
                    new = _judge(
                        sunk, ashore, dfd, ports, vfr[p, r], dfr[p, r], dfs[p, r], afs[p, r]
                    )
                if v_now == UNDECIDED and new != UNDECIDED:
                    v_now = new
                    vday = day
            o_verdict[p, r] = v_now
            o_vday[p, r] = vday
            ends = v_now != UNDECIDED and (day - vday >= war_end[p, r] or last)
            if outcome[p, r] == UNDECIDED and ends:
                o_outcome[p, r] = v_now
                o_decided[p, r] = vday
            else:
                o_outcome[p, r] = outcome[p, r]
                o_decided[p, r] = decided_day[p, r]


def decide(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.campaign.decide` compiled (the same verdicts and days)."""
    last = day == p.n_days - 1
    start = v["invasion_start_day"]
    if day < start and not last:
        return {}
    k = constants(p)
    P, R = s["bn_ashore"].shape
    out = {
        "verdict": np.empty((P, R), dtype=np.int8),
        "verdict_day": np.empty((P, R)),
        "settle_ref": np.empty((P, R, 4)),
        "settle_n": np.empty((P, R)),
        "outcome": np.empty((P, R), dtype=np.int8),
        "decided_day": np.empty((P, R)),
    }
    kernel: Any = _kernel  # called with the state fields and values unpacked, in order
    kernel(
        float(day),
        bool(day >= start + 1 or last),
        bool(last),
        k["amph"],
        k["n0"],
        c64(s["ships"]),
        *[pr(s[f], P, R) for f in _STATE],
        np.ascontiguousarray(s["verdict"], dtype=np.int8),
        pr(s["verdict_day"], P, R),
        c64(s["settle_ref"]),
        pr(s["settle_n"], P, R),
        np.ascontiguousarray(s["outcome"], dtype=np.int8),
        pr(s["decided_day"], P, R),
        *[prs(v[name], P, R) for name in _VALUES],
        *out.values(),
    )
    return out


_STATE = (
    "bn_ashore",
    "bn_pool",
    "roc_active",
    "roc_reserve",
    "roc_mobilised",
    "roc_will",
    "port_tpd",
    "territory",
    "capital",
)
