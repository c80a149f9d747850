"""Validation against published wargames and studies: cases as data, run and compared.

A validation case (``scenario/data/validation.toml``) names a scenario and its changes, the
quantity compared, the published figure with its source, and a tolerance with its rationale.
:func:`run_validation` runs each distinct scenario once (all with the same seed), computes
the model's statistic for every case and reports whether it falls inside the tolerance band.
Nothing is tuned: a case outside its band is a finding, reported as such.

Quantities (evaluated per replication, profile 0):

* ``COUNTRY.metric``: a loss-ledger metric; ``COALITION`` sums every country but the attacker.
* ``TERM / TERM``: a ratio of two terms; a term is ``COUNTRY.metric`` or
  ``initial.COUNTRY.aircraft`` / ``initial.COUNTRY.<ship class>`` (starting inventory).
* ``outcome.NAME``: 1 where the replication ended in that CSIS category.
* ``metric.NAME``: a metric of :mod:`straitsim.analysis.metrics`.
* ``trace.NAME``: a daily trace on the last day (decided replications are frozen, so this
  is the end state).
* ``decided_day``: the day the outcome was decided.

Outcome shares and probability metrics are summarised by the share of replications with a
95% Wilson interval; everything else by the median with its 10-90% interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from straitsim.analysis.summary import wilson
from straitsim.analysis.validation_cases import (
    _EPS,
    VALIDATION_FILE,
    Case,
    GameCount,
    Pending,
    Tolerance,
    ValidationData,
    load_cases,
)
from straitsim.analysis.validation_quantities import (
    COALITION,
    Quantity,
    initial_inventory,
    parse_quantity,
    quantity_values,
)
from straitsim.analysis.validation_report import (
    CaseResult,
    ValidationReport,
    format_model,
    format_published,
    format_tolerance,
    format_value,
)
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.runners.local import simulate_each
from straitsim.scenario.load import load_scenario
from straitsim.scenario.schema import Scenario

# The parts live in validation_cases (the data file), validation_quantities (what is compared)
# and validation_report (results); their public names are re-exported here.
__all__ = [
    "COALITION",
    "VALIDATION_FILE",
    "Case",
    "CaseResult",
    "GameCount",
    "Pending",
    "Quantity",
    "Tolerance",
    "ValidationData",
    "ValidationReport",
    "count_runs",
    "evaluate_case",
    "format_model",
    "format_published",
    "format_tolerance",
    "format_value",
    "initial_inventory",
    "load_cases",
    "parse_quantity",
    "quantity_values",
    "run_validation",
    "select_cases",
]


def select_cases(data: ValidationData, ids: Sequence[str] | None) -> list[Case]:
    """Return the cases named in ``ids`` (all when empty), in file order."""
    if not ids:
        return list(data.cases)
    known = {c.id for c in data.cases}
    wanted = [i.strip() for i in ids if i.strip()]
    for i in wanted:
        if i not in known:
            raise UserError(
                "unknown validation case",
                key="cases",
                expected="ids listed by `straitsim validate`",
                found=repr(i),
            )
    return [c for c in data.cases if c.id in wanted]


def evaluate_case(case: Case, traj: Trajectory, sc: Scenario) -> CaseResult:
    """Compare one case with a trajectory of its scenario."""
    q = parse_quantity(case.quantity)
    vals = quantity_values(q, traj, sc)
    band = case.band()
    if q.is_probability:
        k = float(np.nansum(vals))
        n = int(np.isfinite(vals).sum())
        value = k / n if n else math.nan
        low, high = wilson(k, n)
        stat: Literal["median", "probability"] = "probability"
    else:
        finite = vals[np.isfinite(vals)]
        if finite.size:
            low, value, high = (float(x) for x in np.percentile(finite, [10, 50, 90]))
        else:
            low = value = high = math.nan
        stat = "median"
    within = bool(math.isfinite(value) and band[0] - _EPS <= value <= band[1] + _EPS)
    return CaseResult(
        case, stat, float(value), float(low), float(high), band, within, traj.n_reps, q.is_share
    )


def run_validation(
    reps: int = 1000,
    seed: int = 0,
    cases: Sequence[str] | None = None,
    path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ValidationReport:
    """Run the validation cases and compare each with its published figure.

    Parameters
    ----------
    reps : int
        Replications per distinct scenario (cases on the same scenario share one run).
    seed : int
        Seed for every run (so scenarios that differ only in a knob share their dice).
    cases : sequence of str, optional
        Case ids to run (default: all).
    path : path, optional
        A validation file (default: the built-in ``validation.toml``).
    progress : callable, optional
        Called with the number of replications just finished.

    Returns
    -------
    ValidationReport
        Results in file order; ``report.table()`` is a DataFrame, ``report.to_dict()`` the
        ``--json`` document.
    """
    if reps < 1:
        raise UserError(
            "bad replication count", key="reps", expected="an integer >= 1", found=str(reps)
        )
    data = load_cases(path)
    chosen = select_cases(data, cases)
    todo: dict[tuple[Any, ...], tuple[Scenario, int | None]] = {}
    for c in chosen:
        if c.run_key() not in todo:
            todo[c.run_key()] = (load_scenario(c.scenario, c.roles, c.sets), c.days)
    scs = [sc for sc, _ in todo.values()]
    trajs = simulate_each(scs, lambda t: t, reps, seed, [d for _, d in todo.values()], progress)
    runs = {k: (sc, t) for k, sc, t in zip(todo, scs, trajs, strict=True)}
    results = [evaluate_case(c, runs[c.run_key()][1], runs[c.run_key()][0]) for c in chosen]
    pending = data.pending if not cases else []
    return ValidationReport(
        results, pending, data.sources, data.policies, reps, seed, runs=len(runs)
    )


def count_runs(cases: Sequence[str] | None = None, path: str | Path | None = None) -> int:
    """How many distinct simulations :func:`run_validation` will make (for progress bars)."""
    data = load_cases(path)
    return len({c.run_key() for c in select_cases(data, cases)})
