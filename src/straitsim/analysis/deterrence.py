"""Deterrence: what Beijing would expect, given what it believes each ally would do.

A :class:`Belief` (from :mod:`straitsim.analysis.beliefs`, whose public names are
re-exported here) is a probability distribution over the role profiles of some allies.
Beijing's *perceived* value of any outcome metric is the belief-weighted mixture of
role-lattice results: the lattice is simulated once, with common random numbers, and every
belief, declaration, threshold map and decision only re-weights it. Mixtures are formed per
replication, so differences between two beliefs (the value of clarity) are paired
differences over the same replications.

Method, assumptions and limits: docs/deterrence.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.belief_files import load_beliefs, parse_belief
from straitsim.analysis.beliefs import (
    SUM_TOL,
    Belief,
    Profile,
    check_probabilities,
    declaration_belief,
)
from straitsim.analysis.decision import (
    Valuation,
    decide,
)
from straitsim.analysis.perception import (
    EXTRA,
    PERCEIVED,
    Estimate,
    describe_quantity,
    estimate,
    higher_is_better_q,
    mixture,
    perceive,
    profile_weights,
    quantity_values,
    value_of_clarity,
)
from straitsim.analysis.roles import Lattice, evaluate_lattice, ladders
from straitsim.analysis.summary import document_header
from straitsim.analysis.threshold_maps import (
    ThresholdMap,
    belief_curves,
    check_map_allies,
    fighting_rungs,
    map_belief,
    map_rungs,
    threshold_map,
    two_point,
)
from straitsim.errors import UserError
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# The parts live in perception, threshold_maps and decision (and beliefs); their public
# names are re-exported here, where the deter job puts them together.
__all__ = [
    "EXTRA",
    "PERCEIVED",
    "SUM_TOL",
    "Belief",
    "DeterrenceResult",
    "Estimate",
    "Profile",
    "ThresholdMap",
    "Valuation",
    "belief_curves",
    "check_map_allies",
    "check_probabilities",
    "decide",
    "declaration_belief",
    "describe_quantity",
    "deter",
    "estimate",
    "fighting_rungs",
    "higher_is_better_q",
    "load_beliefs",
    "map_belief",
    "map_rungs",
    "mixture",
    "parse_belief",
    "perceive",
    "profile_weights",
    "quantity_values",
    "threshold_map",
    "two_point",
    "value_of_clarity",
]


# --------------------------------------------------------------------------- the deter job


@dataclass
class DeterrenceResult:
    """Beliefs, the lattice they re-weight, and everything derived from it."""

    scenario: Scenario
    lattice: Lattice
    prior: Belief
    declared: Belief | None
    declaration: dict[str, str]
    credibility: list[float]
    seed: int
    reps: int
    quantities: tuple[str, ...] = PERCEIVED
    overrides: list[str] = field(default_factory=list)

    @property
    def belief(self) -> Belief:
        """The belief Beijing holds in the end: declared when there is a declaration, else prior."""
        return self.declared if self.declared is not None else self.prior

    def perceived(self, which: str = "belief") -> pd.DataFrame:
        """Perceived quantities under ``belief`` (the final one), ``prior`` or ``declared``."""
        b = {"belief": self.belief, "prior": self.prior, "declared": self.declared}.get(which)
        if b is None:
            raise UserError(
                "no such belief",
                key="which",
                expected="belief, prior or declared",
                found=repr(which),
            )
        return perceive(self.lattice, b, self.quantities)

    def value_of_clarity(self) -> pd.DataFrame | None:
        """Return declared minus prior per quantity, paired intervals (None if no declaration)."""
        if self.declared is None:
            return None
        return value_of_clarity(self.lattice, self.prior, self.declared, self.quantities)

    def threshold_map(
        self,
        level: float = 0.5,
        allies: Sequence[str] | None = None,
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        quantity: str | np.ndarray = "prc_success",
        n_grid: int = 21,
    ) -> ThresholdMap:
        """Where deterrence holds over P(ally fights) (see :func:`threshold_map`).

        ``quantity`` is a name or a ``(profiles, replications)`` array (e.g. a utility).
        """
        allies = self.mapped(allies)
        f, s = map_rungs(self.scenario, allies, fight, stay)
        tm = threshold_map(self.lattice, self.belief, allies, f, s, level, quantity, n_grid)
        tm.points = self._points(allies, f, s)
        return tm

    def curves(
        self,
        allies: Sequence[str] | None = None,
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        quantity: str | np.ndarray = "prc_success",
        n_grid: int = 21,
    ) -> pd.DataFrame:
        """Perceived quantity vs P(ally fights), one mapped ally at a time.

        ``quantity`` is a name or a ``(profiles, replications)`` array (e.g. a utility).
        """
        allies = self.mapped(allies)
        f, s = map_rungs(self.scenario, allies, fight, stay)
        return belief_curves(self.lattice, self.belief, allies, f, s, quantity, n_grid)

    def decision(self, valuation: Valuation) -> dict[str, Any]:
        """Run the decision model under the prior and (if any) the declared belief."""
        out = {
            "valuation": valuation.to_dict(),
            "prior": decide(self.lattice, self.prior, valuation),
        }
        if self.declared is not None:
            out["declared"] = decide(self.lattice, self.declared, valuation)
        return out

    def decision_curves(
        self,
        valuation: Valuation,
        allies: Sequence[str] | None = None,
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        n_grid: int = 21,
    ) -> pd.DataFrame:
        """Return expected utility of attacking vs P(ally fights), one mapped ally at a time."""
        return self.curves(allies, fight, stay, valuation.utility(self.lattice), n_grid)

    def decision_map(
        self,
        valuation: Valuation,
        allies: Sequence[str] | None = None,
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        n_grid: int = 21,
    ) -> ThresholdMap:
        """Map expected utility of attacking over P(ally fights); deterred where below 0."""
        tm = self.threshold_map(0.0, allies, fight, stay, valuation.utility(self.lattice), n_grid)
        tm.quantity = "expected_utility"
        return tm

    def mapped(self, allies: Sequence[str] | None = None) -> tuple[str, ...]:
        """Return the allies of a map, upper-cased; each must be in the lattice.

        By default, the first two allies of the lattice that have a rung on which they fight.
        """
        if allies is None:
            allies = [a for a in self.lattice.allies if fighting_rungs(self.scenario, a)][:2]
        allies = tuple(a.strip().upper() for a in allies)
        missing = [a for a in allies if a not in self.lattice.allies]
        if missing:
            raise UserError(
                "ally not in the lattice",
                key="--map",
                expected="one of " + ", ".join(self.lattice.allies),
                found=repr(missing[0]),
            )
        return allies

    def _points(
        self, allies: Sequence[str], fight: Mapping[str, str], stay: Mapping[str, str]
    ) -> dict[str, tuple[float, ...]]:
        """Return where the prior and declared beliefs sit on a map, if they lie on it.

        A belief lies on the map when it equals the map's belief at its own P(fights): each
        mapped ally's weight is all on its fighting and staying-out rungs, the mapped allies
        are independent, and the other allies are believed as on the map.
        """
        pts = {}
        for name, b in (("prior", self.prior), ("declared", self.declared)):
            if b is None:
                continue
            p = tuple(b.marginal(a).get(fight[a], 0.0) for a in allies)
            on = map_belief(self.belief, allies, p, fight, stay)
            keys = set(on.probs) | set(b.probs)
            if all(abs(on.probs.get(k, 0.0) - b.probs.get(k, 0.0)) <= 1e-12 for k in keys):
                pts[name] = p
        return pts

    def summary(self) -> dict[str, Any]:
        """Return the ``straitsim deter --json`` document (see docs/deterrence.md)."""
        voc = self.value_of_clarity()
        perc = self.perceived()
        return {
            **document_header(self.scenario),
            "overrides": self.overrides,
            "seed": self.seed,
            "reps": self.reps,
            "lattice": {
                "allies": list(self.lattice.allies),
                "rungs": {a: list(r) for a, r in self.lattice.rungs.items()},
                "n_profiles": len(self.lattice.profiles),
            },
            "belief": {
                "prior": self.prior.to_dict(),
                "declared": None if self.declared is None else self.declared.to_dict(),
                "declaration": {"roles": self.declaration, "credibility": self.credibility}
                if self.declaration
                else None,
            },
            "perceived": {
                q: {k: float(perc.loc[q, k]) for k in ("value", "se", "lo", "hi")}
                for q in perc.index
            },
            "perceived_prior": None
            if self.declared is None
            else {
                q: {k: v for k, v in r.items() if k != "description"}
                for q, r in self.perceived("prior").to_dict("index").items()
            },
            "value_of_clarity": None
            if voc is None
            else {
                q: {k: (bool(v) if k == "defence_gains" else float(v)) for k, v in r.items()}
                for q, r in voc.to_dict("index").items()
            },
        }


def deter(
    scenario: str | Path | Scenario,
    belief: Belief | Mapping[str, Mapping[str, float]] | None = None,
    declare: Mapping[str, str] | None = None,
    credibility: float | Sequence[float] = 1.0,
    reps: int = 1000,
    seed: int = 0,
    allies: Sequence[str] = (),
    quantities: Sequence[str] = PERCEIVED,
    roles: Mapping[str, str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DeterrenceResult:
    """Evaluate the role lattice once and re-weight it by Beijing's belief.

    Parameters
    ----------
    scenario
        A built-in name, a TOML path or a loaded :class:`Scenario`.
    belief
        Beijing's prior: a :class:`Belief` or independent marginals
        ``{"JPN": {"neutral": 0.3, "full": 0.7}}``. Allies not named hold the scenario's rung
        with certainty.
    declare, credibility
        Declared rungs ``{"JPN": "full"}`` and how far Beijing believes them (one value, or
        one per declared ally); see :func:`declaration_belief`.
    reps, seed
        Replications and seed of the lattice (common random numbers across profiles).
    allies
        Further allies to put in the lattice (e.g. those of a threshold map).
    quantities
        What to report (metric names, or ``prc_killed``).
    roles, sets
        Scenario overrides as in :func:`straitsim.run` (only with a name or path).

    Returns
    -------
    DeterrenceResult
        Tables from ``perceived()``, ``value_of_clarity()``, ``threshold_map()``; the JSON
        document from ``summary()``; figures from :mod:`straitsim.report.deterrence_plots`.
    """
    sc = load_scenario(scenario, roles, sets)
    for q in quantities:
        describe_quantity(q)
    prior = belief if isinstance(belief, Belief) or belief is None else Belief.independent(belief)
    prior = (prior or Belief((), {(): 1.0})).check(sc)
    declare = {a.strip().upper(): r.strip() for a, r in (declare or {}).items()}
    creds = [float(credibility)] if isinstance(credibility, int | float) else list(credibility)
    for c in creds:
        if not 0.0 <= c <= 1.0:
            raise UserError(
                "bad credibility", key="credibility", expected="a number in [0, 1]", found=repr(c)
            )
    for a, r in declare.items():
        Belief.certain({a: r}).check(sc, key=f"declare.{a}")
    wanted = {a.strip().upper() for a in (*prior.allies, *declare, *allies)}
    lad = ladders(sc, sorted(wanted))
    order = [a for a in sc.actors if a in lad]
    base = profile_roles(sc, None)
    prior = prior.extend({a: base[a] for a in order}).reorder(order)
    declared = declaration_belief(prior, declare, creds) if declare else None
    lattice = evaluate_lattice(sc, order, reps, seed, "prc_success", days, chunk_size, progress)
    return DeterrenceResult(
        sc,
        lattice,
        prior,
        declared,
        declare,
        [float(c) for c in creds],
        seed,
        reps,
        tuple(quantities),
        set_strings(sets),
    )
