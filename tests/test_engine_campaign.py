"""The Campaign loop: its step order is data, hooks see every step, and it is the only loop."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from straitsim.engine.campaign import STEPS, Campaign, Event, simulate
from straitsim.scenario.compile import compile_params

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b):
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.decided_day, b.decided_day)
    for c in a.losses:
        for m in a.losses[c]:
            np.testing.assert_array_equal(a.losses[c][m], b.losses[c][m])
    for k in a.traces:
        np.testing.assert_array_equal(a.traces[k], b.traces[k])


def test_a_step_is_one_entry_of_the_step_list(csis):
    """A step added to the list runs every day in its place; one that changes nothing
    leaves every result as it was."""
    p = compile_params(csis, days=30)
    calls: list[int] = []

    def watch(s, p, v, day, rng):
        calls.append(day)
        return {}

    steps = list(STEPS)
    steps.insert(3, ("watch", watch))
    loop = Campaign(p, steps)
    seen: list[str] = []
    loop.after_step.append(lambda ev: seen.append(ev.step) if ev.day == 0 else None)
    t = loop.run(40, 2)
    assert seen == [name for name, _ in steps]
    assert calls == list(range(len(calls))) and calls  # once a day, every day run
    _same(t, simulate(p, 40, 2))


def test_hooks_run_before_and_after_each_step_in_order(csis):
    p = compile_params(csis, days=5)
    loop = Campaign(p)
    log: list[str] = []
    loop.before_step.append(lambda ev: log.append("before " + ev.step))
    loop.after_step.append(lambda ev: log.append("after " + ev.step))
    loop.after_day.append(lambda ev: log.append(f"day {ev.day}"))
    loop.run(4, 1)
    day0 = log[: log.index("day 0") + 1]
    expected = [f"{w} {name}" for name, _ in STEPS for w in ("before", "after")]
    assert day0 == expected + ["day 0"]


def test_after_step_sees_the_change_each_step_made(csis):
    """The state before and after a step differ only in the fields the step returned."""
    p = compile_params(csis, days=6)
    loop = Campaign(p)
    moved: dict[str, set[str]] = {}

    def diff(ev: Event) -> None:
        assert ev.before is not None
        for k, a in ev.state.items():
            b = ev.before.get(k)
            if b is None or not np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True):
                moved.setdefault(ev.step, set()).add(k)

    loop.after_step.append(diff)
    loop.run(16, 3)
    assert "ships" in moved["maritime_strike"] and "n_ac" in moved["missile_strikes"]
    assert "at_war" in moved["escalation"] and "ships" not in moved.get("escalation", set())


def test_the_daily_loop_exists_once():
    """No other module, script or test iterates over the campaign's days with the modules."""
    hits = []
    for path in [
        *ROOT.glob("src/**/*.py"),
        *ROOT.glob("scripts/*.py"),
        *ROOT.glob("tests/**/*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"for \w+ in range\(\s*(p\.)?n_days|for day in range\(T\)", text):
            hits.append(str(path.relative_to(ROOT)))
    assert hits == ["src/straitsim/engine/campaign.py"]
