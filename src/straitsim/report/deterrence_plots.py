"""Deterrence figures: threshold map, perceived success vs belief, decision model.

Each function returns a :class:`matplotlib.figure.Figure` and saves it as PNG when given
``path``. Inputs come from :mod:`straitsim.analysis.deterrence`
(:class:`~straitsim.analysis.deterrence.ThresholdMap`, the curve DataFrames, or a
:class:`~straitsim.analysis.deterrence.DeterrenceResult` for :func:`save_figures`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import distance_transform_edt

from straitsim.analysis.deterrence import map_rungs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from straitsim.analysis.deterrence import DeterrenceResult, ThresholdMap, Valuation

PNG_METADATA = {"Software": "straitsim (matplotlib)"}
QUANTITY_LABELS = {
    "prc_success": "perceived P(PRC success)",
    "prc_victory": "perceived P(PRC victory)",
    "expected_utility": "expected utility of attacking",
}
MARKERS = {"prior": ("o", "prior belief"), "declared": ("*", "after the declaration")}


def _axis_label(ally: str, fight: Mapping[str, str], stay: Mapping[str, str]) -> str:
    return f"P({ally} fights)  [{fight[ally]} vs {stay[ally]}]"


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130, metadata=PNG_METADATA)
    return fig


def plot_threshold_map(tm: ThresholdMap, path: str | Path | None = None) -> Figure:
    """Draw a threshold map: filled contours of the quantity, the level as a bold line.

    Two allies: a contour plot over P(first fights) x P(second fights), deterred region
    hatched, prior and declared beliefs marked when they lie on the map. One ally: a curve.
    """
    from matplotlib.colors import TwoSlopeNorm  # matplotlib loads on first plot
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.ticker import MaxNLocator  # matplotlib loads on first plot

    label = QUANTITY_LABELS.get(tm.quantity, tm.quantity)
    fig = Figure(figsize=(6.4, 5.2))
    ax = fig.subplots()
    if len(tm.allies) == 1:
        ax.plot(tm.grid, tm.values, color="#a93226")
        ax.fill_between(
            tm.grid,
            tm.values - 1.96 * tm.se,
            tm.values + 1.96 * tm.se,
            color="#a93226",
            alpha=0.2,
            lw=0,
        )
        ax.axhline(tm.level, color="k", lw=1.5, ls="--", label=f"level {tm.level:g}")
        ax.fill_between(
            tm.grid,
            0,
            1,
            where=tm.deterred(),
            transform=ax.get_xaxis_transform(),
            color="#1a5276",
            alpha=0.10,
            lw=0,
            label="deterred",
        )
        ax.set_xlabel(_axis_label(tm.allies[0], tm.fight, tm.stay))
        ax.set_ylabel(label)
        for name, p in tm.points.items():
            mk, text = MARKERS[name]
            ax.plot([p[0]], [tm.at(*p)], mk, color="k", ms=9, label=text)
    else:
        x, y = tm.grid, tm.grid
        z = tm.values.T  # rows: second ally (y), columns: first ally (x)
        vmin, vmax = float(np.min(z)), float(np.max(z))
        if tm.quantity in ("prc_success", "prc_victory"):
            vmin, vmax = 0.0, 1.0
        if vmax - vmin < 1e-12:
            vmax = vmin + 1e-6
        levels = MaxNLocator(20).tick_values(vmin, vmax)
        norm = TwoSlopeNorm(tm.level, vmin, vmax) if vmin < tm.level < vmax else None
        cf = ax.contourf(x, y, z, levels=levels, cmap="RdBu_r", norm=norm)
        fig.colorbar(cf, ax=ax, label=label)
        if np.min(z) < tm.level < np.max(z):
            cs = ax.contour(x, y, z, levels=[tm.level], colors="k", linewidths=2.2)
            ax.clabel(cs, fmt={tm.level: f"{tm.level:g}"}, fontsize=9)
        det = tm.deterred().T
        for mask, text in ((det, "deterred"), (~det, "Beijing attacks")):
            if mask.any():  # label each region at its point farthest from the boundary
                depth = distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
                iy, ix = np.unravel_index(int(np.argmax(depth)), mask.shape)
                ax.text(
                    float(x[ix]),
                    float(y[iy]),
                    text,
                    ha="center",
                    va="center",
                    fontsize=10,
                    weight="bold",
                    color="k",
                    bbox={"boxstyle": "round", "fc": "w", "alpha": 0.75},
                )
        for name, p in tm.points.items():
            mk, text = MARKERS[name]
            ax.plot([p[0]], [p[1]], mk, color="k", mfc="w", ms=11, label=text)
        ax.set_xlabel(_axis_label(tm.allies[0], tm.fight, tm.stay))
        ax.set_ylabel(_axis_label(tm.allies[1], tm.fight, tm.stay))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    rule = (
        "expected utility > 0" if tm.quantity == "expected_utility" else f"{label} >= {tm.level:g}"
    )
    ax.set_title(f"Where deterrence holds\n(Beijing attacks only if {rule})", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return _save(fig, path)


def plot_belief_curves(
    curves: pd.DataFrame,
    level: float | None = None,
    quantity: str = "prc_success",
    fight: Mapping[str, str] | None = None,
    stay: Mapping[str, str] | None = None,
    path: str | Path | None = None,
    others: str = "Beijing's belief",
) -> Figure:
    """Draw the perceived quantity vs P(ally fights), one line per ally, with 95% bands.

    ``curves`` is :meth:`DeterrenceResult.curves` (or ``decision_curves``); ``level`` draws
    the threshold as a dashed line.
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    colours = ("#a93226", "#1a5276", "#1e8449", "#7d3c98", "#b9770e")
    for (ally, df), c in zip(curves.groupby("ally", sort=False), colours * 4, strict=False):
        name = str(ally)
        if fight and stay:
            name += f" ({fight[str(ally)]} vs {stay[str(ally)]})"
        ax.plot(df["p_fights"], df["value"], color=c, label=name)
        ax.fill_between(df["p_fights"], df["lo"], df["hi"], color=c, alpha=0.18, lw=0)
    if level is not None:
        ax.axhline(level, color="k", lw=1.2, ls="--", label=f"threshold {level:g}")
    ax.set_xlabel(f"P(ally fights); the other allies as in {others}")
    ax.set_ylabel(QUANTITY_LABELS.get(quantity, quantity))
    if quantity in ("prc_success", "prc_victory"):
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("What Beijing would expect, by belief", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def plot_decision(
    curves: pd.DataFrame,
    valuation: Valuation,
    path: str | Path | None = None,
    fight: Mapping[str, str] | None = None,
    stay: Mapping[str, str] | None = None,
    others: str = "Beijing's belief",
) -> Figure:
    """Draw the expected utility of attacking vs P(ally fights); attack above 0, deter below."""
    fig = plot_belief_curves(curves, 0.0, "expected_utility", fight, stay, None, others)
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    span = max(hi - lo, 1e-9)
    ax.set_ylim(min(lo, -0.12 * span), max(hi, 0.12 * span))
    ax.axhspan(0, ax.get_ylim()[1], color="#a93226", alpha=0.07, lw=0)
    for text, va, colour in (
        ("attack \u2191 ", "bottom", "#a93226"),
        ("deter \u2193 ", "top", "#1a5276"),
    ):
        ax.text(
            0.99,
            0.0,
            text,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va=va,
            fontsize=9,
            color=colour,
        )
    costs = ", ".join(f"{k} {v:g}/unit" for k, v in valuation.cost_per_unit.items())
    ax.set_title(
        f"Decision model (an analyst's valuation, not a prediction)\n"
        f"gain {valuation.gain_success:g}, failure cost {valuation.cost_failure:g}"
        + (f", {costs}" if costs else ""),
        fontsize=9,
    )
    fig.tight_layout()
    return _save(fig, path)


def save_figures(
    result: DeterrenceResult,
    out: str | Path,
    allies: Sequence[str] | None = None,
    level: float | None = 0.5,
    quantity: str = "prc_success",
    fight: Mapping[str, str] | None = None,
    stay: Mapping[str, str] | None = None,
    valuation: Valuation | None = None,
    n_grid: int = 21,
) -> list[Path]:
    """Write the deterrence PNGs into ``out``; return their paths.

    ``perceived_curves.png`` always; ``threshold_map.png`` when ``level`` is given;
    ``decision.png`` and ``decision_map.png`` (two allies) with a ``valuation``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    allies = result.mapped(allies)
    f, s = map_rungs(result.scenario, allies, fight, stay)
    paths = []
    curves = result.curves(allies, f, s, quantity, n_grid)
    paths.append(out / "perceived_curves.png")
    others = "the belief after the declaration" if result.declared is not None else "the prior"
    plot_belief_curves(curves, level, quantity, f, s, paths[-1], others)
    if level is not None:
        paths.append(out / "threshold_map.png")
        tm = result.threshold_map(level, allies, f, s, quantity, n_grid)
        plot_threshold_map(tm, paths[-1])
    if valuation is not None:
        paths.append(out / "decision.png")
        dc = result.decision_curves(valuation, allies, f, s, n_grid)
        plot_decision(dc, valuation, paths[-1], f, s, others)
        if len(allies) == 2:
            paths.append(out / "decision_map.png")
            plot_threshold_map(result.decision_map(valuation, allies, f, s, n_grid), paths[-1])
    return paths
