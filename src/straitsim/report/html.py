"""One self-contained, offline HTML report: inline CSS, figures as inline PNG data URIs.

The file references no external host: no scripts, fonts or images from the network, and
source URLs are printed as plain text without their scheme (the Markdown summary next to
it keeps the full links).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from straitsim.report.bases import base_results
from straitsim.report.geo import COASTLINE_SOURCE
from straitsim.report.markdown import (
    BASE_COLUMNS,
    BASES_INTRO,
    LOSS_COLUMNS,
    base_rows,
    loss_rows,
    outcome_rows,
    pct,
    trace_rows,
)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #1c2833; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 1px solid #d5d8dc; }
.meta { color: #566573; } .headline { font-size: 1.15rem; background: #eaf2f8;
        padding: .6rem .9rem; border-left: 4px solid #1a5276; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #eaecee; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
img { max-width: 100%; border: 1px solid #eaecee; margin: .5rem 0; }
li { margin: .2rem 0; } .small { font-size: .85rem; color: #566573; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               img { break-inside: avoid; } }
"""

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SCHEME_ANYWHERE = re.compile(r"\b(?:https?|ftp)://", re.IGNORECASE)


def plain_url(url: str) -> str:
    """Return a URL as text without its scheme, so the file holds no http(s) reference."""
    return _SCHEME.sub("", url).rstrip("/")


def data_uri(png: bytes | str | Path) -> str:
    """Encode a PNG (bytes or a file) as a ``data:image/png;base64`` URI."""
    raw = png if isinstance(png, bytes) else Path(png).read_bytes()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    th = "".join(
        f'<th class="{"n" if n else ""}">{escape(h)}</th>'
        for h, n in zip(head, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if n else ""}">{c}</td>' for c, n in zip(r, numeric, strict=True)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render_html(
    doc: Mapping[str, Any],
    bases: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
    n_assumed: int,
    figures: Mapping[str, bytes | str | Path],
    sections: Sequence[tuple[str, str]] = (),
) -> str:
    """Render the report as one HTML document with every figure inline.

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
    figures : mapping
        Figure name -> PNG bytes or path; embedded as data URIs in this order.
    sections : sequence of (str, str)
        Extra sections (title, HTML body), e.g. attribution or deterrence.
    """
    sc = doc["scenario"]
    dp = doc["defence_prevails"]
    roles = ", ".join(
        f"{escape(k)}&nbsp;=&nbsp;<b>{escape(v)}</b>" for k, v in doc["roles"].items()
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(sc['title'])}: straitsim report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(sc['title'])}</h1>",
        f'<p class="meta">Scenario <code>{escape(sc["name"])}</code> '
        f"(hash <code>{escape(sc['hash'])}</code>), "
        f"{doc['reps']:,} replications, seed {doc['seed']}, horizon {doc['days']} days, "
        f"straitsim {escape(doc['straitsim_version'])}.</p>",
        f"<p>Roles: {roles}.</p>",
    ]
    if doc.get("overrides"):
        parts.append(
            "<p>Overrides: "
            + ", ".join(f"<code>{escape(o)}</code>" for o in doc["overrides"])
            + ".</p>"
        )
    parts.append(
        '<p class="headline">Defence prevails (decisive PRC defeat or stalemate trending against '
        f"the PRC): "
        f"<b>{pct(dp['p'])}</b> (95% interval {pct(dp['lo'])}-{pct(dp['hi'])})</p>"
    )
    parts.append("<h2>Outcome</h2>")
    parts.append(
        _table(
            ["outcome", "probability", "95% interval"],
            [[escape(label), p, ci] for label, p, ci in outcome_rows(doc)],
            [False, True, True],
        )
    )
    if "outcomes" in figures:
        parts.append(f'<img alt="outcome distribution" src="{data_uri(figures["outcomes"])}">')
    parts.append("<h2>Losses: median (10-90%)</h2>")
    parts.append(
        _table(
            ["country"] + [c.replace("_", " ") for c in LOSS_COLUMNS],
            [[escape(name), *cells] for name, *cells in loss_rows(doc)],
            [False] + [True] * len(LOSS_COLUMNS),
        )
    )
    if "losses" in figures:
        parts.append(f'<img alt="losses by country" src="{data_uri(figures["losses"])}">')
    parts.append("<h2>Daily traces</h2>")
    parts.append(
        _table(
            ["trace (median)", "day 0", "day 7", "end"],
            [[escape(x) for x in r] for r in trace_rows(doc)],
            [False, True, True, True],
        )
    )
    if "traces" in figures:
        parts.append(f'<img alt="daily traces" src="{data_uri(figures["traces"])}">')
    parts.append("<h2>Bases</h2>")
    parts.append(f'<p class="small">{escape(BASES_INTRO)}</p>')
    if "map" in figures:
        parts.append(f'<img alt="theatre map" src="{data_uri(figures["map"])}">')
    parts.append(
        _table(
            list(BASE_COLUMNS),
            [[escape(x) for x in r] for _, r in base_rows(base_results(bases, doc))],
            [False, False, True, True, True, True, False],
        )
    )
    for title, body in sections:
        parts.append(f"<h2>{escape(title)}</h2>{body}")
    parts.append("<h2>Sources</h2>")
    parts.append(
        "<p>Numbers in this scenario cite the sources below (count of numbers citing each); "
        f"{n_assumed} further numbers rest on explicit assumptions, each with a one-line rationale "
        f"(<code>straitsim show {escape(sc['name'])}</code>). Addresses are given as text; "
        "summary.md has them as links.</p><ul>"
    )
    for s in sources:
        parts.append(
            f"<li><b>{escape(s['key'])}</b> ({s['n_values']}): {escape(s['author'])}, "
            f"<i>{escape(s['title'])}</i>, {escape(s['publisher'])}, {s['year']}. "
            f'<span class="small">{escape(plain_url(s["url"]))}</span></li>'
        )
    parts.append(
        f"<li><b>map</b>: {escape(COASTLINE_SOURCE)}. "
        '<span class="small">www.naturalearthdata.com</span></li>'
    )
    parts.append("</ul></body></html>")
    # the guarantee: no http(s) reference survives, even from text in a user's own scenario
    # (data URIs are base64, which has no ':', so they are untouched)
    return _SCHEME_ANYWHERE.sub("", "\n".join(parts))
