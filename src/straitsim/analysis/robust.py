"""Robustness metrics over a worlds x options matrix (McPhail et al. 2018).

Every function takes ``values``, shape ``(worlds, options)``, where larger is better (negate
a cost first), and returns one number per option:

- :func:`expected_value`: the mean across worlds (the expected-value choice maximises it);
- :func:`satisficing_share`: Starr's domain criterion, the share of worlds in which the
  option does at least ``level`` times as well as the best option of that world;
- :func:`regret` / :func:`max_regret`: shortfall from the best option of each world; the
  minimax-regret choice minimises the largest shortfall (:func:`p90_regret`: its 90th
  percentile, less sensitive to one extreme world);
- :func:`top_k_share`: rank stability, the share of worlds in which the option ranks in the
  top ``k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from straitsim.errors import UserError

RULES = ("expected_value", "minimax_regret", "satisficing")


def _check(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] < 1 or v.shape[1] < 1 or not np.all(np.isfinite(v)):
        raise UserError(
            "bad worlds x options matrix",
            key="values",
            expected="a finite 2-D array",
            found=f"shape {v.shape}",
        )
    return v


def expected_value(values: np.ndarray) -> np.ndarray:
    """Return the mean of each option across worlds."""
    return np.asarray(_check(values).mean(axis=0), dtype=float)


def regret(values: np.ndarray) -> np.ndarray:
    """Return each option's shortfall from the best option, world by world."""
    v = _check(values)
    return np.asarray(v.max(axis=1, keepdims=True) - v, dtype=float)


def max_regret(values: np.ndarray) -> np.ndarray:
    """Return each option's largest regret across worlds."""
    return np.asarray(regret(values).max(axis=0), dtype=float)


def p90_regret(values: np.ndarray) -> np.ndarray:
    """Return the 90th percentile of each option's regret across worlds."""
    return np.asarray(np.quantile(regret(values), 0.9, axis=0), dtype=float)


def satisficing_share(values: np.ndarray, level: float = 0.8) -> np.ndarray:
    """Return the share of worlds where the option reaches ``level`` x that world's best.

    A world whose best option gains nothing (best <= 0) is satisficed only by options that
    match the best.
    """
    if not 0.0 <= float(level) <= 1.0:
        raise UserError(
            "bad satisficing level", key="level", expected="a number in [0, 1]", found=repr(level)
        )
    v = _check(values)
    best = v.max(axis=1, keepdims=True)
    ok = np.where(best > 0, v >= level * best, v >= best)
    return np.asarray(ok.mean(axis=0), dtype=float)


def top_k_share(values: np.ndarray, k: int = 3) -> np.ndarray:
    """Return the share of worlds in which each option ranks in the top ``k`` (ties: order)."""
    v = _check(values)
    order = np.argsort(-v, axis=1, kind="stable")
    top = np.zeros_like(v, dtype=bool)
    np.put_along_axis(top, order[:, : min(k, v.shape[1])], True, axis=1)
    return np.asarray(top.mean(axis=0), dtype=float)


def best_share(values: np.ndarray) -> np.ndarray:
    """Return the share of worlds in which each option is the best (ties split evenly)."""
    v = _check(values)
    is_best = v == v.max(axis=1, keepdims=True)
    return np.asarray((is_best / is_best.sum(axis=1, keepdims=True)).mean(axis=0), dtype=float)


def choices(values: np.ndarray, names: Sequence[str], level: float = 0.8) -> dict[str, Any]:
    """Return the option each rule picks, side by side, with the rule named."""
    ev, mr, sat = expected_value(values), max_regret(values), satisficing_share(values, level)
    return {
        "expected_value": {
            "rule": "highest mean across worlds",
            "option": names[int(np.argmax(ev))],
        },
        "minimax_regret": {
            "rule": "smallest largest shortfall from each world's best",
            "option": names[int(np.argmin(mr))],
        },
        "satisficing": {
            "rule": f"most worlds with at least {level:.0%} of that world's best",
            "option": names[int(np.argmax(sat))],
        },
    }
