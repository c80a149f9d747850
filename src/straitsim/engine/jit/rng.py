"""Compiled SplitMix64 uniforms: the same integer arithmetic as :meth:`Streams.uniform`."""

from __future__ import annotations

import math

import numpy as np

from straitsim.engine.jit.common import njit
from straitsim.engine.random import DrawKernels

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / float(1 << 53)


@njit
def _u(base: np.uint64, rep_gamma: np.uint64) -> float:
    """One uniform: SplitMix64's output function of ``base + rep_gamma``, 53 bits, centred."""
    z = base + rep_gamma
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (np.float64(z >> np.uint64(11)) + 0.5) * _TO_UNIT


@njit
def _fill(key: np.uint64, hi0: np.uint64, rep_gamma: np.ndarray, out: np.ndarray) -> None:
    R, K = out.shape
    # key + GAMMA * (hi + rep), the slot part first as in the NumPy version (mod 2**64)
    b = np.empty(K, dtype=np.uint64)
    for j in range(K):
        b[j] = key + (hi0 + np.uint64(j << 32)) * _GAMMA
    if K <= 2:  # slot by slot: the loop over rows is vectorised
        for j in range(K):
            for r in range(R):
                out[r, j] = _u(b[j], rep_gamma[r])
        return
    for r in range(R):  # row by row: one pass over `out` (not one per slot)
        g = rep_gamma[r]
        for j in range(K):
            out[r, j] = _u(b[j], g)


# Taylor coefficients of sin and cos on [-pi/4, pi/4]: the first omitted terms, x^19 / 19! and
# x^20 / 20!, are below 1e-19 there (well under half a unit in the last place).
_SIN = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(9))
_COS = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(10))
_S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8 = _SIN[1:]
_C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9 = _COS[1:]


@njit
def cos_sin_turns(u: float) -> tuple[float, float]:
    """``cos(2 pi u)`` and ``sin(2 pi u)`` for ``0 <= u <= 1``, to about one unit in the last place.

    The angle is reduced exactly in turns (``u - q / 4``, Sterbenz), so the result is that of
    the exact angle ``2 pi u``; NumPy's ``cos((2 pi) u)`` is that of the rounded angle (they
    differ by at most about 1e-15, absolutely).
    """
    q = math.floor(4.0 * u + 0.5)
    x = (2.0 * np.pi) * (u - 0.25 * q)  # in [-pi/4, pi/4]
    x2 = x * x
    s = x + x * x2 * (
        _S1 + x2 * (_S2 + x2 * (_S3 + x2 * (_S4 + x2 * (_S5 + x2 * (_S6 + x2 * (_S7 + x2 * _S8))))))
    )
    c = 1.0 + x2 * (
        _C1
        + x2
        * (
            _C2
            + x2 * (_C3 + x2 * (_C4 + x2 * (_C5 + x2 * (_C6 + x2 * (_C7 + x2 * (_C8 + x2 * _C9))))))
        )
    )
    # quarter turns k: (c, s), (-s, c), (-c, -s), (s, -c), chosen without branches
    k = int(q) & 3
    swap = (k & 1) == 1
    a = s if swap else c
    b = c if swap else s
    return a * (1.0 - 2.0 * (((k + 1) >> 1) & 1)), b * (1.0 - 2.0 * (k >> 1))


@njit
def _fill_normal(key: np.uint64, hi0: np.uint64, rep_gamma: np.ndarray, out: np.ndarray) -> None:
    R, K = out.shape
    m = (K + 1) // 2
    # each slot's counter part (the same for every row), then row by row: each row's normals
    # are written together (one pass over `out`, not one per pair)
    b = np.empty(2 * m, dtype=np.uint64)
    for j in range(2 * m):
        b[j] = key + (hi0 + np.uint64(j << 32)) * _GAMMA
    for r in range(R):
        g = rep_gamma[r]
        for j in range(m):
            rr = math.sqrt(-2.0 * math.log(_u(b[j], g)))
            c, s = cos_sin_turns(_u(b[m + j], g))
            out[r, j] = rr * c
            if m + j < K:
                out[r, m + j] = rr * s


def uniform(key: np.uint64, day_base: int, k: int, rep_gamma: np.ndarray) -> np.ndarray:
    """Uniforms ``(R, k)`` for slots ``0 .. k - 1`` of a day: ``day_base`` is ``day x MAX_SLOTS``.

    ``rep_gamma`` is the (R,) uint64 per-replication counter part (``rep x GAMMA``).
    """
    out = np.empty((rep_gamma.shape[0], k))
    hi0 = np.uint64((day_base << 32) + 1)
    _fill(np.uint64(key), hi0, rep_gamma, out)
    return out


def normal(key: np.uint64, day_base: int, k: int, rep_gamma: np.ndarray) -> np.ndarray:
    """Return standard normals ``(R, k)``: Box-Muller as in :meth:`Streams.normal`.

    The same uniforms as :func:`uniform`; the C library's logarithm, and the sines of
    :func:`cos_sin_turns` (the exact angle: within about 1e-15 of NumPy's, absolutely).
    """
    out = np.empty((rep_gamma.shape[0], k))
    hi0 = np.uint64((day_base << 32) + 1)
    _fill_normal(np.uint64(key), hi0, rep_gamma, out)
    return out


KERNELS = DrawKernels(uniform, normal)
