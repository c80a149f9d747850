"""Burden sharing: each ally's Shapley share of the contribution beside what it spends and loses.

The economics data (defence spending in current US$ and % of GDP, GDP, national plans and US
asks, each row cited) live in ``scenario/data/economics.toml``; :func:`load_economics` reads
and checks them. :func:`burden` runs the attribution (:func:`straitsim.analysis.roles.
analyse_roles`) and sets, per ally and side by side: its share of the allies' combined
contribution to a metric, its share of their defence spending and of their GDP, and the
losses it bears in the profile where every ally plays its role.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.economics import (
    ECONOMICS_PATH,
    Economics,
    latest_common_year,
    load_economics,
    spending_for,
    spending_table,
)
from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.analysis.roles import RoleAnalysis, analyse_roles
from straitsim.analysis.summary import document_header
from straitsim.limits import check_number
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.load import load_scenario
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# The economics data and their loader live in analysis/economics.py; re-exported here.
__all__ = [
    "ECONOMICS_PATH",
    "LOSS_COLUMNS",
    "BurdenResult",
    "Economics",
    "burden",
    "burden_sharing",
    "burden_table",
    "latest_common_year",
    "load_economics",
    "spending_for",
    "spending_table",
]

LOSS_COLUMNS = {"aircraft": "aircraft_lost", "ships": "ships_lost", "personnel_killed": "killed"}


@dataclass
class BurdenResult:
    """The burden-sharing table and the attribution it rests on."""

    analysis: RoleAnalysis
    year: int
    rows: list[dict[str, Any]]
    economics: Economics
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per ally: contribution, spending, GDP and losses, values and shares."""
        import pandas as pd

        return pd.DataFrame(self.rows).set_index("ally")

    def shares(self) -> pd.DataFrame:
        """Return the four shares side by side: contribution, spending, GDP, personnel killed."""
        cols = {
            "contribution_share": "contribution",
            "milex_share": "defence spending",
            "gdp_share": "GDP",
            "killed_share": "personnel killed",
        }
        return self.table()[list(cols)].rename(columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """Build the ``straitsim burden --json`` document (schema in docs/roles.md)."""
        ra = self.analysis
        sh = ra.shapley
        cited = sorted(
            {
                r[k]
                for r in self.rows
                for k in ("spending_source", "gdp_source", "us_ask_source")
                if r.get(k)
            }
        )

        return {
            **document_header(ra.scenario),
            "allies": list(ra.moves),
            "to": ra.to,
            "year": self.year,
            "reps": ra.reps,
            "seed": ra.seed,
            "metric": ra.lattice.metric,
            "metric_description": describe_metric(ra.lattice.metric),
            "higher_is_better": higher_is_better(ra.lattice.metric),
            "v_all": sh.v_all,
            "v_none": sh.v_none,
            "v_all_minus_none_se": sh.se_all_minus_none,
            "rows": [_jsonable(r) for r in self.rows],
            "notes": self.notes,
            "sources": {k: self.economics.sources[k] for k in cited},
        }


def burden(
    sc: Scenario,
    allies: Sequence[str] | None = None,
    reps: int = 1000,
    seed: int = 0,
    metric: str = "defence_prevails",
    year: int | None = None,
    to: str = "scenario",
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> BurdenResult:
    """Burden sharing among ``allies``: contribution (Shapley) vs spending, GDP and losses.

    Parameters
    ----------
    sc : Scenario
        The resolved scenario.
    allies : sequence of str, optional
        The players (actors with a role ladder; the USA may be one). Default: every ally
        with a role ladder (:meth:`Scenario.ladder_allies`).
    reps, seed : int
        Replications and seed (common random numbers across the coalitions).
    metric : str
        The outcome metric whose improvement is attributed.
    year : int, optional
        Spending year (default: the latest year with SIPRI figures for every ally).
    to : {"scenario", "top"}
        Each ally's move, from its lowest rung to its scenario or top rung.
    days, chunk_size, progress
        Passed to the engine.

    Returns
    -------
    BurdenResult
        ``table()`` has, per ally: ``shapley`` (metric units) and ``shapley_se``;
        ``contribution_share`` (of ``v_all - v_none``); ``milex_usd_bn``, ``pct_gdp`` and
        ``milex_share`` (of the allies' total); ``gdp_usd_bn`` and ``gdp_share``; mean
        ``aircraft_lost``, ``ships_lost`` and ``killed`` in the profile where every ally
        plays its role, and their shares; the US ask (% GDP) and every source key.
    """
    econ = load_economics()
    codes = [a.strip().upper() for a in (sc.ladder_allies() if allies is None else allies)]
    if year is None:
        year = latest_common_year(econ, codes)
    else:  # before any simulation: a year outside the spending data is an input error
        ys = econ.spending["year"].astype(int)
        lo, hi = int(ys.min()), int(ys.max())
        year = int(check_number(year, "year", lo, hi, integer=True, why="years of spending data"))
    ra = analyse_roles(
        sc,
        codes,
        reps,
        seed,
        metric,
        to,
        days=days,
        chunk_size=chunk_size,
        progress=progress,
        full_lattice=False,
    )
    players = list(ra.moves)
    all_in = profile_roles(sc, {a: ra.moves[a][1] for a in players})
    i_all = ra.lattice.index(all_in)
    losses = ra.lattice.trajectory.losses
    sh = ra.shapley
    total = sh.v_all - sh.v_none
    notes: list[str] = []
    if abs(total) <= 2 * sh.se_all_minus_none:
        notes.append(
            f"the allies' combined effect on {metric} ({total:+.4g} ± "
            f"{sh.se_all_minus_none:.2g}) is not distinguishable from zero, so contribution "
            "shares are not meaningful; try another --metric (e.g. prc_battalions_landed) "
            "or a harder scenario"
        )
    rows = []
    for i, a in enumerate(players):
        eco = spending_for(econ, a, year)
        notes.extend(eco.pop("notes"))
        row: dict[str, Any] = {
            "ally": a,
            "from": ra.moves[a][0],
            "to": ra.moves[a][1],
            "shapley": float(sh.value[i]),
            "shapley_se": float(sh.se[i]),
            "contribution_share": float(sh.value[i] / total + 0.0) if total != 0 else np.nan,
        }
        row.update(eco)
        for metric_name, col in LOSS_COLUMNS.items():
            row[col] = float(losses[a][metric_name][i_all].mean()) if a in losses else np.nan
        rows.append(row)
    share_of = {"milex_usd_bn": "milex_share", "gdp_usd_bn": "gdp_share"}
    share_of.update({c: c.removesuffix("_lost") + "_share" for c in LOSS_COLUMNS.values()})
    for col, share in share_of.items():
        vals = np.array([r[col] for r in rows], dtype=float)
        tot = np.nansum(vals) if not np.isnan(vals).any() else np.nan
        for r, v in zip(rows, vals, strict=True):
            r[share] = float(v / tot) if tot and not np.isnan(tot) else np.nan
    return BurdenResult(ra, year, rows, econ, list(dict.fromkeys(notes)))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, float | np.floating):
            out[k] = None if np.isnan(v) else float(v)
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def burden_sharing(
    scenario: str | Scenario,
    allies: Sequence[str] | None = None,
    year: int | None = None,
    reps: int = 1000,
    seed: int = 0,
    metric: str = "defence_prevails",
    to: str = "scenario",
    roles: dict[str, str] | None = None,
    sets: Sequence[str] | dict[str, Any] = (),
    days: int | None = None,
) -> BurdenResult:
    """Load a scenario (name, path or :class:`Scenario`) and run :func:`burden` on it."""
    sc = load_scenario(scenario, roles, sets)
    return burden(sc, allies, reps, seed, metric, year, to, days)


def burden_table(
    scenario: str | Scenario, allies: Sequence[str] | None = None, **kw: Any
) -> pd.DataFrame:
    """Return the burden-sharing table, one row per ally (keywords as :func:`burden_sharing`)."""
    return burden_sharing(scenario, allies, **kw).table()
