"""``straitsim sweep``: many variants of a scenario, resumable, local or on a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from straitsim.cli.app import app, console, err_console, fail, print_json, user_errors
from straitsim.cli.options import WorkersOpt
from straitsim.limits import check_memory
from straitsim.runners.execute import resolve_workers
from straitsim.store.db import DEFAULT_DB
from straitsim.store.sweep import sweep as run_sweep

ScenarioArg = Annotated[str, typer.Argument(help="Built-in scenario name or path to a TOML file.")]


class SweepProgress:
    """A Rich bar on a terminal; one plain line per chunk otherwise (batch logs); or nothing."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Progress | None = None
        self.task: Any = None
        self.plain = not err_console.is_terminal
        self.chunks_done = 0

    def __call__(
        self, chunks_done: int, chunks_total: int, reps_done: int, reps_total: int
    ) -> None:
        """Show progress (the ``progress`` callback of :func:`straitsim.store.sweep.sweep`)."""
        self.chunks_done = chunks_done
        if self.quiet:
            return
        if self.plain:
            if chunks_done == 0:
                sys.stderr.write(
                    f"sweep: {chunks_total} chunks to compute ({reps_total} replications)\n"
                )
            else:
                sys.stderr.write(
                    f"sweep: chunk {chunks_done}/{chunks_total} written "
                    f"({reps_done}/{reps_total} replications)\n"
                )
            sys.stderr.flush()
            return
        if self.bar is None:
            self.bar = Progress(
                TextColumn("[bold]sweeping"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("replications"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self.task = self.bar.add_task("sweep", total=reps_total)
            self.bar.start()
        self.bar.update(self.task, completed=reps_done)

    def stop(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@app.command()
@user_errors
def sweep(
    scenario: ScenarioArg,
    grid: Annotated[
        Path, typer.Option("--grid", help="Grid file (TOML): [roles], [set], optional [lhs].")
    ],
    reps: Annotated[
        int, typer.Option("--reps", "-n", min=1, max=10_000_000, help="Replications per variant.")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed (the same for every variant).")
    ] = 0,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Results database [default: ./straitsim-results.duckdb]."),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option("--chunk-size", min=1, help="Replications per chunk [default: 250]."),
    ] = None,
    workers: WorkersOpt = "auto",
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=365, help="Horizon of every variant in days.")
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of tables.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    connect_timeout: Annotated[
        float,
        typer.Option("--connect-timeout", min=0.1, help="Seconds to wait for the Dask scheduler."),
    ] = 10.0,
) -> None:
    """Run every variant of a grid and store the results; rerun the same command to resume.

    Ctrl-C stops at once: the chunks already stored stay, and the same command finishes the
    sweep with the same results as an uninterrupted one.
    """
    if chunk_size is not None:  # each chunk is held (and run) in memory: refuse a huge one now
        check_memory(chunk_size, 1, days or 365, key="--chunk-size", chunk=chunk_size)
    n_workers = None if cluster and workers == "auto" else resolve_workers(workers, "--workers")
    bar = SweepProgress(quiet=quiet)
    try:
        res = run_sweep(
            scenario,
            grid,
            reps,
            seed,
            db,
            chunk_size,
            n_workers,
            cluster,
            days,
            bar,
            connect_timeout,
        )
    except KeyboardInterrupt:
        bar.stop()
        fail(
            f"interrupted: {bar.chunks_done} chunks of this run stored in "
            f"{db or DEFAULT_DB}; run the same command again to finish",
            130,
        )
    finally:
        bar.stop()
    if json_:
        print_json(res.to_dict())
        return
    where = res.runner if res.runner != "processes" else f"{res.n_workers} local processes"
    console.print(
        f"[bold]sweep {res.sweep_id}[/] of {res.scenario}: {len(res.variants)} variants "
        f"x {res.reps} replications, "
        f"seed {res.seed}, chunks of {res.chunk_size}"
    )
    console.print(
        f"chunks: {res.chunks_total} in all, {res.chunks_stored_before} already stored, "
        f"{res.chunks_computed} computed ({where}, {res.elapsed_s:.1f} s, "
        f"{res.reps_per_s:,.0f} replications/s)"
    )
    t = Table(title=f"Variants (stored in {res.db})", title_justify="left")
    for c in ("#", "variant", "run id", "defence prevails (95%)", "PRC victory"):
        t.add_column(
            c,
            justify="right" if c not in ("variant", "run id") else "left",
            overflow="fold",
            no_wrap=c == "run id",
        )
    for v in res.variants:
        dp = v.get("defence_prevails")
        pv = (v.get("outcome") or {}).get("prc_victory")
        t.add_row(
            str(v["variant"]),
            v["label"],
            v["run_id"],
            f"{dp['p']:.3f} ({dp['lo']:.3f}-{dp['hi']:.3f})" if dp else "-",
            f"{pv['p']:.3f}" if pv else "-",
        )
    console.print(t)
    console.print(
        "query them with `straitsim results summary" + (f" --db {res.db}`" if db else "`")
    )
