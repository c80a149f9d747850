"""Sweeps: run every variant of a grid in chunks, resumable, local or on a Dask cluster.

The grid (:mod:`straitsim.runners.grid`) expands into variants. Each variant's replications
are cut into chunks; a chunk is computed anywhere (here, in local processes, on a Dask
cluster) and written by this process in one transaction, keyed by (scenario hash, seed, chunk
offset, chunk size, code version). Chunks already in the database are skipped, so rerunning a
sweep after a crash or a kill finishes the rest, with no row lost or duplicated, and the same
numbers as an uninterrupted run: replication ``i`` depends only on (scenario, seed, ``i``).

This sits in the store layer because a sweep's work is to fill the results database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from straitsim.errors import UserError
from straitsim.meta import SCHEMA_VERSION
from straitsim.runners.dask import DaskRunner
from straitsim.runners.grid import (
    MAX_LHS_POINTS,
    MAX_VARIANTS,
    Grid,
    Variant,
    expand,
    lhs_points,
    load_grid,
    parse_grid,
    variants_table,
)
from straitsim.runners.keys import ChunkKey, RunSpec, code_version, digest
from straitsim.runners.pool import local_runner
from straitsim.scenario.compile import compile_params
from straitsim.store.db import DEFAULT_DB, ResultsStore

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_LHS_POINTS",
    "MAX_VARIANTS",
    "Grid",
    "Progress",
    "SweepResult",
    "Variant",
    "expand",
    "lhs_points",
    "load_grid",
    "parse_grid",
    "sweep",
    "variants_table",
]

DEFAULT_CHUNK_SIZE = 250

Progress = Callable[[int, int, int, int], None]


@dataclass
class SweepResult:
    """What a sweep did and what it found, one row per variant in :attr:`variants`."""

    sweep_id: str
    scenario: str
    db: str
    seed: int
    reps: int
    chunk_size: int
    code_version: str
    runner: str
    n_workers: int
    chunks_total: int
    chunks_stored_before: int
    chunks_computed: int
    elapsed_s: float
    variants: list[dict[str, Any]]

    @property
    def reps_per_s(self) -> float:
        """Replications computed per second of wall time (chunks skipped do not count)."""
        return self.reps_computed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def reps_computed(self) -> int:
        """Replications computed in this call."""
        return int(sum(v["reps_computed"] for v in self.variants))

    def table(self) -> pd.DataFrame:
        """One row per variant: settings, run id and headline outcome probabilities."""
        import pandas as pd  # optional heavy dependency: loaded on use

        rows = []
        for v in self.variants:
            row = {"variant": v["variant"], "label": v["label"], "run_id": v["run_id"]}
            row.update({f"role.{a}": r for a, r in v["roles"].items()})
            row.update({f"set.{k}": x for k, x in v["sets"].items()})
            dp = v.get("defence_prevails") or {}
            row["defence_prevails"] = dp.get("p")
            row["defence_prevails_lo"] = dp.get("lo")
            row["defence_prevails_hi"] = dp.get("hi")
            row["prc_victory"] = (v.get("outcome") or {}).get("prc_victory", {}).get("p")
            rows.append(row)
        return pd.DataFrame(rows).set_index("variant")

    def to_dict(self) -> dict[str, Any]:
        """Return the ``straitsim sweep --json`` document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "sweep_id": self.sweep_id,
            "scenario": self.scenario,
            "db": self.db,
            "seed": self.seed,
            "reps": self.reps,
            "chunk_size": self.chunk_size,
            "code_version": self.code_version,
            "runner": {"kind": self.runner, "workers": self.n_workers},
            "chunks": {
                "total": self.chunks_total,
                "stored_before": self.chunks_stored_before,
                "computed": self.chunks_computed,
            },
            "elapsed_s": round(self.elapsed_s, 3),
            "reps_per_s": round(self.reps_per_s, 1),
            "variants": self.variants,
        }


def sweep(
    scenario: str | Path,
    grid: Grid | str | Path,
    reps: int = 1000,
    seed: int = 0,
    db: str | Path | None = None,
    chunk_size: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    days: int | None = None,
    progress: Progress | None = None,
    connect_timeout_s: float = 10.0,
) -> SweepResult:
    """Run (or finish) a sweep and store every chunk in the results database.

    Parameters
    ----------
    scenario
        Built-in scenario name or TOML path.
    grid
        A :class:`Grid` or the path of a grid file.
    reps, seed
        Replications per variant and the seed (the same for every variant: common random
        numbers across variants).
    db
        Results database (default ``straitsim-results.duckdb``).
    chunk_size
        Replications per chunk (default 250). Part of each chunk's key: rerun with the same
        value to resume.
    workers
        Local worker processes (default: compute in this process).
    cluster
        ``tcp://HOST:PORT`` of a Dask scheduler; chunks then run on its workers.
    days
        Horizon of every variant (default: the scenario's).
    progress
        Called as ``progress(chunks_done, chunks_total, reps_done, reps_total)`` once before
        work starts and after each chunk is written (counts cover this call's chunks).
    connect_timeout_s
        How long to wait for the Dask scheduler and its first worker.

    Returns
    -------
    SweepResult
        Counts, timing and one summary per variant.
    """
    if reps < 1:
        raise UserError(
            "bad replication count", key="reps", expected="an integer >= 1", found=str(reps)
        )
    if chunk_size is not None and chunk_size < 1:
        raise UserError(
            "bad chunk size", key="chunk-size", expected="an integer >= 1", found=str(chunk_size)
        )
    if workers is not None and workers < 1:
        raise UserError(
            "bad worker count", key="workers", expected="an integer >= 1", found=str(workers)
        )
    if cluster is not None and workers not in (None, 1):
        raise UserError(
            "choose one runner",
            key="--workers",
            expected="--workers or --cluster, not both",
            found=f"--workers {workers} and --cluster {cluster}",
        )
    g = grid if isinstance(grid, Grid) else load_grid(grid)
    variants = expand(scenario, g, seed, days)
    version = code_version()
    cs = int(chunk_size or DEFAULT_CHUNK_SIZE)
    sweep_id = digest(str(scenario), [v.scenario_hash for v in variants], seed, reps, cs, version)
    specs = [
        RunSpec(
            v.scenario_hash, seed, reps, cs, version, v.label, {"roles": v.roles, "sets": v.sets}
        )
        for v in variants
    ]
    runner = _runner(workers, cluster, connect_timeout_s)
    t0 = time.perf_counter()
    try:
        with ResultsStore(db or DEFAULT_DB) as store:
            for v in variants:
                store.add_scenario(v.scenario)
            for s in specs:
                store.add_run(s)
            store.add_sweep(
                sweep_id,
                str(scenario),
                g.to_dict(),
                seed,
                reps,
                cs,
                version,
                [s.run_id for s in specs],
            )
            done = store.done_chunks({v.scenario_hash for v in variants})
            wanted: dict[ChunkKey, int] = {}
            for i, s in enumerate(specs):
                for k in s.chunk_keys():
                    wanted.setdefault(k, i)
            todo = [k for k in wanted if k not in done]
            stored_before = len(wanted) - len(todo)
            params = {}
            for k in todo:
                i = wanted[k]
                if variants[i].scenario_hash not in params:
                    params[variants[i].scenario_hash] = compile_params(variants[i].scenario)
            total_reps = sum(k.chunk_size for k in todo)
            n_done = reps_done = 0
            computed: dict[str, int] = {}
            if progress is not None:
                progress(0, len(todo), 0, total_reps)
            jobs = ((k, params[k.scenario_hash]) for k in todo)
            for key, traj, info in runner.imap(jobs):
                store.write_chunk(key, traj, info.get("elapsed_s"), info.get("worker"))
                n_done += 1
                reps_done += key.chunk_size
                computed[key.scenario_hash] = computed.get(key.scenario_hash, 0) + key.chunk_size
                if progress is not None:
                    progress(n_done, len(todo), reps_done, total_reps)
            elapsed = time.perf_counter() - t0
            n_workers = runner.n_workers
            out = []
            for v, s in zip(variants, specs, strict=True):
                doc = store.summary(s.run_id)
                if doc["complete"]:
                    store.save_summary(s.run_id, doc)
                out.append(
                    {
                        "variant": v.index,
                        "label": v.label,
                        "roles": v.roles,
                        "sets": v.sets,
                        "scenario_hash": v.scenario_hash,
                        "run_id": s.run_id,
                        "complete": doc["complete"],
                        "reps_computed": computed.get(v.scenario_hash, 0),
                        "outcome": doc.get("outcome"),
                        "defence_prevails": doc.get("defence_prevails"),
                    }
                )
    finally:
        runner.close()
    return SweepResult(
        sweep_id=sweep_id,
        scenario=str(scenario),
        db=str(db or DEFAULT_DB),
        seed=seed,
        reps=reps,
        chunk_size=cs,
        code_version=version,
        runner=runner.name,
        n_workers=n_workers,
        chunks_total=len(wanted),
        chunks_stored_before=stored_before,
        chunks_computed=n_done,
        elapsed_s=elapsed,
        variants=out,
    )


def _runner(workers: int | None, cluster: str | None, timeout_s: float) -> Any:
    if cluster is not None:
        return DaskRunner(cluster, timeout_s=timeout_s)
    return local_runner(workers)
