"""What defence money buys: investment options ranked by effect per dollar, by year.

An option (``scenario/data/investments.toml``) is a purchase with a cost, a year from which
it can be in the force, a source, and the changes it makes to the resolved scenario
(``--set`` style keys with ``delta``, ``scale``, ``value`` or ``add``); reading, checking
and applying options is in :mod:`straitsim.analysis.investment_options`, whose public
names are re-exported here. :func:`invest`

1. applies each option available by the chosen year to the scenario and simulates it with
   the baseline's seed: the engine's random streams depend only on (seed, replication), so
   the variants share their dice with the baseline (common random numbers) and the
   per-replication difference measures the option, not luck;
2. ranks the options by the gain in the metric per US$ billion, with 95% intervals from the
   paired standard error;
3. chooses a portfolio under a budget greedily by gain per dollar, then simulates the chosen
   options together, so the joint effect (with interactions) stands beside the summed one;
4. sets each ally's spending path (% of GDP by year, from ``economics.toml``) against the
   options, showing what the extra money by the chosen year would buy.

Gain is the change in the metric signed so that positive is better for the defence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.economics import load_economics
from straitsim.analysis.investment_options import OPTIONS_PATH as OPTIONS_PATH
from straitsim.analysis.investment_options import PEDIGREE_FIELDS as PEDIGREE_FIELDS
from straitsim.analysis.investment_options import Change as Change
from straitsim.analysis.investment_options import InvestmentOption as InvestmentOption
from straitsim.analysis.investment_options import OptionSet as OptionSet
from straitsim.analysis.investment_options import OptionSource as OptionSource
from straitsim.analysis.investment_options import apply_options as apply_options
from straitsim.analysis.investment_options import load_options as load_options
from straitsim.analysis.investment_options import parse_usd as parse_usd
from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.spending import ASK_YEAR as ASK_YEAR
from straitsim.analysis.spending import BASE_YEAR as BASE_YEAR
from straitsim.analysis.spending import affordability as affordability
from straitsim.analysis.spending import spending_paths as spending_paths
from straitsim.analysis.summary import Z95
from straitsim.errors import UserError
from straitsim.runners.local import simulate_each
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

DEFAULT_METRIC = "prc_battalions_landed"


# ================================ evaluation ==============================================
def paired_effects(
    base: np.ndarray, variants: Mapping[str, np.ndarray], higher_better: bool
) -> pd.DataFrame:
    """Mean change of each variant against ``base`` on the same replications.

    Columns: ``delta`` (mean of variant - base), ``se`` (paired standard error: the standard
    deviation of per-replication differences over sqrt(R)), ``se_unpaired`` (what independent
    runs would give), ``gain`` (delta signed so that positive is better for the defence) and
    ``gain_lo``/``gain_hi`` (95% interval).
    """
    import pandas as pd

    base = np.asarray(base, dtype=float)
    n = base.size
    sign = 1.0 if higher_better else -1.0
    rows = []
    for k, v in variants.items():
        diff = np.asarray(v, dtype=float) - base
        se = float(diff.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        se_u = (
            float(math.sqrt((np.var(v, ddof=1) + np.var(base, ddof=1)) / n))
            if n > 1
            else float("nan")
        )
        g = sign * float(diff.mean())
        rows.append(
            {
                "option": k,
                "delta": float(diff.mean()),
                "se": se,
                "se_unpaired": se_u,
                "gain": g,
                "gain_lo": g - Z95 * se,
                "gain_hi": g + Z95 * se,
            }
        )
    cols = ["option", "delta", "se", "se_unpaired", "gain", "gain_lo", "gain_hi"]
    return pd.DataFrame(rows, columns=cols).set_index("option")


def greedy_portfolio(ranking: pd.DataFrame, budget_usd: float) -> list[str]:
    """Options bought in order of gain per dollar while they fit the budget.

    Only options whose gain is positive at 95% confidence (``gain_lo > 0``) are bought: money
    is not spent on effects the replications cannot tell from zero.
    """
    chosen, spent = [], 0.0
    for oid, row in ranking.sort_values("gain_per_usd_bn", ascending=False).iterrows():
        if not row["gain_lo"] > 0:
            continue
        if spent + row["cost_usd"] <= budget_usd + 1e-6:
            chosen.append(str(oid))
            spent += float(row["cost_usd"])
    return chosen


def _empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


@dataclass
class InvestmentResult:
    """Options ranked by gain per US$ billion, the portfolio, and allies' spending paths.

    ``values`` holds the per-replication metric of the baseline (``"baseline"``), of each
    evaluated option and of the joint portfolio (``"portfolio"``), all on the same seed.
    """

    scenario: Scenario
    options: OptionSet
    metric: str
    year: int
    reps: int
    seed: int
    roles: dict[str, str]
    overrides: list[str]
    budget_usd: float | None
    values: dict[str, np.ndarray]
    ranking: pd.DataFrame
    excluded: pd.DataFrame
    portfolio: list[str] = field(default_factory=list)
    portfolio_effect: pd.DataFrame | None = None
    joint_scenario: Scenario | None = None
    spending: pd.DataFrame = field(default_factory=_empty_frame)
    affordability: pd.DataFrame = field(default_factory=_empty_frame)

    @property
    def baseline(self) -> float:
        """Mean metric of the baseline scenario."""
        return float(self.values["baseline"].mean())

    @property
    def saturated(self) -> bool:
        """Whether the metric takes one value in every baseline replication."""
        v = self.values["baseline"]
        return bool(v.size > 0 and np.all(v == v[0]))

    def spending_sources(self) -> dict[str, dict[str, Any]]:
        """Bibliography entries (from ``economics.toml``) cited by the spending tables."""
        econ = load_economics()
        keys: set[str] = set()
        for df in (self.spending, self.affordability):
            if "source" in df.columns:
                for v in df["source"].dropna():
                    keys.update(k.strip() for k in str(v).split(","))
        return {k: dict(econ.sources[k]) for k in sorted(keys) if k in econ.sources}

    def summary(self) -> dict[str, Any]:
        """Return the ``straitsim invest --json`` document."""

        def recs(df: pd.DataFrame | None) -> list[dict[str, Any]]:
            if df is None or df.empty:
                return []
            out = df.reset_index().replace({np.nan: None})
            return [{k: _jsonable(v) for k, v in r.items()} for r in out.to_dict(orient="records")]

        return {
            "schema_version": 1,
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "year": self.scenario.year,
                "hash": scenario_hash(self.scenario),
            },
            "roles": self.roles,
            "overrides": self.overrides,
            "options_file": self.options.path,
            "metric": {
                "name": self.metric,
                "description": describe_metric(self.metric),
                "higher_is_better": higher_is_better(self.metric),
                "baseline_mean": self.baseline,
                "saturated": self.saturated,
            },
            "year": self.year,
            "reps": self.reps,
            "seed": self.seed,
            "budget_usd": self.budget_usd,
            "ranking": recs(self.ranking),
            "excluded": recs(self.excluded),
            "portfolio": {"options": self.portfolio, "effect": recs(self.portfolio_effect)},
            "spending": recs(self.spending),
            "affordability": recs(self.affordability),
            "sources": {
                k: s.model_dump(exclude_none=True) for k, s in self.options.sources.items()
            },
            "spending_sources": self.spending_sources(),
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def invest(
    scenario: str | Path | Scenario,
    options: str | Path | OptionSet | None = None,
    budget_usd: float | str | None = None,
    year: int | None = None,
    metric: str = DEFAULT_METRIC,
    reps: int = 1000,
    seed: int = 0,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    days: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> InvestmentResult:
    """Rank investment options by gain in ``metric`` per US$ billion, by ``year``; pick a portfolio.

    Parameters
    ----------
    scenario
        Built-in name, TOML path or a loaded scenario (then ``roles``/``sets`` must be empty).
    options
        Options file or :class:`OptionSet` (default: the built-in options).
    budget_usd
        Portfolio budget in US$ (``5e9`` or ``"5bn"``); no portfolio when None.
    year
        Only options available by this year are evaluated (default: the scenario's year).
    metric
        Metric name (:mod:`straitsim.analysis.metrics`). The default, PRC battalions landed,
        moves in the base case, where the defence prevails in nearly every replication.
    reps, seed
        Replications and seed, shared by the baseline and every variant (common random numbers).
    roles, sets, days
        As for :func:`straitsim.run`.
    progress
        Called with 1 after each simulated variant.

    Returns
    -------
    InvestmentResult
    """
    import pandas as pd

    fn = get_metric(metric)
    hib = higher_is_better(metric)
    budget = parse_usd(budget_usd)
    if budget is not None and budget < 0:
        raise UserError("bad budget", key="budget", expected="an amount >= 0", found=str(budget))
    sc = load_scenario(scenario, roles, sets)
    yr = int(year if year is not None else sc.year)
    if not 1990 <= yr <= 2100:
        raise UserError("bad year", key="year", expected="1990 to 2100", found=str(yr))
    opts = options if isinstance(options, OptionSet) else load_options(options)
    srcs = opts.sources
    avail = [o for o in opts.options.values() if o.modelled and o.year_available <= yr]
    excluded_rows = []
    for o in opts.options.values():
        if not o.modelled or o.year_available > yr:
            why = (
                "not yet modelled: " + (o.reason or "")
                if not o.modelled
                else f"available from {o.year_available}"
            )
            row = {"option": o.id, "name": o.name, "actor": o.actor, "cost_usd": o.cost_usd}
            excluded_rows.append({**row, "why": why})
    # build every variant first, so a bad option fails before any simulation
    variants = {o.id: apply_options(sc, [o], srcs, opts.path) for o in avail}

    done = [0]

    def advance(k: int) -> None:  # replications finish in any order: tick whole runs
        before = done[0] // reps
        done[0] += k
        for _ in range(done[0] // reps - before):
            if progress is not None:
                progress(1)

    def run(*scenarios: Scenario) -> list[np.ndarray]:
        # together, spread over the workers (the same values as one simulate() call each)
        return simulate_each(
            scenarios, lambda t: np.asarray(fn(t)[0], dtype=float), reps, seed, days, advance
        )

    order = {"baseline": sc, **variants}
    values = dict(zip(order, run(*order.values()), strict=True))
    eff = paired_effects(values["baseline"], {k: values[k] for k in variants}, hib)
    info = pd.DataFrame(
        [o.row() for o in avail],
        columns=[
            "option",
            "name",
            "actor",
            "cost_usd",
            "price_year",
            "year_available",
            "cost_basis",
            "changes",
        ],
    ).set_index("option")
    ranking = (
        info.join(eff)
        if len(eff)
        else info.assign(
            **{
                c: pd.Series(dtype=float)
                for c in ("delta", "se", "se_unpaired", "gain", "gain_lo", "gain_hi")
            }
        )
    )
    bn = ranking["cost_usd"] / 1e9
    ranking["gain_per_usd_bn"] = ranking["gain"] / bn
    ranking["gain_per_usd_bn_lo"] = ranking["gain_lo"] / bn
    ranking["gain_per_usd_bn_hi"] = ranking["gain_hi"] / bn
    ranking = ranking.sort_values(["gain_per_usd_bn", "cost_usd"], ascending=[False, True])
    ranking.insert(0, "rank", np.arange(1, len(ranking) + 1))
    res = InvestmentResult(
        scenario=sc,
        options=opts,
        metric=metric,
        year=yr,
        reps=reps,
        seed=seed,
        roles=profile_roles(sc, None),
        overrides=set_strings(sets),
        budget_usd=budget,
        values=values,
        ranking=ranking,
        excluded=pd.DataFrame(
            excluded_rows, columns=["option", "name", "actor", "cost_usd", "why"]
        ).set_index("option"),
    )
    if budget is not None:
        chosen = greedy_portfolio(ranking, budget)
        res.portfolio = chosen
        if chosen:
            joint = apply_options(sc, [opts.options[c] for c in chosen], srcs, opts.path)
            res.joint_scenario = joint
            values["portfolio"] = run(joint)[0]
            res.portfolio_effect = portfolio_effect(
                values, chosen, hib, float(ranking.loc[chosen, "cost_usd"].sum())
            )
    res.spending = spending_paths()
    res.affordability = affordability(ranking, yr)
    return res


def portfolio_effect(
    values: Mapping[str, np.ndarray], chosen: Sequence[str], higher_better: bool, cost_usd: float
) -> pd.DataFrame:
    """Compare the summed effect (each option alone, added up) with the joint one (all together).

    Rows: ``summed``, ``joint`` and ``interaction`` (joint - summed).

    Every row is a per-replication paired estimate on the same seed, so its standard error
    is that of the per-replication differences.
    """
    import pandas as pd

    base = values["baseline"]
    summed = base + sum((values[c] - base for c in chosen), np.zeros_like(base))
    eff = paired_effects(base, {"summed": summed, "joint": values["portfolio"]}, higher_better)
    inter = paired_effects(summed, {"interaction": values["portfolio"]}, higher_better)
    out = pd.concat([eff, inter])
    out["cost_usd"] = cost_usd
    out["gain_per_usd_bn"] = out["gain"] / (cost_usd / 1e9)
    return out


# ================================ spending paths ==========================================
