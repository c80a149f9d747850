"""``straitsim discover``: PRIM boxes and feature scores over sampled worlds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.discovery import DiscoveryResult, parse_outcome
from straitsim.analysis.discovery import discover as run_discovery
from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.options import progress_bar
from straitsim.cli.run import JsonOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.cli.worlds import (
    DbOpt,
    MethodOpt,
    WorkersOpt,
    WorldRepsOpt,
    WorldsOpt,
    check_method,
)
from straitsim.errors import UserError
from straitsim.fsio import atomic_dir
from straitsim.report import uncertainty_plots
from straitsim.store.db import ResultsStore
from straitsim.store.worlds import load_worlds_result, save_worlds


def _allies(text: str | None) -> list[str]:
    out = [a.strip().upper() for a in (text or "").split(",") if a.strip()]
    if len(set(out)) != len(out):
        raise UserError(
            "ally listed twice",
            key="--roles-as-inputs",
            expected="each ally once",
            found=repr(text),
        )
    return out


@app.command()
@user_errors
def discover(
    scenario: ScenarioArg,
    outcome: Annotated[
        str,
        typer.Option("--outcome", "-o", help="OUTPUT OP VALUE, e.g. 'p_prc_success>0.5'."),
    ] = "p_prc_success>0.5",
    n_worlds: WorldsOpt = 200,
    reps: WorldRepsOpt = 100,
    method: MethodOpt = "lhs",
    seed: SeedOpt = 0,
    roles_as_inputs: Annotated[
        str | None,
        typer.Option("--roles-as-inputs", help="Allies whose rung is sampled too, e.g. JPN,AUS."),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="PRIM: least density of the box (0-1].")
    ] = 0.8,
    top_inputs: Annotated[
        int,
        typer.Option(
            "--top-inputs", min=0, help="PRIM peels over the K best-scoring inputs (0: all)."
        ),
    ] = 5,
    inputs: Annotated[
        str | None,
        typer.Option(
            "--inputs", help="Only these epistemic parameters vary, e.g. a,b (default: all)."
        ),
    ] = None,
    role: RoleOpt = None,
    set_: SetOpt = None,
    workers: WorkersOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for discover.json and PNG plots.")
    ] = None,
    json_: JsonOpt = False,
    db: DbOpt = None,
    set_id: Annotated[
        str | None,
        typer.Option("--set-id", help="Reuse a set of worlds stored in --db (no new runs)."),
    ] = None,
) -> None:
    """Find the combinations of assumptions (and roles) under which an outcome happens."""
    parse_outcome(outcome)
    check_method(method)
    allies = _allies(roles_as_inputs)
    bar, advance = progress_bar(n_worlds, quiet=json_, unit="worlds")
    kw: dict[str, Any] = dict(
        outcome=outcome,
        n=n_worlds,
        reps=reps,
        seed=seed,
        method=method,
        roles=role or [],
        sets=set_ or [],
        roles_as_inputs=allies,
        params=[p.strip() for p in inputs.split(",") if p.strip()] if inputs else None,
        threshold=threshold,
        workers=workers,
        top_inputs=top_inputs,
    )
    if set_id is not None:  # the stored worlds, their outcome re-judged: no new runs
        if db is None:
            raise UserError("--set-id needs --db", key="--set-id", expected="--db PATH")
        with ResultsStore(db, read_only=True) as store:
            kw["worlds"] = load_worlds_result(store, set_id)
        bar = None
    if bar is not None:
        with bar:
            res = run_discovery(scenario, progress=advance, **kw)
    else:
        res = run_discovery(scenario, **kw)
    doc = res.summary()
    if db is not None and set_id is None:
        with ResultsStore(db) as store:
            doc["set_id"] = save_worlds(store, res.worlds)
    if out is not None:
        write_discovery(res, doc, out)
    if json_:
        print_json(doc)
        return
    print_discovery(res, doc)
    if out is not None:
        console.print(f"wrote {out}/discover.json and plots")


def write_discovery(res: DiscoveryResult, doc: dict[str, Any], out: Path) -> None:
    """Write the JSON document and the discovery plots into ``out`` (all or nothing)."""
    with atomic_dir(out) as tmp:
        (tmp / "discover.json").write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        uncertainty_plots.discovery_figures(res, tmp)


def print_discovery(res: DiscoveryResult, doc: dict[str, Any]) -> None:
    """Rich tables: the box, its restricted dimensions and the top feature scores."""
    w = res.worlds
    console.print(
        f"[bold]{w.scenario.title}[/] ({w.scenario.name}): {len(w.worlds)} worlds over "
        f"{len(w.params)} inputs, {w.reps} replications each; outcome [bold]{res.outcome}[/] "
        f"in {doc['worlds_with_outcome']} worlds"
    )
    if res.box is None:
        console.print(res.note)
        _print_scores(doc)
        return
    b = res.box
    console.print(
        f"PRIM box (step {b['step']} of the peeling trajectory): coverage {b['coverage']:.2f}, "
        f"density {b['density']:.2f}, {b['n_worlds']} worlds ({b['mass']:.0%}), "
        f"{b['res_dim']} restricted dimensions"
        + ("" if b["meets_threshold"] else f" [yellow](density below {res.threshold:g})[/]")
    )
    t = Table(title="Restricted dimensions", title_justify="left")
    for c in ("input", "box", "full range", "quasi-p"):
        t.add_column(c)
    for lim in b["limits"]:
        qp = f"{lim['qp']:.2g}" + (" [yellow](could be chance)[/]" if lim["qp"] > 0.05 else "")
        if lim["kind"] == "category":
            t.add_row(lim["input"], ", ".join(lim["values"]), "", qp)
        else:
            t.add_row(
                lim["input"],
                f"{lim['low']:.4g} - {lim['high']:.4g}",
                f"{lim['full_low']:.4g} - {lim['full_high']:.4g}",
                qp,
            )
    console.print(t)
    weak = sum(lim["qp"] > 0.05 for lim in b["limits"])
    if weak:
        console.print(
            f"[yellow]{weak} of {b['res_dim']} restrictions could be chance (quasi-p > 0.05): "
            "try a smaller --top-inputs, more worlds, or --inputs.[/]"
        )
    _print_scores(doc)


def _print_scores(doc: dict[str, Any]) -> None:
    if not doc["feature_scores"]:
        return
    ft = Table(title="Feature scores (extra trees), top 10", title_justify="left")
    ft.add_column("input")
    ft.add_column("score", justify="right")
    for r in doc["feature_scores"][:10]:
        ft.add_row(r["input"], f"{r['score']:.3f}")
    console.print(ft)
