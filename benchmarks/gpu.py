"""The same engine on a GPU array library: `python benchmarks/gpu.py` (needs CuPy and a GPU).

Runs csis-2026 with NumPy on the CPU and with CuPy (``xp=cupy``) on the GPU, prints
replications per second for each and compares the results. The code path is the same;
only the array namespace differs. GPU transcendental functions round differently in the last
bits, so results agree to a tolerance, not bit for bit (on one device they are still
deterministic and chunk-invariant).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from straitsim.engine.campaign import simulate
from straitsim.scenario.compile import compile_params
from straitsim.scenario.load import resolve


def timed(p, reps: int, seed: int, xp) -> tuple[float, object]:  # noqa: ANN001
    t = time.perf_counter()
    traj = simulate(p, reps, seed, xp=xp)
    if xp is not np:
        xp.cuda.Device().synchronize()
    return time.perf_counter() - t, traj


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="20000,200000,1000000")
    ap.add_argument("--compare-reps", type=int, default=20000)
    args = ap.parse_args()
    import cupy as cp

    p = compile_params(resolve("csis-2026"))
    simulate(p, 500, 0, xp=cp)  # warm-up: kernel compilation
    n = args.compare_reps
    t_cpu, a = timed(p, n, 1, np)
    t_gpu, b = timed(p, n, 1, cp)
    print(f"{'':28s} {'reps':>9s} {'seconds':>9s} {'reps/s':>10s}")
    print(f"{'NumPy, one CPU core':28s} {n:9d} {t_cpu:9.2f} {n / t_cpu:10.0f}")
    print(f"{'CuPy, one GPU':28s} {n:9d} {t_gpu:9.2f} {n / t_gpu:10.0f}")
    for size in (int(x) for x in args.sizes.split(",")):
        if size == n:
            continue
        t, _ = timed(p, size, 2, cp)
        print(f"{'CuPy, one GPU':28s} {size:9d} {t:9.2f} {size / t:10.0f}")
    print("\nCPU vs GPU on the same replications (means):")
    same_outcome = float((a.outcome == b.outcome).mean())
    print(f"  same outcome category in {same_outcome:.4%} of replications")
    worst = 0.0
    for c in a.losses:
        for m in a.losses[c]:
            x, y = float(a.losses[c][m].mean()), float(b.losses[c][m].mean())
            rel = abs(x - y) / max(abs(x), 1e-9)
            worst = max(worst, rel)
            shown = ("aircraft", "ships", "battalions_landed", "carriers")
            if c in ("CHN", "USA", "JPN") and m in shown:
                print(f"  {c}.{m:22s} cpu {x:10.3f}  gpu {y:10.3f}")
    print(f"  largest relative difference in any mean loss: {worst:.2e}")
    whole = simulate(p, 4000, 3, xp=cp)
    parts = [simulate(p, 1000, 3, rep_offset=o, xp=cp) for o in range(0, 4000, 1000)]
    same = np.array_equal(whole.outcome, np.concatenate([x.outcome for x in parts], axis=1))
    same &= all(
        np.array_equal(whole.losses[c][m], np.concatenate([x.losses[c][m] for x in parts], axis=1))
        for c in whole.losses
        for m in whole.losses[c]
    )
    print(f"  GPU chunk invariance (4 chunks vs one batch): {'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
