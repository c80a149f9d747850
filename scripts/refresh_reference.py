"""Regenerate the engine's reference outputs in ``tests/data/reference/``.

``tests/test_reference.py`` compares the engine against these files exactly: any change to
a result, however small, fails it. That is the point: a refactor must leave every number
as it was. When a change to the model is meant to move results (a new mechanism, a new
parameter value), rerun this script deliberately and commit the new files together with
the change, saying why in the commit message::

    python scripts/refresh_reference.py

Each case is a scenario, its ``--set`` overrides and a list of role profiles, run for
``REPS`` replications with seed ``SEED`` straight through the engine
(:func:`straitsim.engine.campaign.simulate`, one chunk, NumPy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from straitsim.engine.campaign import simulate
from straitsim.engine.trajectory import Trajectory
from straitsim.scenario.compile import compile_params
from straitsim.scenario.load import load_scenario

REPS = 48
SEED = 20260
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "reference"

# name -> (scenario, overrides, role profiles)
CASES: dict[str, tuple[str, tuple[str, ...], list[dict[str, str]]]] = {
    "csis-2026-default": ("csis-2026", (), [{}]),
    "csis-2026-jpn-neutral-us-late": (
        "csis-2026",
        ("us_entry_delay_days=14",),
        [{"JPN": "neutral"}, {}],
    ),
    "base-2027-default": ("base-2027", (), [{}]),
}


def run_case(name: str) -> Trajectory:
    """Run one reference case through the engine."""
    scenario, sets, profiles = CASES[name]
    p = compile_params(load_scenario(scenario, sets=sets), profiles)
    return simulate(p, REPS, SEED)


def flatten(t: Trajectory) -> dict[str, np.ndarray]:
    """Every per-replication output of a trajectory, as named arrays."""
    out: dict[str, Any] = {
        "outcome": t.outcome,
        "decided_day": t.decided_day,
        "spent": t.spent,
    }
    for c, metrics in t.losses.items():
        for m, a in metrics.items():
            out[f"loss/{c}/{m}"] = a
    for k, a in t.traces.items():
        out[f"trace/{k}"] = a
    for k, a in t.extra.items():
        if isinstance(a, np.ndarray) and a.ndim >= 2:
            out[f"extra/{k}"] = a
    return {k: np.asarray(a) for k, a in out.items()}


def main(argv: list[str] | None = None) -> int:
    """Write one compressed ``.npz`` per case."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        np.savez_compressed(args.out / f"{name}.npz", **flatten(run_case(name)))
        print(f"wrote {args.out / name}.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
