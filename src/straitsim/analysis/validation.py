"""Validation against published wargames and studies: cases as data, run and compared.

A validation case (``scenario/data/validation.toml``) names a scenario and its changes, the
quantity compared, the published figure with its source, and a tolerance with its rationale.
:func:`run_validation` runs each distinct scenario once (all with the same seed), computes
the model's statistic for every case and reports whether it falls inside the tolerance band.
Nothing is tuned: a case outside its band is a finding, reported as such.

Quantities (evaluated per replication, profile 0):

* ``COUNTRY.metric``: a loss-ledger metric; ``COALITION`` sums every country except CHN.
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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from straitsim.analysis.metrics import METRICS
from straitsim.analysis.summary import wilson
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import TRACES, Trajectory
from straitsim.errors import UserError
from straitsim.meta import __version__
from straitsim.runners.local import simulate
from straitsim.scenario.load import DATA_DIR, PACK_DIR, load_scenario, read_toml
from straitsim.scenario.schema import Scenario, Source

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

VALIDATION_FILE = DATA_DIR / "validation.toml"
COALITION = "COALITION"
_EPS = 1e-9


# --- the data file -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """How far the model may sit from the published figure: exactly one of three rules."""

    rel: float | None = Field(default=None, ge=0)
    abs: float | None = Field(default=None, ge=0)
    wilson: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> Tolerance:
        given = [k for k in ("rel", "abs", "wilson") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of rel, abs, wilson")
        return self

    @property
    def kind(self) -> str:
        """``rel``, ``abs`` or ``wilson``."""
        return next(k for k in ("rel", "abs", "wilson") if getattr(self, k) is not None)

    @property
    def value(self) -> float:
        """The rule's number."""
        return float(getattr(self, self.kind))


class GameCount(_Strict):
    """``count`` of ``of`` games ended the way the case describes."""

    count: int = Field(ge=0)
    of: int = Field(ge=1)

    @model_validator(mode="after")
    def _le(self) -> GameCount:
        if self.count > self.of:
            raise ValueError("count must not exceed of")
        return self


class Case(_Strict):
    """One validation case, as written in ``validation.toml``."""

    id: str = Field(min_length=1)
    group: str
    title: str
    scenario: str
    roles: dict[str, str] = Field(default_factory=dict)
    sets: dict[str, Any] = Field(default_factory=dict)
    days: int | None = Field(default=None, ge=1, le=365)
    quantity: str
    published: GameCount | tuple[float, float] | float
    published_text: str
    source: str
    original: str | None = None
    tolerance: Tolerance
    policy: str
    rationale: str = Field(min_length=1)
    calibrated: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        counted = isinstance(self.published, GameCount)
        if counted != (self.tolerance.kind == "wilson"):
            raise ValueError("a { count, of } figure takes tolerance { wilson = ... } and only it")
        if isinstance(self.published, tuple) and self.published[0] > self.published[1]:
            raise ValueError("a published range needs low <= high")
        return self

    @property
    def published_range(self) -> tuple[float, float]:
        """Low and high of the published figure (equal for a point; K/N for a game count)."""
        p = self.published
        if isinstance(p, GameCount):
            return (p.count / p.of, p.count / p.of)
        if isinstance(p, tuple):
            return (float(p[0]), float(p[1]))
        return (float(p), float(p))

    def band(self) -> tuple[float, float]:
        """Return the interval the model's statistic must fall in."""
        lo, hi = self.published_range
        tol = self.tolerance
        if isinstance(self.published, GameCount):
            return wilson(self.published.count, self.published.of, _z(tol.value))
        if tol.kind == "rel":
            return (lo - abs(lo) * tol.value, hi + abs(hi) * tol.value)
        return (lo - tol.value, hi + tol.value)

    def run_key(self) -> tuple[Any, ...]:
        """Cases with the same key share one simulation."""
        return (
            self.scenario,
            tuple(sorted(self.roles.items())),
            tuple(sorted((k, repr(v)) for k, v in self.sets.items())),
            self.days,
        )


class Pending(_Strict):
    """A published result the model cannot yet be compared with, and what is missing."""

    id: str
    title: str
    published_text: str
    source: str
    missing: str


class _File(_Strict):
    kind: Literal["validation"]
    policies: dict[str, str] = Field(default_factory=dict)
    cases: list[Case]
    pending: list[Pending] = Field(default_factory=list)
    sources: dict[str, Source] = Field(default_factory=dict)


@dataclass(frozen=True)
class ValidationData:
    """The cases, the pending list, the tolerance policies and the bibliography they cite."""

    cases: list[Case]
    pending: list[Pending]
    sources: dict[str, Source]
    policies: dict[str, str]
    path: Path


def _z(level: float) -> float:
    """Two-sided standard normal quantile for a confidence ``level``."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def _loc(loc: Sequence[Any], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for x in loc:
        if isinstance(x, int):
            ident = (
                node[x].get("id")
                if isinstance(node, list) and x < len(node) and isinstance(node[x], dict)
                else None
            )
            parts[-1] += f"[{ident or x}]"
            node = node[x] if isinstance(node, list) and x < len(node) else None
        elif str(x) in (
            "float",
            "tuple[float,float]",
            "GameCount",
            "function-after[_consistent(), Case]",
        ):
            continue
        else:
            parts.append(str(x))
            node = node.get(x) if isinstance(node, dict) else None
    return ".".join(parts)


def load_cases(path: str | Path | None = None) -> ValidationData:
    """Read and check the validation cases (default: the built-in ``validation.toml``).

    Every problem becomes one :class:`UserError` naming the file, the key, what was
    expected and what was found: unknown keys, bad tolerances, duplicate ids, unknown
    source keys, quantities that do not parse.
    """
    p = Path(path) if path is not None else VALIDATION_FILE
    label = str(p)
    raw = read_toml(p, label)
    try:
        f = _File.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        found = repr(err.get("input"))
        raise UserError(
            "invalid validation case",
            file=label,
            key=_loc(err["loc"], raw),
            expected=err["msg"].lower(),
            found=found if len(found) <= 60 else found[:57] + "...",
        ) from None
    pack = read_toml(PACK_DIR / "sources.toml").get("sources", {})
    sources = {k: Source.model_validate(v) for k, v in pack.items()}
    sources.update(f.sources)
    seen: set[str] = set()
    for case in f.cases:
        key = f"cases[{case.id}]"
        if case.id in seen:
            raise UserError(
                "duplicate case id",
                file=label,
                key=key + ".id",
                expected="unique ids",
                found=repr(case.id),
            )
        seen.add(case.id)
        if case.policy not in f.policies:
            raise UserError(
                "unknown tolerance policy",
                file=label,
                key=f"{key}.policy",
                expected="a key of [policies] (" + ", ".join(f.policies) + ")",
                found=repr(case.policy),
            )
        for k, field_name in ((case.source, "source"), (case.original, "original")):
            if k is not None and k not in sources:
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"{key}.{field_name}",
                    expected="a key of [sources] here or in packs/sources.toml",
                    found=repr(k),
                )
        try:
            parse_quantity(case.quantity)
        except UserError as exc:
            raise UserError(
                exc.detail,
                file=label,
                key=f"{key}.quantity",
                expected=exc.expected,
                found=exc.found,
            ) from None
    for item in f.pending:
        if item.source not in sources:
            raise UserError(
                "unknown source key",
                file=label,
                key=f"pending[{item.id}].source",
                expected="a key of [sources]",
                found=repr(item.source),
            )
    return ValidationData(list(f.cases), list(f.pending), sources, dict(f.policies), p)


# --- quantities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: ``kind`` and its parts (see the module docstring)."""

    kind: Literal["loss", "ratio", "outcome", "metric", "trace", "decided_day"]
    text: str
    terms: tuple[tuple[str, ...], ...] = ()
    name: str = ""

    @property
    def is_probability(self) -> bool:
        """True when the statistic is a share of replications (0/1 values per replication)."""
        if self.kind == "outcome":
            return True
        return self.kind == "metric" and METRICS[self.name][1].startswith("P(")

    @property
    def is_share(self) -> bool:
        """True when the values are shares (shown as percentages)."""
        return (
            self.is_probability
            or self.kind == "ratio"
            or (self.kind == "trace" and self.name.endswith("_share"))
            or (self.kind == "loss" and self.terms[0][2].endswith("_share"))
        )


def _term(text: str, whole: str) -> tuple[str, ...]:
    parts = text.strip().split(".")
    if parts[0] == "initial" and len(parts) == 3 and parts[1]:
        return ("initial", parts[1].upper(), parts[2])
    if len(parts) == 2 and all(parts):
        return ("loss", parts[0].upper(), parts[1])
    raise UserError(
        "bad quantity",
        key="quantity",
        expected=(
            "COUNTRY.metric, A / B (with initial.COUNTRY.X as a denominator), outcome.NAME, "
            "metric.NAME, trace.NAME or decided_day"
        ),
        found=repr(whole),
    )


def parse_quantity(text: str) -> Quantity:
    """Parse a quantity string; raise :class:`UserError` naming the choices when it is wrong."""
    t = text.strip()
    if t == "decided_day":
        return Quantity("decided_day", t)
    if "/" in t:
        num, _, den = t.partition("/")
        return Quantity("ratio", t, (_term(num, t), _term(den, t)))
    head, _, name = t.partition(".")
    named: tuple[tuple[Literal["outcome", "metric", "trace"], Collection[str]], ...] = (
        ("outcome", OUTCOMES),
        ("metric", METRICS),
        ("trace", TRACES),
    )
    for kind, names in named:
        if head != kind:
            continue
        if name not in names:
            raise UserError(
                f"unknown {kind}",
                key="quantity",
                expected="one of " + ", ".join(names),
                found=repr(name),
            )
        return Quantity(kind, t, name=name)
    term = _term(t, t)
    if term[0] == "initial":
        raise UserError(
            "an initial inventory is only a denominator",
            key="quantity",
            expected="COUNTRY.metric / initial.COUNTRY.X",
            found=repr(t),
        )
    return Quantity("loss", t, (term,))


def initial_inventory(sc: Scenario, country: str, what: str) -> float:
    """Count ``country``'s starting aircraft (``what='aircraft'``) or ships of class ``what``."""
    if country not in sc.actors:
        raise UserError(
            "unknown country",
            key="quantity",
            expected="one of " + ", ".join(sc.actors),
            found=repr(country),
        )
    if what == "aircraft":
        return float(sum(u.n for u in sc.air_units.values() if u.actor == country))
    classes = sorted(sc.ship_classes)
    if what not in classes:
        raise UserError(
            "unknown inventory",
            key="quantity",
            expected="aircraft or a ship class (" + ", ".join(classes) + ")",
            found=repr(what),
        )
    return float(sum(g.n for g in sc.ships.values() if g.actor == country and g.ship_class == what))


def _loss(traj: Trajectory, country: str, metric_name: str, profile: int) -> np.ndarray:
    countries = [c for c in traj.losses if c != "CHN"] if country == COALITION else [country]
    out = np.zeros(traj.n_reps)
    for c in countries:
        if c not in traj.losses:
            raise UserError(
                "unknown country",
                key="quantity",
                expected="one of " + ", ".join([*traj.losses, COALITION]),
                found=repr(c),
            )
        ms = traj.losses[c]
        if metric_name not in ms:
            raise UserError(
                f"no metric {metric_name!r} for {c}",
                key="quantity",
                expected="one of " + ", ".join(ms),
                found=repr(metric_name),
            )
        out = out + np.asarray(ms[metric_name][profile], dtype=float)
    return out


def quantity_values(
    quantity: str | Quantity, traj: Trajectory, sc: Scenario, profile: int = 0
) -> np.ndarray:
    """Per-replication values of a quantity (shape ``(replications,)``; NaN where undefined)."""
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    if q.kind == "decided_day":
        last = traj.traces[TRACES[0]].shape[1] - 1
        day = np.asarray(traj.decided_day[profile], dtype=float)
        return np.where(np.isnan(day), float(last), day)
    if q.kind == "outcome":
        hit = np.asarray(traj.outcome[profile]) == OUTCOMES.index(q.name)
        return np.asarray(hit, dtype=float)
    if q.kind == "metric":
        return np.asarray(METRICS[q.name][0](traj)[profile], dtype=float)
    if q.kind == "trace":
        return np.asarray(traj.traces[q.name][profile, -1, :], dtype=float)

    def term(t: tuple[str, ...]) -> np.ndarray:
        if t[0] == "initial":
            return np.full(traj.n_reps, initial_inventory(sc, t[1], t[2]))
        return _loss(traj, t[1], t[2], profile)

    if q.kind == "loss":
        return term(q.terms[0])
    num, den = term(q.terms[0]), term(q.terms[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# --- running ---------------------------------------------------------------------------------


@dataclass
class CaseResult:
    """The model against one case: its statistic, interval, the band and the verdict."""

    case: Case
    statistic: Literal["median", "probability"]
    value: float
    low: float
    high: float
    band: tuple[float, float]
    within: bool
    n_reps: int
    is_share: bool

    def to_dict(self, sources: Mapping[str, Source]) -> dict[str, Any]:
        """JSON-ready record of the case and its result."""
        c = self.case
        src = sources[c.source]
        pub: dict[str, Any] = {
            "low": c.published_range[0],
            "high": c.published_range[1],
            "text": c.published_text,
        }
        if isinstance(c.published, GameCount):
            pub.update({"count": c.published.count, "of": c.published.of})
        return {
            "id": c.id,
            "group": c.group,
            "title": c.title,
            "scenario": {
                "name": c.scenario,
                "roles": dict(c.roles),
                "sets": dict(c.sets),
                "days": c.days,
            },
            "quantity": c.quantity,
            "published": pub,
            "source": {
                "key": c.source,
                "kind": src.kind,
                "title": src.title,
                "year": src.year,
                "url": src.url,
                "original": c.original,
            },
            "tolerance": {
                "kind": c.tolerance.kind,
                "value": c.tolerance.value,
                "policy": c.policy,
                "rationale": c.rationale,
            },
            "band": list(self.band),
            "model": {
                "statistic": self.statistic,
                "value": _finite(self.value),
                "low": _finite(self.low),
                "high": _finite(self.high),
                "interval": "95% Wilson" if self.statistic == "probability" else "10-90%",
                "n_reps": self.n_reps,
            },
            "within": self.within,
            "calibrated": c.calibrated,
            "share": self.is_share,
        }


def format_value(x: float | None, share: bool) -> str:
    """Format a figure for tables: shares as percentages, counts with thousands separators."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if share:
        return f"{x:.0%}" if abs(x) >= 0.095 or x == 0 else f"{x:.1%}"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2g}"


def format_published(case: Mapping[str, Any]) -> str:
    """Format a case's published figure (from :meth:`CaseResult.to_dict`)."""
    p, share = case["published"], case["share"]
    if "count" in p:
        return f"{p['count']} of {p['of']} game" + ("s" if p["of"] != 1 else "")
    if p["low"] == p["high"]:
        return format_value(p["low"], share)
    return f"{format_value(p['low'], share)}-{format_value(p['high'], share)}"


def format_model(case: Mapping[str, Any]) -> str:
    """Format the model's statistic and interval, e.g. ``median 45 (37-58)``."""
    m, share = case["model"], case["share"]
    what = "p" if m["statistic"] == "probability" else "median"
    lo, hi = format_value(m["low"], share), format_value(m["high"], share)
    return f"{what} {format_value(m['value'], share)} ({lo}-{hi})"


def format_tolerance(case: Mapping[str, Any]) -> str:
    """Format the tolerance rule, its policy and the resulting band."""
    t, share = case["tolerance"], case["share"]
    if t["kind"] == "rel":
        rule = f"±{t['value']:.0%}"
    elif t["kind"] == "wilson":
        rule = f"{t['value']:.0%} Wilson"
    elif not t["value"]:
        rule = "as published"
    else:
        rule = f"±{t['value'] * 100:g} pts" if share else f"±{t['value']:g}"
    lo, hi = case["band"]
    return f"{rule} ({t['policy']}): {format_value(lo, share)}-{format_value(hi, share)}"


def _finite(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


@dataclass
class ValidationReport:
    """Every case's result, the pending list and how the run was made."""

    results: list[CaseResult]
    pending: list[Pending]
    sources: dict[str, Source]
    policies: dict[str, str]
    reps: int
    seed: int
    runs: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_within(self) -> int:
        """How many cases fall inside their tolerance band."""
        return sum(r.within for r in self.results)

    @property
    def independent(self) -> list[CaseResult]:
        """Results of the cases the model was not calibrated to (the out-of-sample evidence)."""
        return [r for r in self.results if not r.case.calibrated]

    def table(self) -> pd.DataFrame:
        """One row per case: published figure, band, model statistic and interval, verdict."""
        import pandas as pd

        rows = []
        for r in self.results:
            c = r.case
            rows.append(
                {
                    "id": c.id,
                    "group": c.group,
                    "quantity": c.quantity,
                    "published_low": c.published_range[0],
                    "published_high": c.published_range[1],
                    "source": c.source,
                    "source_kind": self.sources[c.source].kind,
                    "tolerance": f"{c.tolerance.kind}={c.tolerance.value:g} ({c.policy})",
                    "band_low": r.band[0],
                    "band_high": r.band[1],
                    "statistic": r.statistic,
                    "model": r.value,
                    "model_low": r.low,
                    "model_high": r.high,
                    "within": r.within,
                    "calibrated": c.calibrated,
                }
            )
        return pd.DataFrame(rows).set_index("id")

    def to_markdown(self) -> str:
        """Return the results as a Markdown table (``straitsim validate --markdown``)."""
        doc = self.to_dict()
        lines = [
            f"`straitsim validate --reps {self.reps} --seed {self.seed}` "
            f"(straitsim {doc['straitsim_version']}): {doc['n_within']} of {doc['n_cases']} cases "
            f"within tolerance; of the {doc['n_independent']} cases the model was not "
            f"calibrated to (no †), {doc['n_independent_within']} within.",
            "",
            "| case | quantity | published | source | model (interval) | tolerance: band "
            "| within |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in doc["cases"]:
            lines.append(
                f"| `{c['id']}`{' †' if c['calibrated'] else ''} | {c['title']} "
                f"| {format_published(c)} | {c['source']['key']} | {format_model(c)} "
                f"| {format_tolerance(c)} | {'yes' if c['within'] else '**no**'} |"
            )
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Build the ``straitsim validate --json`` document."""
        return {
            "schema_version": 1,
            "straitsim_version": __version__,
            "reps": self.reps,
            "seed": self.seed,
            "runs": self.runs,
            "n_cases": len(self.results),
            "n_within": self.n_within,
            "n_independent": len(self.independent),
            "n_independent_within": sum(r.within for r in self.independent),
            "policies": dict(self.policies),
            "cases": [r.to_dict(self.sources) for r in self.results],
            "pending": [
                {
                    **p.model_dump(),
                    "source_kind": self.sources[p.source].kind,
                    "source_title": self.sources[p.source].title,
                }
                for p in self.pending
            ],
            **self.meta,
        }


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
    runs: dict[tuple[Any, ...], tuple[Scenario, Trajectory]] = {}
    for c in chosen:
        key = c.run_key()
        if key not in runs:
            sc = load_scenario(c.scenario, c.roles, c.sets)
            runs[key] = (sc, simulate(sc, reps, seed, days=c.days, progress=progress))
    results = [evaluate_case(c, runs[c.run_key()][1], runs[c.run_key()][0]) for c in chosen]
    pending = data.pending if not cases else []
    return ValidationReport(
        results, pending, data.sources, data.policies, reps, seed, runs=len(runs)
    )


def count_runs(cases: Sequence[str] | None = None, path: str | Path | None = None) -> int:
    """How many distinct simulations :func:`run_validation` will make (for progress bars)."""
    data = load_cases(path)
    return len({c.run_key() for c in select_cases(data, cases)})
