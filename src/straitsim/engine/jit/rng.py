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
    for j in range(K):
        # key + GAMMA * (hi + rep), the slot part first as in the NumPy version (mod 2**64)
        base = key + (hi0 + np.uint64(j << 32)) * _GAMMA
        for r in range(R):
            out[r, j] = _u(base, rep_gamma[r])


@njit
def _fill_normal(key: np.uint64, hi0: np.uint64, rep_gamma: np.ndarray, out: np.ndarray) -> None:
    R, K = out.shape
    m = (K + 1) // 2
    two_pi = 2.0 * np.pi
    for j in range(m):
        b1 = key + (hi0 + np.uint64(j << 32)) * _GAMMA
        b2 = key + (hi0 + np.uint64((m + j) << 32)) * _GAMMA
        for r in range(R):
            rr = math.sqrt(-2.0 * math.log(_u(b1, rep_gamma[r])))
            theta = two_pi * _u(b2, rep_gamma[r])
            out[r, j] = rr * math.cos(theta)
            if m + j < K:
                out[r, m + j] = rr * math.sin(theta)


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

    The same uniforms as :func:`uniform`; the logarithm and sines of the C library.
    """
    out = np.empty((rep_gamma.shape[0], k))
    hi0 = np.uint64((day_base << 32) + 1)
    _fill_normal(np.uint64(key), hi0, rep_gamma, out)
    return out


KERNELS = DrawKernels(uniform, normal)
