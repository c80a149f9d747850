"""Beijing's perceived outcome: a belief-weighted mixture of role-lattice results, per replication.

Mixtures are formed per replication, so differences between two beliefs (the value of
clarity) are paired differences over the same replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from straitsim.analysis.beliefs import SUM_TOL, Belief
from straitsim.analysis.metrics import METRICS, attacker, describe_metric, higher_is_better
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.roles import Lattice
from straitsim.analysis.summary import Z95
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


PERCEIVED = (
    "prc_victory",
    "prc_success",
    "defence_prevails",
    "prc_ships_sunk",
    "prc_amphibious_sunk_share",
    "prc_aircraft_lost",
    "prc_battalions_landed",
    "prc_killed",
)
"""Quantities reported by default: outcome probabilities and the losses Beijing should expect."""

EXTRA: dict[str, tuple[Callable[[Trajectory], np.ndarray], str]] = {
    "prc_killed": (lambda t: t.losses[attacker(t)]["personnel_killed"], "PRC personnel killed"),
}
"""Quantities beyond the shared metrics registry (analysis/metrics.py)."""


def describe_quantity(name: str) -> str:
    """Return the one-line description of a quantity (a metric or one of :data:`EXTRA`)."""
    if name in EXTRA:
        return EXTRA[name][1]
    if name not in METRICS:
        raise UserError(
            "unknown quantity",
            key="metric",
            expected="one of " + ", ".join([*METRICS, *EXTRA]),
            found=repr(name),
        )
    return describe_metric(name)


def quantity_values(lattice: Lattice, name: str) -> np.ndarray:
    """``(profiles, replications)`` values of a quantity on the lattice (no new simulation)."""
    if name == lattice.metric:
        return np.asarray(lattice.values, dtype=float)
    if name in EXTRA:
        return np.asarray(EXTRA[name][0](lattice.trajectory), dtype=float)
    return np.asarray(get_metric(name)(lattice.trajectory), dtype=float)


# --------------------------------------------------------------------------- mixtures


def profile_weights(lattice: Lattice, belief: Belief) -> np.ndarray:
    """Weight of each lattice profile under ``belief`` (which must cover the lattice's allies)."""
    if set(belief.allies) != set(lattice.allies):
        raise ValueError(
            f"belief allies {belief.allies} differ from lattice allies {lattice.allies}"
        )
    w = np.array([belief.prob(p) for p in lattice.profiles], dtype=float)
    if abs(math.fsum(w) - 1.0) > SUM_TOL:
        raise ValueError("belief puts weight on profiles outside the lattice")
    return w


def mixture(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-replication mixture ``sum_i weights[i] * values[i, r]``: shape (replications,)."""
    out: np.ndarray = np.asarray(weights, dtype=float) @ np.asarray(values, dtype=float)
    return out


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its standard error and a 95% normal interval."""

    value: float
    se: float
    lo: float
    hi: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return {"value": self.value, "se": self.se, "lo": self.lo, "hi": self.hi}


def estimate(per_rep: np.ndarray, bounds: tuple[float, float] | None = None) -> Estimate:
    """Mean, standard error and 95% interval of per-replication values (clipped to ``bounds``)."""
    x = np.asarray(per_rep, dtype=float)
    m = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0
    lo, hi = m - Z95 * se, m + Z95 * se
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return Estimate(m, se, lo, hi)


def perceive(
    lattice: Lattice, belief: Belief, quantities: Sequence[str] = PERCEIVED
) -> pd.DataFrame:
    """Beijing's perceived value of each quantity under ``belief``.

    Rows: quantities; columns ``value`` (the belief-weighted mixture of lattice means),
    ``se``, ``lo``, ``hi`` (95% over replications) and ``description``.
    """
    import pandas as pd

    w = profile_weights(lattice, belief)
    rows = []
    for q in quantities:
        v = quantity_values(lattice, q)
        e = estimate(mixture(v, w), (float(v.min()), float(v.max())))
        rows.append({"quantity": q, **e.to_dict(), "description": describe_quantity(q)})
    return pd.DataFrame(rows).set_index("quantity")


def value_of_clarity(
    lattice: Lattice, prior: Belief, declared: Belief, quantities: Sequence[str] = PERCEIVED
) -> pd.DataFrame:
    """Change in each perceived quantity from ``prior`` to ``declared``, with paired intervals.

    Both beliefs re-weight the same replications, so the interval comes from the
    per-replication difference of the two mixtures (a paired standard error). A negative
    ``delta`` in ``prc_success`` means the declaration lowers Beijing's perceived chance.
    """
    import pandas as pd

    w0, w1 = profile_weights(lattice, prior), profile_weights(lattice, declared)
    rows = []
    for q in quantities:
        v = quantity_values(lattice, q)
        d = estimate(mixture(v, w1 - w0))
        rows.append(
            {
                "quantity": q,
                "prior": float(mixture(v, w0).mean()),
                "declared": float(mixture(v, w1).mean()),
                "delta": d.value,
                "se": d.se,
                "lo": d.lo,
                "hi": d.hi,
                "defence_gains": bool(d.value > 0) == higher_is_better_q(q)
                if d.value != 0
                else False,
            }
        )
    return pd.DataFrame(rows).set_index("quantity")


def higher_is_better_q(name: str) -> bool:
    """Return True when a larger value of the quantity is better for the defence."""
    return True if name == "prc_killed" else higher_is_better(name)
