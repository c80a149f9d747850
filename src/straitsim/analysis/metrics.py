"""Outcome metrics: per-replication values computed from a trajectory, by name.

Every metric maps a :class:`Trajectory` to an array of shape (profiles, replications), so
analyses (lattice, Shapley, deterrence, investments, sensitivity) work with any of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError

Metric = Callable[[Trajectory], np.ndarray]


def attacker(t: Trajectory) -> str:
    """Return the attacker's code: the one country whose ledger counts battalions landed.

    The engine keeps the landing ledger for the attacking side only (docs/model.md,
    section 6), so metrics find the attacker in the results, not by a country name.
    """
    return next(c for c, d in t.losses.items() if "battalions_landed" in d)


def _attacker_loss(metric: str) -> Metric:
    def f(t: Trajectory) -> np.ndarray:
        return t.losses[attacker(t)][metric]

    return f


def _coalition_sum(metric: str) -> Metric:
    def f(t: Trajectory) -> np.ndarray:
        att = attacker(t)
        return sum(
            (t.losses[c][metric] for c in t.losses if c != att),
            np.zeros_like(t.outcome, dtype=float),
        )

    return f


METRICS: dict[str, tuple[Metric, str, bool]] = {
    # name: (function, description, higher is better for the defence)
    "defence_prevails": (
        lambda t: (t.outcome <= OUTCOMES.index("stalemate_against_prc")).astype(float),
        "P(decisive PRC defeat or stalemate trending against the PRC)",
        True,
    ),
    "prc_decisive_defeat": (
        lambda t: (t.outcome == 0).astype(float),
        "P(decisive PRC defeat)",
        True,
    ),
    "prc_victory": (
        lambda t: (t.outcome == OUTCOMES.index("prc_victory")).astype(float),
        "P(PRC victory)",
        False,
    ),
    "prc_success": (
        lambda t: (t.outcome >= OUTCOMES.index("stalemate_toward_prc")).astype(float),
        "P(PRC victory or stalemate trending toward the PRC)",
        False,
    ),
    "prc_ships_sunk": (_attacker_loss("ships"), "PRC ships sunk", True),
    "prc_amphibious_sunk_share": (
        _attacker_loss("amphibious_fleet_sunk_share"),
        "Share of the PRC amphibious fleet sunk",
        True,
    ),
    "prc_battalions_landed": (
        _attacker_loss("battalions_landed"),
        "PRC battalions landed",
        False,
    ),
    "prc_aircraft_lost": (_attacker_loss("aircraft"), "PRC aircraft lost", True),
    "coalition_aircraft_lost": (_coalition_sum("aircraft"), "Coalition aircraft lost", False),
    "coalition_ships_lost": (_coalition_sum("ships"), "Coalition ships lost", False),
    "coalition_killed": (_coalition_sum("personnel_killed"), "Coalition personnel killed", False),
}


def metric(name: str) -> Metric:
    """Return the metric function called ``name`` (a clear error lists the choices)."""
    if name not in METRICS:
        raise UserError(
            "unknown metric",
            key="metric",
            expected="one of " + ", ".join(METRICS),
            found=repr(name),
        )
    return METRICS[name][0]


def describe_metric(name: str) -> str:
    """One-line description of a metric."""
    metric(name)
    return METRICS[name][1]


def higher_is_better(name: str) -> bool:
    """Return True when a larger value of the metric is better for the defence."""
    metric(name)
    return METRICS[name][2]
