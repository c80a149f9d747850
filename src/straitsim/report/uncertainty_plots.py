"""Plots for worlds and scenario discovery (matplotlib, PNG).

Each function returns a matplotlib ``Figure`` (built without pyplot, so it works headless)
and, given ``path``, also writes a PNG there::

    import straitsim as ss
    from straitsim.report import uncertainty_plots

    d = ss.discover("csis-2026", outcome="p_prc_success>0.5", n=200, reps=100)
    uncertainty_plots.tradeoff(d, "tradeoff.png")
    uncertainty_plots.box_limits(d, "box.png")
    uncertainty_plots.pair_scatter(d, "pairs.png")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from straitsim.analysis.worlds import HEADLINES
from straitsim.report.figures import PNG_METADATA

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from straitsim.analysis.discovery import DiscoveryResult
    from straitsim.analysis.worlds import WorldsResult

OUTCOME_COLOURS = ("#1f77b4", "#d62728")  # outcome absent, present


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata=PNG_METADATA)
    return fig


def worlds_bands(res: WorldsResult, path: str | Path | None = None) -> Figure:
    """Plot each headline output across worlds: every world a dot, median and 5-95% band."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    names = list(HEADLINES)
    fig = Figure(figsize=(7.5, 0.85 * len(names) + 1.2))
    axes = fig.subplots(len(names), 1, gridspec_kw={"hspace": 1.1})
    bands = res.bands()
    for ax, k in zip(axes, names, strict=True):
        v = res.values(k)
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(v))
        ax.scatter(v, jitter, s=8, alpha=0.5, color="#555555")
        b = bands[k]
        ax.axvspan(b["p05"], b["p95"], color="#1f77b4", alpha=0.15)
        ax.axvline(b["median"], color="#1f77b4")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        flag = " (MC noise)" if b["mc_flag"] else ""
        ax.set_ylabel(k + flag, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{len(res.worlds)} worlds, {res.reps} replications each: median, 5-95%")
    return _save(fig, path)


def tradeoff(res: DiscoveryResult, path: str | Path | None = None) -> Figure:
    """Plot PRIM's peeling trajectory: coverage against density, coloured by restricted dims."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.subplots()
    tr = res.trajectory
    if tr is not None and len(tr):
        sc = ax.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="viridis", s=18)
        fig.colorbar(sc, ax=ax, label="restricted dimensions")
        if res.box is not None:
            ax.scatter(
                [res.box["coverage"]],
                [res.box["density"]],
                marker="*",
                s=160,
                color="#d62728",
                label="chosen box (pruned)",
            )
            ax.legend(loc="lower left", fontsize=8)
        ax.axhline(res.threshold, color="#999999", linestyle=":", linewidth=1)
    else:
        ax.text(0.5, 0.5, res.note or "no box", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM trade-off: {res.outcome}")
    return _save(fig, path)


def box_limits(res: DiscoveryResult, path: str | Path | None = None) -> Figure:
    """Plot the box's limits on each restricted input, as a share of its sampled range."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.patches import Rectangle  # matplotlib loads on first plot

    lims = res.box["limits"] if res.box else []
    fig = Figure(figsize=(6.5, 0.45 * max(1, len(lims)) + 1.2))
    ax = fig.subplots()
    for i, lim in enumerate(lims):
        ax.add_patch(Rectangle((0, i - 0.3), 1, 0.6, color="#dddddd"))
        if lim["kind"] == "category":
            ax.text(
                0.5, i, "{" + ", ".join(lim["values"]) + "}", ha="center", va="center", fontsize=8
            )
            continue
        span = lim["full_high"] - lim["full_low"] or 1.0
        lo = (lim["low"] - lim["full_low"]) / span
        hi = (lim["high"] - lim["full_low"]) / span
        ax.add_patch(Rectangle((lo, i - 0.3), hi - lo, 0.6, color="#1f77b4"))
        ax.text(lo, i + 0.38, f"{lim['low']:.3g}", ha="center", fontsize=7)
        ax.text(hi, i + 0.38, f"{lim['high']:.3g}", ha="center", fontsize=7)
    ax.set_yticks(range(len(lims)), [lim["input"] for lim in lims], fontsize=8)
    ax.set_ylim(-0.7, max(1, len(lims)) - 0.2)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("share of the sampled range (grey) kept by the box (blue)")
    ax.set_title("PRIM box limits" if lims else "no box")
    return _save(fig, path)


def pair_scatter(res: DiscoveryResult, path: str | Path | None = None) -> Figure:
    """Scatter the worlds over the two top-scoring inputs, coloured by the outcome."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.patches import Rectangle  # matplotlib loads on first plot

    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.subplots()
    x = res.inputs()
    numeric = [
        c
        for c in (res.scores["input"] if res.scores is not None else [])
        if c in x and x[c].dtype.kind == "f"
    ]
    if len(numeric) < 2:
        ax.text(
            0.5,
            0.5,
            res.note or "fewer than two numeric inputs",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return _save(fig, path)
    a, b = numeric[:2]
    y = res.y.astype(bool)
    for flag, label in ((False, "outcome absent"), (True, "outcome present")):
        m = y == flag
        ax.scatter(
            x.loc[m, a], x.loc[m, b], s=12, alpha=0.7, color=OUTCOME_COLOURS[int(flag)], label=label
        )
    lims = {lim["input"]: lim for lim in (res.box or {}).get("limits", [])}
    if a in lims or b in lims:
        xa = (lims[a]["low"], lims[a]["high"]) if a in lims else (x[a].min(), x[a].max())
        xb = (lims[b]["low"], lims[b]["high"]) if b in lims else (x[b].min(), x[b].max())
        ax.add_patch(
            Rectangle(
                (xa[0], xb[0]),
                xa[1] - xa[0],
                xb[1] - xb[0],
                fill=False,
                edgecolor="black",
                linestyle="--",
                label="PRIM box",
            )
        )
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(res.outcome)
    return _save(fig, path)


def discovery_figures(res: DiscoveryResult, out: str | Path) -> list[Path]:
    """Write the three discovery plots into ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "discover_tradeoff.png", out / "discover_box.png", out / "discover_pairs.png"]
    for fn, p in zip((tradeoff, box_limits, pair_scatter), paths, strict=True):
        fn(res, p)
    return paths
