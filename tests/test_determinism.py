"""Same scenario and seed, same result: whatever the chunking or batch; other seeds differ."""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.random import Streams


def _same(t1, t2):
    np.testing.assert_array_equal(t1.outcome, t2.outcome)
    for c in t1.losses:
        for m in t1.losses[c]:
            np.testing.assert_array_equal(t1.losses[c][m], t2.losses[c][m])
    for k in t1.traces:
        np.testing.assert_array_equal(t1.traces[k], t2.traces[k])
    np.testing.assert_array_equal(t1.spent, t2.spent)


@pytest.mark.slow
def test_same_seed_same_result_whatever_the_chunking(csis):
    whole = ss.simulate(csis, reps=300, seed=42)
    for chunk in (7, 64, 299):
        _same(whole, ss.simulate(csis, reps=300, seed=42, chunk_size=chunk))


def test_different_seeds_differ(csis):
    a = ss.simulate(csis, reps=100, seed=1)
    b = ss.simulate(csis, reps=100, seed=2)
    assert not np.array_equal(a.losses["USA"]["aircraft"], b.losses["USA"]["aircraft"])


def test_profile_results_do_not_depend_on_the_batch(csis):
    """A profile run alone equals the same profile in a lattice batch (common random numbers)."""
    alone = ss.simulate(csis, reps=80, seed=9, profiles=[{"JPN": "neutral"}])
    batch = ss.simulate(csis, reps=80, seed=9, profiles=[{"JPN": "full"}, {"JPN": "neutral"}, {}])
    _same(alone, batch.select([1]))


def test_streams_are_counter_based():
    big = Streams(7, 0, 1000)
    part = Streams(7, 400, 100)
    np.testing.assert_array_equal(big.uniform("air", 12, 3)[400:500], part.uniform("air", 12, 3))
    # names, days and slots give independent-looking streams
    u = big.uniform("air", 0, 2)
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.1
    assert not np.array_equal(big.uniform("air", 0, 1), big.uniform("missiles", 0, 1))
    assert np.all((u > 0) & (u < 1))


def test_stream_normals_are_standard():
    z = Streams(3, 0, 200_000).normal("x", 1, 1)[:, 0]
    # mean within 4 standard errors; variance within 2%
    assert abs(z.mean()) < 4 / np.sqrt(z.size)
    assert abs(z.var() - 1) < 0.02


@pytest.mark.slow
def test_chunking_invariance_with_mixed_profiles_and_decision_days(csis):
    """Profiles that end on different days, and modules that skip idle days, stay exact."""
    profiles = [
        {},
        {"JPN": "neutral"},
        {"USA": "none", "JPN": "neutral"},
        {"JPN": "defensive", "AUS": "full"},
    ]
    whole = ss.simulate(csis, reps=60, seed=77, profiles=profiles, days=45)
    for chunk in (7, 25):
        _same(
            whole, ss.simulate(csis, reps=60, seed=77, profiles=profiles, days=45, chunk_size=chunk)
        )
    assert len(set(whole.decided_day.ravel().tolist())) > 2
    first = ss.simulate(csis, reps=8, seed=77, profiles=profiles, days=45)
    _same(first, ss.simulate(csis, reps=8, seed=77, profiles=profiles, days=45, chunk_size=1))
    np.testing.assert_array_equal(first.outcome, whole.outcome[:, :8])


def test_setting_decided_replications_aside_changes_nothing(csis, monkeypatch):
    """The loop computes only undecided replications once most are decided: same results."""
    from straitsim.engine import campaign

    profiles = [{}, {"JPN": "neutral"}]
    fast = ss.simulate(csis, reps=80, seed=12, profiles=profiles, days=50)
    monkeypatch.setattr(campaign, "COMPACT_MIN_REPS", 10**9)
    slow = ss.simulate(csis, reps=80, seed=12, profiles=profiles, days=50)
    _same(fast, slow)
    np.testing.assert_array_equal(fast.decided_day, slow.decided_day)


def test_batch_independence_with_shelters_and_mainland_strikes():
    """Knobs whose placement once depended on the first profile of a batch no longer do."""
    sc = ss.load_scenario("csis-2026", sets={"extra_shelters": 400, "us_strikes_mainland": 1})
    alone = ss.simulate(sc, reps=60, seed=4, profiles=[{}])
    batch = ss.simulate(sc, reps=60, seed=4, profiles=[{"JPN": "neutral"}, {}])
    _same(alone, batch.select([1]))


def test_mainland_strikes_continue_after_the_fleet_is_gone():
    sc = ss.load_scenario("csis-2026", sets={"us_strikes_mainland": 1})
    early = ss.simulate(sc, reps=100, seed=2, days=12)
    late = ss.simulate(sc, reps=100, seed=2, days=21)
    assert (
        late.losses["CHN"]["aircraft_on_ground"].mean()
        > early.losses["CHN"]["aircraft_on_ground"].mean() + 5
    )
