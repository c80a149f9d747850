"""Speed of the engine and of every analysis, against a yardstick: `python benchmarks/run.py`.

For each benchmark it prints the median wall time of ``--repeat`` runs on one worker and on
N workers (default: every core), the rate in profile-replications per second, the rate's
ratio to the yardstick, and the speed-up from 1 to N workers. The yardstick is plain NumPy on
a loop of campaign size on one core (``../shared/bench/numpy_ceiling.py`` beside the
repository, or the file named by ``STRAITSIM_YARDSTICK``), measured again just before each
benchmark, so the ratio holds even on a loaded machine where absolute figures drift.

Where a benchmark has a target, the line ends with whether it is met (``--json`` writes
``met``). ``--scale 0.1`` shrinks every replication count tenfold for a quick look (the
targets are judged at scale 1 only); ``--only roles,web`` picks benchmarks;
``--break-even`` measures where a warm pool starts to pay; ``--json FILE`` also writes the
figures as JSON; ``--device numba`` runs every benchmark on the compiled engine (default
``cpu``, the NumPy reference).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YARDSTICK = HERE.parent.parent / "shared" / "bench" / "numpy_ceiling.py"
DEVICE = ["cpu"]  # the engine benchmark's device (--device)


@dataclass
class Bench:
    """One benchmark: ``make(scale)`` returns the callable to time (given a seed)."""

    name: str
    make: Callable[[float], Callable[[int], Any]]
    target: str = ""
    # the target as a test of the figures (ratio_one, ratio_n, one_worker_s, n_workers_s)
    met: Callable[[dict[str, float]], bool] | None = None


def _reps(n: int, scale: float, least: int = 20) -> int:
    return max(least, round(n * scale))


def engine(scale: float) -> Callable[[int], Any]:
    import straitsim as ss
    from straitsim.runners.local import simulate

    sc, reps = ss.load_scenario("csis-2026"), _reps(10_000, scale, 500)
    device = DEVICE[0]
    return lambda seed: simulate(sc, reps, seed, device=device)


def roles(scale: float) -> Callable[[int], Any]:
    import straitsim as ss
    from straitsim.analysis.roles import evaluate_lattice

    sc, reps = ss.load_scenario("csis-2026"), _reps(2000, scale)
    return lambda seed: evaluate_lattice(sc, ["JPN", "AUS", "PHL"], reps, seed)


def deter(scale: float) -> Callable[[int], Any]:
    from straitsim.analysis.deterrence import deter as run_deter

    belief = {"JPN": {"neutral": 0.5, "full": 0.5}, "AUS": {"neutral": 0.5, "full": 0.5}}
    reps = _reps(1000, scale)
    return lambda seed: run_deter("csis-2026", belief, reps=reps, seed=seed, allies=["JPN", "AUS"])


def invest(scale: float) -> Callable[[int], Any]:
    from straitsim.analysis.investments import invest as run_invest

    reps = _reps(1000, scale)
    return lambda seed: run_invest("csis-2026", year=2030, reps=reps, seed=seed)


def validate(scale: float) -> Callable[[int], Any]:
    from straitsim.analysis.validation import run_validation

    reps = _reps(1000, scale)
    return lambda seed: run_validation(reps=reps, seed=seed)


def sensitivity(scale: float) -> Callable[[int], Any]:
    from straitsim.analysis.sensitivity import sensitivity as run_sensitivity

    reps = _reps(200, scale)
    return lambda seed: run_sensitivity(
        "csis-2026", "morris", reps=reps, n=4, seed=seed, role_excursions=False
    )


def web(scale: float) -> Callable[[int], Any]:
    from fastapi.testclient import TestClient

    from straitsim.web.app import create_app

    client = TestClient(create_app(device=DEVICE[0]))  # as `straitsim serve --device`

    def answer(seed: int) -> Any:
        r = client.post("/api/run", json={"scenario": "csis-2026", "reps": 2000, "seed": seed})
        r.raise_for_status()
        return r.json()

    return answer


BENCHES = [
    Bench(
        "engine csis-2026 x 10,000",
        engine,
        "1 worker >= 2.0x yardstick",
        lambda r: r["ratio_one"] >= 2.0,
    ),
    Bench(
        "roles lattice 48 x 2,000",
        roles,
        "N workers >= 3.33x yardstick (wall <= 0.3x)",
        lambda r: r["ratio_n"] >= 1 / 0.3,
    ),
    Bench("deter JPN, AUS 16 x 1,000", deter),
    Bench("invest 2030 options x 1,000", invest),
    Bench("validate all cases x 1,000", validate),
    Bench("sensitivity morris n=4 x 200", sensitivity),
    Bench(
        "web answer 2,000 reps",
        web,
        "<= 0.25 s",
        lambda r: min(r["one_worker_s"], r["n_workers_s"]) <= 0.25,
    ),
]
KEYS = ["engine", "roles", "deter", "invest", "validate", "sensitivity", "web"]


def load_yardstick() -> Callable[..., float]:
    """The yardstick's ``ceiling(reps)`` (replications per second of plain NumPy, one core)."""
    path = Path(os.environ.get("STRAITSIM_YARDSTICK", YARDSTICK))
    if not path.is_file():
        sys.exit(f"yardstick not found: {path} (set STRAITSIM_YARDSTICK to numpy_ceiling.py)")
    spec = importlib.util.spec_from_file_location("numpy_ceiling", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.ceiling  # type: ignore[no-any-return]


SEEDS = itertools.count(1)  # a new seed for every run: no answer cache ever helps


def yardstick(ceiling: Callable[..., float], reps: int = 10_000) -> tuple[float, float]:
    """The yardstick's rate by wall time (what it prints) and by this process's CPU time."""
    c = time.process_time()
    wall_rate = ceiling(reps)
    return wall_rate, reps / (time.process_time() - c)


def timed(
    fn: Callable[[int], Any], warm: Callable[[int], Any], repeat: int, n_workers: int
) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``repeat`` runs and lanes per run, after a small
    warm-up run (imports, caches, the pool's start-up)."""
    from straitsim.runners import execute
    from straitsim.scenario.compile import compile_params
    from straitsim.scenario.load import load_scenario

    with execute.workers(n_workers):
        # the workers start and run the engine before timing (their start is --break-even's)
        p = compile_params(load_scenario("csis-2026"), None, 5)
        execute.warm_up(n_workers, p, compiled=DEVICE[0] == "numba")
        warm(next(SEEDS))
        times, cpus, lanes = [], [], 0
        for _ in range(repeat):
            before, c0 = execute.lanes_simulated(), cpu_s()
            t = time.perf_counter()
            fn(next(SEEDS))
            times.append(time.perf_counter() - t)
            cpus.append(cpu_s() - c0)
            lanes = execute.lanes_simulated() - before
    return statistics.median(times), statistics.median(cpus), lanes


def cpu_s() -> float:
    """CPU seconds used so far by this process and the pool's live workers (from /proc)."""
    from straitsim.runners import execute

    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in execute.pool_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def break_even(repeat: int, n_workers: int) -> list[dict[str, float]]:
    """In process vs a warm pool, one profile, by replication count; and the pool's start."""
    import straitsim as ss
    from straitsim.runners import execute
    from straitsim.runners.local import simulate

    sc = ss.load_scenario("csis-2026")
    execute.shutdown()
    t = time.perf_counter()
    execute.get_pool(n_workers).submit(os.getpid).result()
    for f in [execute.get_pool(n_workers).submit(os.getpid) for _ in range(n_workers)]:
        f.result()
    start_s = time.perf_counter() - t
    rows = []
    old = execute.PARALLEL_MIN_LANES_WARM, execute.PARALLEL_MIN_LANES
    execute.PARALLEL_MIN_LANES_WARM = execute.PARALLEL_MIN_LANES = 0  # always the pool
    try:
        for reps in (250, 500, 1000, 2000, 4000):
            one = statistics.median(
                _t(lambda s, r=reps: simulate(sc, r, s, workers=1), repeat)  # type: ignore[misc]
            )
            many = statistics.median(
                _t(lambda s, r=reps: simulate(sc, r, s, workers=n_workers), repeat)  # type: ignore[misc]
            )
            rows.append({"reps": reps, "in_process_s": one, "pool_s": many})
    finally:
        execute.PARALLEL_MIN_LANES_WARM, execute.PARALLEL_MIN_LANES = old
    print(f"\npool start-up ({n_workers} workers, cold): {start_s:.2f} s")
    print(f"{'reps':>6s} {'in process s':>13s} {'warm pool s':>12s} {'ratio':>6s}")
    for r in rows:
        print(
            f"{r['reps']:6d} {r['in_process_s']:13.3f} {r['pool_s']:12.3f}"
            f" {r['in_process_s'] / r['pool_s']:6.2f}"
        )
    return [{"pool_start_s": start_s}, *rows]


def _t(fn: Callable[[int], Any], repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i + 1)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    from straitsim.runners.execute import available_cores

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="replication counts x this")
    ap.add_argument("--quick", action="store_true", help="--scale 0.1 --repeat 1")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per figure (median)")
    ap.add_argument("--workers", type=int, default=available_cores(), help="N (default: cores)")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(KEYS))
    ap.add_argument("--break-even", action="store_true", help="in process vs pool, by reps")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument(
        "--device",
        default="cpu",
        help="the engine's device for every benchmark: cpu (NumPy) or numba",
    )
    args = ap.parse_args()
    DEVICE[0] = args.device
    os.environ["STRAITSIM_DEVICE"] = args.device  # the analyses' default device
    if args.quick:
        args.scale, args.repeat = 0.1, 1
    ceiling = load_yardstick()
    chosen = [b for k, b in zip(KEYS, BENCHES, strict=True) if not args.only or k in args.only]
    n = args.workers
    print(
        f"scale {args.scale:g}, median of {args.repeat}, 1 vs {n} workers, device {args.device}, "
        f"{available_cores()} cores, load {os.getloadavg()[0]:.1f}\n"
        "rate: profile-replications/s; x: rate / yardstick rate (plain NumPy, one core), by\n"
        "wall time (the issue's figure: moves with the machine's load) and by CPU time of this\n"
        "process and its workers (steadier on a loaded machine); eff: CPU on 1 worker / on N"
    )
    head = (
        f"{'benchmark':30s} {'lanes':>7s} {'1w s':>7s} {'1w x':>5s} {'cpu x':>5s}"
        f" {f'{n}w s':>7s} {f'{n}w x':>5s} {'speed-up':>8s} {'eff':>5s}  target"
    )
    print(head)
    results: list[dict[str, Any]] = []
    for b in chosen:
        fn, warm = b.make(args.scale), b.make(0.01)
        yards = [yardstick(ceiling)]
        one, cpu1, lanes = timed(fn, warm, args.repeat, 1)
        many, cpun, _ = timed(fn, warm, args.repeat, n) if n > 1 else (one, cpu1, lanes)
        yards.append(yardstick(ceiling))  # before and after, side by side
        yard, yard_cpu = (statistics.mean(x) for x in zip(*yards, strict=True))
        r1, rn, c1 = lanes / one / yard, lanes / many / yard, lanes / cpu1 / yard_cpu
        row = {
            "benchmark": b.name,
            "lanes": lanes,
            "yardstick_reps_per_s": yard,
            "yardstick_reps_per_cpu_s": yard_cpu,
            "one_worker_s": one,
            "n_workers": n,
            "n_workers_s": many,
            "ratio_one": r1,
            "ratio_one_cpu": c1,
            "ratio_n": rn,
            "speedup": one / many,
            "one_worker_cpu_s": cpu1,
            "n_workers_cpu_s": cpun,
            "target": b.target,
        }
        verdict = ""
        if b.met is not None:  # targets are judged at scale 1 only
            row["met"] = b.met(row) if args.scale == 1 else None
            verdict = {True: ": met", False: ": NOT met", None: " (judged at scale 1)"}[row["met"]]
        print(
            f"{b.name:30s} {lanes:7d} {one:7.2f} {r1:5.2f} {c1:5.2f}"
            f" {many:7.2f} {rn:5.2f} {one / many:8.2f} {cpu1 / cpun:5.2f}  {b.target}{verdict}"
        )
        results.append(row)
    doc: dict[str, Any] = {
        "scale": args.scale,
        "repeat": args.repeat,
        "device": args.device,
        "load": os.getloadavg(),
        "results": results,
    }
    if args.break_even:
        doc["break_even"] = break_even(max(3, args.repeat), n)
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
