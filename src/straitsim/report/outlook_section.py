"""Report section: the balance by year, 2026-2035 (the outlook), under the run's roles.

Built from :func:`straitsim.analysis.outlook.outlook` with the plots of
:mod:`straitsim.report.outlook_plots`. The outlook re-loads the scenario with each year's
overrides, so it needs a built-in scenario name or a TOML path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from straitsim.analysis.outlook import outlook
from straitsim.report import outlook_plots
from straitsim.report.extras import Section
from straitsim.report.html import _table

TITLE = "Outlook: the balance by year"


def outlook_section(
    scenario: str | Path,
    years: str,
    reps: int,
    seed: int,
    fig_dir: Path,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    paths: Sequence[str] = (),
) -> Section:
    """P(PRC success) and battalions landed by year under ``paths`` (default: every plan).

    Parameters
    ----------
    scenario
        Built-in name or TOML path (each year is a run with that year's overrides).
    years
        ``"2026:2035"`` or a comma list.
    reps, seed
        Replications per year and combination, and the seed.
    fig_dir
        Where the figure is written.
    roles, sets, paths
        As for :func:`straitsim.outlook`.

    Returns
    -------
    Section
    """
    res = outlook(scenario, years, paths or None, roles, sets, reps=reps, seed=seed)
    h = res.headlines
    rows = []
    for combo in res.comparison.index:
        for y in res.years:
            d = h[(h["combo"] == combo) & (h["year"] == y)].set_index("output")
            p, b = d.loc["p_prc_success"], d.loc["prc_battalions_landed"]
            rows.append(
                [str(combo), str(y), f"{p['value']:.3f} ({p['lo']:.3f} - {p['hi']:.3f})",
                 f"{b['value']:.1f} ({b['lo']:.1f} - {b['hi']:.1f})"]
            )  # fmt: skip
    window = res.window()
    intro = (
        f"Each year from {res.years[0]} to {res.years[-1]} is run with that year's forces "
        f"(force paths of paths.toml as --set overrides: PLA growth and the allies' contracted "
        f"programmes) under the roles above, {reps} replications per year (95% intervals). "
        + (
            f"P(PRC success) reaches {res.threshold:g} in {', '.join(map(str, window))}: the "
            "window of vulnerability."
            if window
            else f"P(PRC success) stays below {res.threshold:g} in every year."
        )
    )
    figs = {"outlook_balance": fig_dir / "outlook_balance.png"}
    outlook_plots.plot_balance(res, figs["outlook_balance"])
    head = ["paths", "year", "P(PRC success)", "PRC battalions landed"]
    md = [intro, "", "| " + " | ".join(head) + " |", "|---|---:|---:|---:|"]
    md += [f"| {' | '.join(r)} |" for r in rows]
    md += ["", f"![outlook_balance](figures/{figs['outlook_balance'].name})"]
    html = f"<p>{escape(intro)}</p>" + _table(
        head, [[escape(x) for x in r] for r in rows], [False, True, True, True]
    )
    return Section(TITLE, "\n".join(md), html, figs)
