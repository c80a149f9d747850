"""``straitsim sensitivity``: which assumptions matter most (SALib indices and excursions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.sensitivity import SensitivityResult
from straitsim.analysis.sensitivity import sensitivity as analyse
from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.options import DeviceOpt, Progress, QuietOpt, WorkersOpt, use_workers
from straitsim.fsio import atomic_dir
from straitsim.report.sensitivity_plots import plot_sensitivity
from straitsim.scenario.load import parse_roles


@app.command()
@user_errors
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or path to a TOML file.")],
    method: Annotated[
        str, typer.Option("--method", help="morris (screening), sobol (indices) or oat.")
    ] = "morris",
    params: Annotated[
        str | None,
        typer.Option("--params", help="Comma-separated uncertain parameters [default: all]."),
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", "-m", help="Metric whose mean is analysed.")
    ] = "defence_prevails",
    reps: Annotated[
        int, typer.Option("--reps", "-n", min=1, max=1_000_000, help="Replications per evaluation.")
    ] = 100,
    n: Annotated[
        int | None,
        typer.Option("--n", min=2, help="Morris trajectories [10] or Sobol base samples [64]."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Seed shared by every evaluation.")
    ] = 0,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=365, help="Horizon in days.")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Base case ALLY=RUNG (repeatable).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Base case KEY=VALUE (repeatable).")
    ] = None,
    excursion: Annotated[
        list[str] | None,
        typer.Option(
            "--excursion", "-x", help="Extra knob KEY=V1,V2,... e.g. munitions.usa-lrasm.n=0,900."
        ),
    ] = None,
    no_roles: Annotated[
        bool, typer.Option("--no-roles", help="Leave role ladders out of the excursions.")
    ] = False,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Rows in the tables and bars in the plot.")
    ] = 20,
    json_: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of tables.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for sensitivity.json and tornado.png.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Rank the assumptions that move a metric most: Morris or Sobol indices plus a tornado."""
    names = [p.strip() for p in params.split(",") if p.strip()] if params else None
    bar = Progress(0, "evaluating", "evaluations", quiet=json_ or quiet)
    with use_workers(workers, device), bar:
        res = analyse(
            scenario,
            method,
            names,
            metric,
            reps,
            n,
            seed,
            days,
            parse_roles(role or []),
            list(set_ or []),
            list(excursion or []),
            not no_roles,
            None,  # the workers of the block
            bar.update,
        )
    doc = res.to_dict()
    if out is not None:
        _write(res, doc, out, top)
    if json_:
        print_json(doc)
        return
    console.print(
        f"[bold]{res.scenario['title']}[/]: sensitivity of {res.metric} "
        f"({doc['metric']['description']}); {res.n_evaluations} evaluations "
        f"of {res.reps} replications, "
        f"seed {res.seed}; base case {res.base_value:.4g}"
    )
    if res.indices is not None:
        t = Table(
            title=f"{res.method.capitalize()} indices (ranked; +- 95% bootstrap)",
            title_justify="left",
        )
        t.add_column("#", justify="right")
        t.add_column("parameter", overflow="fold")
        t.add_column("range", justify="right")
        if res.method == "sobol":
            for c in ("S1 (first order)", "ST (total)"):
                t.add_column(c, justify="right")
        else:
            for c in ("mu* (mean |effect|)", "sigma", "mu"):
                t.add_column(c, justify="right")
        for name, r in res.indices.head(top).iterrows():
            rng = f"{r['low']:g} - {r['high']:g}"
            if res.method == "sobol":
                cells = [
                    f"{r['S1']:.3f} ± {r['S1_conf']:.3f}",
                    f"{r['ST']:.3f} ± {r['ST_conf']:.3f}",
                ]
            else:
                cells = [
                    f"{r['mu_star']:.4g} ± {r['mu_star_conf']:.2g}",
                    f"{r['sigma']:.4g}",
                    f"{r['mu']:.4g}",
                ]
            t.add_row(str(r["rank"]), str(name), rng, *cells)
        console.print(t)
    t = Table(title="One-at-a-time excursions (ranked by swing)", title_justify="left")
    for c in ("#", "knob", "lowest (setting)", "highest (setting)", "swing"):
        t.add_column(c, justify="left" if c == "knob" else "right", overflow="fold")
    for _, r in res.excursions.head(top).iterrows():
        t.add_row(
            str(r["rank"]),
            f"{r['knob']}",
            f"{r['low']:.4g} ({r['setting_low']})",
            f"{r['high']:.4g} ({r['setting_high']})",
            f"{r['swing']:.4g}",
        )
    console.print(t)
    if out is not None:
        console.print(f"wrote {out}/sensitivity.json and {out}/tornado.png")


def _write(res: SensitivityResult, doc: dict[str, Any], out: Path, top: int) -> None:
    """Write sensitivity.json and tornado.png together (all or nothing)."""
    with atomic_dir(out) as tmp:
        (tmp / "sensitivity.json").write_text(json.dumps(doc, indent=2) + "\n")
        plot_sensitivity(res, tmp / "tornado.png", top=top)
