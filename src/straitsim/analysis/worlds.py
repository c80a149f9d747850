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
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from scipy.stats import qmc

from straitsim.analysis.metrics import METRICS
from straitsim.errors import UserError
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Param, Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

T = TypeVar("T")
METHODS = ("lhs", "sobol")
MAX_WORLDS = 100_000
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


@dataclass(frozen=True)
class Uncertain:
    """One epistemic parameter as sampled: bounds and the shape it is sampled with."""

    name: str
    low: float
    high: float
    kind: str  # "range" (uniform over it) or a dist kind: uniform, triangular, loguniform
    mode: float = 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates to parameter values (inverse CDF)."""
        lo, hi = self.low, self.high
        if hi <= lo:
            return np.full_like(u, lo)
        if self.kind in ("range", "uniform"):
            return lo + (hi - lo) * u
        if self.kind == "loguniform":
            return np.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * u)
        c = (self.mode - lo) / (hi - lo)
        return np.where(
            u < c,
            lo + np.sqrt(u * (hi - lo) * (self.mode - lo)),
            hi - np.sqrt((1 - u) * (hi - lo) * (hi - self.mode)),
        )


def is_epistemic(p: Param) -> bool:
    """Epistemic: labelled so, or (unlabelled) a parameter with a ``range``."""
    if p.range is None and p.dist is None:
        return False
    if p.uncertainty is None:
        return p.range is not None
    return p.uncertainty == "epistemic"


def fixed_by_sets(sets: Iterable[str] | Mapping[str, Any]) -> set[str]:
    """Parameter names whose value a ``--set`` fixes (``NAME=`` or ``params.NAME=``)."""
    out = set()
    for s in set_strings(sets):
        key = s.split("=", 1)[0].strip()
        parts = key.split(".")
        if len(parts) == 1:
            out.add(parts[0])
        elif len(parts) == 2 and parts[0] == "params":
            out.add(parts[1])
    return out


def epistemic_params(
    sc: Scenario, fixed: Iterable[str] = (), only: Sequence[str] | None = None
) -> list[Uncertain]:
    """Return the parameters a world samples, in name order (``only`` restricts them)."""
    fixed = set(fixed)
    if only is not None:
        bad = [n for n in only if n not in sc.params or not is_epistemic(sc.params[n])]
        if bad:
            raise UserError(
                "not an epistemic parameter",
                key="params",
                expected='names marked uncertainty = "epistemic" (see `straitsim show`)',
                found=", ".join(bad),
            )
    out = []
    for name in sorted(sc.params):
        p = sc.params[name]
        if name in fixed or not is_epistemic(p) or (only is not None and name not in only):
            continue
        if p.range is not None:
            out.append(Uncertain(name, float(p.range[0]), float(p.range[1]), "range"))
        elif p.dist is not None:
            d = p.dist
            out.append(Uncertain(name, d.low, d.high, d.kind, d.mode or 0.0))
    return out


def check_design(n: int, method: str) -> None:
    """World count and sampling method, checked before any work."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_WORLDS:
        raise UserError(
            "bad world count", key="worlds", expected=f"an integer 2 to {MAX_WORLDS}", found=repr(n)
        )
    if method not in METHODS:
        raise UserError(
            "unknown sampling method", key="method", expected="lhs or sobol", found=repr(method)
        )


def unit_sample(n: int, d: int, seed: int, method: str = "lhs") -> np.ndarray:
    """``(n, d)`` points in the unit cube, a function of (n, d, seed, method) only."""
    check_design(n, method)
    if d == 0:
        return np.zeros((n, 0))
    ss = np.random.SeedSequence([int(seed), zlib.crc32(b"straitsim-worlds")])
    rng = np.random.default_rng(ss)
    if method == "lhs":
        return qmc.LatinHypercube(d=d, rng=rng).random(n)
    with warnings.catch_warnings():  # balance warning when n is not a power of two
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(d=d, scramble=True, rng=rng).random(n)


def sample_worlds(
    scenario: str | Path | Scenario,
    n: int,
    seed: int = 0,
    method: str = "lhs",
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    params: Sequence[str] | None = None,
    roles_as_inputs: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Sample ``n`` worlds: one ``{parameter: value}`` per world.

    With ``roles_as_inputs`` each world also holds ``{ALLY: rung}``, the rung drawn uniformly
    from the ally's ladder. Parameters fixed by ``sets`` are not sampled; ``params``
    restricts the sample to these.
    """
    sc = load_scenario(scenario, roles, sets)
    return draw_worlds(sc, n, seed, method, fixed_by_sets(sets), params, roles_as_inputs)


def draw_worlds(
    sc: Scenario,
    n: int,
    seed: int = 0,
    method: str = "lhs",
    fixed: Iterable[str] = (),
    params: Sequence[str] | None = None,
    roles_as_inputs: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """:func:`sample_worlds` on a loaded scenario; ``fixed`` names parameters not sampled."""
    unc = epistemic_params(sc, fixed, params)
    allies = [a.upper() for a in roles_as_inputs]
    for a in allies:
        if a not in sc.actors or not sc.actors[a].rungs:
            raise UserError(
                "unknown ally",
                key="roles-as-inputs",
                expected="an ally with a role ladder",
                found=repr(a),
            )
    u = unit_sample(n, len(unc) + len(allies), seed, method)
    cols = {p.name: p.ppf(u[:, i]) for i, p in enumerate(unc)}
    out: list[dict[str, Any]] = [{k: float(v[w]) for k, v in cols.items()} for w in range(n)]
    for j, a in enumerate(allies):
        rungs = list(sc.actors[a].rungs)
        idx = np.minimum((u[:, len(unc) + j] * len(rungs)).astype(int), len(rungs) - 1)
        for w in range(n):
            out[w][a] = rungs[idx[w]]
    return out


def _loaded(
    scenario: str | Path | Scenario,
    roles: Mapping[str, str] | Iterable[str] | None,
    sets: Iterable[str] | Mapping[str, Any],
) -> Scenario:
    """Load the scenario; take a loaded one as it is.

    With a loaded scenario, ``sets`` only names the parameters it already fixes (so that
    they are not sampled).
    """
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario, roles, sets)


def apply_world(sc: Scenario, world: Mapping[str, Any]) -> Scenario:
    """Return the scenario with the world's values fixed (no ``dist`` left) and its roles."""
    params = dict(sc.params)
    roles = dict(sc.roles)
    for k, v in world.items():
        if isinstance(v, str):
            roles[k] = v
        else:
            params[k] = params[k].model_copy(update={"value": float(v), "dist": None})
    return sc.model_copy(update={"params": params, "roles": roles})


def world_sets(world: Mapping[str, Any]) -> list[str]:
    """Return a world's parameter values as ``--set`` strings (roles left out)."""
    return [f"{k}={float(v)!r}" for k, v in world.items() if not isinstance(v, str)]


def _headlines_one(args: tuple[Scenario, int, int, int | None, int | None]) -> dict[str, Any]:
    sc, reps, seed, days, chunk = args
    traj = simulate(sc, reps, seed, None, days, chunk)
    out: dict[str, Any] = {}
    for name, m in HEADLINES.items():
        x = np.asarray(METRICS[m][0](traj), dtype=float)[0]
        out[name] = float(x.mean())
        out[name + "_se"] = float(x.std(ddof=1) / math.sqrt(len(x)))
    return out


def map_worlds(fn: Callable[[Any], T], tasks: Sequence[Any], workers: int = 1) -> list[T]:
    """``fn`` over ``tasks`` in order, in-process or in ``workers`` spawned processes."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UserError(
            "bad worker count", key="workers", expected="an integer >= 1", found=repr(workers)
        )
    if workers == 1 or len(tasks) < 2:
        return [fn(t) for t in tasks]
    with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=get_context("spawn")) as ex:
        return list(ex.map(fn, tasks))


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
    workers: int = 1,
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
    sc = _loaded(scenario, roles, sets)
    worlds = draw_worlds(sc, n, seed, method, fixed_by_sets(sets), params, roles_as_inputs)
    tasks = [(apply_world(sc, w), reps, seed, days, chunk_size) for w in worlds]
    outputs: list[dict[str, float]] = []
    step = max(1, workers) * 4
    for i in range(0, len(tasks), step):
        outputs += map_worlds(_headlines_one, tasks[i : i + step], workers)
        if progress is not None:
            progress(len(tasks[i : i + step]))
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
    **kw: Any,
) -> tuple[list[dict[str, Any]], list[T]]:
    """Run an existing analysis once per world: ``fn(world_scenario, seed=seed, **kw)``.

    ``fn`` is any analysis that takes a loaded scenario (``role_analysis``, ``deter``,
    ``invest``, ...); ``sampling`` is the world design (lhs or sobol), so that ``method``
    can reach ``fn``. Returns the worlds and the per-world results, in world order.
    """
    sc = _loaded(scenario, roles, sets)
    worlds = draw_worlds(sc, n, seed, sampling, fixed_by_sets(sets))
    out = []
    for w in worlds:
        out.append(fn(apply_world(sc, w), seed=seed, **kw))
        if progress is not None:
            progress(1)
    return worlds, out


# The public name (``ss.worlds(...)``): sample worlds and run them.
worlds = run_worlds
