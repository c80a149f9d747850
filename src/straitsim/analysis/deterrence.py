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

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.beliefs import SUM_TOL as SUM_TOL
from straitsim.analysis.beliefs import Belief as Belief
from straitsim.analysis.beliefs import Profile as Profile
from straitsim.analysis.beliefs import check_probabilities as check_probabilities
from straitsim.analysis.beliefs import declaration_belief as declaration_belief
from straitsim.analysis.beliefs import load_beliefs as load_beliefs
from straitsim.analysis.beliefs import parse_belief as parse_belief
from straitsim.analysis.metrics import METRICS, describe_metric, higher_is_better
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.roles import Lattice, evaluate_lattice, ladders
from straitsim.analysis.summary import Z95
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario
from straitsim.scenario.schema import Scenario

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
    "prc_killed": (lambda t: t.losses["CHN"]["personnel_killed"], "PRC personnel killed"),
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


# --------------------------------------------------------------------------- threshold maps


def fighting_rungs(sc: Scenario, ally: str) -> list[str]:
    """Rungs on which the ally's own forces fight (``forces`` not none, ``trigger`` not never)."""
    actor = sc.actors[ally]
    return [r for r, s in actor.rungs.items() if s.forces != "none" and s.trigger != "never"]


def check_map_allies(allies: Sequence[str], n_max: int = 2) -> list[str]:
    """Return the mapped allies upper-cased; raise unless 1 to ``n_max`` different allies."""
    codes = [a.strip().upper() for a in allies]
    if not 1 <= len(set(codes)) == len(codes) <= n_max:
        expected = "one or two different allies" if n_max == 2 else "different allies"
        raise UserError("bad map", key="--map", expected=expected, found=", ".join(codes) or "none")
    return codes


def map_rungs(
    sc: Scenario,
    allies: Sequence[str],
    fight: Mapping[str, str] | None = None,
    stay: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Return the fighting and staying-out rung of each mapped ally (default: top, bottom).

    "P(ALLY fights)" in a threshold map is the weight of a two-point belief on the fighting
    rung, the rest on the staying-out rung.
    """
    codes = check_map_allies(allies, n_max=len(allies) or 1)
    lad = ladders(sc, codes)
    fight = {a.upper(): r for a, r in (fight or {}).items()}
    stay = {a.upper(): r for a, r in (stay or {}).items()}
    for name, given in (("--fight", fight), ("--stay", stay)):
        extra = sorted(set(given) - set(lad))
        if extra:
            raise UserError(
                "ally not in the map",
                key=name,
                expected="one of " + ", ".join(lad),
                found=repr(extra[0]),
            )
    f_out, s_out = {}, {}
    for a, rungs in lad.items():
        f, s = fight.get(a, rungs[-1]), stay.get(a, rungs[0])
        fights = fighting_rungs(sc, a)
        if f not in fights:
            raise UserError(
                "not a fighting rung",
                key=f"--fight {a}",
                expected="one of "
                + (", ".join(fights) or "(none: this ally has no fighting rung)"),
                found=repr(f),
            )
        if s not in rungs or s in fights:
            raise UserError(
                "not a staying-out rung",
                key=f"--stay {a}",
                expected="one of " + ", ".join(r for r in rungs if r not in fights),
                found=repr(s),
            )
        f_out[a], s_out[a] = f, s
    return f_out, s_out


@dataclass
class ThresholdMap:
    """A quantity over a grid of P(ally fights) for one or two allies.

    ``values[i]`` (one ally) or ``values[i, j]`` (two allies: i over the first, j over the
    second) is the perceived quantity at ``grid[i]`` (and ``grid[j]``); ``se`` its standard
    error. Deterrence holds where the value is below ``level`` ("Beijing attacks only if the
    value is at least ``level``"). ``corners`` holds the value at each combination of
    staying out (0) and fighting (1); the map is multilinear in the probabilities, which
    gives the exact boundary.
    """

    allies: tuple[str, ...]
    fight: dict[str, str]
    stay: dict[str, str]
    quantity: str
    level: float
    grid: np.ndarray
    values: np.ndarray
    se: np.ndarray
    corners: dict[tuple[int, ...], float]
    points: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def deterred(self) -> np.ndarray:
        """Boolean grid: True where the perceived value is below ``level``."""
        return np.asarray(self.values < self.level)

    def at(self, *p: float) -> float:
        """Exact value at P(fights) = ``p`` (one per ally), from the corners."""
        total = 0.0
        for corner, val in self.corners.items():
            total += val * math.prod(pi if c else 1.0 - pi for c, pi in zip(corner, p, strict=True))
        return total

    def boundary(self) -> pd.DataFrame:
        """Least P(last ally fights) at which deterrence holds, per grid value of the first.

        One ally: a single row with the least P(fights) (``nan`` where none suffices).
        Two allies: one row per grid value of the first ally's P(fights). Exact (the map is
        linear in each probability).
        """
        import pandas as pd

        last = self.allies[-1]
        rows = []
        firsts = self.grid if len(self.allies) == 2 else [None]
        for p1 in firsts:
            head = () if p1 is None else (float(p1),)
            a, b = self.at(*head, 0.0), self.at(*head, 1.0) - self.at(*head, 0.0)
            if a < self.level:
                need = 0.0
            elif b < 0 and a + b < self.level:
                need = (self.level - a) / b
            else:
                need = math.nan
            row: dict[str, float] = {} if p1 is None else {f"p_{self.allies[0]}": float(p1)}
            row[f"p_{last}_needed"] = need
            rows.append(row)
        return pd.DataFrame(rows)

    def frame(self) -> pd.DataFrame:
        """Long table: one row per grid point with the value, its se and ``deterred``."""
        import pandas as pd

        rows = []
        for idx in itertools.product(range(self.grid.size), repeat=len(self.allies)):
            row: dict[str, Any] = {
                f"p_{a}": float(self.grid[i]) for a, i in zip(self.allies, idx, strict=True)
            }
            row.update(
                value=float(self.values[idx]),
                se=float(self.se[idx]),
                deterred=bool(self.values[idx] < self.level),
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: settings, corners and the exact boundary."""
        bnd = self.boundary()
        return {
            "quantity": self.quantity,
            "level": self.level,
            "allies": list(self.allies),
            "fight": self.fight,
            "stay": self.stay,
            "corners": [
                {
                    **{f"{a}_fights": bool(c) for a, c in zip(self.allies, k, strict=True)},
                    "value": v,
                }
                for k, v in self.corners.items()
            ],
            "boundary": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in bnd.to_dict("records")
            ],
            "points": {k: list(v) for k, v in self.points.items()},
        }


def two_point(ally: str, p_fight: float, fight: str, stay: str) -> Belief:
    """``p_fight`` on the fighting rung, the rest on the staying-out rung."""
    if fight == stay:
        raise ValueError("fight and stay rungs must differ")
    return Belief((ally,), {(fight,): p_fight, (stay,): 1.0 - p_fight})


def map_belief(
    base: Belief,
    allies: Sequence[str],
    p: Sequence[float],
    fight: Mapping[str, str],
    stay: Mapping[str, str],
) -> Belief:
    """Return ``base`` with the mapped allies replaced by two-point beliefs at ``p``."""
    others = [a for a in base.allies if a not in allies]
    out = base.marginal_over(others) if others else Belief((), {(): 1.0})
    for a, pa in zip(allies, p, strict=True):
        out = out.product(two_point(a, float(pa), fight[a], stay[a]))
    return out.reorder(base.allies)


def threshold_map(
    lattice: Lattice,
    base: Belief,
    allies: Sequence[str],
    fight: Mapping[str, str],
    stay: Mapping[str, str],
    level: float,
    quantity: str | np.ndarray = "prc_success",
    n_grid: int = 21,
) -> ThresholdMap:
    """Map a perceived quantity over P(ally fights) for one or two allies.

    Allies not mapped keep their belief in ``base`` (which covers the lattice's allies).
    ``quantity`` is a name or a ``(profiles, replications)`` array (e.g. a utility).
    """
    allies = tuple(check_map_allies(allies, 2))
    if isinstance(quantity, str):
        if higher_is_better_q(quantity):
            raise UserError(
                "threshold needs a quantity that favours the PRC",
                key="--metric",
                expected="e.g. prc_success or prc_victory",
                found=repr(quantity),
            )
        name, v = quantity, quantity_values(lattice, quantity)
    else:
        name, v = "custom", np.asarray(quantity, dtype=float)
    if n_grid < 2:
        raise UserError("bad grid", key="--grid", expected="at least 2 points", found=str(n_grid))
    grid = np.linspace(0.0, 1.0, n_grid)
    shape = (n_grid,) * len(allies)
    idxs = list(itertools.product(range(n_grid), repeat=len(allies)))
    W = np.stack(
        [
            profile_weights(lattice, map_belief(base, allies, [grid[i] for i in idx], fight, stay))
            for idx in idxs
        ]
    )
    per_rep = W @ v
    values = per_rep.mean(axis=1).reshape(shape)
    se = (
        per_rep.std(axis=1, ddof=1) / math.sqrt(v.shape[1])
        if v.shape[1] > 1
        else np.zeros(len(idxs))
    ).reshape(shape)
    corners = {
        c: float(
            mixture(v, profile_weights(lattice, map_belief(base, allies, c, fight, stay))).mean()
        )
        for c in itertools.product((0, 1), repeat=len(allies))
    }
    return ThresholdMap(
        allies, dict(fight), dict(stay), name, float(level), grid, values, se, corners
    )


def belief_curves(
    lattice: Lattice,
    base: Belief,
    allies: Sequence[str],
    fight: Mapping[str, str],
    stay: Mapping[str, str],
    quantity: str | np.ndarray = "prc_success",
    n_grid: int = 21,
) -> pd.DataFrame:
    """Perceived quantity vs P(ally fights), one ally at a time (the others as in ``base``).

    Columns: ``ally``, ``p_fights``, ``value``, ``se``, ``lo``, ``hi``.
    """
    import pandas as pd

    v = (
        quantity_values(lattice, quantity)
        if isinstance(quantity, str)
        else np.asarray(quantity, float)
    )
    rows = []
    for a in allies:
        for p in np.linspace(0.0, 1.0, n_grid):
            e = estimate(
                mixture(v, profile_weights(lattice, map_belief(base, [a], [p], fight, stay)))
            )
            rows.append({"ally": a, "p_fights": float(p), **e.to_dict()})
    return pd.DataFrame(rows)


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
        allies: Sequence[str] = ("JPN", "AUS"),
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
        allies: Sequence[str] = ("JPN", "AUS"),
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
        allies: Sequence[str] = ("JPN", "AUS"),
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        n_grid: int = 21,
    ) -> pd.DataFrame:
        """Return expected utility of attacking vs P(ally fights), one mapped ally at a time."""
        return self.curves(allies, fight, stay, valuation.utility(self.lattice), n_grid)

    def decision_map(
        self,
        valuation: Valuation,
        allies: Sequence[str] = ("JPN", "AUS"),
        fight: Mapping[str, str] | None = None,
        stay: Mapping[str, str] | None = None,
        n_grid: int = 21,
    ) -> ThresholdMap:
        """Map expected utility of attacking over P(ally fights); deterred where below 0."""
        tm = self.threshold_map(0.0, allies, fight, stay, valuation.utility(self.lattice), n_grid)
        tm.quantity = "expected_utility"
        return tm

    def mapped(self, allies: Sequence[str]) -> tuple[str, ...]:
        """Return the allies of a map, upper-cased; each must be in the lattice."""
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
            "schema_version": SCHEMA_VERSION,
            "straitsim_version": __version__,
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "hash": scenario_hash(self.scenario),
            },
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
    set_list = [f"{k}={v}" for k, v in sets.items()] if isinstance(sets, Mapping) else list(sets)
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
        set_list,
    )
