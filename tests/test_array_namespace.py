"""The engine runs on any NumPy-like array namespace (the path a GPU library such as CuPy takes).

A proxy namespace that is not `numpy` itself sends the engine down its portable code paths
(no `ufunc.reduceat`, no `where=` in ufuncs); results must agree with the NumPy path.
"""

from __future__ import annotations

import numpy as np

import straitsim as ss
from straitsim.engine.campaign import simulate
from straitsim.scenario.compile import compile_params


class ArrayNamespace:
    """numpy under another name, as CuPy would be."""

    def __getattr__(self, name: str):
        return getattr(np, name)


def test_portable_paths_agree_with_numpy(csis):
    p = compile_params(csis, [{}, {"JPN": "neutral"}])
    ref = simulate(p, 64, 5)
    alt = simulate(p, 64, 5, xp=ArrayNamespace())
    np.testing.assert_array_equal(ref.outcome, alt.outcome)
    for c in ref.losses:
        for m in ref.losses[c]:
            np.testing.assert_allclose(ref.losses[c][m], alt.losses[c][m], rtol=1e-9, atol=1e-9)


def test_portable_paths_are_chunk_invariant(csis):
    p = compile_params(ss.load_scenario("csis-2026"))
    xp = ArrayNamespace()
    whole = simulate(p, 40, 8, xp=xp)
    parts = [simulate(p, 10, 8, rep_offset=o, xp=xp) for o in range(0, 40, 10)]
    np.testing.assert_array_equal(whole.outcome, np.concatenate([x.outcome for x in parts], axis=1))
    for m in whole.losses["USA"]:
        np.testing.assert_array_equal(
            whole.losses["USA"][m], np.concatenate([x.losses["USA"][m] for x in parts], axis=1)
        )
