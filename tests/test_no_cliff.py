"""No cliffs (issue 13): across every knob's range, in steps of a tenth of the range,
P(PRC success) changes by at most 0.25 per step, unless docs/model.md explains the step.

The main knobs run in the fast suite on the NumPy reference; every knob with a range runs
under ``-m slow``, on the compiled engine where numba is installed (it computes the same
model: tests/test_jit_conformance.py; about three times as fast on batches this small). Each
sweep is one batch of role profiles per point with the same seed (common random numbers).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import straitsim as ss

MAX_STEP = 0.25
PROFILES = [{}, {"JPN": "neutral"}, {"USA": "none"}]
REPS = 100
FAST_DEVICE = "numba" if importlib.util.find_spec("numba") else "cpu"
MAIN = [
    "us_entry_delay_days",
    "prc_preemption_probability",
    "defender_paralysis_days",
    "us_bomber_negation",
]
# Steps docs/model.md explains (section 8, "Steps in P(PRC success)"): knob -> the profiles
# (indices into PROFILES) where a step above MAX_STEP is explained.
EXPLAINED: dict[str, set[int]] = {"us_entry_delay_days": {0}, "settle_days": {2}}


def _ends(prm) -> tuple[float, float] | None:
    """The range swept: a parameter's ``range`` (switches have no tenths to step through)."""
    return prm.range if prm.range is not None and prm.unit != "bool" else None


def sweep(name: str, reps: int = REPS, device: str = "cpu") -> np.ndarray:
    """P(PRC success) per (point, profile) over 11 evenly spaced points of the range."""
    base = ss.load_scenario("csis-2026")
    lo, hi = _ends(base.params[name])
    out = []
    for x in np.linspace(lo, hi, 11):
        sc = ss.load_scenario("csis-2026", sets={name: float(x)})
        t = ss.simulate(sc, reps=reps, seed=3, profiles=PROFILES, device=device)
        out.append((t.outcome >= 3).mean(axis=1))
    return np.array(out)


def _check(name: str, p: np.ndarray) -> None:
    steps = np.abs(np.diff(p, axis=0)).max(axis=0)  # per profile
    print(f"\n{name}: largest step per profile {np.round(steps, 2).tolist()}")
    for i, step in enumerate(steps):
        if i in EXPLAINED.get(name, set()):
            continue
        assert step <= MAX_STEP, (name, PROFILES[i], np.round(p[:, i], 2).tolist())


@pytest.mark.parametrize("name", MAIN)
def test_main_knobs_have_no_cliff(name):
    _check(name, sweep(name))


def _all_knobs() -> list[str]:
    sc = ss.load_scenario("csis-2026")
    return [n for n, prm in sc.params.items() if _ends(prm) is not None and n not in MAIN]


@pytest.mark.slow
@pytest.mark.parametrize("name", _all_knobs())
def test_every_knob_has_no_cliff(name):
    _check(name, sweep(name, reps=50, device=FAST_DEVICE))


def test_explained_steps_are_in_the_model_document():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    assert "Steps in P(PRC success)" in doc
    for name in EXPLAINED:
        section = doc.split("Steps in P(PRC success)", 1)[1][:4000]
        assert f"`{name}`" in section, name
