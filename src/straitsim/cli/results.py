"""``straitsim results list|show|summary|export``: read the results database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.run import print_run
from straitsim.scenario.load import set_strings
from straitsim.store import DEFAULT_DB, ResultsStore

if TYPE_CHECKING:  # pragma: no cover
    from straitsim.store import ResultsStore

results_app = typer.Typer(
    name="results",
    help="Query the results database written by `straitsim sweep`.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # help texts as written, like the main app
)
app.add_typer(results_app, name="results")

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="Results database [default: ./straitsim-results.duckdb]."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
RunsArg = Annotated[
    list[str] | None, typer.Argument(help="Run ids (or unique prefixes); default: every run.")
]


def _open(db: Path | None) -> ResultsStore:
    return ResultsStore(db or DEFAULT_DB, read_only=True)


@results_app.command("list")
@user_errors
def list_(db: DbOpt = None, json_: JsonOpt = False) -> None:
    """List the stored runs: scenario, label, seed, replications and how many chunks are stored."""
    with _open(db) as store:
        df = store.runs()
    if json_:
        rows = []
        for r in df.to_dict("records"):
            r["settings"] = json.loads(r.pop("settings_json"))
            rows.append({k: (v.item() if hasattr(v, "item") else v) for k, v in sorted(r.items())})
        print_json({"runs": rows})
        return
    t = Table(title=f"Runs in {db or 'straitsim-results.duckdb'}", title_justify="left")
    for c in ("run id", "scenario", "variant", "seed", "reps", "chunks", "version"):
        t.add_column(
            c,
            justify="right" if c in ("seed", "reps", "chunks") else "left",
            overflow="fold",
            no_wrap=c == "run id",
        )
    for r in df.itertuples():
        chunks = f"{r.chunks_done}/{r.chunks_total}" + (
            "" if r.complete else " [yellow](incomplete)[/]"
        )
        t.add_row(
            r.run_id, r.scenario, r.label, str(r.seed), f"{r.n_reps:,}", chunks, r.code_version
        )
    console.print(t)


@results_app.command()
@user_errors
def show(
    run: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    db: DbOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one run: its settings, outcome probabilities and losses."""
    with _open(db) as store:
        doc = store.summary(run)
    if json_:
        print_json(doc)
        return
    console.print(
        f"run [bold]{doc['run_id']}[/]: {doc['label']} (scenario hash {doc['scenario']['hash']}, "
        f"code {doc['code_version']}, chunks {doc['chunks_done']}/{doc['chunks_total']})"
    )
    if "outcome" not in doc:
        console.print("no replications stored yet")
        return
    settings = doc["settings"]
    print_run(
        {
            "scenario": doc["scenario"],
            "roles": settings.get("roles") or {},
            "overrides": set_strings(settings.get("sets") or []),
            "reps": doc["reps_stored"],
            "seed": doc["seed"],
            **{k: doc[k] for k in ("outcome", "defence_prevails", "losses")},
        }
    )


@results_app.command()
@user_errors
def summary(
    runs: RunsArg = None,
    db: DbOpt = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Also report the mean of a metric (repeatable)."),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Summaries of runs side by side; `--json` is deterministic for the same stored results."""
    with _open(db) as store:
        doc = store.summaries(runs or None, metric or [])
    if json_:
        print_json(doc)
        return
    t = Table(title="Run summaries", title_justify="left")
    for c in (
        "run id",
        "variant",
        "reps",
        "defence prevails (95%)",
        "PRC victory",
        *(metric or []),
    ):
        t.add_column(
            c,
            justify="left" if c in ("run id", "variant") else "right",
            overflow="fold",
            no_wrap=c == "run id",
        )
    for r in doc["runs"]:
        dp = r.get("defence_prevails")
        pv = (r.get("outcome") or {}).get("prc_victory")
        extra = (
            [f"{r['metrics'][m]['mean']:.4g} ± {r['metrics'][m]['se']:.2g}" for m in (metric or [])]
            if ("metrics" in r)
            else []
        )
        t.add_row(
            r["run_id"],
            r["label"],
            f"{r['reps_stored']:,}" + ("" if r["complete"] else "*"),
            f"{dp['p']:.3f} ({dp['lo']:.3f}-{dp['hi']:.3f})" if dp else "-",
            f"{pv['p']:.3f}" if pv else "-",
            *extra,
        )
    console.print(t)
    if any(not r["complete"] for r in doc["runs"]):
        console.print("* incomplete: rerun the sweep to finish it")


@results_app.command()
@user_errors
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the Parquet files.")],
    runs: RunsArg = None,
    db: DbOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Export the tables (every run, or some) as Parquet files."""
    with _open(db) as store:
        paths = store.export(out, runs or None)
    if json_:
        print_json({"files": [str(p) for p in paths]})
        return
    for p in paths:
        console.print(f"wrote {p}")
