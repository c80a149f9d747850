"""``straitsim run``, ``scenarios`` and ``show``."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.run import RunResult
from straitsim.analysis.run import run as run_scenario
from straitsim.cli.app import app, console, emit, print_json, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import LOSS_METRICS
from straitsim.fsio import atomic_dir
from straitsim.report.figures import OUTCOME_LABELS, attackers
from straitsim.scenario.describe import describe
from straitsim.scenario.load import builtin_scenarios, list_scenarios, load_scenario, set_strings

TABLE_METRICS = LOSS_METRICS  # the loss-ledger metrics every country reports

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Built-in scenario name (see `straitsim scenarios`) or path to a TOML file."
    ),
]
RepsOpt = Annotated[int, typer.Option("--reps", "-n", min=1, max=10_000_000, help="Replications.")]
SeedOpt = Annotated[int, typer.Option("--seed", "-s", min=0, help="Random seed.")]
RoleOpt = Annotated[
    list[str] | None, typer.Option("--role", help="ALLY=RUNG, e.g. JPN=neutral (repeatable).")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="KEY=VALUE override, e.g. us_entry_delay_days=7 (repeatable)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]


@app.command()
@user_errors
def run(
    scenario: ScenarioArg,
    reps: RepsOpt = 1000,
    seed: SeedOpt = 0,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, max=365, help="Horizon in days (default: the scenario's)."),
    ] = None,
    role: RoleOpt = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="KEY=VALUE override, e.g. us_entry_delay_days=7 (repeatable)."),
    ] = None,
    json_: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for summary.json and replications.parquet."),
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", min=1, help="Replications per engine call.")
    ] = None,
    device: DeviceOpt = None,
    workers: WorkersOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Run a scenario: outcome probabilities with 95% intervals and loss quantiles per country."""
    sc = load_scenario(scenario, role or [], set_ or [])
    bar, advance = progress_bar(reps, quiet=json_ or quiet)
    with use_workers(workers, device), bar or nullcontext():
        res = run_scenario(
            sc, reps, seed, days=days, chunk_size=chunk_size, progress=advance, device=device
        )
    res.overrides = set_strings(set_ or [])
    doc = res.summary()
    wrote = f"wrote {out}/summary.json and {out}/replications.parquet"
    emit(doc, out, json_, lambda d: write_outputs(res, doc, d), lambda: print_run(doc), wrote)


def write_outputs(res: RunResult, doc: dict[str, Any], out: Path) -> None:
    """Write the summary and per-replication table atomically into ``out``."""
    with atomic_dir(out) as tmp:
        (tmp / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")
        res.replications().to_parquet(tmp / "replications.parquet", index=False)


def print_run(doc: dict[str, Any]) -> None:
    """Rich tables for a run summary."""
    sc = doc["scenario"]
    roles = ", ".join(f"{k}={v}" for k, v in doc["roles"].items())
    console.print(
        f"[bold]{sc['title']}[/] ({sc['name']}, {doc['reps']} replications, seed {doc['seed']})"
    )
    console.print(f"roles: {roles}")
    if doc["overrides"]:
        console.print("overrides: " + ", ".join(doc["overrides"]))
    t = Table(title="Outcome", title_justify="left")
    t.add_column("outcome")
    t.add_column("probability", justify="right")
    t.add_column("95% interval", justify="right")
    for key in OUTCOMES:
        o = doc["outcome"][key]
        t.add_row(OUTCOME_LABELS[key], f"{o['p']:.3f}", f"{o['lo']:.3f} - {o['hi']:.3f}")
    dp = doc["defence_prevails"]
    t.add_row(
        "[bold]Defence prevails[/]", f"[bold]{dp['p']:.3f}[/]", f"{dp['lo']:.3f} - {dp['hi']:.3f}"
    )
    console.print(t)
    lt = Table(title="Losses: median, 10-90% below", title_justify="left")
    lt.add_column("country")
    for m in TABLE_METRICS:
        lt.add_column(SHORT[m], justify="right")
    for country, ms in doc["losses"].items():
        if all(ms[m]["p90"] < 0.5 for m in TABLE_METRICS):
            continue
        lt.add_row(country, *[_q2(ms[m]) for m in TABLE_METRICS])
    console.print(lt)
    for code in attackers(doc):  # the attacking side, from the scenario's data
        att = doc["losses"][code]
        sunk = att["amphibious_fleet_sunk_share"]
        console.print(
            "PRC amphibious fleet sunk: "
            f"{sunk['median']:.0%} "
            f"({sunk['p10']:.0%}-{sunk['p90']:.0%}); "
            f"battalions landed {_q(att['battalions_landed'])}; ships lost {_q(att['ships'])}"
        )


SHORT = {
    "aircraft": "aircraft",
    "aircraft_on_ground": "on ground",
    "carriers": "carriers",
    "surface_combatants": "surface",
    "submarines": "subs",
    "personnel_killed": "killed",
}


def _q2(q: dict[str, float]) -> str:
    return f"{q['median']:.0f}\n[dim]{q['p10']:.0f}-{q['p90']:.0f}[/]"


def _q(q: dict[str, float]) -> str:
    return f"{q['median']:.0f} ({q['p10']:.0f}-{q['p90']:.0f})"


@app.command()
@user_errors
def scenarios(json_: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    items = list_scenarios()
    if json_:
        print_json(
            [{"name": k, "title": v, "path": str(builtin_scenarios()[k])} for k, v in items.items()]
        )
        return
    t = Table(title="Built-in scenarios", title_justify="left")
    t.add_column("name")
    t.add_column("title")
    for k, v in items.items():
        t.add_row(k, v)
    console.print(t)


@app.command()
@user_errors
def show(
    scenario: ScenarioArg,
    role: RoleOpt = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Print the resolved scenario: every knob's key, value and source (what --set accepts)."""
    sc = load_scenario(scenario, role or [], set_ or [])
    doc = describe(sc)
    if json_:
        print_json(doc)
        return
    console.print(f"[bold]{sc.title}[/] ({sc.name}, {sc.year}, horizon {sc.horizon_days} days)")
    console.print(sc.description)
    rt = Table(title="Roles (--role ALLY=RUNG)", title_justify="left")
    for c in ("ally", "rung", "available rungs"):
        rt.add_column(c)
    for r in doc["roles"]:
        rt.add_row(r["ally"], r["rung"], ", ".join(r["rungs"]))
    console.print(rt)
    pt = Table(title="Parameters (--set NAME=VALUE)", title_justify="left")
    pt.add_column("name", no_wrap=True, style="bold")
    pt.add_column("value", no_wrap=True, justify="right", min_width=6)
    pt.add_column("unit", overflow="fold", max_width=18)
    pt.add_column("domain", no_wrap=True)
    pt.add_column("uncertainty", overflow="fold", max_width=24)
    pt.add_column("source", no_wrap=True)
    for p in doc["params"]:
        src = p["source"] or "assumption"
        dom = p["domain"]  # what --set accepts: docs/limits.md
        shown = f"{'(' if dom['above_low'] else '['}{dom['low']:g}, {dom['high']:g}]"
        pt.add_row(p["key"], f"{p['value']:g}", p["unit"], shown, p["uncertainty"] or "", src)
    console.print(pt)
    dt = Table(title="Data (--set PATH=VALUE)", title_justify="left")
    dt.add_column("key", no_wrap=True, style="bold")
    dt.add_column("value", no_wrap=True, justify="right", min_width=6)
    dt.add_column("source", no_wrap=True)
    for d in doc["data"]:
        val = d["value"]
        shown = f"{val:g}" if isinstance(val, int | float) else str(val)
        dt.add_row(d["key"], shown, d["source"] or "assumption")
    console.print(dt)
    console.print("Full text of every source and assumption: `straitsim show SCENARIO --json`.")
