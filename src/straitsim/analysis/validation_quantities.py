"""The quantities a validation case compares, parsed from text and evaluated per replication.

The grammar is in :mod:`straitsim.analysis.validation`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np

from straitsim.analysis.metrics import METRICS, attacker
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import TRACES, Trajectory
from straitsim.errors import UserError
from straitsim.scenario.schema import Scenario

# The quantity that sums every country of the coalition (all but the attacker).
COALITION = "COALITION"

# --- quantities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: ``kind`` and its parts (see the module docstring)."""

    kind: Literal["loss", "ratio", "outcome", "metric", "trace", "decided_day"]
    text: str
    terms: tuple[tuple[str, ...], ...] = ()
    name: str = ""

    @property
    def is_probability(self) -> bool:
        """True when the statistic is a share of replications (0/1 values per replication)."""
        if self.kind == "outcome":
            return True
        return self.kind == "metric" and METRICS[self.name][1].startswith("P(")

    @property
    def is_share(self) -> bool:
        """True when the values are shares (shown as percentages)."""
        return (
            self.is_probability
            or self.kind == "ratio"
            or (self.kind == "trace" and self.name.endswith("_share"))
            or (self.kind == "loss" and self.terms[0][2].endswith("_share"))
        )


def _term(text: str, whole: str) -> tuple[str, ...]:
    parts = text.strip().split(".")
    if parts[0] == "initial" and len(parts) == 3 and parts[1]:
        return ("initial", parts[1].upper(), parts[2])
    if len(parts) == 2 and all(parts):
        return ("loss", parts[0].upper(), parts[1])
    raise UserError(
        "bad quantity",
        key="quantity",
        expected=(
            "COUNTRY.metric, A / B (with initial.COUNTRY.X as a denominator), outcome.NAME, "
            "metric.NAME, trace.NAME or decided_day"
        ),
        found=repr(whole),
    )


def parse_quantity(text: str) -> Quantity:
    """Parse a quantity string; raise :class:`UserError` naming the choices when it is wrong."""
    t = text.strip()
    if t == "decided_day":
        return Quantity("decided_day", t)
    if "/" in t:
        num, _, den = t.partition("/")
        return Quantity("ratio", t, (_term(num, t), _term(den, t)))
    head, _, name = t.partition(".")
    named: tuple[tuple[Literal["outcome", "metric", "trace"], Collection[str]], ...] = (
        ("outcome", OUTCOMES),
        ("metric", METRICS),
        ("trace", TRACES),
    )
    for kind, names in named:
        if head != kind:
            continue
        if name not in names:
            raise UserError(
                f"unknown {kind}",
                key="quantity",
                expected="one of " + ", ".join(names),
                found=repr(name),
            )
        return Quantity(kind, t, name=name)
    term = _term(t, t)
    if term[0] == "initial":
        raise UserError(
            "an initial inventory is only a denominator",
            key="quantity",
            expected="COUNTRY.metric / initial.COUNTRY.X",
            found=repr(t),
        )
    return Quantity("loss", t, (term,))


def initial_inventory(sc: Scenario, country: str, what: str) -> float:
    """Count ``country``'s starting aircraft (``what='aircraft'``) or ships of class ``what``."""
    if country not in sc.actors:
        raise UserError(
            "unknown country",
            key="quantity",
            expected="one of " + ", ".join(sc.actors),
            found=repr(country),
        )
    if what == "aircraft":
        return float(sum(u.n for u in sc.air_units.values() if u.actor == country))
    classes = sorted(sc.ship_classes)
    if what not in classes:
        raise UserError(
            "unknown inventory",
            key="quantity",
            expected="aircraft or a ship class (" + ", ".join(classes) + ")",
            found=repr(what),
        )
    return float(sum(g.n for g in sc.ships.values() if g.actor == country and g.ship_class == what))


def _loss(traj: Trajectory, country: str, metric_name: str, profile: int) -> np.ndarray:
    att = attacker(traj)
    countries = [c for c in traj.losses if c != att] if country == COALITION else [country]
    out = np.zeros(traj.n_reps)
    for c in countries:
        if c not in traj.losses:
            raise UserError(
                "unknown country",
                key="quantity",
                expected="one of " + ", ".join([*traj.losses, COALITION]),
                found=repr(c),
            )
        ms = traj.losses[c]
        if metric_name not in ms:
            raise UserError(
                f"no metric {metric_name!r} for {c}",
                key="quantity",
                expected="one of " + ", ".join(ms),
                found=repr(metric_name),
            )
        out = out + np.asarray(ms[metric_name][profile], dtype=float)
    return out


def quantity_values(
    quantity: str | Quantity, traj: Trajectory, sc: Scenario, profile: int = 0
) -> np.ndarray:
    """Per-replication values of a quantity (shape ``(replications,)``; NaN where undefined)."""
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    if q.kind == "decided_day":
        last = traj.traces[TRACES[0]].shape[1] - 1
        day = np.asarray(traj.decided_day[profile], dtype=float)
        return np.where(np.isnan(day), float(last), day)
    if q.kind == "outcome":
        hit = np.asarray(traj.outcome[profile]) == OUTCOMES.index(q.name)
        return np.asarray(hit, dtype=float)
    if q.kind == "metric":
        return np.asarray(METRICS[q.name][0](traj)[profile], dtype=float)
    if q.kind == "trace":
        return np.asarray(traj.traces[q.name][profile, -1, :], dtype=float)

    def term(t: tuple[str, ...]) -> np.ndarray:
        if t[0] == "initial":
            return np.full(traj.n_reps, initial_inventory(sc, t[1], t[2]))
        return _loss(traj, t[1], t[2], profile)

    if q.kind == "loss":
        return term(q.terms[0])
    num, den = term(q.terms[0]), term(q.terms[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
