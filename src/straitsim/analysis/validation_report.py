"""A validation run's results: one row per case, as a table, Markdown and JSON."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from straitsim.analysis.validation_cases import (
    Case,
    GameCount,
    Pending,
)
from straitsim.meta import __version__
from straitsim.scenario.schema import Source

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
