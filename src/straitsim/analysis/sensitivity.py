"""Which assumptions matter most: global sensitivity (SALib) and one-at-a-time excursions.

Two complementary views:

* **Global indices** over the scenario's uncertain parameters (every parameter with a
  ``range`` or a ``dist`` in the data; bounds from the range, else the distribution's
  support). The model is ``X (n x d) -> Y (n,)``: each row fixes those parameters, runs
  ``reps`` replications with the *same seed* for every row (common random numbers, so rows
  differ by the parameters, not by the dice) and returns the mean of a metric
  (:mod:`straitsim.analysis.metrics`). Morris screening (mu*, sigma) or Sobol indices
  (first order S1, total ST), from SALib, with bootstrap 95% intervals.
* **One-at-a-time excursions** like CSIS's: each named knob moved alone from the base case,
  others held: every parameter at the ends of its range, on/off switches (unit ``bool``),
  each ally through its role ladder (all rungs in one batched call), and any ``--set`` key
  with listed values. Ranked by swing, drawn as a tornado.

:func:`salib_indices` accepts any callable, so it is tested on functions with known
indices (Ishigami for Sobol, a linear function for Morris). The parts live in
:mod:`~straitsim.analysis.parameter_space`, :mod:`~straitsim.analysis.salib` and
:mod:`~straitsim.analysis.excursions`; their public names are re-exported here. The tornado
plot of a result is :func:`straitsim.report.sensitivity_plots.plot_sensitivity`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.excursions import (
    Excursion,
    Progress,
    _Evaluator,
    _sets_dict,
    default_excursions,
    parse_excursion,
    run_excursions,
)
from straitsim.analysis.metrics import describe_metric
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.parameter_space import fix_params, switch_params, uncertain_params
from straitsim.analysis.salib import Model, salib_analyze, salib_indices, salib_sample
from straitsim.errors import UserError
from straitsim.meta import SCHEMA_VERSION
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEFAULT_N",
    "MAX_EVALUATIONS",
    "METHODS",
    "Excursion",
    "Model",
    "Progress",
    "SensitivityResult",
    "_Evaluator",
    "_sets_dict",
    "default_excursions",
    "fix_params",
    "parse_excursion",
    "run_excursions",
    "salib_analyze",
    "salib_indices",
    "salib_sample",
    "sensitivity",
    "switch_params",
    "uncertain_params",
]

METHODS = ("morris", "sobol", "oat")
DEFAULT_N = {"morris": 10, "sobol": 64, "oat": 0}
MAX_EVALUATIONS = 200_000


# ---------------------------------------------------------------------------- the analysis
@dataclass
class SensitivityResult:
    """Global indices (Morris or Sobol) and one-at-a-time excursions of one metric."""

    scenario: dict[str, Any]
    method: str
    metric: str
    reps: int
    n: int
    seed: int
    days: int
    base_value: float
    params: pd.DataFrame
    excursions: pd.DataFrame
    indices: pd.DataFrame | None = None
    n_evaluations: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the ``straitsim sensitivity --json`` document (deterministic for its inputs)."""
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "method": self.method,
            "metric": {"name": self.metric, "description": describe_metric(self.metric)},
            "reps": self.reps,
            "n": self.n,
            "seed": self.seed,
            "days": self.days,
            "n_evaluations": self.n_evaluations,
            "base_value": self.base_value,
            "params": [
                {"name": str(k), **{c: _py(v) for c, v in row.items() if c != "doc"}}
                for k, row in self.params.iterrows()
            ],
            "excursions": [
                {c: _py(v) for c, v in row.items()} for _, row in self.excursions.iterrows()
            ],
        }
        if self.indices is not None:
            doc["indices"] = [
                {"name": str(k), **{c: _py(v) for c, v in row.items()}}
                for k, row in self.indices.iterrows()
            ]
        return doc


def _py(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | tuple):
        return [_py(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def sensitivity(
    scenario: str | Path | Scenario,
    method: str = "morris",
    params: Sequence[str] | None = None,
    metric: str = "defence_prevails",
    reps: int = 100,
    n: int | None = None,
    seed: int = 0,
    days: int | None = None,
    roles: Mapping[str, str] | None = None,
    sets: Mapping[str, Any] | Sequence[str] = (),
    excursions: Sequence[str | Excursion] = (),
    role_excursions: bool = True,
    workers: int | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Which assumptions matter most for ``metric``: global indices plus excursions.

    Parameters
    ----------
    scenario
        Built-in name, TOML path or a loaded scenario.
    method
        ``"morris"`` (screening, ``n (d + 1)`` evaluations), ``"sobol"`` (``n (d + 2)``), or
        ``"oat"`` (excursions only).
    params
        Uncertain parameters to vary (default: all with a ``range`` or ``dist``).
    metric
        A metric name from :mod:`straitsim.analysis.metrics`; the model output is its mean.
    reps, seed
        Replications per evaluation, and the seed shared by every evaluation (CRN).
    n
        Morris trajectories (default 10) or Sobol base samples (default 64, a power of 2).
    days
        Horizon in days (default: the scenario's).
    roles, sets
        Base-case overrides, as for :func:`straitsim.run`.
    excursions
        Extra one-at-a-time knobs: ``"KEY=V1,V2"`` strings (any ``--set`` key, e.g.
        ``"munitions.usa-lrasm.n=0,900"``) or :class:`Excursion` objects.
    role_excursions
        Include each ally's role ladder among the excursions.
    workers
        Worker processes: ``"auto"`` (every core), N, or None (the current default, see
        :func:`straitsim.runners.execute.workers`). The results do not depend on it.
    progress
        Called as ``progress(done, total)`` after each evaluation.
    """
    if method not in METHODS:
        raise UserError(
            "unknown method",
            key="method",
            expected="one of " + ", ".join(METHODS),
            found=repr(method),
        )
    get_metric(metric)
    if reps < 1:
        raise UserError(
            "bad replication count", key="reps", expected="an integer >= 1", found=str(reps)
        )
    if days is not None and not 1 <= days <= 365:
        raise UserError("bad horizon", key="days", expected="1 to 365", found=str(days))
    ref = None if not isinstance(scenario, str | Path) else scenario
    sc = load_scenario(scenario, roles, sets)
    table = uncertain_params(sc, params)
    if table.empty and method != "oat":
        raise UserError(
            "no uncertain parameters",
            key="params",
            expected="parameters with a range or dist",
            found="none",
        )
    n_eff = int(n if n is not None else DEFAULT_N[method])
    if method in ("morris", "sobol") and n_eff < 2:
        raise UserError("bad sample size", key="n", expected="an integer >= 2", found=str(n_eff))
    ex = default_excursions(sc, table, roles=role_excursions, switches=params is None)
    ex += [e if isinstance(e, Excursion) else parse_excursion(e) for e in excursions]
    d = len(table)
    n_design = (
        n_eff * (d + 2) if method == "sobol" else n_eff * (d + 1) if method == "morris" else 0
    )
    n_ex = 1 + sum(len(e.values) for e in ex)
    total = n_design + n_ex
    if total > MAX_EVALUATIONS:
        raise UserError(
            "too many evaluations",
            key="n",
            expected=f"at most {MAX_EVALUATIONS}",
            found=f"{total} ({n_eff} x {d} parameters)",
        )
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(done[0], total)

    ev = _Evaluator(sc, metric, reps, seed, days, workers, tick)
    indices = None
    if method in ("morris", "sobol"):
        bounds = {str(k): (float(r["low"]), float(r["high"])) for k, r in table.iterrows()}
        X = salib_sample(bounds, method, n_eff, seed)
        Y = ev.many([fix_params(sc, dict(zip(bounds, row, strict=True))) for row in X])
        indices = salib_analyze(bounds, method, X, Y, seed)
        indices = indices.join(table[["low", "high", "unit"]])
    base, ex_table = run_excursions(ev, ex, ref, roles or {}, sets)
    return SensitivityResult(
        scenario={"name": sc.name, "title": sc.title, "hash": scenario_hash(sc)},
        method=method,
        metric=metric,
        reps=reps,
        n=n_eff if method != "oat" else 0,
        seed=seed,
        days=days or sc.horizon_days,
        base_value=base,
        params=table,
        excursions=ex_table,
        indices=indices,
        n_evaluations=ev.n_evaluations,
    )
