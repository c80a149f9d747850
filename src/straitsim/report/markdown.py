"""The Markdown summary of a run: outcomes, losses, traces, bases and the sources cited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from straitsim.report.bases import STATUS
from straitsim.report.figures import COUNTRY_NAMES, OUTCOME_LABELS, TRACE_LABELS
from straitsim.report.geo import COASTLINE_SOURCE

LOSS_COLUMNS = ("aircraft", "ships", "carriers", "submarines", "personnel_killed")


def pct(x: float) -> str:
    """Format a probability as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def q(d: Mapping[str, float], fmt: str = ".0f") -> str:
    """Format quantiles as ``median (p10-p90)``."""
    return f"{d['median']:{fmt}} ({d['p10']:{fmt}}-{d['p90']:{fmt}})"


def trace_rows(doc: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """Return (trace, day 0, day 7, last day) medians of the four headline traces."""
    rows = []
    for name, label in TRACE_LABELS.items():
        med = doc["traces"][name]["median"]
        last = len(med) - 1
        fmt = ".1f" if name == "battalions_ashore" else ".2f"
        rows.append(
            (
                label,
                f"{med[0]:{fmt}}",
                f"{med[min(7, last)]:{fmt}}",
                f"{med[last]:{fmt}} (day {last})",
            )
        )
    return rows


def render_markdown(
    doc: Mapping[str, Any],
    bases: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
    n_assumed: int,
    figures: Mapping[str, str] | None = None,
    sections: Sequence[tuple[str, str]] = (),
) -> str:
    """Render the summary as Markdown.

    Parameters
    ----------
    doc : dict
        A run summary (``RunResult.summary()``).
    bases : sequence of dict
        :func:`straitsim.report.bases.base_status` records.
    sources : sequence of dict
        :func:`straitsim.report.sources.cited_sources` entries.
    n_assumed : int
        Numbers resting on explicit assumptions.
    figures : mapping of str to str, optional
        Figure name -> relative path of its PNG.
    sections : sequence of (str, str)
        Extra sections (title, Markdown body), e.g. attribution or deterrence.
    """
    sc = doc["scenario"]
    lines = [
        f"# {sc['title']}",
        "",
        f"Scenario `{sc['name']}` (hash `{sc['hash']}`), {doc['reps']:,} replications, "
        f"seed {doc['seed']}, "
        f"horizon {doc['days']} days, straitsim {doc['straitsim_version']}.",
        "",
        "Roles: " + ", ".join(f"{k} = `{v}`" for k, v in doc["roles"].items()) + ".",
    ]
    if doc.get("overrides"):
        lines += ["", "Overrides: " + ", ".join(f"`{o}`" for o in doc["overrides"]) + "."]
    dp = doc["defence_prevails"]
    lines += [
        "",
        f"**Defence prevails** (decisive PRC defeat or stalemate trending against the PRC): "
        f"{pct(dp['p'])} (95% interval {pct(dp['lo'])}-{pct(dp['hi'])}).",
        "",
        "## Outcome",
        "",
        "| outcome | probability | 95% interval |",
        "|---|---:|---:|",
    ]
    for key, label in OUTCOME_LABELS.items():
        o = doc["outcome"][key]
        lines.append(f"| {label} | {pct(o['p'])} | {pct(o['lo'])}-{pct(o['hi'])} |")
    lines += [
        "",
        "## Losses: median (10-90%)",
        "",
        "| country | " + " | ".join(c.replace("_", " ") for c in LOSS_COLUMNS) + " |",
        "|---|" + "---:|" * len(LOSS_COLUMNS),
    ]
    for code, ms in doc["losses"].items():
        if all(ms[c]["p90"] < 0.5 for c in LOSS_COLUMNS if c in ms):
            continue
        lines.append(
            f"| {COUNTRY_NAMES.get(code, code)} | "
            + " | ".join(q(ms[c]) if c in ms else "" for c in LOSS_COLUMNS)
            + " |"
        )
    chn = doc["losses"].get("CHN", {})
    if "amphibious_fleet_sunk_share" in chn:
        s = chn["amphibious_fleet_sunk_share"]
        lines += [
            "",
            f"PRC amphibious fleet sunk: {s['median']:.0%} ({s['p10']:.0%}-{s['p90']:.0%}); "
            f"battalions landed {q(chn['battalions_landed'])}.",
        ]
    lines += [
        "",
        "## Daily traces (medians)",
        "",
        "| trace | day 0 | day 7 | end |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in trace_rows(doc)]
    lines += [
        "",
        "## Bases",
        "",
        "Exposure under these roles, from the same day-0 rules the engine applies (the engine "
        "reports losses per country, not per base).",
        "",
        "| base | host | aircraft | status |",
        "|---|---|---:|---|",
    ]
    for b in bases:
        lines.append(
            f"| {b['name']} | {b['host']} | {b['n_aircraft']:.0f} | {STATUS[b['status']][0]} |"
        )
    for title, body in sections:
        lines += ["", f"## {title}", "", body.rstrip()]
    if figures:
        lines += ["", "## Figures", ""]
        lines += [f"![{name}]({rel})" for name, rel in figures.items()]
    lines += [
        "",
        "## Sources",
        "",
        f"Numbers in this scenario cite the sources below (count of numbers citing each); "
        f"{n_assumed} further numbers rest on explicit assumptions, each with a one-line "
        f"rationale (`straitsim show {sc['name']}`).",
        "",
    ]
    for s in sources:
        lines.append(
            f"- **{s['key']}** ({s['n_values']}): {s['author']}, *{s['title']}*, {s['publisher']}, "
            f"{s['year']}. <{s['url']}>"
        )
    lines += [f"- **map**: {COASTLINE_SOURCE}. <https://www.naturalearthdata.com/>", ""]
    return "\n".join(lines)
