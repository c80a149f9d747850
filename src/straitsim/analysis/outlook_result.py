"""The result of :func:`straitsim.outlook`: tables by year and path, and their JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.summary import document_header
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass
class OutlookResult:
    """Year-by-year outcomes under each combination of spending paths, as tidy DataFrames.

    ``headlines``: combo, year, output, value, lo, hi (95% interval, or the 5-95% band across
    worlds), se. ``comparison``: one row per combination (worst year, whether the measure
    stays below the threshold every year, extra spending). ``spending``, ``purchases``,
    ``contributions`` (Shapley by year, positive helps the defence), ``burden`` and
    ``forces`` (each year's overrides). Plots: :mod:`straitsim.report.outlook_plots`.
    """

    scenario: Scenario
    years: list[int]
    combos: list[dict[str, str]]
    measure: str
    threshold: float
    rule: str
    reps: int
    seed: int
    worlds: int
    roles: dict[str, str]
    overrides: list[str]
    headlines: pd.DataFrame
    comparison: pd.DataFrame
    spending: pd.DataFrame
    purchases: pd.DataFrame
    contributions: pd.DataFrame
    burden: pd.DataFrame
    forces: pd.DataFrame
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cheapest(self) -> str | None:
        """The cheapest combination keeping the measure below the threshold, under the rule."""
        ok = self.comparison[self.comparison["keeps_below"]]
        if ok.empty:
            return None
        by = ["total_extra_usd_bn"] if self.rule == "marginal" else ["max_extra_pct_gdp"]
        return str(ok.sort_values(by + ["total_extra_usd_bn"], kind="stable").index[0])

    def window(self, combo: str | None = None) -> list[int]:
        """Years in which the measure reaches the threshold (the window of vulnerability)."""
        h = self.headlines
        c = combo or str(self.comparison.index[0])
        row = h[(h["combo"] == c) & (h["output"] == self.measure)]
        return [
            int(y) for y, v in zip(row["year"], row["value"], strict=True) if v >= self.threshold
        ]

    def summary(self) -> dict[str, Any]:
        """Build the ``straitsim outlook --json`` document (non-finite values become null)."""

        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: _jsonable(v) for k, v in r.items()} for r in df.to_dict("records")]

        return {
            **document_header(self.scenario),
            "roles": self.roles,
            "overrides": self.overrides,
            "years": self.years,
            "reps": self.reps,
            "seed": self.seed,
            "worlds": self.worlds,
            "measure": self.measure,
            "threshold": self.threshold,
            "rule": self.rule,
            "combos": [{"name": combo_name(c), "paths": c} for c in self.combos],
            "comparison": recs(self.comparison.reset_index()),
            "cheapest": self.cheapest,
            "window": self.window(),
            "headlines": recs(self.headlines),
            "spending": recs(self.spending),
            "purchases": recs(self.purchases),
            "contributions": recs(self.contributions),
            "burden": recs(self.burden),
            "forces": recs(self.forces),
            "sources": self.sources,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def combo_name(combo: Mapping[str, str]) -> str:
    """Return a combination's name: ``"JPN=3.5pct AUS=plan"`` (``"plan"`` when empty)."""
    return " ".join(f"{a}={p}" for a, p in combo.items()) or "plan"
