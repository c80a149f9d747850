"""Every parameter at the edges of (and outside) its domain: a clean error or finite results.

A value inside the domain must load; one outside must be refused with the parameter named.
"""

from __future__ import annotations

import numpy as np
import pytest

import straitsim as ss
from straitsim.errors import UserError
from straitsim.scenario.domains import param_domain

NAMES = sorted(ss.load_scenario("csis-2026").params)


@pytest.mark.parametrize("name", NAMES)
def test_extreme_values_error_cleanly_or_stay_finite(name):
    prm = ss.load_scenario("csis-2026").params[name]
    dom = param_domain(name, prm.unit, prm.domain, prm.domain_rationale)
    # outside, at the low edge, just inside a strictly positive edge, at the high edge, far out
    edges = (-1.0, dom.lo, dom.lo + 1e-6 * (dom.hi - dom.lo), dom.hi, dom.hi * 1e3 + 1.0)
    for value in edges:
        try:
            sc = ss.load_scenario("csis-2026", sets={name: value})
        except UserError as exc:
            assert "\n" not in str(exc) and name in str(exc)
            inside = dom.lo <= value <= dom.hi and not (dom.positive and value <= dom.lo)
            assert not inside or prm.unit == "bool", value  # a switch is 0 or 1 only
            continue
        assert dom.lo <= value <= dom.hi, (name, value)
        t = ss.simulate(sc, reps=4, seed=1, days=12)
        assert np.all(np.isin(t.outcome, range(5)))
        for country, metrics in t.losses.items():
            for m, a in metrics.items():
                assert np.all(np.isfinite(a)), (name, value, country, m)
                assert np.all(a >= -1e-9), (name, value, country, m)
