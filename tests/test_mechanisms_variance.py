"""Weather, campaign shocks, PRC pre-emption, surveillance-limited targeting and mainland
strikes do what docs/model.md says (sections 5.1-5.4), with common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.campaign import Campaign
from straitsim.engine.random import Streams
from straitsim.engine.weather import weather
from straitsim.scenario.compile import compile_params

REPS = 200


def _bn(t, i: int = 0) -> np.ndarray:
    return t.losses["CHN"]["battalions_landed"][i]


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def _diff_z(a: np.ndarray, b: np.ndarray) -> float:
    """(mean b - mean a) in unpaired standard errors."""
    (ma, sa), (mb, sb) = _mean_se(a), _mean_se(b)
    return (mb - ma) / max(np.hypot(sa, sb), 1e-12)


def _paired_z(a: np.ndarray, b: np.ndarray) -> float:
    """Mean of b - a in standard errors of the paired difference (common random numbers)."""
    d = b - a
    return float(d.mean() / max(d.std(ddof=1) / np.sqrt(d.size), 1e-12))


def _chain(v: dict, n_reps: int, days: int, rep_offset: int = 0, profiles: int = 2):
    rng = Streams(11, rep_offset, n_reps)
    s = {"territory": np.zeros((profiles, n_reps))}
    bad, shocks = [], None
    for d in range(days):
        s.update(weather(s, None, v, d, rng))
        bad.append(s["sea_bad"].copy())
        shocks = (s["shock_coalition"], s["shock_prc"])
    return np.stack(bad, axis=1), shocks  # (P, days, R)


WV = {
    "weather_bad_day_share": 0.3,
    "weather_bad_spell_days": 3.0,
    "bad_weather_offload_factor": 0.3,
    "bad_weather_sortie_factor": 0.7,
    "campaign_shock_sigma": 0.2,
    "typhoon_rate": 0.0,  # the chain alone: typhoons have their own tests
    "typhoon_days": 3,
}


def test_weather_chain_has_the_stated_share_and_spell_length():
    bad, _ = _chain(WV, 4000, 60)
    b = bad[0]
    assert b.mean() == pytest.approx(0.3, abs=0.01)
    # mean length of completed bad spells: a run ends where bad -> good
    starts = (b[1:] > 0.5) & (b[:-1] < 0.5)
    ends = (b[1:] < 0.5) & (b[:-1] > 0.5)
    assert ends.sum() > 1000
    assert b[1:].sum() / max(starts.sum(), 1) == pytest.approx(3.0, rel=0.1)
    # days are correlated: a bad day is followed by a bad one far more often than average
    follow = (b[1:] * b[:-1]).sum() / b[:-1].sum()
    assert follow == pytest.approx(1 - 1 / 3, abs=0.03)


def test_weather_and_shocks_are_common_to_profiles_and_chunk_invariant():
    bad, (sc, sp) = _chain(WV, 50, 30)
    assert np.array_equal(bad[0], bad[1]) and np.array_equal(sc[0], sc[1])
    part, (sc2, sp2) = _chain(WV, 20, 30, rep_offset=30)
    assert np.array_equal(part[0], bad[0][:, 30:])
    assert np.array_equal(sp2[0], sp[0][30:]) and np.array_equal(sc2[0], sc[0][30:])
    # the shocks are mean-one lognormals with the stated spread, one per side
    _, (c, q) = _chain(WV, 20000, 1)
    assert c.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(q[0]).std() == pytest.approx(0.2, rel=0.05)
    assert abs(np.corrcoef(np.log(c[0]), np.log(q[0]))[0, 1]) < 0.03


def test_no_month_means_calm_seas(csis):
    p = compile_params(csis)
    assert p.values["weather_bad_day_share"] == pytest.approx(csis.weather["apr"].bad_day_share)
    calm = compile_params(csis.model_copy(update={"launch_month": None}))
    assert calm.values["weather_bad_day_share"] == 0.0


def test_a_winter_launch_lands_fewer_battalions():
    apr = ss.simulate(ss.load_scenario("csis-2026"), reps=REPS, seed=5)
    jan = ss.simulate(ss.load_scenario("csis-2026", sets={"launch_month": 1}), reps=REPS, seed=5)
    z = _diff_z(_bn(apr), _bn(jan))
    assert z < -3


def _at_war_on(sc, profiles, day: int, actor: str) -> np.ndarray:
    p = compile_params(sc, profiles)
    seen = {}
    c = Campaign(p)

    def hook(ev):
        if ev.day == day and ev.step == "escalation":
            seen["w"] = np.asarray(ev.state["at_war"][..., p.actors.index(actor)])

    c.after_step.append(hook)
    c.run(60, 3)
    return seen["w"]


def test_japan_follows_its_rung_and_the_prc_choice_not_only_us_entry():
    late = {"us_entry_delay_days": 14}
    # the PRC holds off: Japan (struck only once US aircraft fly from it) stays out until then
    hold = ss.load_scenario("csis-2026", sets={**late, "prc_preemption_probability": 0.0})
    assert not _at_war_on(hold, [{}], 5, "JPN").any()
    # a rung that says Japan fights, fights whatever the US does
    assert _at_war_on(hold, [{"JPN": "full"}, {"JPN": "defensive"}], 5, "JPN").all()
    # the PRC strikes US aircraft in Japan first: Japan and the US are in the war at once
    strike = ss.load_scenario("csis-2026", sets={**late, "prc_preemption_probability": 1.0})
    assert _at_war_on(strike, [{}], 5, "JPN").all()
    assert _at_war_on(strike, [{}], 5, "USA").all()
    no_sd = ss.load_scenario(
        "csis-2026", sets={**late, "prc_preemption_probability": 1.0, "us_self_defence": 0}
    )
    assert not _at_war_on(no_sd, [{}], 5, "USA").any()


def test_dispersal_to_civil_airports_saves_aircraft_when_surveillance_misses_them():
    def us_lost(sets):
        t = ss.simulate(ss.load_scenario("csis-2026", sets=sets), reps=REPS, seed=9)
        return t.losses["USA"]["aircraft_on_ground"][0] + t.losses["JPN"]["aircraft_on_ground"][0]

    closed = us_lost({"civil_airports_access": 0})
    found = us_lost({"civil_airports_access": 1, "civil_find_share": 1.0})
    hidden = us_lost({"civil_airports_access": 1, "civil_find_share": 0.2})
    assert _diff_z(closed, hidden) < -3
    assert _diff_z(found, hidden) < -3


def test_mainland_strikes_do_not_help_the_prc():
    sc0 = ss.load_scenario("csis-2026")
    sc1 = ss.load_scenario("csis-2026", sets={"us_strikes_mainland": 1})
    prof = [{}, {"JPN": "neutral"}]
    a = ss.simulate(sc0, reps=REPS, seed=4, profiles=prof)
    b = ss.simulate(sc1, reps=REPS, seed=4, profiles=prof)
    for i in range(len(prof)):
        bn = _diff_z(_bn(a, i), _bn(b, i))
        assert bn < 2  # never significantly more battalions ashore
        win = b.outcome[i] >= 3
        assert win.mean() <= (a.outcome[i] >= 3).mean() + 2 * np.sqrt(0.25 / REPS)
        assert _diff_z(a.losses["CHN"]["aircraft"][i], b.losses["CHN"]["aircraft"][i]) > 3
        assert _diff_z(a.losses["USA"]["aircraft"][i], b.losses["USA"]["aircraft"][i]) < 0


def test_defender_paralysis_lets_more_battalions_land():
    a = ss.simulate(ss.load_scenario("csis-2026"), reps=REPS, seed=6)
    b = ss.simulate(
        ss.load_scenario("csis-2026", sets={"defender_paralysis_days": 7}), reps=REPS, seed=6
    )
    assert _paired_z(_bn(a), _bn(b)) > 3
