"""Plots for the outlook: the balance by year (one line per path combination) and contributions.

Each function takes an :class:`~straitsim.analysis.outlook_result.OutlookResult`, returns a
matplotlib ``Figure`` (built without pyplot, so it works headless) and, given ``path``, also
writes a PNG there::

    import straitsim as ss
    from straitsim.report import outlook_plots as op

    res = ss.outlook("csis-2026", paths=["JPN=plan", "JPN=3.5pct"], reps=200)
    op.plot_balance(res, "balance.png")
    op.plot_contributions(res, "contributions.png")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from straitsim.report.investment_plots import PNG_METADATA, actor_colours, actor_names

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from straitsim.analysis.outlook_result import OutlookResult

LABELS = {
    "p_prc_success": "P(PRC success)",
    "p_defence_prevails": "P(defence prevails)",
    "prc_battalions_landed": "PRC battalions landed",
    "coalition_aircraft_lost": "Coalition aircraft lost",
    "coalition_ships_lost": "Coalition ships lost",
    "coalition_killed": "Coalition personnel killed",
}


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130, metadata=PNG_METADATA)
    return fig


def plot_balance(
    res: OutlookResult,
    path: str | Path | None = None,
    outputs: tuple[str, ...] = ("p_prc_success", "prc_battalions_landed"),
) -> Figure:
    """Year-by-year outputs with bands, one line per path combination.

    Years in which the first combination's measure reaches the threshold (the window of
    vulnerability) are shaded on every panel; the threshold is drawn on the measure's panel.
    Bands are 95% intervals, or the 5-95% spread across worlds when the outlook sampled
    worlds.
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    fig = Figure(figsize=(7.5, 3.2 * len(outputs)), layout="constrained")
    axes = fig.subplots(len(outputs), 1, squeeze=False)[:, 0]
    h = res.headlines
    window = res.window()
    band = "5-95% across worlds" if res.worlds else "95% interval"
    for ax, out in zip(axes, outputs, strict=True):
        for y in window:
            ax.axvspan(y - 0.5, y + 0.5, color="#f5b7b1", alpha=0.5, lw=0)
        for combo in res.comparison.index:
            d = h[(h["combo"] == combo) & (h["output"] == out)].sort_values("year")
            (line,) = ax.plot(d["year"], d["value"], marker="o", ms=3, label=str(combo))
            ax.fill_between(d["year"], d["lo"], d["hi"], color=line.get_color(), alpha=0.15)
        if out == res.measure:
            ax.axhline(res.threshold, color="#922b21", ls="--", lw=1, label="threshold")
        ax.set_ylabel(LABELS.get(out, out))
        ax.set_xticks(res.years)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    axes[0].set_title(
        f"{res.scenario.name}: the balance by year ({band}"
        + ("; shaded: window of vulnerability" if window else "")
        + ")",
        fontsize=10,
    )
    axes[-1].set_xlabel("year")
    return _save(fig, path)


def plot_contributions(res: OutlookResult, path: str | Path | None = None) -> Figure:
    """Each ally's Shapley contribution by year (positive helps the defence), per combination."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    c = res.contributions
    combos = list(dict.fromkeys(c["combo"])) or ["(no contributions computed: pass allies)"]
    fig = Figure(figsize=(7.5, 3.0 * len(combos)), layout="constrained")
    axes = fig.subplots(len(combos), 1, squeeze=False)[:, 0]
    cols, names = actor_colours(res.scenario), actor_names(res.scenario)
    for ax, combo in zip(axes, combos, strict=True):
        d = c[c["combo"] == combo]
        for ally in dict.fromkeys(d["ally"]):
            a = d[d["ally"] == ally].sort_values("year")
            ax.errorbar(
                a["year"], a["contribution"], yerr=1.96 * a["se"], marker="o", ms=3, capsize=2,
                color=cols.get(str(ally)), label=names.get(str(ally), str(ally)),
            )  # fmt: skip
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(str(combo), fontsize=9)
        ax.set_ylabel(f"Shapley contribution\n({LABELS.get(res.measure, res.measure)}; + helps)")
        ax.set_xticks(res.years)
        ax.grid(alpha=0.3)
        if len(d):
            ax.legend(fontsize=8)
    axes[-1].set_xlabel("year")
    return _save(fig, path)
