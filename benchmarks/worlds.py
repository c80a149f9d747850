"""Cost of bands across worlds: `python benchmarks/worlds.py [--scale 0.1]`.

Prints the wall time of

* ``straitsim roles csis-2026 --allies JPN,AUS,PHL --worlds 50 --reps 200`` (a role lattice
  with exact Shapley values in each of 50 worlds),
* ``straitsim discover csis-2026 --worlds 200 --reps 100`` (200 worlds, then PRIM and
  feature scores),
* ``straitsim worlds csis-2026 --worlds 200 --reps 100`` (the worlds alone, for scale),

measured in process through the Python API (what the commands call), as wall and CPU time
(on a shared machine the CPU time is the fairer figure; with ``--workers`` above 1 it
counts this process only). ``--scale`` shrinks the
world counts and replications (at least 2 each) for a quick look on a busy machine; figures
scale about linearly in worlds x replications.
"""

from __future__ import annotations

import argparse
import os
import time


def _timed(label: str, fn) -> None:  # noqa: ANN001
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label:<58} {dt:8.1f} s wall {dc:8.1f} s CPU   {out}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply worlds and reps (0-1]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--workers", default="1", help="auto or N (default 1: CPU time is then all of the work)"
    )
    args = ap.parse_args()
    if not 0 < args.scale <= 1:
        ap.error("--scale must be in (0, 1]")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ["STRAITSIM_WORKERS"] = args.workers  # the default of every call below

    from straitsim.analysis.discovery import discover
    from straitsim.analysis.world_bands import shapley_worlds
    from straitsim.analysis.worlds import run_worlds

    def s(x: int) -> int:
        return max(2, round(x * args.scale))

    w_roles, r_roles, w_disc, r_disc = s(50), s(200), max(10, s(200)), s(100)
    _timed(
        f"roles --allies JPN,AUS,PHL --worlds {w_roles} --reps {r_roles}",
        lambda: (
            "P(largest) "
            + ", ".join(
                f"{a} {v['p_largest']:.2f}"
                for a, v in shapley_worlds(
                    "csis-2026", w_roles, ["JPN", "AUS", "PHL"], r_roles, args.seed
                )["allies"].items()
            )
        ),
    )
    _timed(
        f"worlds --worlds {w_disc} --reps {r_disc}",
        lambda: (
            f"share P(success)>0.5: "
            f"{run_worlds('csis-2026', w_disc, r_disc, args.seed).share_above(0.5):.2f}"
        ),
    )
    _timed(
        f"discover --worlds {w_disc} --reps {r_disc}",
        lambda: (
            "box restricts "
            + str(
                (discover("csis-2026", n=w_disc, reps=r_disc, seed=args.seed).box or {}).get(
                    "res_dim", 0
                )
            )
            + " inputs"
        ),
    )


if __name__ == "__main__":
    main()
