"""Known answers for missiles, maritime strike, submarines, counter-navy and escalation.

Each test builds a tiny world by hand (one base, one air unit, a few ship groups), runs one
module for one day with the noise switched off, and compares with the answer computed by
hand in the comment above it. The parameter values not set here come from the built-in
``csis-2026`` scenario, so the modules find every key they read.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.escalation import escalation
from straitsim.engine.maritime import maritime_strike
from straitsim.engine.missiles import missile_strikes
from straitsim.engine.navy import counter_navy
from straitsim.engine.params import SHIP_CLASSES, TRIGGERS, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import initial_state
from straitsim.engine.submarines import submarine_war
from straitsim.scenario.compile import compile_params

CHN, TWN, USA, ALLY = range(4)
# ship groups of the tiny world: (actor, class, ships, engagements/day, interceptors/ship, htk)
GROUPS = [
    (CHN, "surface_combatant", 8.0, 1.0, 10.0, 2.0),
    (CHN, "amphibious_large", 20.0, 0.0, 0.0, 1.0),
    (USA, "surface_combatant", 4.0, 2.0, 10.0, 3.0),
    (TWN, "submarine", 2.0, 0.0, 0.0, 1.0),
]
QUIET = {  # noise and the day's conditions switched off
    "salvo_sigma": 0.0,
    "air_sigma": 0.0,
    "campaign_shock_sigma": 0.0,
    "weather_bad_day_share": 0.0,
    "prc_preemption_probability": 0.0,
    "invasion_start_day": 0.0,
    "defender_paralysis_days": 0.0,
}


@pytest.fixture(scope="module")
def base_values() -> dict[str, float]:
    return dict(compile_params(ss.load_scenario("csis-2026")).values)


def tiny(values: dict[str, float], trigger=("always", "always", "always", "never"), **kw) -> Params:
    """A hand-built world: CHN, TWN, USA and one ally; one Taiwanese airbase; GROUPS."""
    G = len(GROUPS)
    fields = dict(
        n_days=10,
        actors=("CHN", "TWN", "USA", "ALY"),
        i_chn=CHN,
        i_twn=TWN,
        i_usa=USA,
        profiles=({},),
        weight_pa=np.array([[1.0, 1.0, 1.0, 0.25]]),
        trigger_pa=np.array([[TRIGGERS.index(t) for t in trigger]], dtype=np.int8),
        us_basing_pa=np.array([[False, False, True, False]]),
        base_ids=("twn-air",),
        base_host=np.array([TWN]),
        base_kind=np.array([0]),
        base_runways=np.array([2.0]),
        base_shelters=np.array([15.0]),
        base_apron_km2=np.array([1.0]),
        base_strikeable=np.array([True]),
        land_classes=("srbm",),
        land_in_range=np.array([[True]]),
        land_n0=np.array([100.0]),
        asbm_n0=40.0,
        ascm_air_n0=0.0,
        unit_ids=("twn-f16",),
        unit_actor=np.array([TWN]),
        unit_fighter=np.array([True]),
        unit_bomber=np.array([False]),
        unit_carrier=np.array([False]),
        unit_quality=np.array([1.0]),
        unit_n0=np.array([20.0]),
        unit_arrival=np.array([0]),
        unit_base=np.array([[0]]),
        unit_base_options=np.array([[0], [0]]),
        unit_avail=np.array([[True]]),
        unit_sortie_rate=np.array([[1.0]]),
        unit_load=np.zeros((1, 1)),
        unit_ascm_load=np.zeros(1),
        weapons=("harpoon",),
        weapon_supersonic=np.array([False]),
        weapon_anti_ship=np.array([True]),
        weapon_land_attack=np.array([False]),
        stock_actor=np.array([TWN]),
        stock_weapon=np.array([0]),
        stock_n0=np.array([100.0]),
        launcher_stock=np.array([0]),
        launcher_actor=np.array([TWN]),
        launcher_host=np.array([TWN]),
        launcher_rate=np.array([20.0]),
        group_ids=tuple(f"g{i}" for i in range(G)),
        group_actor=np.array([g[0] for g in GROUPS]),
        group_class=np.array([SHIP_CLASSES.index(g[1]) for g in GROUPS]),
        group_n0=np.array([g[2] for g in GROUPS]),
        group_arrival=np.zeros(G, dtype=np.int64),
        group_eng=np.array([g[3] for g in GROUPS]),
        group_int=np.array([g[4] for g in GROUPS]),
        group_htk=np.array([g[5] for g in GROUPS]),
        group_crew=np.zeros(G),
        group_troops=np.zeros(G),
        group_lift_t=np.zeros(G),
        group_asm=np.zeros((G, 1)),
        group_stock=np.full((G, 1), -1),
        chn_battalions=10.0,
        twn_battalions=10.0,
        twn_reserve_battalions=0.0,
        values={**values, **QUIET},
    )
    fields.update(kw)
    return Params(**fields)


def start(p: Params, **state) -> tuple[dict, Streams]:
    """Day-0 state of one replication, with the fields the earlier modules would have set."""
    s = initial_state(p, 1)
    A = len(p.actors)
    s["at_war"] = np.ones((1, 1, A), dtype=bool)
    s["us_at_war"] = np.ones((1, 1), dtype=bool)
    s["effort"] = np.ones((1, 1, A))
    s["today_air_sup"] = np.full((1, 1), 0.5)
    s["today_strike_sorties"] = np.zeros((1, 1, len(p.unit_ids)))
    s["today_h6_missiles"] = np.zeros((1, 1))
    s.update(state)
    return s, Streams(0, 0, 1)


def test_missiles_destroy_aircraft_in_the_open_and_in_shelters(base_values):
    # Day 0: half of 100 missiles fired (opening salvo), all at the one base; 80% reliable,
    # 25% stopped by the defended base's batteries: 50 x 0.8 x 0.75 = 30 arrive. 20% at the
    # runways (6 hits, 3 per cut: both runways closed); 24 at aircraft. 15 of the 20 aircraft
    # sheltered: f_open = 1/4, 6 missiles at the open apron, 18 at shelters.
    # Open: 1 - exp(-6 x 0.05 / 1 km2); sheltered: 1 - exp(-18 x 0.5 / 15 shelters).
    v = {
        "prc_opening_salvo_share": 0.5,
        "missile_reliability": 0.8,
        "base_missile_defence": 0.25,
        "runway_target_share": 0.2,
        "missiles_per_runway_cut": 3.0,
        "lethal_area_km2": 0.05,
        "p_kill_shelter": 0.5,
        "dur_runway_repair_days": 2.0,
        "min_salvo_per_base": 0.0,
        "prc_land_launchers": 1e6,
    }
    p = tiny({**base_values, **v})
    s, rng = start(p)
    out = missile_strikes(s, p, p.values, 0, rng)
    share = 0.25 * (1 - math.exp(-0.3)) + 0.75 * (1 - math.exp(-0.6))
    assert out["lost_ground"][0, 0, 0] == pytest.approx(20 * share, rel=1e-12)
    assert out["n_ac"][0, 0, 0] == pytest.approx(20 * (1 - share), rel=1e-12)
    assert out["land_inv"][0, 0, 0] == pytest.approx(50.0)
    assert out["missiles_in"][0, 0, 0] == pytest.approx(30.0)
    assert out["closed"][0, 0, 0] == pytest.approx(2 * math.exp(-0.5))  # reopening at 1/2 a day
    assert out["attacked_day"][0, 0, TWN] == 0.0
    # with no shelters every aircraft is in the open: 24 missiles, 1 - exp(-24 x 0.05)
    p0 = tiny({**base_values, **v}, base_shelters=np.array([0.0]))
    out0 = missile_strikes(start(p0)[0], p0, p0.values, 0, rng)
    assert out0["lost_ground"][0, 0, 0] == pytest.approx(20 * (1 - math.exp(-1.2)), rel=1e-12)


def test_maritime_salvo_chain_and_hits_to_kill(base_values):
    # One Taiwanese battery fires 20 Harpoons. 10% fail at launch: 18 arrive. Eight escorts
    # engage one missile each a day (8 engaged, one interceptor each, Pk 0.7): 5.6 stopped,
    # leak 1 - 5.6/18. Terminal defence 0.2, guidance failure 0.1:
    # hits = 18 x 0.8 x (1 - 5.6/18) x 0.9. Half at the amphibious ships (1 hit kills one),
    # half at escorts (2 hits each).
    v = {
        "p_launch_failure": 0.1,
        "pk_interceptor": 0.7,
        "interceptors_per_missile": 1.0,
        "ship_defence_scale": 1.0,
        "p_terminal_defence": 0.2,
        "p_guidance_failure": 0.1,
        "amphib_target_share": 0.5,
        "prc_magazine_reload_per_day": 0.15,
        "us_strikes_mainland": 0.0,
        "fleet_withdraw_share": 0.0,
    }
    p = tiny({**base_values, **v})
    s, rng = start(p)
    out = maritime_strike(s, p, p.values, 0, rng)
    hits = 18 * 0.8 * (1 - 5.6 / 18) * 0.9
    ships = out["ships"][0, 0]
    assert ships[1] == pytest.approx(20 - hits / 2, rel=1e-12)
    assert ships[0] == pytest.approx(8 - hits / 2 / 2, rel=1e-12)
    assert out["stock"][0, 0, 0] == pytest.approx(80.0)
    assert out["spent"][0, 0, 0] == pytest.approx(20.0)
    # one interceptor spent per escort, 15% of the spent ones reloaded
    assert out["interceptors"][0, 0, 0] == pytest.approx(9 + 0.15, rel=1e-12)


def test_submarines_follow_the_linear_law_for_a_day(base_values):
    # Two Taiwanese boats, all on station, against 28 PRC ships: dx/dt = -a x y,
    # dy/dt = -b x y for one day. C = b x0 - a y0; x(1) = C x0 / (b x0 - (b x0 - C) e^-C).
    a, b = 0.05, 0.002
    v = {
        "sub_kill_rate": a,
        "sub_loss_rate": b,
        "sub_on_station_share": 1.0,
        "sub_amphib_share": 0.75,
        "fleet_withdraw_share": 0.0,
    }
    p = tiny({**base_values, **v})
    s, rng = start(p)
    out = submarine_war(s, p, p.values, 0, rng)
    x0, y0 = 28.0, 2.0
    c = b * x0 - a * y0
    x1 = c * x0 / (b * x0 - (b * x0 - c) * math.exp(-c))
    y1 = (b * x1 - c) / a
    dx = x0 - x1
    ships = out["ships"][0, 0]
    assert ships[1] == pytest.approx(20 - 0.75 * dx, rel=1e-9)  # amphibious
    assert ships[0] == pytest.approx(8 - 0.25 * dx, rel=1e-9)  # escorts
    assert ships[3] == pytest.approx(y1, rel=1e-9)  # boats left
    assert out["today_amph_sunk"][0, 0, 1] == pytest.approx(0.75 * dx, rel=1e-9)


def test_counter_navy_ballistic_salvo_against_a_us_group(base_values):
    # 40 ASBMs fired over 10 days: 4 today; half have a track (prc_targeting 0.5): 2 arrive at
    # the four US ships. Area defence (2 engagements a ship) engages both, one interceptor
    # each with Pk 0.5: 1 leaks; guidance failure 0.1: 0.9 hits; 3 hits sink a ship: 0.3.
    v = {
        "prc_asbm_days_to_expend": 10.0,
        "prc_targeting": 0.5,
        "pk_interceptor_ballistic": 0.5,
        "interceptors_per_missile": 1.0,
        "ship_defence_scale": 1.0,
        "p_guidance_failure": 0.1,
        "allied_magazine_reload_per_day": 0.05,
        "prc_sub_ascm_per_day": 0.0,
    }
    p = tiny({**base_values, **v})
    s, rng = start(p)
    out = counter_navy(s, p, p.values, 0, rng)
    assert out["asbm_inv"][0, 0] == pytest.approx(36.0)
    assert out["ships"][0, 0, 2] == pytest.approx(4 - 0.3, rel=1e-12)
    # two interceptors spent over four ships (0.5 each), 5% of the spent ones reloaded
    assert out["interceptors"][0, 0, 2] == pytest.approx(9.5 + 0.5 * 0.05, rel=1e-12)
    # the PRC's own ships are not targets
    np.testing.assert_array_equal(out["ships"][0, 0, :2], [8.0, 20.0])


def test_escalation_triggers_and_entry_lags(base_values):
    # US at war from day 3 (entry delay); an ally with trigger `attacked`, struck on day 2,
    # fights from day 2 + 1 + 1 (lag) = 4 with its home weight 0.25; Taiwan, paralysed for
    # 1.5 days, fights from day 1 at half effort, fully from day 2.
    v = {
        "us_entry_delay_days": 3.0,
        "us_self_defence": 0.0,
        "ally_entry_lag_days": 1.0,
    }
    p = tiny({**base_values, **v}, trigger=("always", "always", "always", "attacked"))
    p = dataclasses.replace(p, values={**p.values, "defender_paralysis_days": 1.5})
    s, rng = start(p)
    s["attacked_day"] = np.array([[[np.inf, np.inf, np.inf, 2.0]]])
    rows = [escalation(s, p, p.values, day, rng) for day in range(6)]
    assert [bool(r["us_at_war"][0, 0]) for r in rows] == [False] * 3 + [True] * 3
    assert [bool(r["at_war"][0, 0, ALLY]) for r in rows] == [False] * 4 + [True] * 2
    assert rows[5]["effort"][0, 0, ALLY] == pytest.approx(0.25)
    assert [float(r["effort"][0, 0, TWN]) for r in rows[:3]] == [0.0, 0.5, 1.0]
    assert not rows[0]["at_war"][0, 0, TWN] and rows[1]["at_war"][0, 0, TWN]
