"""A SALib wrapper for any model ``X (n x d) -> Y (n,)``: Morris screening and Sobol indices.

It accepts any callable, so it is tested on functions with known indices (Ishigami for
Sobol, a linear function for Morris).
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Model = Callable[[np.ndarray], np.ndarray]


def _salib_seed(seed: int) -> int:
    # SALib treats a seed of 0 as "no seed" and falls back on NumPy's global generator, so
    # every seed (0 included) is mapped to a derived non-zero one.
    state = np.random.SeedSequence([int(seed), zlib.crc32(b"straitsim-salib")]).generate_state(1)
    return int(state[0]) or 1


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [list(map(float, b)) for b in bounds.values()],
    }


def salib_sample(
    bounds: Mapping[str, tuple[float, float]], method: str, n: int, seed: int = 0
) -> np.ndarray:
    """Build the SALib design for ``method``: Sobol (Saltelli) or Morris trajectories.

    Sobol: ``n`` base samples (a power of two is best), ``n (d + 2)`` rows (first and total
    order). Morris: ``n`` trajectories on a 4-level grid, ``n (d + 1)`` rows.
    """
    problem = _problem(bounds)
    seed = _salib_seed(seed)
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample  # optional heavy dependency

        return np.asarray(sobol_sample.sample(problem, n, calc_second_order=False, seed=seed))
    if method == "morris":
        from SALib.sample import morris as morris_sample  # optional heavy dependency

        return np.asarray(morris_sample.sample(problem, n, num_levels=4, seed=seed))
    raise UserError("unknown method", key="method", expected="morris or sobol", found=repr(method))


def salib_analyze(
    bounds: Mapping[str, tuple[float, float]],
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    seed: int = 0,
) -> pd.DataFrame:
    """Compute indices from a design ``X`` and outputs ``Y``, ranked (most influential first).

    Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (ranked by ``ST``). Morris: ``mu``,
    ``mu_star``, ``mu_star_conf``, ``sigma`` (ranked by ``mu_star``). ``*_conf`` are half
    widths of bootstrap 95% intervals.
    """
    import pandas as pd  # optional heavy dependency: loaded on use

    problem = _problem(bounds)
    seed = _salib_seed(seed)
    Y = np.asarray(Y, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs give 0/0 variances
        if method == "sobol":
            from SALib.analyze import sobol  # optional heavy dependency

            si = sobol.analyze(
                problem, Y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed
            )
            cols, rank_by = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
        else:
            from SALib.analyze import morris  # optional heavy dependency

            si = morris.analyze(
                problem, X, Y, num_resamples=200, conf_level=0.95, num_levels=4, seed=seed
            )
            cols, rank_by = ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star"
    df = pd.DataFrame(
        {c: np.nan_to_num(np.asarray(si[c], dtype=np.float64)) for c in cols}, index=list(bounds)
    )
    df.index.name = "name"
    df = df.sort_values(rank_by, ascending=False, kind="stable")
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def salib_indices(
    model: Model,
    bounds: Mapping[str, tuple[float, float]],
    method: str = "sobol",
    n: int = 64,
    seed: int = 0,
) -> pd.DataFrame:
    """Sample, evaluate ``model`` on the design, analyse: global sensitivity of any function.

    Parameters
    ----------
    model
        ``X`` of shape (rows, d) to ``Y`` of shape (rows,), columns in ``bounds`` order.
    bounds
        Parameter name to (low, high); inputs are uniform on these intervals.
    method
        ``"sobol"`` or ``"morris"``.
    n
        Base sample size (Sobol) or number of trajectories (Morris).
    seed
        Seeds the design and the bootstrap.
    """
    X = salib_sample(bounds, method, n, seed)
    return salib_analyze(bounds, method, X, model(X), seed)
