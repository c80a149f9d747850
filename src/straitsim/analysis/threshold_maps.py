"""Threshold maps and belief curves: where Beijing's perceived chance crosses a level."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.beliefs import Belief
from straitsim.analysis.perception import (
    estimate,
    higher_is_better_q,
    mixture,
    profile_weights,
    quantity_values,
)
from straitsim.analysis.roles import Lattice, ladders
from straitsim.errors import UserError
from straitsim.limits import check_number, check_share
from straitsim.scenario.schema import Scenario

# Quantities that are probabilities: a threshold on them lies in [0, 1].
PROBABILITIES = frozenset({"prc_success", "prc_victory", "defence_prevails"})

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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
    if isinstance(quantity, str):  # a probability-like level; a utility level is any number
        level = check_share(level, "threshold") if quantity in PROBABILITIES else level
    level = float(check_number(level, "threshold"))
    n_grid = int(check_number(n_grid, "grid", 2, 1001, integer=True))
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
