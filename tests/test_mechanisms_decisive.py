"""The decisive mechanisms: outcomes judged from the settled state, contested ports and lift.

Each test compares runs under common random numbers (same seed, same replications), so the
differences measure the mechanism, not the dice.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss

REPS = 120
ALONE = {"USA": "none", "JPN": "neutral", "AUS": "neutral", "KOR": "neutral"}
CASES = {
    "base": ({}, {}),
    "japan-neutral": ({"JPN": "neutral"}, {}),
    "taiwan-alone": (ALONE, {}),
    "us-late-7": ({}, {"us_entry_delay_days": 7}),
    "us-late-14": ({}, {"us_entry_delay_days": 14}),
    "no-jassm": ({}, {"jassm_er_maritime": 0}),
    "will-0.3": ({}, {"roc_will_to_resist": 0.3}),
    "japan-neutral-will-0.5": ({"JPN": "neutral"}, {"roc_will_to_resist": 0.5}),
    "base-2027": ({}, {}, "base-2027"),
}


def _run(roles=None, sets=None, reps=REPS, seed=3, days=None, scenario="csis-2026"):
    sc = ss.load_scenario(scenario, roles=roles or {}, sets=sets or {})
    return ss.simulate(sc, reps=reps, seed=seed, days=days)


def _shares(t):
    return np.bincount(t.outcome[0], minlength=5) / t.outcome.shape[1]


def _success(t):
    return float((t.outcome[0] >= 3).mean())


def _med(t, actor, key):
    return float(np.median(t.losses[actor][key][0]))


@pytest.mark.parametrize("case", sorted(CASES))
def test_horizon_half_as_long_again_changes_no_outcome_share_by_more_than_a_tenth(case):
    roles, sets, *name = CASES[case]
    scenario = name[0] if name else "csis-2026"
    short = _run(roles, sets, days=70, scenario=scenario)
    long = _run(roles, sets, days=105, scenario=scenario)
    diff = np.abs(_shares(short) - _shares(long))
    assert diff.max() <= 0.1, f"{case}: outcome shares moved by {diff.max():.2f}"


def test_decision_day_varies_and_is_not_the_horizon():
    t = _run(reps=200)
    d = t.decided_day[0]
    assert np.all(np.isfinite(d))
    assert len(np.unique(d)) >= 3  # decided when each replication's state settles
    assert float(np.max(d)) < 69  # not judged by the clock
    late = _run(sets={"us_entry_delay_days": 14}, reps=200)
    assert float(np.median(late.decided_day[0])) > float(np.median(d)) + 5


def test_losses_keep_counting_after_the_verdict():
    short = _run(sets={"war_end_days": 7})
    long = _run(sets={"war_end_days": 28})
    # the verdict and its day do not depend on how long the war goes on after it
    np.testing.assert_array_equal(short.outcome, long.outcome)
    np.testing.assert_array_equal(short.decided_day, long.decided_day)
    # but losses keep counting: PRC missiles still hit US aircraft after the fleet is sunk
    assert _med(long, "USA", "aircraft") > _med(short, "USA", "aircraft") + 10
    assert _med(long, "CHN", "aircraft") > _med(short, "CHN", "aircraft")


def test_base_case_is_a_decisive_defeat_judged_from_the_state():
    t = _run(reps=200)
    assert _shares(t)[0] >= 0.8
    # the fleet is sunk and the lodgement confined: far fewer battalions ashore than defenders
    assert _med(t, "CHN", "amphibious_fleet_sunk_share") >= 0.9
    assert float(np.median(t.traces["battalions_ashore"][0, -1])) < 60


def test_no_port_and_no_victory_from_mass_alone():
    # Japan neutral lands about twice the base case's battalions but is outfought ashore:
    # no port falls, so no victory and no stalemate trending toward the PRC.
    t = _run({"JPN": "neutral"})
    assert _med(t, "CHN", "battalions_landed") > 60
    assert _success(t) <= 0.1


def test_captured_port_capacity_is_attackable():
    # With a 14-day US delay the lodgement takes a port; strikes on it cut what lands.
    sets = {"us_entry_delay_days": 14}
    calm = _run(sets={**sets, "port_strike_rate": 0.0})
    hit = _run(sets={**sets, "port_strike_rate": 0.3})
    assert _shares(hit)[4] < _shares(calm)[4]  # fewer victories through a struck port
    landed = (hit.losses["CHN"]["battalions_landed"], calm.losses["CHN"]["battalions_landed"])
    assert float(landed[0].mean()) < float(landed[1].mean())


def test_civilian_lift_is_a_fleet_that_can_be_sunk():
    sets = {"us_entry_delay_days": 14}
    safe = _run(sets={**sets, "roro_loss_rate": 0.05})
    exposed = _run(sets={**sets, "roro_loss_rate": 0.4})
    assert _shares(exposed)[4] < _shares(safe)[4]  # fewer victories through the port
    landed = (exposed.losses["CHN"]["battalions_landed"], safe.losses["CHN"]["battalions_landed"])
    assert float(landed[0].mean()) < float(landed[1].mean())


def test_losses_at_the_beach():
    clean = _run(sets={"beach_loss_share": 0.02})
    bloody = _run(sets={"beach_loss_share": 0.15})
    assert _med(bloody, "CHN", "personnel_killed") > _med(clean, "CHN", "personnel_killed")
    end = (bloody.traces["battalions_ashore"][0, -1], clean.traces["battalions_ashore"][0, -1])
    assert float(np.median(end[0])) < float(np.median(end[1]))


def test_will_to_resist_is_a_state_that_can_end_the_war():
    # Taiwan alone: a weak will capitulates sooner than a strong one.
    strong = _run(ALONE, {"roc_will_to_resist": 1.0})
    weak = _run(ALONE, {"roc_will_to_resist": 0.5})
    assert _shares(weak)[4] >= _shares(strong)[4]
    assert float(np.median(weak.decided_day[0])) < float(np.median(strong.decided_day[0]))


def test_late_reserve_mobilisation_helps_the_prc():
    sets = {"us_entry_delay_days": 7}
    early = _run(sets={**sets, "roc_reserve_mobilisation_days": 2})
    late = _run(sets={**sets, "roc_reserve_mobilisation_days": 30})
    terr = (late.traces["territory_share"][0, -1], early.traces["territory_share"][0, -1])
    assert float(np.mean(terr[0])) > float(np.mean(terr[1]))
    assert _success(late) >= _success(early)
