"""Speed and memory of the campaign engine: `python benchmarks/run.py [--quick]`.

Prints replications per second on one core (median of repeated runs, each in a fresh
process with BLAS and OpenMP pinned to one thread) and peak memory of the engine call
(tracemalloc, which sees NumPy's allocations), so memory growth with replications shows.
The machine is noisy: compare figures measured side by side, not across days.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).parent

CHILD = r"""
import json, statistics, sys, time, tracemalloc
import straitsim as ss
from straitsim.engine.campaign import simulate
from straitsim.scenario.compile import compile_params
scenario, reps, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
p = compile_params(ss.load_scenario(scenario))
simulate(p, min(reps, 500), 0)  # warm-up
times = []
for i in range(repeat):
    t = time.perf_counter(); simulate(p, reps, i + 1); times.append(time.perf_counter() - t)
tracemalloc.start()
simulate(p, reps, 99)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"median_s": statistics.median(times), "peak_bytes": peak}))
"""


def run_one(scenario: str, reps: int, repeat: int) -> dict[str, float]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(reps), str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="one repeat each, skip the largest size")
    ap.add_argument("--config", type=Path, default=HERE / "configs.toml")
    args = ap.parse_args()
    cfg = tomllib.loads(args.config.read_text())
    print(
        f"{'benchmark':24s} {'reps':>7s} {'median s':>9s} "
        f"{'reps/s':>9s} {'peak MiB':>9s} {'KiB/rep':>8s}"
    )
    for c in cfg["campaign"]:
        if args.quick and c["reps"] > 10000:
            continue
        r = run_one(c["scenario"], c["reps"], 1 if args.quick else c["repeat"])
        mib = r["peak_bytes"] / 2**20
        print(
            f"{c['name']:24s} {c['reps']:7d} {r['median_s']:9.3f} {c['reps'] / r['median_s']:9.0f}"
            f" {mib:9.1f} {r['peak_bytes'] / 1024 / c['reps']:8.1f}"
        )
    print("target: >= 5,000 replications/s on one core; memory per replication roughly constant")


if __name__ == "__main__":
    main()
