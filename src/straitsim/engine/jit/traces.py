"""Compiled daily traces: :class:`straitsim.engine.trajectory.TraceRecorder`, row by row.

The same six traces from the same expressions, with NumPy's own summation order for the
sums over fleets, weapons and missile classes (so the values are the reference recorder's
on the same state), in one pass over the batch instead of a dozen array operations. A
replication whose campaign has ended (its outcome set before today) no longer changes: it is
not written again, and :meth:`CompiledTraceRecorder.finish` holds every replication's traces
at their value on the last day written.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.jit.common import c64, njit, pr, prs
from straitsim.engine.params import Params, Values
from straitsim.engine.state import UNDECIDED, State
from straitsim.engine.trajectory import TRACES, TraceRecorder

# each trace's row in the recorder's (6, P, T, R) block, in TRACES' order (the recorder test
# compares every trace by name with the NumPy recorder's, so a wrong order fails it)
_LIFT, _BN, _AIR, _STOCK, _MISSILES, _TERRITORY = range(len(TRACES))


@njit
def np_sum(x: np.ndarray) -> float:
    """Sum of a short contiguous vector in NumPy's order (pairwise, 8 accumulators).

    For up to 128 numbers (NumPy's block): sequential below 8, else 8 running sums combined
    pairwise and the remainder added one by one, as ``x.sum(-1)`` gives.
    """
    n = x.shape[0]
    if n < 8:
        res = -0.0
        for i in range(n):
            res += x[i]
        return res
    r0, r1, r2, r3 = x[0], x[1], x[2], x[3]
    r4, r5, r6, r7 = x[4], x[5], x[6], x[7]
    i = 8
    while i < n - n % 8:
        r0 += x[i]
        r1 += x[i + 1]
        r2 += x[i + 2]
        r3 += x[i + 3]
        r4 += x[i + 4]
        r5 += x[i + 5]
        r6 += x[i + 6]
        r7 += x[i + 7]
        i += 8
    total: float = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += x[i]
        i += 1
    return total


@njit
def _record(
    day: int,
    cols: np.ndarray,
    outcome: np.ndarray,
    open_: np.ndarray,
    last: np.ndarray,
    ships: np.ndarray,
    lift_t: np.ndarray,
    cycle: np.ndarray,
    scale: np.ndarray,
    roro_tpd: np.ndarray,
    roro_share: np.ndarray,
    port_tpd: np.ndarray,
    lift0: np.ndarray,
    bn_ashore: np.ndarray,
    air_sup: np.ndarray,
    stock: np.ndarray,
    stock0: float,
    land_inv: np.ndarray,
    asbm_inv: np.ndarray,
    prc0: float,
    territory: np.ndarray,
    out: np.ndarray,
) -> None:
    P, R, G = ships.shape
    prod = np.empty(G)
    for p in range(P):
        for r in range(R):
            c = cols[r]
            if not open_[p, c]:  # ended before today: its state no longer changes
                continue
            open_[p, c] = outcome[p, r] == UNDECIDED
            last[p, c] = day
            for g in range(G):
                prod[g] = ships[p, r, g] * lift_t[g]
            amph = np_sum(prod) / cycle[p, r] * scale[p, r]
            roro = roro_tpd[p, r] * roro_share[p, r] * (1.0 if port_tpd[p, r] > 0.0 else 0.0)
            l0 = lift0[p, r]
            out[_LIFT, p, day, c] = (amph + roro) / l0 if l0 > 0 else 1.0
            out[_BN, p, day, c] = bn_ashore[p, r]
            out[_AIR, p, day, c] = air_sup[p, r]
            out[_STOCK, p, day, c] = np_sum(stock[p, r]) / stock0
            out[_MISSILES, p, day, c] = (np_sum(land_inv[p, r]) + asbm_inv[p, r]) / prc0
            out[_TERRITORY, p, day, c] = territory[p, r]


@njit
def _hold(out: np.ndarray, last: np.ndarray) -> None:
    K, P, T, R = out.shape
    for k in range(K):
        for p in range(P):
            for c in range(R):
                d = last[p, c]
                if d < 0:
                    continue
                x = out[k, p, d, c]
                for t in range(d + 1, T):
                    out[k, p, t, c] = x


class CompiledTraceRecorder(TraceRecorder):
    """:class:`TraceRecorder` compiled: the same traces (float32), ended campaigns not rewritten.

    For NumPy arrays only (the ``numba`` device).
    """

    def __init__(self, p: Params, n_reps: int, xp: Any = np) -> None:
        super().__init__(p, n_reps, xp)
        self._open = np.ones((p.n_profiles, n_reps), dtype=np.bool_)
        self._last = np.full((p.n_profiles, n_reps), -1, dtype=np.int64)
        self._lift_t = c64(p.derived.prc_amphib * p.group_lift_t)

    def _allocate(self) -> dict[str, np.ndarray]:
        # one (6, P, T, R) block (the kernel writes every trace of a row together)
        self._out = np.zeros((len(TRACES), self.p.n_profiles, self.p.n_days, self.n_reps), "f4")
        return {k: self._out[i] for i, k in enumerate(TRACES)}

    def record(self, day: int, s: State, v: Values, rows: np.ndarray) -> None:
        """Write day ``day`` for the batch positions ``rows`` still fighting at its start."""
        ships = c64(s["ships"])
        P, R = ships.shape[:2]
        _record(
            day,
            np.ascontiguousarray(rows, dtype=np.int64),
            np.ascontiguousarray(s["outcome"]),
            self._open,
            self._last,
            ships,
            self._lift_t,
            prs(v["amphib_cycle_days"], P, R),
            prs(v["prc_lift_scale"], P, R),
            prs(v["roro_tpd"], P, R),
            pr(s["roro_share"], P, R),
            pr(s["port_tpd"], P, R),
            pr(s["lift0"], P, R),
            pr(s["bn_ashore"], P, R),
            pr(s["today_air_sup"], P, R),
            c64(s["stock"]),
            self.stock0,
            c64(s["land_inv"]),
            pr(s["asbm_inv"], P, R),
            self.prc0,
            pr(s["territory"], P, R),
            self._out,
        )

    def finish(self, done_day: np.ndarray) -> dict[str, np.ndarray]:
        """Hold each replication's traces at their value on the last day written."""
        _hold(self._out, self._last)
        return self.traces
