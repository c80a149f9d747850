"""Sweep throughput: `python benchmarks/sweep.py [--reps N] [--quick]`.

Runs the same sweep (a 2 x 2 grid over Japan's role and the US entry delay) into a fresh
results database with each runner, and prints replications per second of wall time,
database writes included:

* in process (one worker),
* 2 local worker processes (``--workers 2``),
* a local Dask cluster of 2 single-threaded worker processes (``--cluster``), started here
  with ``LocalCluster`` on 127.0.0.1, its start-up time not counted.

It also checks that the three databases hold the same numbers. Worker start-up (spawned
processes importing NumPy and straitsim) is counted for the process pool, as a user would
see it. The machine is noisy: compare figures measured side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

GRID = '[roles]\nJPN = ["neutral", "bases"]\n\n[set]\nus_entry_delay_days = [0, 7]\n'


def summary(db: Path) -> str:
    from straitsim.store import ResultsStore

    with ResultsStore(db, read_only=True) as store:
        return json.dumps(store.summaries(), sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="csis-2026")
    ap.add_argument("--reps", type=int, default=1000, help="replications per variant (4 variants)")
    ap.add_argument("--chunk-size", type=int, default=250)
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="200 replications per variant, 30 days")
    args = ap.parse_args()
    if args.quick:
        args.reps, args.days, args.chunk_size = 200, 30, 50
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from distributed import LocalCluster

    from straitsim.store.sweep import sweep

    tmp = Path(tempfile.mkdtemp(prefix="straitsim-bench-"))
    grid = tmp / "grid.toml"
    grid.write_text(GRID)
    common = dict(reps=args.reps, seed=1, chunk_size=args.chunk_size, days=args.days)
    total = 4 * args.reps
    horizon = f"{args.days} days" if args.days else "the scenario's"
    print(
        f"sweep of {args.scenario}: 4 variants x {args.reps} replications = {total} "
        f"(chunks of {args.chunk_size}, horizon {horizon}), "
        f"{os.cpu_count()} CPUs"
    )
    rows = []

    t = time.perf_counter()
    r = sweep(args.scenario, grid, db=tmp / "local.duckdb", **common)
    rows.append(("in process (1 worker)", r.reps_computed / (time.perf_counter() - t), r.elapsed_s))

    t = time.perf_counter()
    r = sweep(args.scenario, grid, db=tmp / "pool.duckdb", workers=2, **common)
    rows.append(("2 local processes", r.reps_computed / (time.perf_counter() - t), r.elapsed_s))

    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        startup = time.perf_counter() - t0
        t = time.perf_counter()
        r = sweep(
            args.scenario, grid, db=tmp / "dask.duckdb", cluster=cluster.scheduler_address, **common
        )
        rows.append(
            (
                f"Dask LocalCluster, 2 workers (start-up {startup:.1f} s not counted)",
                r.reps_computed / (time.perf_counter() - t),
                r.elapsed_s,
            )
        )

    width = max(len(name) for name, _, _ in rows)
    print(f"{'runner':<{width}}  {'replications/s':>15}  {'chunk loop s':>12}")
    for name, rate, loop_s in rows:
        print(f"{name:<{width}}  {rate:>15,.0f}  {loop_s:>12.2f}")
    same = (
        summary(tmp / "local.duckdb")
        == summary(tmp / "pool.duckdb")
        == summary(tmp / "dask.duckdb")
    )
    print("identical results in all three databases:", same)


if __name__ == "__main__":
    main()
