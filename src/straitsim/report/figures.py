"""Matplotlib figures of a run: outcome distribution, losses, daily traces, theatre map.

Every function takes a run summary (the ``straitsim run --json`` document, a dict) or a
:class:`~straitsim.analysis.run.RunResult`, returns a :class:`matplotlib.figure.Figure`, and
saves it as PNG when given ``path``. No network: the map (:mod:`straitsim.report.theatre`,
re-exported here as :func:`plot_map`) draws the shipped Natural Earth coastline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from straitsim.report.bases import base_results
from straitsim.report.theatre import plot_map

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from straitsim.analysis.run import RunResult

OUTCOME_LABELS = {
    "prc_decisive_defeat": "Decisive PRC defeat",
    "stalemate_against_prc": "Stalemate trending against the PRC",
    "stalemate": "Indeterminate stalemate",
    "stalemate_toward_prc": "Stalemate trending toward the PRC",
    "prc_victory": "PRC victory",
}
OUTCOME_COLOURS = ("#1a5276", "#5499c7", "#bdc3c7", "#e59866", "#a93226")
TRACE_LABELS = {
    "lift_share": "Amphibious lift remaining (share)",
    "battalions_ashore": "PRC battalions ashore",
    "air_superiority": "Coalition air superiority over the Strait",
    "allied_munitions_share": "Allied anti-ship munitions left (share)",
}
LOSS_PANELS = {
    "aircraft": "Aircraft lost",
    "ships": "Ships lost",
    "submarines": "Submarines lost",
    "personnel_killed": "Personnel killed",
}
# no URL in the PNG's text chunks: reports must carry no external reference
PNG_METADATA = {"Software": "straitsim (matplotlib)"}


def as_doc(result: RunResult | Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the summary document of a run (a dict passes through)."""
    if isinstance(result, Mapping):
        return result
    return result.summary()


def actor_names(doc: Mapping[str, Any]) -> dict[str, str]:
    """Each actor's name from the scenario's data (``scenario.actors``); codes if absent."""
    actors = doc.get("scenario", {}).get("actors", {})
    return {code: a.get("name", code) for code, a in actors.items()}


def attackers(doc: Mapping[str, Any]) -> list[str]:
    """Return the codes of the actors on the attacking side (``side = "prc"`` in the data)."""
    actors = doc.get("scenario", {}).get("actors", {})
    return [code for code, a in actors.items() if a.get("side") == "prc"]


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120, metadata=PNG_METADATA)
    return fig


def _title(doc: Mapping[str, Any]) -> str:
    roles = ", ".join(f"{k}={v}" for k, v in doc.get("roles", {}).items())
    return f"{doc['scenario']['name']}: {doc['reps']} replications, seed {doc['seed']}\n{roles}"


def plot_outcomes(result: RunResult | Mapping[str, Any], path: str | Path | None = None) -> Figure:
    """Bar chart of the five outcome probabilities with 95% Wilson intervals."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    doc = as_doc(result)
    fig = Figure(figsize=(8, 4.2))
    ax = fig.subplots()
    keys = list(OUTCOME_LABELS)
    p = [doc["outcome"][k]["p"] for k in keys]
    lo = [max(0.0, doc["outcome"][k]["p"] - doc["outcome"][k]["lo"]) for k in keys]
    hi = [max(0.0, doc["outcome"][k]["hi"] - doc["outcome"][k]["p"]) for k in keys]
    y = range(len(keys))
    ax.barh(y, p, xerr=[lo, hi], color=OUTCOME_COLOURS, capsize=3)
    ax.set_yticks(list(y), [OUTCOME_LABELS[k] for k in keys])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (bars: 95% interval)")
    for i, v in enumerate(p):
        inside = v > 0.85
        ax.text(
            v - 0.02 if inside else v + 0.02,
            i,
            f"{v:.0%}",
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
        )
    dp = doc["defence_prevails"]
    ax.set_title(
        _title(doc) + f"\nDefence prevails: {dp['p']:.0%} ({dp['lo']:.0%}-{dp['hi']:.0%})",
        fontsize=9,
    )
    return _finish(fig, path)


def plot_losses(result: RunResult | Mapping[str, Any], path: str | Path | None = None) -> Figure:
    """Loss medians with 10-90% whiskers by country, one panel per loss metric."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    doc = as_doc(result)
    losses = doc["losses"]
    fig = Figure(figsize=(10, 6.5))
    axes = fig.subplots(2, 2)
    for ax, (metric, label) in zip(axes.flat, LOSS_PANELS.items(), strict=True):
        codes = [c for c in losses if metric in losses[c] and losses[c][metric]["p90"] > 0]
        codes = codes or list(losses)
        med = [losses[c][metric]["median"] for c in codes]
        err = [
            [max(0.0, losses[c][metric]["median"] - losses[c][metric]["p10"]) for c in codes],
            [max(0.0, losses[c][metric]["p90"] - losses[c][metric]["median"]) for c in codes],
        ]
        attacking = attackers(doc)
        colours = ["#a93226" if c in attacking else "#1a5276" for c in codes]
        ax.bar(codes, med, yerr=err, color=colours, capsize=3)
        ax.set_title(label + " (median, 10-90%)", fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(_title(doc), fontsize=9)
    return _finish(fig, path)


def plot_traces(result: RunResult | Mapping[str, Any], path: str | Path | None = None) -> Figure:
    """Daily median and 10-90% band of lift, battalions ashore, air superiority, munitions."""
    from matplotlib.figure import Figure  # matplotlib loads on first plot

    doc = as_doc(result)
    traces = doc["traces"]
    fig = Figure(figsize=(10, 6.5))
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (name, label) in zip(axes.flat, TRACE_LABELS.items(), strict=True):
        band = traces[name]
        days = range(len(band["median"]))
        ax.fill_between(days, band["p10"], band["p90"], color="#5499c7", alpha=0.3, label="10-90%")
        ax.plot(days, band["median"], color="#1a5276", label="median")
        ax.set_title(label, fontsize=10)
        if name != "battalions_ashore":
            ax.set_ylim(0, 1.02)
    for ax in axes[1]:
        ax.set_xlabel("day")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(_title(doc), fontsize=9)
    return _finish(fig, path)


def save_run_figures(
    result: RunResult | Mapping[str, Any],
    bases: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
) -> dict[str, Path]:
    """Write outcomes.png, losses.png, traces.png and map.png into ``out_dir``; return paths.

    Parameters
    ----------
    result : RunResult or dict
        The run, or its summary document.
    bases : sequence of dict
        :func:`straitsim.report.bases.base_status` records for the run's roles and overrides
        (joined here with the run's per-base results for the map).
    out_dir : str or Path
        Directory for the PNGs (created).

    Returns
    -------
    dict of str to Path
        Figure name -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = as_doc(result)
    paths = {
        "outcomes": out / "outcomes.png",
        "losses": out / "losses.png",
        "traces": out / "traces.png",
        "map": out / "map.png",
    }
    for name, fn in (("outcomes", plot_outcomes), ("losses", plot_losses), ("traces", plot_traces)):
        fn(doc, paths[name])
    title = f"What happened at each base: {_title(doc)}".replace("\n", "; ")
    plot_map(base_results(bases, doc), paths["map"], title=title)
    return paths
