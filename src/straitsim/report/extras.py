"""Optional report sections: the allies' Shapley values and Beijing's deterrence curves.

Both come from the analysis layer (:func:`straitsim.analysis.roles.analyse_roles`,
:func:`straitsim.analysis.deterrence.deter`) and its plots (``roles_plots``,
``deterrence_plots``); this module only turns their results into report sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from straitsim.analysis.deterrence import deter, fighting_rungs, map_rungs
from straitsim.analysis.roles import analyse_roles
from straitsim.analysis.summary import Z95
from straitsim.report import deterrence_plots, roles_plots
from straitsim.report.figures import PNG_METADATA
from straitsim.report.html import _table
from straitsim.scenario.schema import Scenario


@dataclass
class Section:
    """One report section in both formats, with the figures it shows."""

    title: str
    markdown: str
    html: str
    figures: dict[str, Path] = field(default_factory=dict)


def attribution_section(
    sc: Scenario, allies: Sequence[str], reps: int, seed: int, fig_dir: Path
) -> Section:
    """Shapley values of ``allies`` (lowest rung -> scenario rung) on P(defence prevails)."""
    ra = analyse_roles(
        sc, allies, reps, seed, "defence_prevails", "scenario", "exact", full_lattice=False
    )
    path = fig_dir / "shapley.png"
    fig = roles_plots.shapley_bars(ra)
    fig.savefig(path, dpi=120, metadata=PNG_METADATA)
    sh = ra.shapley
    rows = [
        (sc.actors[a].name, f"{f} → {t}", f"{sh.value[i]:+.3f}", f"±{Z95 * sh.se[i]:.3f}")
        for i, (a, (f, t)) in enumerate(ra.moves.items())
    ]
    intro = (
        f"Each ally moves from its lowest rung to its rung in this run; the Shapley value splits "
        f"the change in P(defence prevails) among them ({sh.method}, {reps} replications per "
        f"profile, common random numbers). All allies in: {sh.v_all:.3f}; none: {sh.v_none:.3f}."
    )
    md = [intro, "", "| ally | move | Shapley value | 95% |", "|---|---|---:|---:|"]
    md += [f"| {a} | {m} | {v} | {e} |" for a, m, v, e in rows]
    md += ["", "![shapley](figures/shapley.png)"]
    html = f"<p>{escape(intro)}</p>" + _table(
        ["ally", "move", "Shapley value", "95%"],
        [[escape(x) for x in r] for r in rows],
        [False, False, True, True],
    )
    return Section("Who contributes what (Shapley values)", "\n".join(md), html, {"shapley": path})


def deterrence_section(
    sc: Scenario, allies: Sequence[str], reps: int, seed: int, fig_dir: Path
) -> Section | None:
    """Perceived P(PRC success) as Beijing's belief that each ally fights goes from 0 to 1."""
    mapped = [a for a in allies if fighting_rungs(sc, a)]
    if not mapped:
        return None
    fight, stay = map_rungs(sc, mapped)
    res = deter(sc, None, reps=reps, seed=seed, allies=mapped)
    curves = res.curves(mapped, quantity="prc_success", n_grid=11)
    path = fig_dir / "deterrence.png"
    fig = deterrence_plots.plot_belief_curves(
        curves, quantity="prc_success", fight=fight, stay=stay
    )
    fig.savefig(path, dpi=120, metadata=PNG_METADATA)
    rows = []
    for a in mapped:
        c = curves[curves["ally"] == a].set_index("p_fights")["value"]
        rows.append(
            (
                sc.actors[a].name,
                f"{stay[a]} → {fight[a]}",
                c.iloc[0],
                c.iloc[len(c) // 2],
                c.iloc[-1],
            )
        )
    skipped = [a for a in allies if a not in mapped]
    intro = (
        "Beijing's perceived P(PRC victory or stalemate trending toward the PRC) as its belief "
        "that one ally fights (rather than stays out) goes from 0 to 1, the other allies at "
        f"their rungs in this run ({reps} replications per profile)."
    )
    if skipped:
        intro += " No fighting rung, left out: " + ", ".join(skipped) + "."
    md = [
        intro,
        "",
        "| ally | stays out → fights | P = 0 | P = 0.5 | P = 1 |",
        "|---|---|---:|---:|---:|",
    ]
    md += [f"| {a} | {m} | {x0:.3f} | {x5:.3f} | {x1:.3f} |" for a, m, x0, x5, x1 in rows]
    md += ["", "![deterrence](figures/deterrence.png)"]
    html = f"<p>{escape(intro)}</p>" + _table(
        ["ally", "stays out → fights", "P = 0", "P = 0.5", "P = 1"],
        [
            [escape(a), escape(m), f"{x0:.3f}", f"{x5:.3f}", f"{x1:.3f}"]
            for a, m, x0, x5, x1 in rows
        ],
        [False, False, True, True, True],
    )
    return Section(
        "Deterrence: what Beijing would expect", "\n".join(md), html, {"deterrence": path}
    )
