"""``straitsim validate`` (the model against published results) and ``straitsim sources``."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from straitsim.analysis.pedigree import CLASSES, sources_document
from straitsim.analysis.validation import (
    count_runs,
    format_model,
    format_published,
    format_tolerance,
    run_validation,
)
from straitsim.cli import world_bands
from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.cli.run import JsonOpt, RepsOpt, SeedOpt
from straitsim.cli.world_bands import WorldsBandOpt
from straitsim.scenario.load import load_scenario


@app.command()
@user_errors
def validate(
    reps: RepsOpt = 1000,
    seed: SeedOpt = 0,
    json_: JsonOpt = False,
    cases: Annotated[
        str | None, typer.Option("--cases", help="Comma-separated case ids (default: all).")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit with status 1 when any case falls outside its tolerance."
        ),
    ] = False,
    file: Annotated[
        Path | None, typer.Option("--file", help="A validation file (default: the built-in cases).")
    ] = None,
    rationale: Annotated[
        bool, typer.Option("--rationale", help="Add each case's tolerance rationale to the table.")
    ] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the results as a Markdown table.")
    ] = False,
    n_worlds: WorldsBandOpt = 0,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run the model on published games' assumptions and compare with their published results.

    A report, not a test: the exit status is 0 even when cases fall outside their tolerance
    (unless --strict). The cases and tolerances are data (scenario/data/validation.toml).
    """
    ids = [x for x in cases.split(",") if x.strip()] if cases else None
    if n_worlds:  # share of sampled worlds in which each published result is reproduced
        kw0 = dict(cases=ids, path=file, workers=workers)
        with use_workers(workers, device):
            return world_bands.validate(n_worlds, reps, seed, json_, **kw0)
    n_runs = count_runs(ids, file)
    bar, advance = progress_bar(reps * n_runs, quiet=json_ or markdown or quiet)
    with use_workers(workers, device), bar or nullcontext():
        report = run_validation(reps, seed, ids, file, advance)
    doc = report.to_dict()
    if json_:
        print_json(doc)
    elif markdown:
        sys.stdout.write(report.to_markdown())
    else:
        _print_report(doc, rationale)
    if strict and report.n_within < len(report.results):
        raise typer.Exit(1)


def _print_report(doc: dict[str, Any], rationale: bool) -> None:
    t = Table(
        title="Validation: the model against published results",
        title_justify="left",
        show_lines=False,
    )
    t.add_column("case")
    t.add_column("quantity")
    t.add_column("published [source]")
    t.add_column("model (interval)", justify="right")
    t.add_column("tolerance: band")
    t.add_column("within", justify="center")
    if rationale:
        t.add_column("why this tolerance")
    group = None
    for c in doc["cases"]:
        if c["group"] != group:
            group = c["group"]
            t.add_row(f"[bold]{group}[/]", *[""] * (len(t.columns) - 1))
        src = c["source"]["key"] + (
            " (" + c["source"]["kind"] + ")" if c["source"]["kind"] != "primary" else ""
        )
        row = [
            c["id"] + (" †" if c["calibrated"] else ""),
            c["title"],
            escape(f"{format_published(c)} [{src}]"),
            format_model(c),
            format_tolerance(c),
            "[green]yes[/]" if c["within"] else "[red]no[/]",
        ]
        if rationale:
            row.append(c["tolerance"]["rationale"])
        t.add_row(*row)
    console.print(t)
    console.print(
        f"{doc['n_within']} of {doc['n_cases']} cases within tolerance "
        f"({doc['reps']} replications per scenario, seed {doc['seed']}, "
        f"{doc['runs']} scenario runs). "
        "Model intervals: 10-90% of replications for medians, 95% Wilson for probabilities."
    )
    console.print(
        f"† calibrated: the model's parameters were chosen to reproduce this figure. "
        f"Of the {doc['n_independent']} cases it was not calibrated to, "
        f"{doc['n_independent_within']} are within tolerance."
    )
    used = sorted({c["tolerance"]["policy"] for c in doc["cases"]})
    for k in used:
        console.print(f"  [bold]{k}[/] {doc['policies'][k]}", highlight=False)
    if doc["pending"]:
        pt = Table(title="Published results not yet comparable", title_justify="left")
        for col in ("id", "published", "source", "what is missing"):
            pt.add_column(col)
        for p in doc["pending"]:
            pt.add_row(
                p["id"], p["published_text"], f"{p['source']} ({p['source_kind']})", p["missing"]
            )
        console.print(pt)
    console.print("Why the model and the games differ: docs/validation.md")


@app.command()
@user_errors
def sources(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", help="Scenario whose parameters and data are counted (name or TOML path)."
        ),
    ] = "csis-2026",
    json_: JsonOpt = False,
) -> None:
    """List every source in the data, how many numbers cite it, and every assumption.

    Also prints the pedigree: the share of numbers resting on primary, secondary or press
    sources, or on assumptions, computed from the data.
    """
    doc = sources_document(load_scenario(scenario))
    if json_:
        print_json(doc)
        return
    pt = Table(
        title=f"Input pedigree: share of numbers by what they rest on (scenario {doc['scenario']})",
        title_justify="left",
    )
    pt.add_column("scope")
    pt.add_column("numbers", justify="right")
    for c in CLASSES:
        pt.add_column(c, justify="right")
    for scope, d in doc["pedigree"].items():
        label = {
            "params": "parameters",
            "data": "scenario data",
            "scenario": "scenario (all)",
            "all": "[bold]all data[/]",
        }.get(scope, scope)
        pt.add_row(label, str(d["n"]), *[f"{d['shares'][c]:.0%}" for c in CLASSES])
    console.print(pt)
    st = Table(title="Sources and how many numbers cite them", title_justify="left")
    st.add_column("key")
    st.add_column("kind")
    st.add_column("params", justify="right")
    st.add_column("data", justify="right")
    files = doc["files"]
    for f in files:
        st.add_column(f.removesuffix(".toml"), justify="right")
    st.add_column("total", justify="right")
    st.add_column("title")
    for r in doc["sources"]:
        st.add_row(
            r["key"],
            r["kind"] + (" [red](conflict)[/]" if r["conflict"] else ""),
            str(r["n_params"]),
            str(r["n_data"]),
            *[str(r[f"n_{f}"]) for f in files],
            str(r["n_total"]),
            f"{r['title']} ({r['year']})",
        )
    console.print(st)
    if doc["conflicts"]:
        console.print(
            "[bold]conflicts:[/] "
            + ", ".join(doc["conflicts"])
            + " are defined with different kinds in different files; "
            "each file's numbers are classed by its own definition."
        )
    at = Table(title=f"Assumptions ({len(doc['assumptions'])} numbers)", title_justify="left")
    for col in ("where", "key", "value", "rationale"):
        at.add_column(col)
    for a in doc["assumptions"]:
        v = a["value"]
        at.add_row(
            a["where"],
            a["key"],
            f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v),
            a["rationale"] or "",
        )
    console.print(at)
    if doc["unresolved"]:
        console.print(
            f"[red]{len(doc['unresolved'])} numbers cite no known source:[/] "
            + ", ".join(u["where"] + ":" + u["key"] for u in doc["unresolved"])
        )
