"""Worlds: the epistemic parameters sampled into plausible worlds, and answers as bands.

An *epistemic* parameter (``uncertainty = "epistemic"`` in the data) is one unknown value:
inside one world it is the same in every replication. A world fixes each of them (as
``--set NAME=VALUE`` would); *aleatory* parameters keep their ``dist`` and are drawn per
replication. Every world runs the same replication seeds (common random numbers), so the
difference between two worlds is their assumptions, not their dice.

Worlds are drawn by Latin hypercube (default) or scrambled Sobol over the unit cube, from a
seed derived from the run seed; each coordinate maps uniformly onto the parameter's
``range`` (or through its ``dist``'s inverse CDF when it has no range). The same seed gives
the same worlds and the same results for any chunk size or worker count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from straitsim.analysis.metrics import METRICS
from straitsim.analysis.world_sampling import (  # re-exported: the worlds API in one place
    MAX_WORLDS,
    METHODS,
    Uncertain,
    apply_world,
    check_design,
    draw_worlds,
    epistemic_params,
    fixed_by_sets,
    is_epistemic,
    load_for_worlds,
    sample_worlds,
    unit_sample,
    world_sets,
)
from straitsim.errors import UserError
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.runners.execute import Workers, get_pool, resolve_workers
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import set_strings
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "HEADLINES",
    "MAX_WORLDS",
    "MC_FLAG_SHARE",
    "METHODS",
    "Uncertain",
    "WorldsResult",
    "apply_world",
    "band",
    "check_design",
    "check_threshold",
    "draw_worlds",
    "epistemic_params",
    "fixed_by_sets",
    "is_epistemic",
    "load_for_worlds",
    "map_worlds",
    "per_world",
    "run_worlds",
    "sample_worlds",
    "unit_sample",
    "world_sets",
    "worlds",
]
T = TypeVar("T")
# A band is flagged when more than this share of its across-world variance is replication
# noise (the mean squared Monte Carlo error of the world means over their variance).
MC_FLAG_SHARE = 0.25
# Headline outputs: name -> metric of analysis/metrics.py (per-world mean over replications).
HEADLINES: dict[str, str] = {
    "p_prc_success": "prc_success",
    "p_prc_victory": "prc_victory",
    "p_defence_prevails": "defence_prevails",
    "prc_battalions_landed": "prc_battalions_landed",
    "prc_amphibious_sunk_share": "prc_amphibious_sunk_share",
    "prc_ships_sunk": "prc_ships_sunk",
    "coalition_aircraft_lost": "coalition_aircraft_lost",
    "coalition_ships_lost": "coalition_ships_lost",
    "coalition_killed": "coalition_killed",
}


def _headlines_one(args: tuple[Scenario, int, int, int | None, int | None]) -> dict[str, Any]:
    sc, reps, seed, days, chunk = args
    traj = simulate(sc, reps, seed, None, days, chunk)
    out: dict[str, Any] = {}
    for name, m in HEADLINES.items():
        x = np.asarray(METRICS[m][0](traj), dtype=float)[0]
        out[name] = float(x.mean())
        out[name + "_se"] = float(x.std(ddof=1) / math.sqrt(len(x)))
    return out


def map_worlds(
    fn: Callable[[Any], T],
    tasks: Sequence[Any],
    workers: Workers = None,
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """``fn`` over ``tasks`` in order: in this process, or on the shared worker pool.

    ``workers`` is ``"auto"``, an integer or None (the current default of the execution layer,
    :mod:`straitsim.runners.execute`); inside a worker everything runs in process, so a task's
    own simulations do not nest pools. ``progress`` is called with 1 per result, in task order.
    """
    n = resolve_workers(workers)
    out: list[T] = []
    if n == 1 or len(tasks) < 2:
        for t in tasks:
            out.append(fn(t))
            if progress is not None:
                progress(1)
        return out
    futures = [get_pool(n).submit(fn, t) for t in tasks]
    try:
        for f in futures:
            out.append(f.result())
            if progress is not None:
                progress(1)
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    return out


def _call(task: tuple[Callable[..., Any], Scenario, int, dict[str, Any]]) -> Any:
    fn, sc, seed, kw = task
    return fn(sc, seed=seed, **kw)


def check_threshold(threshold: float) -> float:
    """Check a probability threshold: finite, in [0, 1]."""
    t = float(threshold)
    if not 0.0 <= t <= 1.0:  # also refuses NaN
        raise UserError(
            "bad threshold", key="threshold", expected="a number in [0, 1]", found=repr(threshold)
        )
    return t


def band(values: np.ndarray, se: np.ndarray | None = None) -> dict[str, Any]:
    """Median and 5-95% band across worlds; Monte Carlo error beside the across-world spread.

    ``mc_share`` is the share of the across-world variance that replication noise alone
    would produce; above :data:`MC_FLAG_SHARE` the band is flagged as dominated by too few
    replications per world.
    """
    v = np.asarray(values, dtype=float)
    spread = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    doc: dict[str, Any] = {
        "median": float(np.median(v)),
        "p05": float(np.quantile(v, 0.05)),
        "p95": float(np.quantile(v, 0.95)),
        "mean": float(v.mean()),
        "across_sd": spread,
    }
    if se is not None:
        mc = float(np.sqrt(np.mean(np.square(se))))
        share = min(1.0, mc**2 / spread**2) if spread > 0 else (1.0 if mc > 0 else 0.0)
        doc.update(mc_se=mc, mc_share=share, mc_flag=bool(share > MC_FLAG_SHARE))
    return doc


@dataclass
class WorldsResult:
    """Worlds and their headline outputs (per-world means over the replications)."""

    scenario: Scenario
    worlds: list[dict[str, Any]]
    outputs: list[dict[str, float]]
    seed: int
    reps: int
    method: str
    threshold: float
    roles: dict[str, str]
    overrides: list[str] = field(default_factory=list)

    @property
    def params(self) -> list[str]:
        """Names of the sampled inputs (parameters, then allies sampled as inputs)."""
        return list(self.worlds[0]) if self.worlds else []

    def frame(self) -> pd.DataFrame:
        """One row per world: ``world``, its inputs, each headline output and its ``_se``."""
        import pandas as pd  # optional heavy dependency kept lazy

        rows = [
            {"world": i, **w, **o}
            for i, (w, o) in enumerate(zip(self.worlds, self.outputs, strict=True))
        ]
        return pd.DataFrame(rows)

    def values(self, name: str) -> np.ndarray:
        """One headline output across worlds."""
        if name not in HEADLINES:
            raise UserError(
                "unknown output", key="output", expected=", ".join(HEADLINES), found=repr(name)
            )
        return np.array([o[name] for o in self.outputs])

    def bands(self) -> dict[str, dict[str, Any]]:
        """Each headline output as a band across worlds (see :func:`band`)."""
        return {
            k: band(self.values(k), np.array([o[k + "_se"] for o in self.outputs]))
            for k in HEADLINES
        }

    def share_above(self, threshold: float | None = None) -> float:
        """Share of worlds in which P(PRC success) exceeds the threshold."""
        t = self.threshold if threshold is None else check_threshold(threshold)
        return float(np.mean(self.values("p_prc_success") > t))

    def share_undecided(self, threshold: float | None = None) -> float:
        """Return the share of worlds within two Monte Carlo errors of the threshold.

        More replications could move those worlds' P(PRC success) to the other side.
        """
        t = self.threshold if threshold is None else check_threshold(threshold)
        se = np.array([o["p_prc_success_se"] for o in self.outputs])
        return float(np.mean(np.abs(self.values("p_prc_success") - t) < 2 * se))

    def summary(self) -> dict[str, Any]:
        """Build the ``straitsim worlds --json`` document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "straitsim_version": __version__,
            "scenario": {"name": self.scenario.name, "hash": scenario_hash(self.scenario)},
            "roles": self.roles,
            "overrides": self.overrides,
            "seed": self.seed,
            "reps": self.reps,
            "worlds": len(self.worlds),
            "method": self.method,
            "params": self.params,
            "threshold": self.threshold,
            "share_success_above_threshold": self.share_above(),
            "share_within_2se_of_threshold": self.share_undecided(),
            "mc_flag_share": MC_FLAG_SHARE,
            "bands": self.bands(),
        }


def run_worlds(
    scenario: str | Path | Scenario,
    n: int = 50,
    reps: int = 200,
    seed: int = 0,
    method: str = "lhs",
    threshold: float = 0.5,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    params: Sequence[str] | None = None,
    roles_as_inputs: Sequence[str] = (),
    days: int | None = None,
    chunk_size: int | None = None,
    workers: Workers = None,
    progress: Callable[[int], None] | None = None,
) -> WorldsResult:
    """Sample ``n`` worlds and run ``reps`` replications in each (common random numbers)."""
    check_design(n, method)
    threshold = check_threshold(threshold)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise UserError(
            "bad replication count",
            key="reps",
            expected="an integer >= 2 (the Monte Carlo error needs two)",
            found=repr(reps),
        )
    sc = load_for_worlds(scenario, roles, sets)
    worlds = draw_worlds(sc, n, seed, method, fixed_by_sets(sets), params, roles_as_inputs)
    tasks = [(apply_world(sc, w), reps, seed, days, chunk_size) for w in worlds]
    outputs = map_worlds(_headlines_one, tasks, workers, progress)
    return WorldsResult(
        scenario=sc,
        worlds=worlds,
        outputs=outputs,
        seed=seed,
        reps=reps,
        method=method,
        threshold=threshold,
        roles=profile_roles(sc, None),
        overrides=set_strings(sets),
    )


def per_world(
    fn: Callable[..., T],
    scenario: str | Path | Scenario,
    n: int,
    seed: int = 0,
    sampling: str = "lhs",
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    progress: Callable[[int], None] | None = None,
    workers: Workers = None,
    **kw: Any,
) -> tuple[list[dict[str, Any]], list[T]]:
    """Run an existing analysis once per world: ``fn(world_scenario, seed=seed, **kw)``.

    ``fn`` is any analysis that takes a loaded scenario (``role_analysis``, ``deter``,
    ``invest``, ...; a module-level function when ``workers`` > 1); ``sampling`` is the world
    design (lhs or sobol), so that ``method`` can reach ``fn``. Returns the worlds and the
    per-world results, in world order (the same for any worker count).
    """
    sc = load_for_worlds(scenario, roles, sets)
    worlds = draw_worlds(sc, n, seed, sampling, fixed_by_sets(sets))
    tasks = [(fn, apply_world(sc, w), seed, kw) for w in worlds]
    return worlds, map_worlds(_call, tasks, workers, progress)


# The public name (``ss.worlds(...)``): sample worlds and run them.
worlds = run_worlds
