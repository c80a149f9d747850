"""Tornado plot of one-at-a-time excursions (from :mod:`straitsim.analysis.sensitivity`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from straitsim.analysis.metrics import describe_metric
from straitsim.analysis.sensitivity import SensitivityResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

PNG_METADATA = {"Software": "straitsim (matplotlib)"}
LOW_COLOUR = "#a93226"
HIGH_COLOUR = "#1f618d"


def tornado(
    excursions: pd.DataFrame,
    base_value: float,
    metric_label: str,
    path: str | Path | None = None,
    top: int = 20,
    title: str = "One-at-a-time excursions",
) -> Figure:
    """Draw the ``top`` knobs with the largest swing as horizontal bars around the base case.

    Each bar runs from the lowest to the highest metric value the knob reached; its two ends
    are labelled with the settings that produced them. The vertical line is the base case.
    Knobs that did not move the metric are counted in the title, not drawn.

    Parameters
    ----------
    excursions
        Table with ``knob``, ``low``, ``high``, ``setting_low``, ``setting_high``, ``swing``
        (as :func:`straitsim.analysis.sensitivity.run_excursions` returns it).
    base_value
        Metric value of the base case.
    metric_label
        Axis label.
    path
        Save the figure here as PNG.
    top
        How many knobs to draw (largest swing at the top).
    title
        Figure title.
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    moved = excursions[excursions["swing"] > 0]
    n_still = len(excursions) - len(moved)
    df = moved.sort_values("swing", ascending=False, kind="stable").head(top).iloc[::-1]
    n = max(1, len(df))
    fig = Figure(figsize=(8.0, 1.2 + 0.38 * n))
    ax = fig.subplots()
    y = list(range(len(df)))
    for yi, (_, r) in zip(y, df.iterrows(), strict=True):
        lo, hi = float(r["low"]), float(r["high"])
        left_lo = min(lo, base_value)
        ax.barh(yi, base_value - left_lo, left=left_lo, color=LOW_COLOUR, alpha=0.85, height=0.62)
        ax.barh(
            yi,
            max(hi, base_value) - base_value,
            left=base_value,
            color=HIGH_COLOUR,
            alpha=0.85,
            height=0.62,
        )
        if hi > lo:
            ax.text(lo, yi, f"{r['setting_low']} ", va="center", ha="right", fontsize=7.5)
            ax.text(hi, yi, f" {r['setting_high']}", va="center", ha="left", fontsize=7.5)
    ax.axvline(base_value, color="black", lw=1.0)
    ax.set_yticks(y)
    ax.set_yticklabels([str(k) for k in df["knob"]], fontsize=8.5)
    if n_still:
        title += f"\n({n_still} knob{'s' if n_still > 1 else ''} that changed nothing not shown)"
    ax.set_title(title, fontsize=10)
    if len(df):
        span_lo = min(float(df["low"].min()), base_value)
        span_hi = max(float(df["high"].max()), base_value)
        pad = 0.18 * (span_hi - span_lo or 1.0)
        ax.set_xlim(span_lo - pad, span_hi + pad)
    ax.set_xlabel(
        f"{metric_label}\nbase case {base_value:.3g} (line); red: below it, blue: above it; "
        "ends labelled with the setting that gave them",
        fontsize=8.5,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130, metadata=PNG_METADATA)
    return fig


def plot_sensitivity(
    res: SensitivityResult, path: str | Path | None = None, top: int = 20
) -> Figure:
    """Tornado plot of a sensitivity result's excursions (PNG when ``path`` is given)."""
    return tornado(
        res.excursions,
        res.base_value,
        f"{describe_metric(res.metric)} ({res.metric})",
        path=path,
        top=top,
        title=f"{res.scenario['title']}: one-at-a-time excursions",
    )
