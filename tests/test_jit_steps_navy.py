"""The compiled naval steps (maritime strike, submarine war, counter-navy) equal the NumPy ones.

Each compiled step runs beside its NumPy step on the same mid-campaign states (captured with
the campaign's ``before_step`` hook, the same random streams) over the first weeks of
csis-2026 in cases that take different branches: roles varied as profiles of one batch
(Japan neutral, no US), late US entry, US strikes on the mainland (fired in the maritime
step), no JASSM-ER against ships, winter weather. Every returned array must agree within 1e-9
(relative or absolute) for the replications still undecided (decided ones are frozen), and
each step must have done real work (ships sunk) on some day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

from jit_helpers import live_outputs  # noqa: E402

from straitsim.analysis.run import load_scenario  # noqa: E402
from straitsim.engine.campaign import STEPS, Campaign, Event  # noqa: E402
from straitsim.engine.jit.maritime import maritime_strike  # noqa: E402
from straitsim.engine.jit.navy import counter_navy  # noqa: E402
from straitsim.engine.jit.registry import JIT_STEPS  # noqa: E402
from straitsim.engine.jit.submarines import submarine_war  # noqa: E402
from straitsim.engine.random import Streams  # noqa: E402
from straitsim.scenario.compile import compile_params  # noqa: E402
from straitsim.scenario.schema import Scenario  # noqa: E402

TOL = 1e-9
SEED = 3
N_REPS = 40
DAYS = 24
COMPILED = {
    "maritime_strike": maritime_strike,
    "submarine_war": submarine_war,
    "counter_navy": counter_navy,
}
PROFILES = [{}, {"JPN": "neutral"}, {"USA": "none"}]
SETS = {
    "base": [],
    "late-us": ["us_entry_delay_days=14"],
    "mainland": ["us_strikes_mainland=1"],
    "no-jassm-at-sea": ["jassm_er_maritime=0"],
}
CASES = [*SETS, "winter"]


def _scenario(case: str) -> Scenario:
    if case == "winter":
        return load_scenario("csis-2026", None, []).model_copy(update={"launch_month": 1})
    return load_scenario("csis-2026", None, SETS[case])


def _worst(want: Any, got: Any) -> float:
    """Largest difference, relative to the larger magnitude where that exceeds one."""
    x, y = np.broadcast_arrays(np.asarray(want, np.float64), np.asarray(got, np.float64))
    if x.size == 0:
        return 0.0
    scale = np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    d = np.where(np.isnan(x) & np.isnan(y), 0.0, np.abs(x - y) / scale)
    return float(np.nan_to_num(d, nan=np.inf).max())


def test_registered() -> None:
    for name, step in COMPILED.items():
        assert JIT_STEPS.get(name) is step


@pytest.mark.parametrize("case", CASES)
def test_naval_steps_equal_numpy(case: str) -> None:
    p = compile_params(_scenario(case), PROFILES, DAYS)
    reference = dict(STEPS)
    worst: dict[str, float] = dict.fromkeys(COMPILED, 0.0)
    calls: dict[str, int] = dict.fromkeys(COMPILED, 0)
    active: dict[str, int] = dict.fromkeys(COMPILED, 0)
    bad: list[str] = []
    mainland_days: list[int] = []

    def compare(ev: Event) -> None:
        if ev.step not in COMPILED:
            return
        state = dict(ev.state)
        want = reference[ev.step](state, p, ev.v, ev.day, Streams(SEED, 0, N_REPS).subset(ev.rows))
        got = COMPILED[ev.step](state, p, ev.v, ev.day, Streams(SEED, 0, N_REPS).subset(ev.rows))
        # (decided replications: carried over by the compiled step, frozen after the day)
        for k, a, b in live_outputs(want, got, state):
            if a is None or b is None or np.shape(a) != np.shape(b):
                bad.append(f"{ev.step} day {ev.day}: {k} missing or shaped {np.shape(a)}")
                continue
            d = _worst(a, b)
            worst[ev.step] = max(worst[ev.step], d)
            if d > TOL:
                bad.append(f"{ev.step} day {ev.day}: {k} differs by {d:.3g}")
        calls[ev.step] += 1
        if "ships" in want and bool((want["ships"] < state["ships"] - 1e-6).any()):
            active[ev.step] += 1
        if "missiles_in" in want and bool((want["missiles_in"] > state["missiles_in"]).any()):
            mainland_days.append(ev.day)

    c = Campaign(p)
    c.before_step.append(compare)
    c.run(N_REPS, SEED)
    assert not bad, "\n".join(bad[:20])
    assert min(calls.values()) >= 5, calls
    # each step sank ships on some day of the case (the comparison covered real work)
    assert min(active.values()) >= 1, active
    assert max(worst.values()) <= TOL, worst
    # the mainland strikes (fired in the maritime step) ran where, and only where, allowed
    assert bool(mainland_days) == (case == "mainland"), mainland_days
