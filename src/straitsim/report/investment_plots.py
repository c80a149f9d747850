"""Plots for investment options: ranked gain per dollar, the portfolio, allies' spending paths.

Each function takes an :class:`~straitsim.analysis.investments.InvestmentResult`, returns a
matplotlib ``Figure`` (built without pyplot, so it works headless) and, given ``path``, also
writes a PNG there::

    import straitsim as ss
    from straitsim.report import investment_plots as ip

    res = ss.invest("csis-2026", year=2032, budget_usd="8bn", reps=500)
    ip.plot_ranking(res, "ranking.png")
    ip.plot_portfolio(res, "portfolio.png")
    ip.plot_spending(res, "spending.png")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from straitsim.analysis.investments import InvestmentResult

Z95 = 1.959964
PNG_METADATA = {"Software": "straitsim (matplotlib)"}
# Colours of the coalition's actors, in the order the scenario's data lists them.
PALETTE = ("#2e8b57", "#1f4e79", "#c0392b", "#d68910", "#7d3c98", "#5d6d7e", "#117a65", "#b9770e")


def actor_colours(sc: Scenario) -> dict[str, str]:
    """Return a colour per coalition actor of ``sc`` (data order), so plots name no country."""
    codes = [c for c, a in sc.actors.items() if a.side == "coalition"]
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(codes)}


def actor_names(sc: Scenario) -> dict[str, str]:
    """Return each actor's name from the scenario's data."""
    return {c: a.name for c, a in sc.actors.items()}


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130, metadata=PNG_METADATA)
    return fig


def _gain_label(metric: str) -> str:
    sign = "" if higher_is_better(metric) else "fewer/less: "
    return f"gain in {describe_metric(metric)} ({sign}better for the defence)"


def plot_ranking(res: InvestmentResult, path: str | Path | None = None) -> Figure:
    """Draw horizontal bars of gain per US$ billion with 95% paired intervals, best on top.

    Bars are coloured by the paying actor; options whose cost is an assumption are hatched.
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.patches import Patch  # matplotlib loads on first plot

    rk = res.ranking
    n = max(len(rk), 1)
    fig = Figure(figsize=(8.6, 1.4 + 0.42 * n))
    ax = fig.add_subplot()
    if rk.empty:
        ax.text(0.5, 0.5, f"no option available by {res.year}", ha="center", va="center")
        ax.set_axis_off()
        return _save(fig, path)
    y = np.arange(len(rk))[::-1]
    val = rk["gain_per_usd_bn"].to_numpy(float)
    err = (rk["gain_per_usd_bn_hi"] - rk["gain_per_usd_bn"]).to_numpy(float)
    colours = [actor_colours(res.scenario).get(a, "#888888") for a in rk["actor"]]
    hatches = ["//" if b.startswith("assumption") else "" for b in rk["cost_basis"]]
    bars = ax.barh(y, val, xerr=err, color=colours, edgecolor="white", capsize=3)
    for b, h in zip(bars, hatches, strict=True):
        b.set_hatch(h)
    labels = [
        f"{oid}  (\\${c / 1e9:.2f}bn, {yr})"
        for oid, c, yr in zip(rk.index, rk["cost_usd"], rk["year_available"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(_gain_label(res.metric) + " per US\\$ billion", fontsize=8)
    ax.set_title(
        f"{res.scenario.name}: options available by {res.year}, ranked by gain per dollar\n"
        f"{res.reps} replications, seed {res.seed}, common random numbers; 95% paired intervals",
        fontsize=9,
    )
    actors = list(dict.fromkeys(rk["actor"]))
    cols, names = actor_colours(res.scenario), actor_names(res.scenario)
    handles = [Patch(color=cols.get(a, "#888888"), label=names.get(a, a)) for a in actors]
    handles.append(Patch(facecolor="white", edgecolor="k", hatch="//", label="cost assumed"))
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    fig.tight_layout()
    return _save(fig, path)


def plot_portfolio(res: InvestmentResult, path: str | Path | None = None) -> Figure:
    """Draw each chosen option's own gain, their sum, and the gain simulated together (95%)."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    fig = Figure(figsize=(8.0, 4.6))
    ax = fig.add_subplot()
    pe = res.portfolio_effect
    if pe is None or not res.portfolio:
        ax.text(0.5, 0.5, "no portfolio (no --budget, or nothing fits)", ha="center", va="center")
        ax.set_axis_off()
        return _save(fig, path)
    rk = res.ranking.loc[res.portfolio]
    names = list(rk.index) + ["sum of parts", "together"]
    gains = list(rk["gain"]) + [pe.loc["summed", "gain"], pe.loc["joint", "gain"]]
    ses = list(rk["se"]) + [pe.loc["summed", "se"], pe.loc["joint", "se"]]
    cols = actor_colours(res.scenario)
    colours = [cols.get(a, "#888888") for a in rk["actor"]] + ["#aab7b8", "#17202a"]
    x = np.arange(len(names))
    ax.bar(x, gains, yerr=Z95 * np.asarray(ses), color=colours, capsize=3)
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel(_gain_label(res.metric), fontsize=8)
    inter = pe.loc["interaction"]
    ax.set_title(
        f"Portfolio for US\\${(res.budget_usd or 0) / 1e9:.2f}bn "
        f"(spends US\\${pe.loc['joint', 'cost_usd'] / 1e9:.2f}bn): "
        f"interaction (together - sum) {inter['gain']:+.3g} ± {Z95 * inter['se']:.2g}",
        fontsize=9,
    )
    fig.tight_layout()
    return _save(fig, path)


def plot_spending(res: InvestmentResult, path: str | Path | None = None) -> Figure:
    """Draw defence spending as % of GDP by year per ally: SIPRI actuals, national figures, asks."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    sp = res.spending
    fig = Figure(figsize=(8.6, 5.0))
    ax = fig.add_subplot()
    cols, names = actor_colours(res.scenario), actor_names(res.scenario)
    for ally, g in sp.groupby("ally"):
        if ally not in cols:
            continue
        col = cols[ally]
        s = g[g["basis"] == "sipri"].sort_values("year")
        ax.plot(s["year"], s["pct_gdp"], "-o", color=col, ms=3, label=f"{names.get(ally, ally)}")
        nat = g[g["basis"] == "national"].sort_values("year").drop_duplicates("year", keep="last")
        ax.plot(nat["year"], nat["pct_gdp"], "--s", color=col, ms=3, alpha=0.8)
        asks = g[g["basis"] == "us_ask"]
        for _, a in asks.iterrows():
            x = a["year"] + 0.25 * (list(cols).index(ally) - 2)  # side by side
            ax.plot([x], [a["pct_gdp"]], marker="*", color=col, ms=9, ls="none")
    ax.axvline(res.year, color="k", lw=0.8, ls=":")
    ax.text(res.year, ax.get_ylim()[1], f" {res.year}", va="top", fontsize=8)
    ax.set_xlabel("year (fiscal years by the year they start; US by the year they end)")
    ax.set_ylabel("defence spending, % of GDP")
    ax.set_title(
        "Spending paths: SIPRI actuals (solid), national budgets and plans (dashed), "
        "US asks (stars, in the ally's colour)\nsource: economics.toml (cited row by row)",
        fontsize=9,
    )
    ax.legend(fontsize=7, ncol=3)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
