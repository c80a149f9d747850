"""Rare events with stated rates: typhoon closures of the Strait (engine/weather.py) and
command-and-control failures that paralyse Taiwan (engine/escalation.py).

Statistical tests state their tolerance in standard errors; known-answer tests use rates
of 0 and 1, where the closure's days follow by arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.escalation import c2_failure
from straitsim.engine.random import Streams
from straitsim.engine.weather import weather
from straitsim.scenario.compile import compile_params


def _v(rate: float, days: float) -> dict[str, float]:
    return {
        "weather_bad_day_share": 0.0,
        "weather_bad_spell_days": 1.0,
        "bad_weather_offload_factor": 0.3,
        "bad_weather_sortie_factor": 0.5,
        "campaign_shock_sigma": 0.0,
        "typhoon_rate": rate,
        "typhoon_days": days,
    }


def _run(rate: float, days: float, span: int, rng: Streams) -> list[dict]:
    s = {"territory": np.zeros((1, rng.n_reps))}
    out = []
    for d in range(span):
        left_before = s.get("typhoon_left", np.zeros((1, rng.n_reps)))
        s = {**s, **weather(s, None, _v(rate, days), d, rng)}  # type: ignore[arg-type]
        out.append({**s, "eligible": left_before <= 0.0})
    return out


@pytest.mark.parametrize("days", [1, 3])
def test_a_typhoon_arrives_at_its_stated_rate(days):
    rate, reps, n_days = 0.03, 4000, 60
    run = _run(rate, days, n_days, Streams(5, 0, reps))
    eligible = sum(float(r["eligible"].sum()) for r in run)
    onsets = float(run[-1]["typhoon_onsets"].sum())
    se = np.sqrt(rate * (1 - rate) / eligible)
    # tolerance: 4 binomial standard errors of the per-eligible-day rate
    assert abs(onsets / eligible - rate) < 4 * se, (onsets / eligible, rate, se)


def test_a_typhoon_closes_the_strait_for_its_days_known_answer():
    run = _run(1.0, 2, 7, Streams(0, 0, 3))
    for r in run:
        np.testing.assert_array_equal(r["sea_state_factor"], 0.0)
        np.testing.assert_array_equal(r["air_weather_factor"], 0.5)
    # a new typhoon only once the last has passed: days 0, 2, 4, 6
    np.testing.assert_array_equal(run[-1]["typhoon_onsets"], 4.0)
    calm = _run(0.0, 3, 5, Streams(0, 0, 3))
    for r in calm:
        np.testing.assert_array_equal(r["sea_state_factor"], 1.0)
        np.testing.assert_array_equal(r["typhoon_onsets"], 0.0)


def test_typhoon_draws_do_not_depend_on_the_chunk():
    whole = _run(0.2, 3, 20, Streams(9, 0, 100))
    part = _run(0.2, 3, 20, Streams(9, 60, 40))
    for a, b in zip(whole, part, strict=True):
        np.testing.assert_array_equal(a["sea_state_factor"][:, 60:], b["sea_state_factor"])


def test_the_typhoon_rate_follows_the_launch_months_climatology():
    july = ss.load_scenario("csis-2026").params["typhoon_rate"].value
    for month, factor in ((1, 0.0), (4, 0.0), (6, 0.35), (7, 1.0), (8, 1.2), (10, 0.35)):
        sc = ss.load_scenario("csis-2026", sets={"launch_month": month})
        rate = float(np.asarray(compile_params(sc).values["typhoon_rate"]).max())
        assert rate == pytest.approx(july * factor), (month, rate)
    # the season shows in the draws: an August launch sees more typhoons than a June one
    onsets = {}
    for month in (6, 8):
        sc = ss.load_scenario("csis-2026", sets={"launch_month": month})
        rate = float(np.asarray(compile_params(sc).values["typhoon_rate"]).max())
        onsets[month] = float(_run(rate, 3, 40, Streams(5, 0, 500))[-1]["typhoon_onsets"].sum())
    assert onsets[8] > 2 * onsets[6] > 0, onsets


def _c2_run(rate: float, days: float, span: int, rng: Streams) -> list[dict]:
    sc = ss.load_scenario("csis-2026")
    p = compile_params(sc)
    A = len(p.actors)
    s = {"territory": np.zeros((1, rng.n_reps))}
    v = {"c2_failure_rate": rate, "c2_failure_days": days}
    out = []
    for d in range(span):
        left_before = s.get("c2_left", np.zeros((1, rng.n_reps)))
        o = {"effort": np.ones((1, rng.n_reps, A))}
        s = {**s, **c2_failure(s, o, p, v, d, rng)}
        out.append({**s, "eligible": left_before <= 0.0, "i_twn": p.i_twn})
    return out


@pytest.mark.parametrize("days", [1, 2])
def test_a_command_failure_strikes_at_its_stated_rate(days):
    rate, reps, n_days = 0.02, 4000, 60
    run = _c2_run(rate, days, n_days, Streams(6, 0, reps))
    eligible = sum(float(r["eligible"].sum()) for r in run)
    onsets = float(run[-1]["c2_failures"].sum())
    se = np.sqrt(rate * (1 - rate) / eligible)
    # tolerance: 4 binomial standard errors of the per-eligible-day rate
    assert abs(onsets / eligible - rate) < 4 * se, (onsets / eligible, rate, se)


def test_a_command_failure_zeroes_only_taiwans_effort_known_answer():
    run = _c2_run(1.0, 2, 4, Streams(0, 0, 3))
    for r in run:
        e = r["effort"]
        np.testing.assert_array_equal(e[..., r["i_twn"]], 0.0)
        others = np.delete(e, r["i_twn"], axis=-1)
        np.testing.assert_array_equal(others, 1.0)
    np.testing.assert_array_equal(run[-1]["c2_failures"], 2.0)  # days 0 and 2
    for r in _c2_run(0.0, 2, 4, Streams(0, 0, 3)):
        np.testing.assert_array_equal(r["effort"], 1.0)
