"""Conservation: nothing is created, nothing goes negative, losses never exceed what existed.

The invariants are checked by an after-step hook of the engine's own daily loop
(:class:`~straitsim.engine.campaign.Campaign`), after every step on every day, for the base
case and for excursions that stress different modules.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.campaign import Campaign, Event
from straitsim.engine.params import SHIP_CLASSES
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
NON_NEGATIVE = (
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
)
NEVER_GROW = ("n_ac", "ships", "stock", "land_inv", "asbm_inv", "ascm_inv", "bn_pool")


def check_invariants(ev: Event) -> None:
    """After-step hook: the invariants that every step must keep."""
    s, prev, p = ev.state, ev.before, ev.p
    assert prev is not None
    where = f"after {ev.step} on day {ev.day}"
    for k in NON_NEGATIVE:
        assert np.all(np.asarray(s[k]) >= -1e-9), f"{k} negative {where}"
    for k in NEVER_GROW:
        assert np.all(np.asarray(s[k]) <= np.asarray(prev[k]) + 1e-9), f"{k} grew {where}"
    # aircraft are conserved: alive + lost in the air + lost on the ground = initial
    total = s["n_ac"].sum(-1) + s["lost_air"].sum(-1) + s["lost_ground"].sum(-1)
    np.testing.assert_allclose(total, p.unit_n0.sum(), rtol=1e-9, err_msg=where)
    # battalions: landed never exceeds the initial pool
    assert np.all(s["bn_landed"] <= p.chn_battalions + 1e-9), where
    assert np.all(s["territory"] >= 0) and np.all(s["territory"] <= 1), where
    # ships lost never exceed what existed, by group
    assert np.all(s["ships"] <= p.group_n0 + 1e-9), where
    # munitions spent equal stock drawn down
    np.testing.assert_allclose(
        s["spent"].sum(-1), (p.stock_n0 - s["stock"]).sum(-1), rtol=1e-9, atol=1e-6, err_msg=where
    )


@pytest.mark.parametrize("roles,sets", CASES)
def test_invariants_every_step_every_day(roles, sets):
    sc = ss.load_scenario("csis-2026", roles=roles, sets=sets)
    p = compile_params(sc, [{}], days=40)
    c = Campaign(p)
    seen: list[tuple[int, str]] = []
    c.after_step.append(check_invariants)
    c.after_step.append(lambda ev: seen.append((ev.day, ev.step)))
    t = c.run(64, 5)
    # every step ran, in the loop's order, on the first day
    names = [name for name, _ in c.steps]
    assert [step for day, step in seen if day == 0] == names
    assert t.outcome.shape == (1, 64)


def test_hooks_see_decisions_and_set_aside_rows(csis):
    """on_decision sees each replication decided once; after_day rows shrink when set aside."""
    p = compile_params(csis, [{}, {"JPN": "neutral"}])
    c = Campaign(p)
    decided = np.zeros((2, 48), dtype=int)
    rows_seen: list[int] = []

    def on_decision(ev: Event) -> None:
        decided[:, ev.rows] += np.asarray(ev.decided)

    c.on_decision.append(on_decision)
    c.after_day.append(lambda ev: rows_seen.append(ev.rows.size))
    t = c.run(48, 3)
    assert np.all(decided == 1)
    assert rows_seen[0] == 48 and rows_seen == sorted(rows_seen, reverse=True)
    assert rows_seen[-1] < 48  # replications decided early were set aside
    # the loop runs until the last campaign ends: war_end_days after its verdict (decided_day)
    end = min(int(t.decided_day.max() + p.values["war_end_days"]), p.n_days - 1)
    assert len(rows_seen) == end + 1


def test_ledger_bounded_by_initial_forces(csis):
    t = ss.simulate(csis, reps=200, seed=11)
    p = compile_params(csis)
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
