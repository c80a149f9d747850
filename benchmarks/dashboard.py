"""Dashboard latency: `python benchmarks/dashboard.py [--repeat N] [--device cpu|numba]`.

Serves the app with uvicorn on a free loopback port (in this process, one worker) and times
the requests the page makes, over HTTP, each with a fresh seed so the answer cache never
helps (the map request is the same each time, so after the first it is cached). The
target is 2,000 replications answered in 0.25 s or less, warm (``--device numba``: the
engine of ``straitsim serve --device numba``; the first requests, untimed, warm it up).
"model CPU s" is the server thread's CPU time (from the Server-Timing header): on a busy
machine wall time exceeds it.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import threading
import time

import httpx
import uvicorn

from straitsim.web.app import create_app

REQUESTS = {
    "run 2,000 reps": ("/api/run", {"scenario": "csis-2026", "reps": 2000}),
    "run 2,000 reps, Japan neutral": (
        "/api/run",
        {"scenario": "csis-2026", "reps": 2000, "roles": {"JPN": "neutral"}},
    ),
    "bases (map)": ("/api/bases", {"scenario": "csis-2026", "roles": {"JPN": "neutral"}}),
    "roles: 4 allies x 300 reps": ("/api/roles", {"scenario": "csis-2026", "reps": 300}),
    "deterrence: JPN, AUS x 300 reps": ("/api/deterrence", {"scenario": "csis-2026", "reps": 300}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--device", choices=["cpu", "numba"], default="cpu")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(device=args.device), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=120) as client:
        client.get(base + "/api/scenarios")
        for seed in range(2):  # warm: imports, first compilations, caches
            client.post(base + "/api/run", json={**REQUESTS["run 2,000 reps"][1], "seed": seed})
        head = f"{'request':36s} {'median s':>9s} {'max s':>7s} {'model CPU s':>12s}"
        print(f"{head}  (n={args.repeat}, device {args.device})")
        for name, (path, body) in REQUESTS.items():
            times, cpu = [], []
            for i in range(args.repeat):
                seeded = {**body, "seed": 1000 + i} if path != "/api/bases" else body
                t = time.perf_counter()
                r = client.post(base + path, json=seeded)
                times.append(time.perf_counter() - t)
                r.raise_for_status()
                m = re.search(r"cpu;dur=([0-9.]+)", r.headers.get("server-timing", ""))
                if m:
                    cpu.append(float(m.group(1)) / 1000)
            c = f"{statistics.median(cpu):12.2f}" if cpu else f"{'(cached)':>12s}"
            print(f"{name:36s} {statistics.median(times):9.2f} {max(times):7.2f} {c}")
    server.should_exit = True


if __name__ == "__main__":
    main()
