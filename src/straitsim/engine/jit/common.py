"""Shared helpers for the compiled steps: the ``njit`` decorator and value broadcasting."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from straitsim.engine.state import UNDECIDED, WRITABLE

# One decorator for every kernel: compiled once per machine and cached on disk; NumPy's error
# model (division by zero gives inf/nan as in the reference, no exception), no fastmath (the
# kernels must equal the NumPy reference within 1e-9; the missile kernel alone may reorder its
# sums, a rounding-level difference: see engine/jit/missiles.py).
_NJIT = numba.njit(cache=True, error_model="numpy", nogil=True)
F = TypeVar("F", bound=Callable[..., Any])


def njit(f: F) -> F:
    """Compile ``f`` with the options above (typed for mypy: the kernel keeps its signature)."""
    return cast(F, _NJIT(f))


def pr(x: Any, P: int, R: int) -> np.ndarray:
    """Return a value (scalar, (R,), (1, R) or (P, R)) as a C-contiguous float64 (P, R) array."""
    if isinstance(x, float | int):
        return np.full((P, R), float(x))
    a = np.asarray(x, dtype=np.float64)
    if a.shape == (P, R) and a.flags.c_contiguous and a.flags.writeable:
        return a
    if a.ndim == 1:
        a = a[None, :]
    if P == 1 and a.shape == (1, R):
        return c64(a)
    return c64(np.broadcast_to(a, (P, R)))


Memo = dict[tuple[Any, ...], tuple[tuple[Any, ...], np.ndarray]]
_SHARED: Memo = {}
_SHARED_MAX = 512  # one array per value a kernel reads, over a few compactions
_PACKED: Memo = {}
_PACKED_MAX = 16  # a few kernels x the values of the last compactions (each P x R x k floats)


def _part(x: Any) -> tuple[str, float]:
    """Return a memo key's part for one source: a scalar's value, an array's identity."""
    return ("f", float(x)) if isinstance(x, float | int) else ("a", id(x))


def _memo(cache: Memo, limit: int, sources: tuple[Any, ...], P: int, R: int, make: Any) -> Any:
    """Return the array ``make()`` built from ``sources`` before, or build and keep it.

    Keyed by each source (a scalar's value, an array's identity) and the shape; a hit must
    come from the very same arrays (an id can be reused once an array is gone). Beyond
    ``limit`` entries the oldest go first (each compaction leaves its values behind).
    """
    key = (*map(_part, sources), P, R)
    hit = cache.get(key)
    if hit is not None and all(
        a is b or isinstance(b, float | int) for a, b in zip(hit[0], sources, strict=True)
    ):
        return hit[1]
    while len(cache) >= limit:
        del cache[next(iter(cache))]
    out = make()
    cache[key] = (sources, out)
    return out


def prs(x: Any, P: int, R: int) -> np.ndarray:
    """:func:`pr` for a kernel's read-only inputs: the same (P, R) array for the same value.

    Parameter values stay the same from day to day, so a scalar's array (and a sampled
    value's) is made once and shared; a kernel must never write into it. (The kernels ask for
    a hundred of these a day: a direct lookup, by value or by the array's identity.)
    """
    hit = _SHARED.get((_part(x), P, R))  # _memo's key for one source
    if hit is not None and (hit[0][0] is x or isinstance(x, float | int)):
        return hit[1]
    out: np.ndarray = _memo(_SHARED, _SHARED_MAX, (x,), P, R, lambda: pr(x, P, R))
    return out


def derived(tag: str, sources: tuple[np.ndarray, ...], P: int, R: int, make: Any) -> np.ndarray:
    """Return the read-only (P, R) array ``make()`` computes from per-row values (made once).

    For a kernel's per-row constants that cost a power or an exponential each day (the same
    every day: computed once, vectorised); ``tag`` names the quantity, ``sources`` are the
    :func:`prs` arrays it comes from.
    """
    out: np.ndarray = _memo(_SHARED, _SHARED_MAX, (tag, *sources), P, R, make)
    return out


def kill_by_interceptors(v: Any, P: int, R: int, ballistic: bool = False) -> np.ndarray:
    """``1 - (1 - pk)^k``: the chance that at least one of ``k`` interceptors kills, per row.

    ``pk`` is ``pk_interceptor`` (``pk_interceptor_ballistic`` with ``ballistic``) and ``k``
    ``interceptors_per_missile``; made once for their values (:func:`derived`).
    """
    k = prs(v["interceptors_per_missile"], P, R)
    pk = prs(v["pk_interceptor_ballistic" if ballistic else "pk_interceptor"], P, R)
    return derived("kill_by_interceptors", (pk, k), P, R, lambda: 1.0 - (1.0 - pk) ** k)


def pack(values: tuple[Any, ...], P: int, R: int) -> np.ndarray:
    """Values (each as :func:`pr` takes them) side by side: a C-contiguous (P, R, k) array.

    A kernel then reads a row's k parameters from one place (adjacent numbers) instead of
    from k arrays, each a stream of its own through memory (most of them constant arrays of
    one unsampled value). Made once for the same values, as :func:`prs`; read-only to kernels.
    """

    def make() -> np.ndarray:
        out = np.empty((P, R, len(values)))
        for i, x in enumerate(values):
            out[:, :, i] = pr(x, P, R)
        return out

    packed: np.ndarray = _memo(_PACKED, _PACKED_MAX, tuple(values), P, R, make)
    return packed


_LIVE: list[Any] = [None, None]


def live_rows(s: Any) -> np.ndarray:
    """Return the (P, R) mask of replications still undecided at the start of the day.

    A decided replication no longer changes, so a kernel carries its inputs over instead of
    computing it (or, writing in place, leaves it alone). Made once per ``outcome`` array (the
    same all day until the outcome step).
    """
    o = s["outcome"]
    if _LIVE[0] is not o:
        _LIVE[0], _LIVE[1] = o, np.ascontiguousarray(o == UNDECIDED)
    live: np.ndarray = _LIVE[1]
    return live


def output(s: Any, key: str, x: np.ndarray, copy: bool = False) -> tuple[np.ndarray, bool]:
    """Return the array a kernel writes field ``key`` into, and whether it is ``x`` itself.

    ``x`` (the kernel's input for the field) is reused where the campaign loop allows it
    (:data:`~straitsim.engine.state.WRITABLE`) and ``x`` is the state's own array; otherwise a
    fresh array (a copy of ``x`` with ``copy``: for kernels that write only what changes). A
    kernel writing into its input reads each element before it writes it.
    """
    if WRITABLE.get() and x is s.get(key) and x.flags.writeable and x.flags.c_contiguous:
        return x, True
    return (x.copy() if copy else np.empty_like(x)), False


def outputs(s: Any, inputs: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], bool]:
    """:func:`output` for several fields: the arrays by field, and whether all are the inputs."""
    made = {key: output(s, key, x) for key, x in inputs.items()}
    return {key: a for key, (a, _) in made.items()}, all(same for _, same in made.values())


def daily_output(s: Any, key: str, shape: tuple[int, ...]) -> tuple[np.ndarray, bool]:
    """Return the array a kernel writes the day's field ``key`` into, and whether it is fresh.

    Yesterday's array of the field where the loop allows writing in place (a decided
    replication then keeps yesterday's value, which nothing reads), else a fresh one (which
    the kernel must fill for every row).
    """
    x = s.get(key)
    if isinstance(x, np.ndarray) and x.shape == shape and x.dtype == np.float64:
        a, same = output(s, key, x)
        return a, not same
    return np.empty(shape), True


def c64(x: Any) -> np.ndarray:
    """Return an array as writable C-contiguous float64 (no copy when it already is).

    Writable always: numba types read-only arrays apart, so a read-only input (a broadcast
    view in the state) would compile every kernel it reaches a second time.
    """
    a = np.ascontiguousarray(x, dtype=np.float64)
    return a if a.flags.writeable else a.copy()


def cb(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    """:func:`c64` of ``x`` broadcast to ``shape`` (no copy when it has that shape already)."""
    if np.shape(x) == shape:
        return c64(x)
    return c64(np.broadcast_to(x, shape))


_EPS = 1e-12


@njit
def safe_div(a: float, b: float, default: float) -> float:
    """:func:`straitsim.engine.common.safe_div` for one pair: ``a / b`` where ``b > 1e-12``."""
    return a / b if b > _EPS else default


@njit
def square_step(x: float, y: float, a: float, b: float) -> tuple[float, float]:
    """:func:`straitsim.engine.laws.square_step` for one pair of forces, ``dt`` = 1."""
    a = max(a, _EPS)
    b = max(b, _EPS)
    r = min(math.sqrt(a * b) * 1.0, 50.0)
    ch, sh = math.cosh(r), math.sinh(r)
    x1 = x * ch - y * math.sqrt(b / a) * sh
    y1 = y * ch - x * math.sqrt(a / b) * sh
    inv = a * x * x - b * y * y
    x_wins = y1 <= 0
    y_wins = x1 <= 0
    x_end = math.sqrt(max(inv, 0.0) / a) if x_wins else x1
    y_end = math.sqrt(max(-inv, 0.0) / b) if y_wins else y1
    if y_wins:
        x_end = 0.0
    if x_wins:
        y_end = 0.0
    return min(max(x_end, 0.0), x), min(max(y_end, 0.0), y)
