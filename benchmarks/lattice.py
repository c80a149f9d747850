"""Speed and memory of a role lattice: `python benchmarks/lattice.py [--reps N] [--profile]`.

The issue's target: a lattice of 3 allies (Japan 4 rungs x Australia 4 x the Philippines 3 =
48 profiles) x 2,000 replications in 60 s or less on a 2-core machine.

Prints, for the one batched engine call: wall seconds and process CPU seconds (on a shared
machine the CPU figure is the steadier one), profile-replications per second, and the time of
the Shapley attribution on top. Memory is measured in a second pass (tracemalloc slows
allocation-heavy code, so it is not timed): peak traced NumPy memory and the process's peak
resident set. With --profile, the functions with the most cumulative time (cProfile) show
where the time goes. Compare runs side by side, not across days.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import time
import tracemalloc

import straitsim as ss
from straitsim.analysis import shapley as sh
from straitsim.analysis.roles import coalition_profiles, evaluate_lattice, player_rungs

TARGET_S = 60.0
TARGET_PROFILE_REPS = 48 * 2000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default="csis-2026")
    ap.add_argument("--allies", default="JPN,AUS,PHL")
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk-size", type=int, default=None, help="replications per engine call")
    ap.add_argument("--metric", default="defence_prevails")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory pass")
    ap.add_argument("--profile", action="store_true", help="print the top functions (cProfile)")
    args = ap.parse_args()
    allies = args.allies.split(",")
    sc = ss.load_scenario(args.scenario)
    evaluate_lattice(sc, allies, 20, args.seed)  # warm-up (imports, caches)

    prof = cProfile.Profile() if args.profile else None
    w0, c0 = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    lat = evaluate_lattice(
        sc, allies, args.reps, args.seed, args.metric, chunk_size=args.chunk_size
    )
    if prof is not None:
        prof.disable()
    wall_s, cpu_s = time.perf_counter() - w0, time.process_time() - c0

    a0 = time.perf_counter()
    moves = player_rungs(sc, allies, "scenario")
    profs = coalition_profiles(sc, moves, sh.coalition_masks(len(moves)))
    est = sh.exact_with_se(lat.values[[lat.index(p) for p in profs]])
    attrib_s = time.perf_counter() - a0

    n_prof = len(lat.profiles)
    pr = n_prof * args.reps
    rate = pr / wall_s
    print(
        f"scenario {args.scenario}; allies {','.join(lat.allies)}; "
        f"{n_prof} profiles x {args.reps} reps"
    )
    print(f"lattice, one batched call   wall {wall_s:7.1f} s   cpu {cpu_s:7.1f} s")
    print(f"profile-replications / s    wall {rate:9,.0f}   cpu {pr / cpu_s:9,.0f}")
    print(f"Shapley attribution         {attrib_s * 1000:7.1f} ms on top")
    proj_wall, proj_cpu = TARGET_PROFILE_REPS / rate, TARGET_PROFILE_REPS * cpu_s / pr
    verdict = "met" if proj_wall <= TARGET_S else "NOT met"
    print(
        f"target 48 x 2,000 <= {TARGET_S:.0f} s: {verdict} "
        f"(projected wall {proj_wall:.1f} s, cpu {proj_cpu:.1f} s)"
    )
    shap = ", ".join(
        f"{a} {v:+.4g} ± {s:.2g}" for a, v, s in zip(moves, est.value, est.se, strict=True)
    )
    print(f"Shapley ({args.metric}): {shap}")

    if not args.no_memory:
        tracemalloc.start()
        evaluate_lattice(sc, allies, args.reps, args.seed, args.metric, chunk_size=args.chunk_size)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak traced memory (NumPy)  {peak / 2**20:7.0f} MiB "
            f"({peak / pr / 1024:.1f} KiB per profile-rep)"
        )
        print(f"peak resident set (process) {rss_mib:7.0f} MiB")

    if prof is not None:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(15)
        print(buf.getvalue())


if __name__ == "__main__":
    main()
