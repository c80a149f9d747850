"""Conservation: nothing is created, nothing goes negative, losses never exceed what existed.

Runs the daily loop module by module (as campaign.simulate does) and checks invariants
after every module on every day, for the base case and for excursions that stress
different modules.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine import campaign
from straitsim.engine.maritime import derived
from straitsim.engine.random import Streams
from straitsim.engine.state import initial_state, sample_values
from straitsim.scenario.compile import compile_params

CASES = [
    ({}, ()),
    ({"USA": "none", "JPN": "neutral", "AUS": "neutral", "KOR": "neutral"}, ()),
    (
        {"JPN": "full", "AUS": "full", "PHL": "full"},
        ("us_strikes_mainland=1", "civil_airports_access=1"),
    ),
    ({}, ("jassm_er_maritime=0", "prc_missile_inventory_scale=1.5", "extra_shelters=400")),
]


@pytest.mark.parametrize("roles,sets", CASES)
def test_invariants_every_module_every_day(roles, sets):
    sc = ss.load_scenario("csis-2026", roles=roles, sets=sets)
    p = compile_params(sc, [{}], days=40)
    R = 64
    rng = Streams(5, 0, R)
    v = sample_values(p, rng)
    v["_mx"] = derived(p)
    s = initial_state(p, R)
    s["today_air_sup"] = np.full((1, R), 0.5)
    n0_ac = p.unit_n0.sum()
    for day in range(p.n_days):
        s = dict(s)
        s["today_amph_sunk"] = 0.0
        for module in campaign.MODULES:
            prev = s
            s = dict(s)
            s.update(module(prev, p, v, day, rng))
            for k in (
                "n_ac",
                "ships",
                "stock",
                "land_inv",
                "asbm_inv",
                "ascm_inv",
                "interceptors",
                "bn_pool",
                "bn_ashore",
                "supply_t",
                "roc_active",
                "roc_reserve",
                "lost_air",
                "lost_ground",
                "killed",
                "spent",
            ):
                assert np.all(np.asarray(s[k]) >= -1e-9), (
                    f"{k} negative after {module.__name__} on day {day}"
                )
            # monotone: forces and stocks never grow
            for k in ("n_ac", "ships", "stock", "land_inv", "asbm_inv", "ascm_inv", "bn_pool"):
                assert np.all(np.asarray(s[k]) <= np.asarray(prev[k]) + 1e-9), (
                    f"{k} grew in {module.__name__} on day {day}"
                )
            # aircraft are conserved: alive + lost in the air + lost on the ground = initial
            total = s["n_ac"].sum(-1) + s["lost_air"].sum(-1) + s["lost_ground"].sum(-1)
            np.testing.assert_allclose(total, n0_ac, rtol=1e-9)
            # battalions: landed never exceeds the initial pool
            assert np.all(s["bn_landed"] <= p.chn_battalions + 1e-9)
            assert np.all(s["territory"] >= 0) and np.all(s["territory"] <= 1)
        s.update(campaign.outcome(s, p, v, day, rng, last=day == p.n_days - 1))
    # ships lost never exceed what existed, by group
    assert np.all(s["ships"] <= p.group_n0 + 1e-9)
    # munitions spent equal stock drawn down
    np.testing.assert_allclose(
        s["spent"].sum(-1), (p.stock_n0 - s["stock"]).sum(-1), rtol=1e-9, atol=1e-6
    )


def test_ledger_bounded_by_initial_forces(csis):
    t = ss.simulate(csis, reps=200, seed=11)
    from straitsim.engine.params import SHIP_CLASSES
    from straitsim.scenario.compile import compile_params as cp

    p = cp(csis)
    for a, code in enumerate(p.actors):
        led = t.losses[code]
        ac0 = p.unit_n0[p.unit_actor == a].sum()
        assert np.all(led["aircraft"] <= ac0 + 1e-9)
        assert np.all(led["aircraft_on_ground"] <= led["aircraft"] + 1e-9)
        for cls, key in (
            ("carrier", "carriers"),
            ("surface_combatant", "surface_combatants"),
            ("submarine", "submarines"),
        ):
            n0 = p.group_n0[(p.group_actor == a) & (p.group_class == SHIP_CLASSES.index(cls))].sum()
            assert np.all(led[key] >= -1e-9) and np.all(led[key] <= n0 + 1e-9)
        assert np.all(led["personnel_killed"] >= 0)
    chn = t.losses["CHN"]
    assert np.all(
        (chn["amphibious_fleet_sunk_share"] >= 0)
        & (chn["amphibious_fleet_sunk_share"] <= 1 + 1e-12)
    )
    assert np.all(chn["battalions_landed"] <= p.chn_battalions + 1e-9)
