"""What defence money buys: investment options ranked by effect per dollar, by year.

An option (``scenario/data/investments.toml``) is a purchase with a cost, a year from which
it can be in the force, a source, and the changes it makes to the resolved scenario
(``--set`` style keys with ``delta``, ``scale``, ``value`` or ``add``). :func:`invest`

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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from straitsim.analysis.burden import load_economics
from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.summary import Z95
from straitsim.api import load_scenario, scenario_hash, simulate
from straitsim.errors import UserError
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.load import DATA_DIR, read_toml, validate
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OPTIONS_PATH = DATA_DIR / "investments.toml"
DEFAULT_METRIC = "prc_battalions_landed"
PEDIGREE_FIELDS = ("cost_usd", "price_year", "year_available")
BASE_YEAR = 2024
ASK_YEAR = 2030

Year = Annotated[int, Field(ge=1990, le=2100)]


# ================================ options as data =========================================
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSource(_Strict):
    """One bibliography entry of the options file."""

    title: str
    author: str
    publisher: str
    year: int
    url: str
    kind: Literal["primary", "secondary", "press"]
    note: str | None = None


class Change(_Strict):
    """One change to the resolved scenario: ``key`` and exactly one of the four operations."""

    key: str
    delta: float | None = None
    scale: Annotated[float, Field(gt=0)] | None = None
    value: bool | int | float | str | None = None
    add: dict[str, Any] | None = None
    why: str | None = None

    @model_validator(mode="after")
    def _one_op(self) -> Change:
        ops = [k for k in ("delta", "scale", "value", "add") if getattr(self, k) is not None]
        if len(ops) != 1:
            raise ValueError(f"exactly one of delta, scale, value, add (found {ops or 'none'})")
        return self

    def describe(self) -> str:
        """``key += 300``, ``key *= 0.5``, ``key = 1`` or ``key: new record``."""
        if self.delta is not None:
            return f"{self.key} {'+' if self.delta >= 0 else '-'}= {abs(self.delta):g}"
        if self.scale is not None:
            return f"{self.key} *= {self.scale:g}"
        if self.value is not None:
            return f"{self.key} = {self.value}"
        return f"{self.key} = new record"


class InvestmentOption(_Strict):
    """A purchase: what it costs (US$, price year), when it can be in place, what it changes."""

    id: str = ""
    name: str
    actor: str
    cost_usd: Annotated[float, Field(gt=0)]
    price_year: Year
    year_available: Year
    modelled: bool = True
    reason: str | None = None
    note: str | None = None
    changes: list[Change] = Field(default_factory=list)
    source: str | None = None
    field_sources: dict[str, str] = Field(default_factory=dict)
    assumed: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> InvestmentOption:
        for f in PEDIGREE_FIELDS:
            if self.source is None and f not in self.field_sources and f not in self.assumed:
                raise ValueError(
                    f"'{f}' needs a source: set 'source', field_sources.{f} or assumed.{f}"
                )
        for f in list(self.field_sources) + list(self.assumed):
            if f not in type(self).model_fields:
                raise ValueError(f"pedigree for an unknown field {f!r}")
        if self.modelled and not self.changes:
            raise ValueError("a modelled option needs at least one [[changes]] entry")
        if not self.modelled and not self.reason:
            raise ValueError("an option with modelled = false needs a 'reason'")
        return self

    def cost_basis(self) -> str:
        """``source KEY`` or ``assumption: RATIONALE`` for the cost."""
        if "cost_usd" in self.assumed:
            return "assumption: " + self.assumed["cost_usd"]
        return "source " + (self.field_sources.get("cost_usd") or self.source or "")

    def cost_source(self) -> str | None:
        """Source key of the cost (None when the cost is an assumption)."""
        if "cost_usd" in self.assumed:
            return None
        return self.field_sources.get("cost_usd") or self.source


class _OptionsFile(_Strict):
    kind: Literal["investments"] | None = None
    options: dict[str, InvestmentOption]
    sources: dict[str, OptionSource] = Field(default_factory=dict)


@dataclass(frozen=True)
class OptionSet:
    """Options read from one file, with that file's bibliography."""

    options: dict[str, InvestmentOption]
    sources: dict[str, OptionSource]
    path: str

    def table(self) -> pd.DataFrame:
        """One row per option: cost, price year, availability, cost basis and changes."""
        import pandas as pd

        rows = [
            {
                "option": o.id,
                "name": o.name,
                "actor": o.actor,
                "cost_usd": o.cost_usd,
                "price_year": o.price_year,
                "year_available": o.year_available,
                "modelled": o.modelled,
                "cost_basis": o.cost_basis(),
                "changes": "; ".join(c.describe() for c in o.changes),
            }
            for o in self.options.values()
        ]
        return pd.DataFrame(rows).set_index("option")


def load_options(path: str | Path | None = None) -> OptionSet:
    """Read and check an options file (default: the built-in ``investments.toml``).

    Any problem is one :class:`UserError` naming the file, the key, what was expected and
    what was found.
    """
    p = Path(path) if path is not None else OPTIONS_PATH
    label = str(path) if path is not None else "<built-in investments.toml>"
    raw = read_toml(p, label)
    if not isinstance(raw.get("options"), dict) or not raw["options"]:
        raise UserError(
            "no options",
            file=label,
            key="options",
            expected="one or more [options.ID] tables",
            found=repr(raw.get("options")),
        )
    for oid, body in raw["options"].items():
        if isinstance(body, dict):
            body["id"] = oid
    try:
        parsed = _OptionsFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        found = repr(err.get("input"))
        found = found if len(found) <= 60 else found[:57] + "..."
        if err["type"] == "extra_forbidden":
            raise UserError(
                "unknown key",
                file=label,
                key=loc,
                expected="a documented key (see the file header)",
                found=found,
            ) from None
        if err["type"] == "missing":
            raise UserError(
                "missing key", file=label, key=loc, expected="a value", found="nothing"
            ) from None
        raise UserError(
            "invalid value", file=label, key=loc, expected=err["msg"].lower(), found=found
        ) from None
    srcs = parsed.sources
    for oid, o in parsed.options.items():
        for f, key in [("source", o.source)] + [
            (f"field_sources.{k}", v) for k, v in o.field_sources.items()
        ]:
            if key is not None and key not in srcs:
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"options.{oid}.{f}",
                    expected="a key of [sources]",
                    found=repr(key),
                )
        for i, ch in enumerate(o.changes):
            if (
                ch.add is not None
                and ch.add.get("source") is not None
                and ch.add["source"] not in srcs
            ):
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"options.{oid}.changes[{i}].add.source",
                    expected="a key of [sources]",
                    found=repr(ch.add["source"]),
                )
    return OptionSet(dict(parsed.options), dict(srcs), label)


# ================================ applying options ========================================
def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _apply_one(d: dict[str, Any], ch: Change, where: Callable[..., UserError]) -> None:
    parts = ch.key.split(".")
    params = d["params"]
    if len(parts) == 1 and parts[0] in params:
        parts = ["params", parts[0]]
    if len(parts) == 2 and parts[0] == "params":
        if parts[1] not in params:
            raise where("unknown parameter", "a name listed by `straitsim show`", parts[1])
        prm = params[parts[1]]
        dist = prm.get("dist")
        if ch.add is not None or (ch.value is not None and not _number(ch.value)):
            raise where(
                "bad change to a parameter", "delta, scale or a numeric value", ch.add or ch.value
            )
        if ch.value is not None:
            prm["value"], prm["dist"] = float(ch.value), None
            return
        add_, mul_ = ch.delta or 0.0, ch.scale if ch.scale is not None else 1.0

        def op(x: float) -> float:
            return x * mul_ + add_

        prm["value"] = op(prm["value"])
        if dist:
            prm["dist"] = {
                k: (op(v) if k in ("low", "high", "mode") and v is not None else v)
                for k, v in dist.items()
            }
        return
    node: Any = d
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise where(
                "unknown key",
                "a key of the resolved scenario (see `straitsim show`)",
                ".".join(parts[: i + 1]),
            )
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise where("unknown key", "a key of the resolved scenario", ch.key)
    cur = node.get(last)
    if ch.add is not None:
        if last in node:
            raise where("record already exists", "a new key for 'add'", ch.key)
        node[last] = dict(ch.add)
        return
    if ch.value is not None:
        if isinstance(cur, dict):
            raise where(
                "cannot replace a table with a value", "a sub-key, e.g. " + ch.key + ".n", ch.value
            )
        node[last] = ch.value
        return
    if last not in node:
        raise where("unknown key", "a key of the resolved scenario (see `straitsim show`)", last)
    if not _number(cur):
        raise where("not a number", "a numeric key for delta/scale", cur)
    new = cur + ch.delta if ch.delta is not None else cur * ch.scale  # type: ignore[operator]
    node[last] = int(round(new)) if isinstance(cur, int) and float(new).is_integer() else new


def apply_options(
    sc: Scenario,
    options: Sequence[InvestmentOption],
    sources: Mapping[str, OptionSource] | None = None,
    label: str = "options",
) -> Scenario:
    """Return the scenario with every change of ``options`` applied, in order, and re-validated."""
    d = sc.model_dump(by_alias=True)
    for o in options:
        for i, ch in enumerate(o.changes):

            def where(
                what: str, expected: str, found: Any, _o: InvestmentOption = o, _i: int = i
            ) -> UserError:
                return UserError(
                    f"option '{_o.id}': {what}",
                    file=label,
                    key=f"options.{_o.id}.changes[{_i}] ({_o.changes[_i].key})",
                    expected=expected,
                    found=repr(found),
                )

            _apply_one(d, ch, where)
    for k, s in (sources or {}).items():
        d["sources"].setdefault(k, s.model_dump(exclude={"note"}))
    try:
        return validate(d, {}, f"{sc.name} + " + ", ".join(o.id for o in options))
    except UserError as exc:
        ids = ", ".join(o.id for o in options)
        raise UserError(
            f"option(s) {ids} make an invalid scenario: {exc.detail}",
            file=label,
            key=exc.key,
            expected=exc.expected,
            found=exc.found,
        ) from None


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


def parse_usd(text: str | float | int | None) -> float | None:
    """``5e9``, ``5bn``, ``500m``, ``2.4 billion`` -> US$ (None stays None)."""
    if text is None or _number(text):
        return None if text is None else float(text)
    m = re.fullmatch(
        r"\s*\$?\s*([0-9.]+(?:e[0-9]+)?)\s*(bn|b|billion|m|mn|million|k)?\s*",
        str(text).lower().replace(",", "").replace("_", ""),
    )
    if not m:
        raise UserError(
            "bad amount", key="budget", expected="US$ as 5e9, 5bn or 500m", found=repr(text)
        )
    mult = {"bn": 1e9, "b": 1e9, "billion": 1e9, "m": 1e6, "mn": 1e6, "million": 1e6, "k": 1e3}.get(
        m.group(2) or "", 1.0
    )
    try:
        return float(m.group(1)) * mult
    except ValueError:
        raise UserError(
            "bad amount", key="budget", expected="US$ as 5e9, 5bn or 500m", found=repr(text)
        ) from None


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
        if not o.modelled:
            excluded_rows.append(
                {
                    "option": o.id,
                    "name": o.name,
                    "actor": o.actor,
                    "cost_usd": o.cost_usd,
                    "why": "not yet modelled: " + (o.reason or ""),
                }
            )
        elif o.year_available > yr:
            excluded_rows.append(
                {
                    "option": o.id,
                    "name": o.name,
                    "actor": o.actor,
                    "cost_usd": o.cost_usd,
                    "why": f"available from {o.year_available}",
                }
            )
    # build every variant first, so a bad option fails before any simulation
    variants = {o.id: apply_options(sc, [o], srcs, opts.path) for o in avail}

    def run(s: Scenario) -> np.ndarray:
        v = fn(simulate(s, reps, seed, None, days))[0]
        if progress is not None:
            progress(1)
        return np.asarray(v, dtype=float)

    values = {"baseline": run(sc)}
    for oid, s in variants.items():
        values[oid] = run(s)
    eff = paired_effects(values["baseline"], {k: values[k] for k in variants}, hib)
    info = pd.DataFrame(
        [
            {
                "option": o.id,
                "name": o.name,
                "actor": o.actor,
                "cost_usd": o.cost_usd,
                "price_year": o.price_year,
                "year_available": o.year_available,
                "cost_basis": o.cost_basis(),
                "changes": "; ".join(c.describe() for c in o.changes),
            }
            for o in avail
        ],
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
        overrides=[f"{k}={v}" for k, v in sets.items()]
        if isinstance(sets, Mapping)
        else list(sets),
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
            values["portfolio"] = run(joint)
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
def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows in file order, missing figures dropped (so ``"pct_gdp" in row`` tests presence)."""
    out = []
    for r in df.to_dict(orient="records"):
        out.append({k: v for k, v in r.items() if not (isinstance(v, float) and math.isnan(v))})
    return out


def spending_paths(path: str | Path | None = None) -> pd.DataFrame:
    """Every cited % of GDP figure by ally and year: SIPRI actuals, national figures, US asks.

    Read with :func:`straitsim.analysis.burden.load_economics` (default: the built-in
    ``economics.toml``); ``source`` is a key of that file's bibliography.
    """
    import pandas as pd

    econ = load_economics(path)
    rows = [
        {
            "ally": r["iso3"],
            "year": int(r["year"]),
            "fiscal_year": r.get("fiscal_year"),
            "basis": r.get("basis", ""),
            "kind": r.get("kind", ""),
            "pct_gdp": float(r["pct_gdp"]),
            "source": r.get("source"),
            "note": r.get("note"),
        }
        for r in _records(econ.spending)
        if "pct_gdp" in r
    ]
    rows += [
        {
            "ally": r["iso3"],
            "year": int(r["year"]),
            "fiscal_year": None,
            "basis": "us_ask",
            "kind": "us_ask",
            "pct_gdp": float(r["pct_gdp"]),
            "source": r.get("source"),
            "note": r.get("note"),
        }
        for r in _records(econ.us_ask)
        if "pct_gdp" in r
    ]
    cols = ["ally", "year", "fiscal_year", "basis", "kind", "pct_gdp", "source", "note"]
    return (
        pd.DataFrame(rows, columns=cols)
        .sort_values(["ally", "basis", "year"], kind="stable")
        .reset_index(drop=True)
    )


def _interp(points: Mapping[int, float], y: int) -> float:
    """Linear between cited points; flat before the first and after the last."""
    ys = sorted(points)
    if y <= ys[0]:
        return points[ys[0]]
    if y >= ys[-1]:
        return points[ys[-1]]
    return float(np.interp(y, ys, [points[k] for k in ys]))


def affordability(
    ranking: pd.DataFrame,
    year: int,
    path: str | Path | None = None,
    base_year: int = BASE_YEAR,
    ask_year: int = ASK_YEAR,
) -> pd.DataFrame:
    """Extra money each ally's spending path gives by ``year``, and the ranked options it buys.

    For each ally the national % of GDP series after ``base_year`` (its last figure for each
    year, linear between figures, flat after the last) starts from its level in ``base_year``
    (national spending actual or budgeted nearest that year; SIPRI's share where the data
    hold no national figure) and is set against that level held flat; each reported
    US ask is a path rising linearly from that level to the ask by ``ask_year``. Extra money
    is the sum over ``base_year + 1 .. year`` of (path - base level) x GDP, with GDP held at its
    ``base_year`` SIPRI-implied value in current US$ (no growth: the data hold no forecasts).
    The ally's own options (ranked, gain positive at 95%, available by ``year``) are bought in rank
    order while the money lasts. National definitions differ from SIPRI's (see economics.toml).
    """
    import pandas as pd

    econ = load_economics(path)
    gdp: dict[str, tuple[int, float]] = {}
    sipri: dict[str, dict[int, float]] = {}
    budgeted: dict[str, dict[int, float]] = {}
    national: dict[str, dict[int, float]] = {}
    srcs: dict[str, set[str]] = {}
    for r in _records(econ.spending):
        c, y = r["iso3"], int(r["year"])
        if (
            r.get("basis") == "sipri"
            and "gdp_usd_bn" in r
            and y <= base_year
            and y >= gdp.get(c, (0, 0.0))[0]
        ):
            gdp[c] = (y, float(r["gdp_usd_bn"]))
        if "pct_gdp" not in r:
            continue
        if r.get("basis") == "sipri":
            sipri.setdefault(c, {})[y] = float(r["pct_gdp"])
        elif r.get("basis") == "national":
            if r.get("kind") in ("actual", "budget"):
                budgeted.setdefault(c, {})[y] = float(r["pct_gdp"])
            if y > base_year:
                national.setdefault(c, {})[y] = float(r["pct_gdp"])
            srcs.setdefault(c, set()).add(str(r.get("source")))
    asks: dict[str, list[tuple[float, str]]] = {}
    for r in _records(econ.us_ask):
        asks.setdefault(r["iso3"], []).append((float(r["pct_gdp"]), str(r.get("source"))))
    rows = []
    payers = set(ranking["actor"]) if not ranking.empty else set()
    for ally in sorted((set(national) | set(asks) | payers) & set(gdp)):
        pts = national.get(ally)
        if not pts or (ally not in budgeted and ally not in sipri):
            rows.append(
                {
                    "ally": ally,
                    "path": "none",
                    "gdp_usd_bn": gdp[ally][1],
                    "gdp_year": gdp[ally][0],
                    "buys": "",
                    "source": "no national % of GDP series in economics.toml",
                }
            )
            continue
        g_year, g = gdp[ally]
        # the base level: national spending (actual or budgeted) nearest the base year, else SIPRI's
        if ally in budgeted:
            base = _interp(budgeted[ally], base_year)
        else:
            base = _interp(sipri[ally], base_year)
            srcs[ally].add("sipri-milex-2025")
        pts = {base_year: base, **pts}
        paths: list[tuple[str, dict[int, float], str]] = [
            ("plan", pts, ", ".join(sorted(srcs[ally])))
        ]
        for pct, src in sorted(asks.get(ally, [])):
            paths.append((f"US ask {pct:g}%", {base_year: base, ask_year: pct}, src))
        for name, points, src in paths:
            extra_bn = sum(
                (_interp(points, y) - base) / 100.0 * g for y in range(base_year + 1, year + 1)
            )
            buys, spent = [], 0.0
            own = (
                ranking[(ranking["actor"] == ally) & (ranking["gain_lo"] > 0)]
                if not ranking.empty
                else ranking
            )
            for oid, row in own.iterrows():
                if spent + row["cost_usd"] <= extra_bn * 1e9 + 1e-6:
                    buys.append(str(oid))
                    spent += float(row["cost_usd"])
            rows.append(
                {
                    "ally": ally,
                    "path": name,
                    "pct_gdp_base": base,
                    "pct_gdp_at_year": _interp(points, year),
                    "gdp_usd_bn": g,
                    "gdp_year": g_year,
                    "extra_usd_bn": extra_bn,
                    "buys": ", ".join(buys),
                    "buys_cost_usd": spent,
                    "source": src,
                }
            )
    cols = [
        "ally",
        "path",
        "pct_gdp_base",
        "pct_gdp_at_year",
        "gdp_usd_bn",
        "gdp_year",
        "extra_usd_bn",
        "buys",
        "buys_cost_usd",
        "source",
    ]
    return (
        pd.DataFrame(rows, columns=cols).set_index(["ally", "path"])
        if rows
        else pd.DataFrame(columns=cols).set_index(["ally", "path"])
    )
