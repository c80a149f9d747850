"""Every parameter at the edges of (and outside) its domain: a clean error or finite results."""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.errors import UserError

NAMES = sorted(ss.load_scenario("csis-2026").params)


@pytest.mark.parametrize("name", NAMES)
def test_extreme_values_error_cleanly_or_stay_finite(name):
    for value in (-1.0, 0.0, 1e6):
        try:
            sc = ss.load_scenario("csis-2026", sets={name: value})
        except UserError as exc:
            assert "\n" not in str(exc) and name in str(exc)
            continue
        t = ss.simulate(sc, reps=8, seed=1, days=12)
        assert np.all(np.isin(t.outcome, range(5)))
        for country, metrics in t.losses.items():
            for m, a in metrics.items():
                assert np.all(np.isfinite(a)), (name, value, country, m)
                assert np.all(a >= -1e-9), (name, value, country, m)
