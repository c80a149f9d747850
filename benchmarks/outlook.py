"""Cost of a 10-year outlook with 3 paths: `python benchmarks/outlook.py [--small] [--reps R]`.

Runs ``straitsim.outlook`` on csis-2026 over 2026-2035 with three of Japan's spending
paths (plan, 3%, 3.5%) and prints the wall time, the number of simulations it needed
(identical year scenarios are simulated once) and the time per simulation. ``--small``
scales it down to three years and 20 replications (a quick check on a busy machine);
``--worlds N`` adds sampled worlds; ``--allies`` adds Shapley contributions by year.
"""

from __future__ import annotations

import argparse
import time

import straitsim as ss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", action="store_true", help="three years, 20 replications")
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--worlds", type=int, default=0)
    ap.add_argument("--allies", default="", help="comma list, e.g. JPN,AUS")
    ap.add_argument("--workers", default="auto")
    args = ap.parse_args()
    years = "2026,2030,2035" if args.small else "2026:2035"
    reps = 20 if args.small else args.reps
    calls = 0

    def tick(_: int) -> None:
        nonlocal calls
        calls += 1

    t = time.perf_counter()
    res = ss.outlook(
        "csis-2026",
        years=years,
        paths=["JPN=plan", "JPN=3pct", "JPN=3.5pct"],
        roles={"JPN": "full"},
        reps=reps,
        worlds=args.worlds,
        allies=[a for a in args.allies.split(",") if a],
        workers=args.workers if args.workers == "auto" else int(args.workers),
        progress=tick,
    )
    wall = time.perf_counter() - t
    n_years = len(res.years)
    print(f"outlook csis-2026: {n_years} years x {len(res.comparison)} paths x {reps} reps"
          f"{f' x {args.worlds} worlds' if args.worlds else ''}")  # fmt: skip
    print(f"  year-path evaluations:       {calls} (identical scenarios simulated once)")
    print(f"  wall time:                   {wall:.1f} s ({wall / max(calls, 1):.2f} s each)")
    print(f"  cheapest below 0.5:          {res.cheapest}")


if __name__ == "__main__":
    main()
