"""Beijing's decision model: expected utility of invading versus not, under a belief."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from straitsim.analysis.beliefs import Belief
from straitsim.analysis.perception import (
    estimate,
    mixture,
    profile_weights,
    quantity_values,
)
from straitsim.analysis.roles import Lattice
from straitsim.limits import check_number

MAX_UTILITY = 1e12  # utility units: far above any stake, small enough that sums stay finite

# --------------------------------------------------------------------------- decision model


@dataclass(frozen=True)
class Valuation:
    """An analyst's valuation of Beijing's stakes, in arbitrary utility units.

    Attacking yields ``gain_success`` when the campaign succeeds (``success`` quantity, per
    replication), ``-cost_failure`` otherwise, minus ``cost_per_unit[q] * q`` for each loss
    quantity ``q``; not attacking yields 0. Beijing attacks when expected utility is positive.
    """

    gain_success: float
    cost_failure: float
    cost_per_unit: Mapping[str, float] = field(default_factory=dict)
    success: str = "prc_success"

    def __post_init__(self) -> None:
        """Refuse stakes that make the decision rule meaningless (NaN, <= 0, unbounded)."""
        check_number(self.gain_success, "gain", 0.0, MAX_UTILITY, positive=True)
        check_number(self.cost_failure, "failure_cost", 0.0, MAX_UTILITY)
        for q, c in self.cost_per_unit.items():
            check_number(c, f"loss_cost.{q}", -MAX_UTILITY, MAX_UTILITY)

    def utility(self, lattice: Lattice) -> np.ndarray:
        """Return the utility of attacking on each (profile, replication)."""
        s = quantity_values(lattice, self.success)
        u = self.gain_success * s - self.cost_failure * (1.0 - s)
        for q, c in self.cost_per_unit.items():
            u = u - c * quantity_values(lattice, q)
        return np.asarray(u, dtype=float)

    def break_even(self) -> float:
        """P(success) above which attacking pays when losses cost nothing."""
        return self.cost_failure / (self.gain_success + self.cost_failure)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "gain_success": self.gain_success,
            "cost_failure": self.cost_failure,
            "cost_per_unit": dict(self.cost_per_unit),
            "success": self.success,
        }


def decide(lattice: Lattice, belief: Belief, valuation: Valuation) -> dict[str, Any]:
    """Return the expected utility of attacking under ``belief`` and the decision.

    ``decision`` is ``attack`` when the expected utility is positive, else ``deter``;
    ``clear`` is True when the 95% interval excludes 0.
    """
    e = estimate(mixture(valuation.utility(lattice), profile_weights(lattice, belief)))
    return {
        "expected_utility": e.to_dict(),
        "decision": "attack" if e.value > 0 else "deter",
        "clear": bool(e.lo > 0 or e.hi < 0),
    }
