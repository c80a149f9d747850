"""Metrics find the attacking side in the results, not by a country name in the code."""

from __future__ import annotations

import numpy as np

import straitsim as ss
from straitsim.analysis.metrics import attacker, metric


def test_attacker_and_coalition_sums_follow_the_data(csis):
    traj = ss.simulate(csis, 8, seed=2, days=20)
    prc = [c for c, a in csis.actors.items() if a.side == "prc"]
    assert [attacker(traj)] == prc
    coalition = sum(traj.losses[c]["ships"] for c in traj.losses if c not in prc)
    np.testing.assert_array_equal(metric("coalition_ships_lost")(traj), coalition)
    np.testing.assert_array_equal(metric("prc_ships_sunk")(traj), traj.losses[prc[0]]["ships"])
