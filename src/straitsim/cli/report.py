"""``straitsim report``: an offline HTML report, PNG figures and a Markdown summary."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.run import JsonOpt, RepsOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt, progress_bar
from straitsim.report.build import write_report


@app.command()
@user_errors
def report(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")],
    reps: RepsOpt = 2000,
    seed: SeedOpt = 0,
    role: RoleOpt = None,
    set_: SetOpt = None,
    ally: Annotated[
        list[str] | None,
        typer.Option(
            "--ally", help="Add Shapley and deterrence sections for these allies (repeatable)."
        ),
    ] = None,
    lattice_reps: Annotated[
        int | None,
        typer.Option("--lattice-reps", min=2, help="Replications per role profile there."),
    ] = None,
    worlds: Annotated[
        int,
        typer.Option("--worlds", min=0, max=100_000, help="Add bands across N sampled worlds."),
    ] = 0,
    outlook_years: Annotated[
        str | None,
        typer.Option("--outlook", help="Add the balance by year for these years, e.g. 2026:2035."),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Write report.html (self-contained, offline), figures/*.png, summary.md and summary.json."""
    write = functools.partial(write_report, worlds=worlds, outlook_years=outlook_years)
    bar, advance = progress_bar(reps, quiet=json_)
    if bar is not None:
        with bar:
            rep = write(
                scenario, out, reps, seed, role or [], set_ or [], advance, ally or [], lattice_reps
            )
    else:
        rep = write(
            scenario, out, reps, seed, role or [], set_ or [], None, ally or [], lattice_reps
        )
    files = {
        "html": str(rep.html),
        "markdown": str(rep.markdown),
        "summary_json": str(rep.summary_json),
        "figures": {k: str(v) for k, v in rep.figures.items()},
    }
    if json_:
        print_json(files)
        return
    dp = rep.summary["defence_prevails"]
    console.print(
        f"[bold]{rep.summary['scenario']['title']}[/]: defence prevails {dp['p']:.1%} "
        f"({dp['lo']:.1%}-{dp['hi']:.1%}), {rep.summary['reps']} replications"
    )
    console.print(f"wrote {rep.html}")
    console.print(f"wrote {rep.markdown} and {rep.summary_json}")
    console.print("wrote " + ", ".join(str(p) for p in rep.figures.values()))
