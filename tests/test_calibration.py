"""Calibration: csis-2026 against the CSIS 2023 base case (public-sources.md).

2,000 replications; each band is the issue's target, stated with its tolerance. The test
fails when a median leaves its band. docs/model.md explains which mechanisms produce each.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss


@pytest.fixture(scope="module")
def base(csis):
    return ss.simulate(csis, reps=2000, seed=2023)


def med(a):
    return float(np.median(a[0]))


def test_outcomes_mostly_prc_defeat(base):
    # CSIS: two decisive PRC defeats and one stalemate trending against the PRC in three games.
    share = float((base.outcome[0] <= 1).mean())
    assert share >= 0.8


def test_amphibious_fleet_sunk(base):
    # CSIS: at least 90% of the amphibious fleet sunk every time; target median >= 85%.
    assert med(base.losses["CHN"]["amphibious_fleet_sunk_share"]) >= 0.85


def test_us_losses(base):
    usa = base.losses["USA"]
    assert 1.0 <= med(usa["carriers"]) <= 3.0  # about 2 carriers
    assert 7.0 <= med(usa["surface_combatants"]) <= 20.0  # 7-20 major surface combatants
    assert 170.0 <= med(usa["aircraft"]) <= 370.0  # 168-372, mean 283
    ground = usa["aircraft_on_ground"][0].sum() / usa["aircraft"][0].sum()
    assert ground >= 0.6  # most on the ground (CSIS: about 90% of allied losses)


def test_prc_losses(base):
    chn = base.losses["CHN"]
    assert 130.0 <= med(chn["aircraft"]) <= 200.0  # about 155-161
    assert 110.0 <= med(chn["ships"]) <= 170.0  # 138 (86 amphibious, 52 others)


def test_japan_aircraft_near_published(base):
    # About 122 aircraft (press); tolerance +/- 30%.
    assert 85.0 <= med(base.losses["JPN"]["aircraft"]) <= 160.0


def test_battalions_landed_order_of_magnitude(base):
    # About 37 landed; tolerance: 25-60.
    assert 25.0 <= med(base.losses["CHN"]["battalions_landed"]) <= 60.0


def test_taiwan_alone_favours_the_prc(csis):
    t = ss.simulate(
        csis,
        reps=300,
        seed=5,
        profiles=[{"USA": "none", "JPN": "neutral", "AUS": "neutral", "KOR": "neutral"}],
    )
    # CSIS: with Taiwan alone the PRC wins.
    assert float((t.outcome[0] >= 3).mean()) >= 0.7
