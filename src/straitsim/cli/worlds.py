"""``straitsim worlds``: headline answers as bands across sampled worlds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.worlds import HEADLINES, METHODS, WorldsResult, run_worlds
from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.options import progress_bar
from straitsim.cli.run import JsonOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.errors import UserError
from straitsim.fsio import atomic_dir
from straitsim.report import uncertainty_plots
from straitsim.store.db import ResultsStore
from straitsim.store.worlds import save_worlds

LABELS = {
    "p_prc_success": "P(PRC success)",
    "p_prc_victory": "P(PRC victory)",
    "p_defence_prevails": "P(defence prevails)",
    "prc_battalions_landed": "PRC battalions landed",
    "prc_amphibious_sunk_share": "PRC amphibious fleet sunk",
    "prc_ships_sunk": "PRC ships sunk",
    "coalition_aircraft_lost": "Coalition aircraft lost",
    "coalition_ships_lost": "Coalition ships lost",
    "coalition_killed": "Coalition personnel killed",
}
WorldsOpt = Annotated[
    int, typer.Option("--worlds", "-w", min=2, max=100_000, help="Number of sampled worlds.")
]
WorldRepsOpt = Annotated[
    int, typer.Option("--reps", "-n", min=2, max=1_000_000, help="Replications per world.")
]
MethodOpt = Annotated[
    str, typer.Option("--method", help="World sampling: lhs (Latin hypercube) or sobol.")
]
ThresholdOpt = Annotated[
    float,
    typer.Option("--threshold", help="Report the share of worlds with P(PRC success) above it."),
]
WorkersOpt = Annotated[
    str | None,
    typer.Option(
        "--workers",
        metavar="auto|N",
        envvar="STRAITSIM_WORKERS",
        help="Worker processes across worlds: auto (one per core, the default) or N (1: in "
        "this process). The results do not depend on it.",
    ),
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Also store the worlds in this results database.")
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Directory for worlds.json, worlds.parquet and worlds_bands.png."),
]


def check_method(method: str) -> str:
    """Refuse an unknown sampling method before any work."""
    if method not in METHODS:
        raise UserError(
            "unknown sampling method", key="--method", expected="lhs or sobol", found=repr(method)
        )
    return method


def fmt(x: float, name: str) -> str:
    """Format a value: probabilities with three decimals, counts with none."""
    return f"{x:.3f}" if _is_share(name) else f"{x:,.0f}"


def _is_share(name: str) -> bool:
    return name.startswith("p_") or name.endswith("_share")


@app.command()
@user_errors
def worlds(
    scenario: ScenarioArg,
    n_worlds: WorldsOpt = 50,
    reps: WorldRepsOpt = 200,
    method: MethodOpt = "lhs",
    seed: SeedOpt = 0,
    threshold: ThresholdOpt = 0.5,
    role: RoleOpt = None,
    set_: SetOpt = None,
    workers: WorkersOpt = None,
    out: OutOpt = None,
    json_: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Sample worlds over the epistemic parameters; each headline answer as a band across them.

    Each world fixes every epistemic parameter at one sampled value; aleatory ones are drawn
    per replication; every world runs the same replication seeds (common random numbers).
    """
    check_method(method)
    bar, advance = progress_bar(n_worlds, quiet=json_, unit="worlds")
    kw: dict[str, Any] = dict(
        n=n_worlds,
        reps=reps,
        seed=seed,
        method=method,
        threshold=threshold,
        roles=role or [],
        sets=set_ or [],
        workers=workers,
    )
    if bar is not None:
        with bar:
            res = run_worlds(scenario, progress=advance, **kw)
    else:
        res = run_worlds(scenario, **kw)
    doc = res.summary()
    if db is not None:
        with ResultsStore(db) as store:
            doc["set_id"] = save_worlds(store, res)
    if out is not None:
        write_worlds(res, doc, out)
    if json_:
        print_json(doc)
        return
    print_worlds(res, doc)
    if db is not None:
        console.print(f"stored as set {doc['set_id']} in {db}")
    if out is not None:
        console.print(f"wrote {out}/worlds.json, worlds.parquet and worlds_bands.png")


def write_worlds(res: WorldsResult, doc: dict[str, Any], out: Path) -> None:
    """Write the summary, the one-row-per-world table and the bands figure (all or nothing)."""
    with atomic_dir(out) as tmp:
        (tmp / "worlds.json").write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        res.frame().to_parquet(tmp / "worlds.parquet", index=False)
        uncertainty_plots.worlds_bands(res, tmp / "worlds_bands.png")


def print_worlds(res: WorldsResult, doc: dict[str, Any]) -> None:
    """Rich table: each headline output across worlds, with its Monte Carlo error."""
    console.print(
        f"[bold]{res.scenario.title}[/] ({res.scenario.name}): {len(res.worlds)} worlds "
        f"({res.method}) over {len(res.params)} epistemic parameters, {res.reps} replications "
        f"each, seed {res.seed}"
    )
    t = Table(title="Across worlds", title_justify="left")
    for c in ("output", "median", "5-95% band", "across-world sd", "MC error", "note"):
        t.add_column(c, justify="left" if c in ("output", "note") else "right")
    for k in HEADLINES:
        b = doc["bands"][k]
        note = "[yellow]MC noise: more reps[/]" if b["mc_flag"] else ""
        t.add_row(
            LABELS[k],
            fmt(b["median"], k),
            f"{fmt(b['p05'], k)} - {fmt(b['p95'], k)}",
            fmt(b["across_sd"], k),
            f"{b['mc_se']:.3f}" if _is_share(k) else f"{b['mc_se']:,.1f}",
            note,
        )
    console.print(t)
    console.print(
        f"P(PRC success) > {res.threshold:g} in [bold]{doc['share_success_above_threshold']:.0%}[/]"
        f" of worlds ({doc['share_within_2se_of_threshold']:.0%} of worlds lie within two Monte"
        " Carlo errors of the threshold). MC error: the replication noise of one world's mean"
        " (root mean square); flagged when it makes up over"
        f" {doc['mc_flag_share']:.0%} of the across-world variance."
    )
