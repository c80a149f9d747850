"""Named, counter-based random streams: common random numbers by construction.

One ``numpy.random.SeedSequence`` per run gives each named stream (one per module, one per
uncertain parameter) its own 64-bit key. A draw is then a pure function of
``(seed, stream name, day, slot, replication index)``: SplitMix64's output function applied
to ``key + GAMMA * counter``. Hence

* the same seed gives the same numbers whatever the chunking, the number of workers or the
  machine (integer arithmetic only, no platform-dependent state);
* every role profile in a batch sees the same noise for the same replication (the draws have
  shape ``(replications, k)`` and broadcast over the profile axis);
* adding a draw to one module never shifts another module's numbers.

SplitMix64 is the generator Java's ``SplittableRandom`` uses; its output function applied to a
Weyl sequence passes BigCrush. The array namespace ``xp`` is NumPy by default; any array library
with 64-bit unsigned integer arithmetic (CuPy) works unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)
MAX_SLOTS = 4096  # draws per stream per day per replication
MAX_DAYS = 4096


def _stream_key(seed: int, name: str) -> np.uint64:
    """Key of a named stream, from a SeedSequence spawned with the name's CRC32."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


# A compiled generator: (stream key, day x MAX_SLOTS, k, (R,) rep x GAMMA) -> (R, k) draws.
DrawKernel = Callable[[np.uint64, int, int, np.ndarray], np.ndarray]


class DrawKernels(NamedTuple):
    """Compiled draws (:data:`straitsim.engine.jit.rng.KERNELS`).

    The same uniforms bit for bit, and normals by the same Box-Muller formula (equal within
    about 1e-15: the C library's logarithm, sines of the exact angle).
    """

    uniform: DrawKernel
    normal: DrawKernel


class Streams:
    """Random numbers for replications ``rep_offset .. rep_offset + n_reps - 1``.

    ``kernel`` (NumPy only) computes the draws with compiled code (the ``numba`` device):
    the same integer arithmetic, the same uniforms.
    """

    def __init__(
        self,
        seed: int,
        rep_offset: int,
        n_reps: int,
        xp: Any = np,
        kernel: DrawKernels | None = None,
    ) -> None:
        if rep_offset < 0 or n_reps < 0 or rep_offset + n_reps > (1 << 32):
            raise ValueError("replication indices must lie in [0, 2**32)")
        self.seed = int(seed)
        self.xp = xp
        self.kernel = kernel if xp is np else None
        self.n_reps = n_reps
        self._rep = xp.arange(rep_offset, rep_offset + n_reps, dtype=xp.uint64)
        with np.errstate(over="ignore"):
            self._rep_gamma = (self._rep * _GAMMA)[:, None]  # counter part of each replication
        self._keys: dict[str, np.uint64] = {}

    def subset(self, rows: Any) -> Streams:
        """Return the same streams for a subset of this object's replications (batch rows)."""
        out = object.__new__(Streams)
        out.seed, out.xp, out._keys, out.kernel = self.seed, self.xp, self._keys, self.kernel
        out._rep = self._rep[rows]
        out._rep_gamma = self._rep_gamma[rows]
        out.n_reps = int(out._rep.shape[0])
        return out

    def key(self, name: str) -> np.uint64:
        """Return (and cache) the key of stream ``name``."""
        k = self._keys.get(name)
        if k is None:
            k = _stream_key(self.seed, name)
            self._keys[name] = k
        return k

    def uniform(self, name: str, day: int, k: int = 1) -> Any:
        """Uniforms in (0, 1), shape ``(n_reps, k)``."""
        xp = self.xp
        if not (0 <= day < MAX_DAYS and 0 < k <= MAX_SLOTS):
            raise ValueError("day or slot count out of range")
        if self.kernel is not None:
            return self.kernel.uniform(self.key(name), day * MAX_SLOTS, k, self._rep_gamma[:, 0])
        slots = xp.arange(k, dtype=xp.uint64)
        hi = ((np.uint64(day) * np.uint64(MAX_SLOTS) + slots) << np.uint64(32)) + np.uint64(1)
        with np.errstate(over="ignore"):
            # key + GAMMA * (hi + rep): the per-slot part once, the per-replication part cached
            z = (self.key(name) + hi * _GAMMA)[None, :] + self._rep_gamma
            z = (z ^ (z >> _S30)) * _M1
            z = (z ^ (z >> _S27)) * _M2
            z = z ^ (z >> _S31)
        # 53 random bits, shifted half a step so 0 and 1 are never returned.
        return ((z >> _S11).astype(xp.float64) + 0.5) * _TO_UNIT

    def normal(self, name: str, day: int, k: int = 1) -> Any:
        """Draw standard normals, shape ``(n_reps, k)``: Box-Muller, two per pair of uniforms."""
        xp = self.xp
        if self.kernel is not None:
            if not (0 <= day < MAX_DAYS and 0 < k <= MAX_SLOTS):
                raise ValueError("day or slot count out of range")
            return self.kernel.normal(self.key(name), day * MAX_SLOTS, k, self._rep_gamma[:, 0])
        m = (k + 1) // 2
        u = self.uniform(name, day, 2 * m)
        r = xp.sqrt(-2.0 * xp.log(u[:, :m]))
        theta = (2.0 * np.pi) * u[:, m:]
        z = xp.concatenate([r * xp.cos(theta), r * xp.sin(theta)], axis=1)
        return z[:, :k]

    def lognormal(self, name: str, day: int, k: int, sigma: Any) -> Any:
        """Mean-one lognormal multipliers ``exp(sigma z - sigma^2 / 2)``, shape ``(n_reps, k)``."""
        xp = self.xp
        s = xp.asarray(sigma)
        if s.ndim >= 1:  # one sigma per replication: (R,) or a sampled value's (1, R)
            s = s.reshape(-1, 1)
        return xp.exp(s * self.normal(name, day, k) - 0.5 * s * s)
