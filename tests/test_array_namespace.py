"""The engine runs on any NumPy-like array namespace (the path a GPU library such as CuPy takes).

``ArrayNamespace`` is NumPy under another name whose arrays, like a GPU library's, refuse to
be combined with plain host arrays: it sends the engine down its portable code paths (no
``ufunc.reduceat``, no ``where=`` in ufuncs) and fails on any host array that slips into
device arithmetic. Results must agree with the NumPy path.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

import straitsim as ss
from straitsim.engine.campaign import simulate
from straitsim.scenario.compile import compile_params


class DeviceArray(np.ndarray):
    """An array that, like a GPU array, refuses arithmetic with host arrays."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kw):  # noqa: ANN001
        for x in inputs:
            if isinstance(x, np.ndarray) and not isinstance(x, DeviceArray) and x.ndim > 0:
                raise TypeError(f"host array {x.shape} in {ufunc.__name__}")
        args = [x.view(np.ndarray) if isinstance(x, DeviceArray) else x for x in inputs]
        if out is not None:
            kw["out"] = tuple(o.view(np.ndarray) if isinstance(o, DeviceArray) else o for o in out)
        return _device(getattr(ufunc, method)(*args, **kw))

    def get(self) -> np.ndarray:
        """Copy to the host (CuPy's spelling)."""
        return self.view(np.ndarray).copy()


def _device(x: Any) -> Any:
    if isinstance(x, tuple):
        return tuple(_device(y) for y in x)
    if isinstance(x, np.generic):
        return np.asarray(x).view(DeviceArray)
    if isinstance(x, np.ndarray) and not isinstance(x, DeviceArray):
        return x.view(DeviceArray)
    return x


class ArrayNamespace:
    """NumPy's functions returning device arrays, under a name that is not ``numpy``."""

    uint64, float64, int8, int64 = np.uint64, np.float64, np.int8, np.int64

    def __getattr__(self, name: str) -> Any:
        f = getattr(np, name)
        if not callable(f) or isinstance(f, type):
            return f

        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> Any:
            return _device(f(*args, **kwargs))

        return call


def test_portable_paths_agree_with_numpy():
    sc = ss.load_scenario(
        "csis-2026", sets=["us_strikes_mainland=1", "civil_airports_access=1", "extra_shelters=400"]
    )
    p = compile_params(sc, [{}, {"JPN": "neutral"}, {"USA": "none"}])
    ref = simulate(p, 64, 5)
    alt = simulate(p, 64, 5, xp=ArrayNamespace())
    np.testing.assert_array_equal(ref.outcome, alt.outcome)
    for c in ref.losses:
        for m in ref.losses[c]:
            np.testing.assert_allclose(ref.losses[c][m], alt.losses[c][m], rtol=1e-9, atol=1e-9)


def test_portable_paths_are_chunk_invariant():
    p = compile_params(ss.load_scenario("csis-2026"))
    xp = ArrayNamespace()
    whole = simulate(p, 40, 8, xp=xp)
    parts = [simulate(p, 10, 8, rep_offset=o, xp=xp) for o in range(0, 40, 10)]
    np.testing.assert_array_equal(whole.outcome, np.concatenate([x.outcome for x in parts], axis=1))
    for m in whole.losses["USA"]:
        np.testing.assert_array_equal(
            whole.losses["USA"][m], np.concatenate([x.losses["USA"][m] for x in parts], axis=1)
        )
