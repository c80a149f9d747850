"""Helpers shared by the tests that run compiled steps beside the NumPy ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from straitsim.engine.state import UNDECIDED, State


def live_outputs(want: State, got: State, state: State) -> Iterator[tuple[str, Any, Any]]:
    """Each field either step returns, as ``(name, reference, compiled)``, live rows only.

    Decided replications are frozen after the day: a compiled step carries them over (and may
    then return fewer fields: only decided ones would change), the reference computes them. A
    field one step does not return is the state's. Values without a replication axis as
    they are.
    """
    live = np.asarray(state["outcome"]) == UNDECIDED
    for k in sorted(set(want) | set(got)):
        a, b = want.get(k, state.get(k)), got.get(k, state.get(k))
        yield k, _rows(a, live), _rows(b, live)


def _rows(a: Any, live: np.ndarray) -> Any:
    if a is None:
        return None
    x = np.asarray(a, dtype=np.float64)
    if x.ndim < 2:
        return x
    return np.broadcast_to(x, live.shape + x.shape[2:])[live]
