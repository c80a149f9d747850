"""Plots for the role lattice, the allies' Shapley values and burden sharing (matplotlib, PNG).

Each function returns a matplotlib ``Figure`` (built without pyplot, so it works headless and
leaves the user's backend alone) and, given ``path``, also writes a PNG there::

    from straitsim.analysis.roles import role_analysis
    from straitsim.report import roles_plots

    ra = role_analysis("csis-2026", ["JPN", "AUS", "PHL"], reps=500, metric="prc_battalions_landed")
    roles_plots.lattice_heatmap(ra, "lattice.png")
    roles_plots.shapley_bars(ra, "shapley.png")
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.scenario.compile import profile_roles

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from straitsim.analysis.burden import BurdenResult
    from straitsim.analysis.roles import RoleAnalysis

Z95 = 1.959964
MAX_ANNOTATED_CELLS = 240
SHARE_SERIES = {
    "contribution_share": ("contribution (Shapley)", "#1f77b4"),
    "milex_share": ("defence spending (US$)", "#ff7f0e"),
    "gdp_share": ("GDP", "#2ca02c"),
    "killed_share": ("personnel killed", "#d62728"),
}


def lattice_heatmap(ra: RoleAnalysis, path: str | Path | None = None) -> Figure:
    """Plot the metric over the role lattice as a heatmap.

    Rows are the rung combinations of the first half of the allies, columns those of the
    rest. Green is better for the defence whichever way the metric runs; the scenario's own
    profile is outlined. With the sampled method, cells not evaluated are blank.
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.patches import Rectangle  # matplotlib loads on first plot

    lat = ra.lattice
    allies = list(lat.allies)
    k = (len(allies) + 1) // 2
    row_allies, col_allies = allies[:k], allies[k:]
    row_keys = list(itertools.product(*(lat.rungs[a] for a in row_allies)))
    col_keys = list(itertools.product(*(lat.rungs[a] for a in col_allies)))
    grid = np.full((len(row_keys), len(col_keys)), np.nan)
    means = lat.mean()
    pos = {tuple(p[a] for a in allies): i for i, p in enumerate(lat.profiles)}
    for r, rk in enumerate(row_keys):
        for c, ck in enumerate(col_keys):
            i = pos.get(rk + ck)
            if i is not None:
                grid[r, c] = means[i]
    cmap = "RdYlGn" if higher_is_better(lat.metric) else "RdYlGn_r"
    fig_w = min(18.0, 3.0 + 0.9 * len(col_keys))
    fig_h = min(18.0, 2.0 + 0.45 * len(row_keys))
    fig = Figure(figsize=(fig_w, fig_h), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(col_keys)), ["\n".join(ck) for ck in col_keys] if col_keys else [""])
    ax.set_yticks(range(len(row_keys)), [" / ".join(rk) for rk in row_keys])
    ax.set_xlabel(" / ".join(col_allies) if col_allies else "")
    ax.set_ylabel(" / ".join(row_allies))
    if grid.size <= MAX_ANNOTATED_CELLS:
        lo, hi = np.nanmin(grid), np.nanmax(grid)
        for (r, c), v in np.ndenumerate(grid):
            if np.isfinite(v):
                mid = abs(v - (lo + hi) / 2) < 0.3 * (hi - lo) if hi > lo else True
                ax.text(
                    c,
                    r,
                    _fmt(v),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if mid else "white",
                )
    base = profile_roles(ra.scenario, None)
    rk = tuple(base[a] for a in row_allies)
    ck = tuple(base[a] for a in col_allies)
    if rk in row_keys and ck in col_keys:
        r, c = row_keys.index(rk), col_keys.index(ck)
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, lw=2.5, ec="black"))
    fig.colorbar(im, ax=ax, label=describe_metric(lat.metric))
    ax.set_title(
        f"{ra.scenario.name}: {describe_metric(lat.metric)} by role profile\n"
        f"({ra.reps} replications, seed {ra.seed}; outlined: the scenario's roles)",
        fontsize=10,
    )
    return _save(fig, path)


def shapley_bars(ra: RoleAnalysis, path: str | Path | None = None) -> Figure:
    """Plot the allies' Shapley values as bars with 95% error bars (paired)."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    sh = ra.shapley
    labels = [f"{a}\n{f} → {t}" for a, (f, t) in ra.moves.items()]
    y = np.arange(len(labels))
    good = higher_is_better(ra.lattice.metric)
    colors = ["#2ca02c" if (v > 0) == good else "#d62728" for v in sh.value]
    fig = Figure(figsize=(7.5, 1.2 + 0.7 * len(labels)), layout="constrained")
    ax = fig.subplots()
    ax.barh(y, sh.value, xerr=Z95 * sh.se, color=colors, capsize=4, ecolor="black")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"Shapley value: change in {describe_metric(ra.lattice.metric)}")
    total = sh.v_all - sh.v_none
    ax.set_title(
        f"{ra.scenario.name}: what each ally's role is worth ({sh.method}; 95% intervals)\n"
        f"all allies in: {_fmt(sh.v_all)}, none: {_fmt(sh.v_none)}, difference {_fmt(total)}",
        fontsize=10,
    )
    return _save(fig, path)


def burden_chart(res: BurdenResult, path: str | Path | None = None) -> Figure:
    """Plot grouped bars per ally: shares of contribution, spending, GDP and personnel killed."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    tab = res.table()
    allies = list(tab.index)
    x = np.arange(len(allies))
    width = 0.8 / len(SHARE_SERIES)
    fig = Figure(figsize=(2.0 + 1.6 * len(allies), 4.5), layout="constrained")
    ax = fig.subplots()
    for j, (col, (label, color)) in enumerate(SHARE_SERIES.items()):
        vals = tab[col].to_numpy(dtype=float)
        ax.bar(x + (j - 1.5) * width, np.nan_to_num(vals), width, label=label, color=color)
        if col == "contribution_share":
            total = res.analysis.shapley.v_all - res.analysis.shapley.v_none
            if total != 0:
                err = Z95 * tab["shapley_se"].to_numpy(dtype=float) / abs(total)
                ax.errorbar(
                    x + (j - 1.5) * width,
                    np.nan_to_num(vals),
                    yerr=err,
                    fmt="none",
                    ecolor="black",
                    capsize=3,
                )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, allies)
    ax.set_ylabel("share of the allies' total")
    ax.legend(fontsize=8, loc="best")
    ra = res.analysis
    ax.set_title(
        f"{ra.scenario.name}: burden sharing ({describe_metric(ra.lattice.metric)}; "
        f"spending and GDP {res.year})",
        fontsize=10,
    )
    return _save(fig, path)


def _fmt(v: float) -> str:
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.1f}"
    return f"{v:.3f}"


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p, dpi=120)
    return fig
