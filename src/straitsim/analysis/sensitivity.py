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
indices (Ishigami for Sobol, a linear function for Morris).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.metrics import describe_metric
from straitsim.analysis.metrics import metric as get_metric
from straitsim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from straitsim.scenario.schema import Scenario

METHODS = ("morris", "sobol", "oat")
DEFAULT_N = {"morris": 10, "sobol": 64, "oat": 0}
MAX_EVALUATIONS = 200_000

Model = Callable[[np.ndarray], np.ndarray]
Progress = Callable[[int], None]


# ---------------------------------------------------------------------------- parameters
def uncertain_params(sc: Scenario, names: Sequence[str] | None = None) -> pd.DataFrame:
    """List the scenario's uncertain parameters and their bounds, one row per parameter.

    Parameters
    ----------
    sc
        A resolved scenario.
    names
        Restrict to these parameters (each must carry a ``range`` or a ``dist``); default:
        every parameter that does.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``name``: ``value``, ``low``, ``high``, ``kind`` (``range`` or
        ``dist:<kind>``), ``unit``, ``doc``.
    """
    import pandas as pd

    rows = []
    for name, p in sc.params.items():
        if p.range is not None:
            lo, hi, kind = float(p.range[0]), float(p.range[1]), "range"
        elif p.dist is not None:
            lo, hi, kind = float(p.dist.low), float(p.dist.high), f"dist:{p.dist.kind}"
        else:
            continue
        if hi <= lo:
            continue
        rows.append(
            {
                "name": name,
                "value": p.value,
                "low": lo,
                "high": hi,
                "kind": kind,
                "unit": p.unit,
                "doc": p.doc,
            }
        )
    df = pd.DataFrame(
        rows, columns=["name", "value", "low", "high", "kind", "unit", "doc"]
    ).set_index("name")
    if names is None:
        return df
    missing = [n for n in names if n not in df.index]
    if missing:
        bad = missing[0]
        why = (
            "unknown parameter"
            if bad not in sc.params
            else "parameter without a range or distribution"
        )
        raise UserError(
            why,
            key="params",
            expected="uncertain parameters: " + ", ".join(df.index[:8]) + ", ...",
            found=repr(bad),
        )
    if len(set(names)) != len(names):
        raise UserError(
            "parameter listed twice",
            key="params",
            expected="each name once",
            found=", ".join(names),
        )
    return df.loc[list(names)]


def switch_params(sc: Scenario) -> list[str]:
    """Parameters that are on/off switches (unit ``bool``, no range): excursions 0 and 1."""
    return [
        k for k, p in sc.params.items() if p.unit == "bool" and p.range is None and p.dist is None
    ]


def fix_params(sc: Scenario, values: Mapping[str, float]) -> Scenario:
    """Copy ``sc`` with parameters fixed at ``values`` (their distributions removed).

    The same as ``--set NAME=VALUE``; no re-validation is needed since only scalar values
    change.
    """
    params = dict(sc.params)
    for k, v in values.items():
        params[k] = params[k].model_copy(update={"value": float(v), "dist": None})
    return sc.model_copy(update={"params": params})


# ---------------------------------------------------------------------------- SALib wrapper
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
        from SALib.sample import sobol as sobol_sample

        return np.asarray(sobol_sample.sample(problem, n, calc_second_order=False, seed=seed))
    if method == "morris":
        from SALib.sample import morris as morris_sample

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
    import warnings

    import pandas as pd

    problem = _problem(bounds)
    seed = _salib_seed(seed)
    Y = np.asarray(Y, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs give 0/0 variances
        if method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(
                problem, Y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed
            )
            cols, rank_by = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
        else:
            from SALib.analyze import morris

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


# ---------------------------------------------------------------------------- the model
@dataclass
class _Evaluator:
    """Mean of a metric over ``reps`` replications, one scenario per call, common seed."""

    sc: Scenario
    metric: str
    reps: int
    seed: int
    days: int | None
    workers: int | None = None
    progress: Progress | None = None
    n_evaluations: int = 0

    def many(self, scenarios: Sequence[Scenario]) -> np.ndarray:
        """Metric means for several scenarios (in local processes when ``workers`` > 1)."""
        from straitsim.scenario.compile import compile_params

        fn = get_metric(self.metric)
        out = np.zeros(len(scenarios))
        if self.workers and self.workers > 1 and len(scenarios) > 1:
            from straitsim.runners.pool import PoolRunner, code_version
            from straitsim.store.schema import ChunkKey

            version = code_version()
            jobs = [
                (
                    ChunkKey(f"s{i}", self.seed, 0, self.reps, version),
                    compile_params(s, None, self.days),
                )
                for i, s in enumerate(scenarios)
            ]
            with PoolRunner(self.workers) as pool:
                for key, traj, _ in pool.imap(jobs):
                    out[int(key.scenario_hash[1:])] = float(np.mean(fn(traj)))
                    self._tick()
            return out
        from straitsim.runners.local import run_local

        for i, s in enumerate(scenarios):
            traj = run_local(compile_params(s, None, self.days), self.reps, self.seed)
            out[i] = float(np.mean(fn(traj)))
            self._tick()
        return out

    def profiles(self, profiles: Sequence[Mapping[str, str]]) -> np.ndarray:
        """Metric means for role profiles of the base scenario, in one batched call (CRN)."""
        from straitsim.runners.local import run_local
        from straitsim.scenario.compile import compile_params

        traj = run_local(compile_params(self.sc, profiles, self.days), self.reps, self.seed)
        for _ in profiles:
            self._tick()
        return np.asarray(get_metric(self.metric)(traj).mean(axis=1), dtype=np.float64)

    def _tick(self) -> None:
        self.n_evaluations += 1
        if self.progress is not None:
            self.progress(1)


# ---------------------------------------------------------------------------- excursions
@dataclass(frozen=True)
class Excursion:
    """One knob moved alone: a label per setting and how to build each setting."""

    knob: str
    kind: str  # "param", "switch", "role", "set"
    settings: tuple[str, ...]
    values: tuple[Any, ...]


def default_excursions(
    sc: Scenario, params: pd.DataFrame, roles: bool = True, switches: bool = True
) -> list[Excursion]:
    """List the named knobs: parameters at their bounds, on/off switches, role ladders."""
    out = []
    for name, row in params.iterrows():
        lo, hi = float(row["low"]), float(row["high"])
        out.append(Excursion(str(name), "param", (f"{lo:g}", f"{hi:g}"), (lo, hi)))
    if switches:
        for name in switch_params(sc):
            out.append(Excursion(name, "switch", ("0", "1"), (0.0, 1.0)))
    if roles:
        for code, actor in sc.actors.items():
            if len(actor.rungs) > 1:
                rungs = tuple(actor.rungs)
                out.append(Excursion(f"role {code}", "role", rungs, rungs))
    return out


def parse_excursion(text: str) -> Excursion:
    """``KEY=V1,V2,...`` (any ``--set`` key) as an excursion."""
    from straitsim.scenario.load import parse_assignment, parse_value

    key, raw = parse_assignment(text, "--excursion")
    vals = [parse_value(v.strip()) for v in raw.split(",") if v.strip()]
    if len(vals) < 2:
        raise UserError(
            "bad excursion", key=key, expected="KEY=LOW,HIGH (two or more values)", found=repr(text)
        )
    return Excursion(key, "set", tuple(str(v) for v in vals), tuple(vals))


def run_excursions(
    ev: _Evaluator,
    excursions: Sequence[Excursion],
    scenario_ref: str | Path | None,
    roles: Mapping[str, str],
    sets: Mapping[str, Any] | Sequence[str],
) -> tuple[float, pd.DataFrame]:
    """Evaluate the base case and every excursion; return (base value, ranked table)."""
    import pandas as pd

    from straitsim.scenario.compile import profile_roles

    base_roles = profile_roles(ev.sc, None)
    role_ex = [e for e in excursions if e.kind == "role"]
    profiles = [base_roles] + [
        {**base_roles, e.knob.split()[-1]: r} for e in role_ex for r in e.values
    ]
    prof_vals = ev.profiles(profiles)
    base = float(prof_vals[0])
    role_vals = iter(prof_vals[1:])
    scen: list[Scenario] = []
    for e in excursions:
        if e.kind in ("param", "switch"):
            scen += [fix_params(ev.sc, {e.knob: v}) for v in e.values]
        elif e.kind == "set":
            if scenario_ref is None:
                raise UserError(
                    "excursions of data keys need a scenario name or path",
                    key="excursion",
                    found=e.knob,
                )
            from straitsim.scenario.load import load_scenario

            base_sets = dict(sets) if isinstance(sets, Mapping) else _sets_dict(sets)
            scen += [load_scenario(scenario_ref, roles, {**base_sets, e.knob: v}) for v in e.values]
    vals = iter(ev.many(scen))
    rows = []
    for e in excursions:
        ys = [float(next(role_vals if e.kind == "role" else vals)) for _ in e.values]
        # first setting reaching the minimum, last reaching the maximum (so ties read low -> high)
        i_lo, i_hi = int(np.argmin(ys)), len(ys) - 1 - int(np.argmax(ys[::-1]))
        rows.append(
            {
                "knob": e.knob,
                "kind": e.kind,
                "settings": list(e.settings),
                "values": ys,
                "low": ys[i_lo],
                "high": ys[i_hi],
                "setting_low": e.settings[i_lo],
                "setting_high": e.settings[i_hi],
                "swing": ys[i_hi] - ys[i_lo],
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "knob",
            "kind",
            "settings",
            "values",
            "low",
            "high",
            "setting_low",
            "setting_high",
            "swing",
        ],
    )
    df = df.sort_values(["swing", "knob"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return base, df


def _sets_dict(items: Sequence[str]) -> dict[str, Any]:
    from straitsim.scenario.load import parse_assignment, parse_value

    return {k: parse_value(v) for k, v in (parse_assignment(x, "--set") for x in items)}


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
        from straitsim.store.schema import SCHEMA_VERSION

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

    def plot(self, path: str | Path | None = None, top: int = 20) -> Any:
        """Tornado plot of the excursions (PNG when ``path`` is given); returns the figure."""
        from straitsim.report.sensitivity_plots import tornado

        label = f"{describe_metric(self.metric)} ({self.metric})"
        return tornado(
            self.excursions,
            self.base_value,
            label,
            path=path,
            top=top,
            title=f"{self.scenario['title']}: one-at-a-time excursions",
        )


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
    workers: int | None = None,
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
        Evaluate scenarios in this many local processes.
    progress
        Called as ``progress(done, total)`` after each evaluation.
    """
    from straitsim.scenario.identity import scenario_hash
    from straitsim.scenario.load import load_scenario

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
