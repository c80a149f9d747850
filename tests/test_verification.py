"""The engine's modules reproduce closed forms in deterministic mode (all noise off).

tests/data/verify.toml is a minimal order of battle with every dispersion set to zero and
every uncertain parameter fixed; each test switches on one mechanism with --set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import straitsim as ss
from straitsim.engine.laws import linear_step, square_law_closed_form

DATA = Path(__file__).parent / "data"


def test_air_war_reproduces_lanchester_square_law():
    sc = ss.load_scenario(DATA / "verify.toml")
    for days in (1, 10, 50):
        t = ss.simulate(sc, reps=2, seed=3, days=days)
        x, y = square_law_closed_form(100.0, 80.0, 0.01, 0.01, days)
        np.testing.assert_allclose(t.losses["TWN"]["aircraft"][0], 100.0 - x, rtol=1e-9)
        np.testing.assert_allclose(t.losses["CHN"]["aircraft"][0], 80.0 - y, rtol=1e-9)
        # all of it in the air, none on the ground
        assert np.all(t.losses["TWN"]["aircraft_on_ground"] == 0)


def test_air_war_quality_sets_exchange_ratio():
    # Quality q enters as a = k q_x / q_y, b = k q_y / q_x: the square-law state equation
    # a x^2 - b y^2 is conserved with the enabler factor as the quality ratio.
    sc = ss.load_scenario(DATA / "verify.toml", sets={"coalition_air_enabler": 2.0})
    t = ss.simulate(sc, reps=1, seed=0, days=5)
    x = 100.0 - t.losses["TWN"]["aircraft"][0, 0]
    y = 80.0 - t.losses["CHN"]["aircraft"][0, 0]
    a, b = 0.01 * 2.0, 0.01 / 2.0
    assert a * x * x - b * y * y == pytest.approx(a * 100.0**2 - b * 80.0**2, rel=1e-9)


def test_submarine_war_reproduces_lanchester_linear_law():
    sc = ss.load_scenario(
        DATA / "verify-navy.toml",
        sets={
            "invasion_start_day": 0,
            "ships.red-escort.n": 100,
            "ships.red-amph.n": 50,
            "ships.blue-ss.n": 10,
            "k_air": 0.0,
            "t_per_battalion": 1,
        },
    )
    days = 10
    t = ss.simulate(sc, reps=2, seed=0, days=days)
    x, y = np.array(150.0), np.array(10.0)
    for _ in range(days):
        x, y = linear_step(x, y, 0.0065, 0.00033, 1.0)
    np.testing.assert_allclose(t.losses["CHN"]["ships"][0], 150.0 - float(x), rtol=1e-9)
    np.testing.assert_allclose(t.losses["TWN"]["submarines"][0], 10.0 - float(y), rtol=1e-9)


def test_maritime_strike_reproduces_hughes_salvo_equation():
    # 10 launchers x 2 shots = 20 missiles; 8 escorts each destroying 1; 2 hits to kill:
    # Hughes: dB = (20 - 1 * 8) / 2 = 6 ships on the first day of the invasion.
    sets = {
        "invasion_start_day": 1,
        "launchers.blue-coastal.n": 10,
        "p_launch_failure": 0.0,
        "p_terminal_defence": 0.0,
        "p_guidance_failure": 0.0,
        "pk_interceptor": 1.0,
        "interceptors_per_missile": 1,
        "prc_magazine_reload_per_day": 0.0,
        "k_air": 0.0,
    }
    sc = ss.load_scenario(DATA / "verify-navy.toml", sets=sets)
    t = ss.simulate(sc, reps=1, seed=0, days=2)
    assert t.losses["CHN"]["surface_combatants"][0, 0] == pytest.approx(6.0, abs=1e-9)
    assert t.spent[0, 0, list(t.weapons).index("harpoon")] == pytest.approx(20.0)
    # Below the defence threshold nothing is sunk: 6 missiles against 8 x 1 defence.
    sc2 = ss.load_scenario(DATA / "verify-navy.toml", sets={**sets, "launchers.blue-coastal.n": 3})
    t2 = ss.simulate(sc2, reps=1, seed=0, days=2)
    assert t2.losses["CHN"]["surface_combatants"][0, 0] == pytest.approx(0.0, abs=1e-12)


def test_csis_chain_probabilities():
    # With no area defence engagements the CSIS chain gives hits = M (1-0.15)(1-0.7)(1-0.1).
    sets = {
        "invasion_start_day": 1,
        "launchers.blue-coastal.n": 50,
        "ships.red-escort.engagements_per_day": 0,
        "ships.red-escort.n": 200,
        "k_air": 0.0,
    }
    sc = ss.load_scenario(DATA / "verify-navy.toml", sets=sets)
    t = ss.simulate(sc, reps=1, seed=0, days=2)
    hits = 100 * 0.85 * 0.3 * 0.9
    assert t.losses["CHN"]["surface_combatants"][0, 0] == pytest.approx(hits / 2.0, rel=1e-9)
