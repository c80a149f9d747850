"""Report section: the headline answers as bands across worlds, and scenario discovery.

Built from :func:`straitsim.analysis.worlds.run_worlds` and
:func:`straitsim.analysis.discovery.discover` on the same worlds, with the plots of
:mod:`straitsim.report.uncertainty_plots`. Discovery needs the ``uncertainty`` extra; without
it the section says so and shows the bands only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from straitsim.analysis.discovery import discover
from straitsim.analysis.worlds import run_worlds
from straitsim.errors import UserError
from straitsim.report import uncertainty_plots
from straitsim.report.extras import Section
from straitsim.report.html import _table
from straitsim.scenario.schema import Scenario

OUTCOME = "p_prc_success>0.5"


def _fmt(k: str, x: float) -> str:
    return f"{x:.3f}" if k.startswith("p_") or k.endswith("_share") else f"{x:,.0f}"


def uncertainty_section(
    sc: Scenario,
    n_worlds: int,
    reps: int,
    seed: int,
    fig_dir: Path,
    sets: Iterable[str] | Mapping[str, Any] = (),
    outcome: str = OUTCOME,
) -> Section:
    """Bands across ``n_worlds`` worlds of ``reps`` replications, and a PRIM box for ``outcome``.

    ``sets`` names the parameters the run fixed (they are not sampled).
    """
    res = run_worlds(sc, n_worlds, reps, seed, sets=sets)
    bands = res.bands()
    rows = [
        [
            k,
            _fmt(k, b["median"]),
            f"{_fmt(k, b['p05'])} - {_fmt(k, b['p95'])}",
            f"{b['mc_se']:.3g}" + (" (more reps per world)" if b["mc_flag"] else ""),
        ]
        for k, b in bands.items()
    ]
    intro = (
        f"{n_worlds} worlds sampled by Latin hypercube over {len(res.params)} epistemic "
        f"parameters (each world fixes every one of them; aleatory ones still vary per "
        f"replication), {reps} replications per world, the same dice in every world. P(PRC "
        f"success) exceeds 0.5 in {res.share_above(0.5):.0%} of worlds."
    )
    figs = {"worlds_bands": fig_dir / "worlds_bands.png"}
    uncertainty_plots.worlds_bands(res, figs["worlds_bands"])
    md = [intro, "", "| output | median | 5-95% across worlds | MC error |", "|---|---:|---:|---:|"]
    md += [f"| {' | '.join(r)} |" for r in rows]
    html = f"<p>{escape(intro)}</p>" + _table(
        ["output", "median", "5-95% across worlds", "MC error"],
        [[escape(x) for x in r] for r in rows],
        [False, True, True, True],
    )
    try:
        d = discover(sc, outcome, worlds=res, seed=seed)
    except UserError as exc:  # the uncertainty extra is not installed
        note = f"Scenario discovery left out: {exc}."
        return Section(
            "Across plausible worlds",
            "\n".join([*md, "", note]),
            html + f"<p>{escape(note)}</p>",
            figs,
        )
    if d.box is None:
        text = f"Scenario discovery ({outcome}): {d.note}."
        md += ["", text]
        html += f"<p>{escape(text)}</p>"
    else:
        b = d.box
        text = (
            f"Scenario discovery: where {outcome} holds (PRIM, EMA Workbench). The box covers "
            f"{b['coverage']:.0%} of those worlds with density {b['density']:.0%} "
            f"({b['n_worlds']} worlds); a restriction with quasi-p above 0.05 could be chance."
        )
        lim_rows = [
            [
                lim["input"],
                ", ".join(lim["values"])
                if lim["kind"] == "category"
                else f"{lim['low']:.4g} - {lim['high']:.4g}",
                f"{lim['qp']:.2g}",
            ]
            for lim in b["limits"]
        ]
        md += ["", text, "", "| input | box | quasi-p |", "|---|---|---:|"]
        md += [f"| {' | '.join(r)} |" for r in lim_rows]
        html += f"<p>{escape(text)}</p>" + _table(
            ["input", "box", "quasi-p"],
            [[escape(x) for x in r] for r in lim_rows],
            [False, False, True],
        )
        for name, fn in (
            ("discover_tradeoff", uncertainty_plots.tradeoff),
            ("discover_box", uncertainty_plots.box_limits),
            ("discover_pairs", uncertainty_plots.pair_scatter),
        ):
            figs[name] = fig_dir / f"{name}.png"
            fn(d, figs[name])
    md += [""] + [f"![{k}](figures/{p.name})" for k, p in figs.items()]
    return Section("Across plausible worlds", "\n".join(md), html, figs)
