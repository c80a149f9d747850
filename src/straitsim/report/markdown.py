"""The Markdown summary of a run: outcomes, losses, traces, bases and the sources cited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from straitsim.report.bases import STATUS, base_results
from straitsim.report.figures import OUTCOME_LABELS, TRACE_LABELS, actor_names, attackers
from straitsim.report.geo import COASTLINE_SOURCE

LOSS_COLUMNS = ("aircraft", "ships", "carriers", "submarines", "personnel_killed")


BASE_COLUMNS = (
    "base",
    "host",
    "aircraft based",
    "lost on the ground",
    "share lost",
    "missiles received",
    "exposure (day 0)",
)
BASES_INTRO = (
    "What happened at each base in this run, median (10-90%) over the replications: aircraft "
    "destroyed on the ground (at the carrier groups: embarked aircraft lost with their "
    "carriers), as a count and as a share of the aircraft based there under these roles, and PRC "
    "land-attack missiles arriving after missile defence. Exposure is what the day-0 rules "
    "expose the base to (whether the PRC plan strikes it and its missiles reach it), which "
    "explains a base that lost nothing."
)


def base_rows(
    records: Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], tuple[str, ...]]]:
    """Rows of the bases table (:data:`BASE_COLUMNS`), each with its ``base_results`` record.

    Bases with no aircraft based, no losses and no missiles are left out (closed civil
    fields, bases no unit uses under these roles).
    """
    rows: list[tuple[Mapping[str, Any], tuple[str, ...]]] = []
    for b in records:
        lost, mis, share = (
            b.get("aircraft_lost_on_ground"),
            b.get("missiles_received"),
            b.get("share_lost_on_ground"),
        )
        n = float(b.get("n_aircraft_based", b["n_aircraft"]))
        if n <= 0 and (lost is None or lost["p90"] <= 0) and (mis is None or mis["p90"] <= 0):
            continue
        rows.append(
            (
                b,
                (
                    b["name"],
                    b["host"],
                    f"{n:.0f}",
                    q(lost) if lost else "",
                    q(share, ".0%") if share else "",
                    q(mis) if mis else "",
                    STATUS[b["status"]][0],
                ),
            )
        )
    return rows


def pct(x: float) -> str:
    """Format a probability as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def q(d: Mapping[str, float], fmt: str = ".0f") -> str:
    """Format quantiles as ``median (p10-p90)``."""
    return f"{d['median']:{fmt}} ({d['p10']:{fmt}}-{d['p90']:{fmt}})"


def outcome_rows(doc: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Return (outcome, probability, 95% interval) for each outcome, in display order."""
    rows = []
    for key, label in OUTCOME_LABELS.items():
        o = doc["outcome"][key]
        rows.append((label, pct(o["p"]), f"{pct(o['lo'])}-{pct(o['hi'])}"))
    return rows


def loss_rows(doc: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Return (country, then :data:`LOSS_COLUMNS` as ``median (p10-p90)``) per country.

    Countries whose every loss has a 90th percentile below 0.5 are left out; a metric a
    country does not report is an empty cell.
    """
    rows = []
    names = actor_names(doc)
    for code, ms in doc["losses"].items():
        if all(ms[c]["p90"] < 0.5 for c in LOSS_COLUMNS if c in ms):
            continue
        rows.append((names.get(code, code), *(q(ms[c]) if c in ms else "" for c in LOSS_COLUMNS)))
    return rows


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

    The arguments are those of :func:`straitsim.report.html.render_html`, except that
    ``figures`` maps a figure's name to the relative path of its PNG and each section's body
    is Markdown.
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
    lines += ["| " + " | ".join(r) + " |" for r in outcome_rows(doc)]
    lines += [
        "",
        "## Losses: median (10-90%)",
        "",
        "| country | " + " | ".join(c.replace("_", " ") for c in LOSS_COLUMNS) + " |",
        "|---|" + "---:|" * len(LOSS_COLUMNS),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in loss_rows(doc)]
    for code in attackers(doc):
        att = doc["losses"].get(code, {})
        if "amphibious_fleet_sunk_share" in att:
            s = att["amphibious_fleet_sunk_share"]
            lines += [
                "",
                f"PRC amphibious fleet sunk: {s['median']:.0%} ({s['p10']:.0%}-{s['p90']:.0%}); "
                f"battalions landed {q(att['battalions_landed'])}.",
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
        BASES_INTRO,
        "",
        "| " + " | ".join(BASE_COLUMNS) + " |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for _, r in base_rows(base_results(bases, doc))]
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
