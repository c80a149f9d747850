"""Conformance: every engine step and the whole campaign, with every parameter uncertain.

Every parameter that may vary per replication (all but ``FIXED_ONLY``) is given a
distribution. Each step of the daily loop must then keep the batch shapes, give finite and
non-negative numbers, and treat replications independently: a replication run alone equals
the same replication inside a batch, whatever else the batch holds (early decisions and
replications set aside included).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.campaign import COMPACT_MIN_REPS, STEPS, Campaign, Event, simulate
from straitsim.engine.outcome import STALEMATE
from straitsim.engine.params import FIXED_ONLY, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import UNDECIDED
from straitsim.engine.trajectory import NonFiniteOutput
from straitsim.errors import UserError
from straitsim.scenario.compile import compile_params

R = 40  # above COMPACT_MIN_REPS: the batch sets decided replications aside
DAYS = 45
SEED = 17
ALONE = (0, 7, 23, 39)  # replications also run alone
# state fields whose non-finite values mean "not yet": never attacked, not yet decided
NOT_YET = {"attacked_day", "decided_day", "verdict_day"}


def all_distributed(p: Params) -> Params:
    """``p`` with every parameter that may vary per replication given a distribution."""
    dists = dict(p.dists)
    for k, x in p.values.items():
        if k in FIXED_ONLY or k in dists or not isinstance(x, int | float):
            continue
        lo = 0.8 * float(x) if x > 0 else float(x)
        dists[k] = ("triangular", lo, float(x), 0.9 * float(x) if x > 0 else float(x))
    return dataclasses.replace(p, dists=dists)


@pytest.fixture(scope="module")
def params() -> Params:
    sc = ss.load_scenario("csis-2026", sets=("us_strikes_mainland=1",))
    profiles = [{}, {"JPN": "neutral"}, {"USA": "none", "JPN": "neutral"}]
    return all_distributed(compile_params(sc, profiles, days=DAYS))


def capture(p: Params, n_reps: int, rep_offset: int, keep: tuple[int, ...]) -> tuple:
    """Run a campaign; return its trajectory and, per (step, day, replication), its state."""
    seen: dict[tuple[str, int, int], dict[str, np.ndarray]] = {}
    rows_seen: list[int] = []

    def hook(ev: Event) -> None:
        for pos, rep in enumerate(ev.rows + rep_offset):
            if int(rep) in keep:
                seen[(ev.step, ev.day, int(rep))] = {
                    k: np.array(a[:, pos])
                    for k, a in ev.state.items()
                    if isinstance(a, np.ndarray) and a.ndim >= 2
                }
        assert ev.before is not None
        check_step(ev)

    c = Campaign(p, [*STEPS, ("force_decisions", force_decisions)])
    c.after_step.append(hook)
    c.after_day.append(lambda ev: rows_seen.append(ev.rows.size))
    return c.run(n_reps, SEED, rep_offset), seen, rows_seen


def force_decisions(s: dict, p: Params, v: dict, day: int, rng: Streams) -> dict:
    """Decide some replications early, whatever the model says, so the batch sets them aside.

    From day 3 each undecided replication ends with probability 0.3 a day, drawn from its own
    stream (a function of the seed and the replication index, not of the batch).
    """
    if day < 3:
        return {}
    u = rng.uniform("conformance", day)[:, 0][None, :]
    end = (u < 0.3) & (s["outcome"] == UNDECIDED)
    return {
        "outcome": np.where(end, STALEMATE, s["outcome"]).astype(np.int8),
        "decided_day": np.where(end, float(day), s["decided_day"]),
    }


def check_step(ev: Event) -> None:
    """Shapes, finiteness and signs of the state after one step."""
    P, rows = ev.p.n_profiles, ev.rows.size
    where = f"after {ev.step} on day {ev.day}"
    for k, a in ev.state.items():
        if isinstance(a, float | int):
            continue
        assert a.shape[:2] == (P, rows), f"{k} has shape {a.shape} {where}"
        if a.dtype.kind != "f" or k in NOT_YET:
            continue
        assert np.isfinite(a).all(), f"{k} not finite {where}"
        assert (a >= -1e-9).all(), f"{k} negative {where}"


@pytest.fixture(scope="module")
def runs(params):
    batch = capture(params, R, 0, ALONE)
    alone = {i: capture(params, 1, i, (i,)) for i in ALONE}
    return batch, alone


def test_the_batch_sets_replications_aside(runs):
    (_, _, rows_seen), _ = runs
    assert R >= COMPACT_MIN_REPS and rows_seen[-1] < R


@pytest.mark.parametrize("step", [name for name, _ in STEPS] + ["force_decisions"])
def test_step_rows_do_not_depend_on_the_batch(runs, step):
    (_, batch, _), alone = runs
    compared = 0
    for i, (_, single, _) in alone.items():
        for (name, day, rep), state in single.items():
            if name != step or (name, day, rep) not in batch:
                continue
            other = batch[(name, day, rep)]
            assert state.keys() == other.keys()
            for k in state:
                np.testing.assert_array_equal(
                    state[k], other[k], err_msg=f"{k} after {step} on day {day}, rep {i}"
                )
            compared += 1
    assert compared >= len(ALONE)


def test_campaign_rows_do_not_depend_on_the_batch(runs):
    (t, _, _), alone = runs
    for i, (ti, _, _) in alone.items():
        np.testing.assert_array_equal(ti.outcome[:, 0], t.outcome[:, i])
        np.testing.assert_array_equal(ti.decided_day[:, 0], t.decided_day[:, i])
        np.testing.assert_array_equal(ti.spent[:, 0], t.spent[:, i])
        for c in t.losses:
            for m in t.losses[c]:
                np.testing.assert_array_equal(ti.losses[c][m][:, 0], t.losses[c][m][:, i])
        for k in t.traces:
            np.testing.assert_array_equal(ti.traces[k][:, :, 0], t.traces[k][:, :, i])
    assert len(np.unique(t.decided_day)) > 3  # decisions on several days


def test_trajectory_is_finite_and_non_negative(runs):
    (t, _, _), _ = runs
    for c in t.losses:
        for m, a in t.losses[c].items():
            assert np.isfinite(a).all() and (a >= -1e-9).all(), (c, m)
    for k, a in t.traces.items():
        assert np.isfinite(a).all() and (a >= -1e-9).all(), k


def test_distributed_crew_shares_with_replications_set_aside(csis):
    """Regression (issue 15, item 11): the ledger used the trimmed per-replication values."""
    p = compile_params(csis, [{}, {"JPN": "neutral"}])
    p = dataclasses.replace(
        p,
        dists={
            **p.dists,
            "crew_killed_share": ("uniform", 0.1, 0.4, 0.0),
            "aircrew_killed_per_air_loss": ("uniform", 0.3, 0.9, 0.0),
        },
    )
    t = simulate(p, 48, 3)
    assert len(np.unique(t.decided_day)) > 1
    killed = t.losses["USA"]["personnel_killed"]
    assert killed.shape == (2, 48) and np.isfinite(killed).all()
    # one replication alone agrees with the batch
    one = simulate(p, 1, 3, rep_offset=5)
    np.testing.assert_array_equal(one.losses["USA"]["personnel_killed"][:, 0], killed[:, 5])


def test_a_distribution_on_a_fixed_parameter_is_refused(csis):
    p = compile_params(csis)
    p = dataclasses.replace(p, dists={**p.dists, "invasion_start_day": ("uniform", 0, 3, 0)})
    with pytest.raises(UserError, match=r"params\.invasion_start_day\.dist"):
        simulate(p, 4, 1)


def test_non_finite_output_fails_loudly_naming_scenario_and_parameter(csis):
    p = compile_params(csis)
    p = dataclasses.replace(p, values={**p.values, "pk_interceptor": float("nan")})
    with pytest.raises(NonFiniteOutput) as err:
        simulate(p, 4, 1)
    msg = str(err.value)
    assert "csis-2026" in msg and "pk_interceptor" in msg and "non-finite" in msg
