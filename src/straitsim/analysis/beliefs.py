"""Beijing's beliefs about allies' roles: parsing, validation, mixing and declarations.

A :class:`Belief` is a probability distribution over the role profiles of some allies
(independent per ally, or a joint table). Beliefs come from ``--belief`` strings
(:func:`parse_belief`), TOML files (:func:`load_beliefs`) or the constructors of
:class:`Belief`; a declaration believed with some credibility mixes the prior with the
declared roles (:func:`declaration_belief`). :mod:`straitsim.analysis.belief_files` reads
beliefs from text and files. :mod:`straitsim.analysis.deterrence` re-weights the role
lattice by these beliefs.

Method, assumptions and limits: docs/deterrence.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from straitsim.errors import UserError
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SUM_TOL = 1e-9
"""How far a belief's probabilities may sum from 1."""

Profile = tuple[str, ...]
"""One rung per ally, in the order of a belief's ``allies``."""


def check_probabilities(
    probs: Mapping[str, Any], *, file: str | None = None, key: str = "belief"
) -> dict[str, float]:
    """Validate one probability vector: numbers, finite, non-negative, summing to 1 (1e-9)."""
    out = {name: _check_p(p, file, f"{key}.{name}") for name, p in probs.items()}
    total = math.fsum(out.values())
    if abs(total - 1.0) > SUM_TOL:
        raise UserError(
            "probabilities do not sum to 1",
            file=file,
            key=key,
            expected="a sum of 1 (within 1e-9)",
            found=f"{total:.12g}",
        )
    return out


@dataclass
class Belief:
    """A probability distribution over role profiles of ``allies``.

    ``probs`` maps a profile (one rung per ally, in the order of ``allies``) to its
    probability; profiles not listed have probability 0. Build one with
    :meth:`independent`, :meth:`certain`, :meth:`joint` or :func:`load_beliefs`.
    """

    allies: tuple[str, ...]
    probs: dict[Profile, float]

    def __post_init__(self) -> None:
        self.allies = tuple(a.upper() for a in self.allies)
        if len(set(self.allies)) != len(self.allies):
            raise UserError(
                "an ally appears twice in a belief",
                key="belief",
                expected="each ally once",
                found=", ".join(self.allies),
            )
        for prof in self.probs:
            if len(prof) != len(self.allies):
                raise ValueError(f"profile {prof} does not match allies {self.allies}")
        self.probs = {k: float(v) for k, v in self.probs.items() if v > 0}
        check_probabilities({"/".join(k): v for k, v in self.probs.items()})

    @classmethod
    def independent(cls, marginals: Mapping[str, Mapping[str, float]]) -> Belief:
        """Independent beliefs per ally: ``{"JPN": {"neutral": 0.3, "full": 0.7}, ...}``."""
        allies = tuple(marginals)
        checked = [check_probabilities(marginals[a], key=f"belief.{a}") for a in allies]
        probs: dict[Profile, float] = {}
        for combo in itertools.product(*[[(r, p) for r, p in m.items() if p > 0] for m in checked]):
            probs[tuple(r for r, _ in combo)] = math.prod(p for _, p in combo)
        return cls(allies, probs)

    @classmethod
    def certain(cls, roles: Mapping[str, str]) -> Belief:
        """Certainty that each ally holds the given rung."""
        return cls(tuple(roles), {tuple(roles.values()): 1.0})

    @classmethod
    def joint(cls, allies: Sequence[str], table: Mapping[Profile, float]) -> Belief:
        """Build a joint table: ``{("neutral", "neutral"): 0.3, ("full", "full"): 0.7}``."""
        return cls(tuple(allies), dict(table))

    def prob(self, roles: Mapping[str, str]) -> float:
        """Probability of the profile in which each of ``allies`` holds ``roles[ally]``."""
        return self.probs.get(tuple(roles[a] for a in self.allies), 0.0)

    def marginal(self, ally: str) -> dict[str, float]:
        """Probability of each rung of one ally (rungs with probability 0 left out)."""
        i = self.allies.index(ally.upper())
        out: dict[str, float] = {}
        for prof, p in self.probs.items():
            out[prof[i]] = out.get(prof[i], 0.0) + p
        return out

    def marginal_over(self, allies: Sequence[str]) -> Belief:
        """Return the joint distribution of a subset of allies."""
        idx = [self.allies.index(a) for a in allies]
        out: dict[Profile, float] = {}
        for prof, p in self.probs.items():
            k = tuple(prof[i] for i in idx)
            out[k] = out.get(k, 0.0) + p
        return Belief(tuple(allies), out)

    def product(self, other: Belief) -> Belief:
        """Independent combination of two beliefs over disjoint sets of allies."""
        both = set(self.allies) & set(other.allies)
        if both:
            raise UserError(
                "an ally has two beliefs",
                key="belief",
                expected="each ally once",
                found=", ".join(sorted(both)),
            )
        probs = {a + b: p * q for a, p in self.probs.items() for b, q in other.probs.items()}
        return Belief(self.allies + other.allies, probs)

    def extend(self, roles: Mapping[str, str]) -> Belief:
        """Add allies held with certainty at ``roles`` (those already in the belief are kept)."""
        new = {a: r for a, r in roles.items() if a not in self.allies}
        return self.product(Belief.certain(new)) if new else self

    def reorder(self, allies: Sequence[str]) -> Belief:
        """Return the same belief with allies listed in another order."""
        idx = [self.allies.index(a) for a in allies]
        return Belief(tuple(allies), {tuple(k[i] for i in idx): p for k, p in self.probs.items()})

    def mix(self, other: Belief, weight: float) -> Belief:
        """``weight * other + (1 - weight) * self`` (allies of ``other`` reordered to match)."""
        if not 0.0 <= weight <= 1.0:
            raise UserError(
                "bad credibility",
                key="credibility",
                expected="a number in [0, 1]",
                found=repr(weight),
            )
        if set(other.allies) != set(self.allies):
            raise ValueError("mixed beliefs must cover the same allies")
        o = other.reorder(self.allies)
        keys = set(self.probs) | set(o.probs)
        mixed = {
            k: weight * o.probs.get(k, 0.0) + (1.0 - weight) * self.probs.get(k, 0.0) for k in keys
        }
        return Belief(self.allies, mixed)

    def declared(self, roles: Mapping[str, str]) -> Belief:
        """Return what Beijing believes if it takes the declaration ``roles`` at its word.

        The declaring allies hold their declared rungs; the others follow this belief
        conditioned on the declared rungs (identical to their marginal when the belief is
        independent). If the belief gave the declared rungs probability 0, the others keep
        their marginal.
        """
        roles = {a.upper(): r for a, r in roles.items()}
        missing = [a for a in roles if a not in self.allies]
        if missing:
            raise ValueError(f"declared allies {missing} are not in the belief {self.allies}")
        idx = {a: self.allies.index(a) for a in roles}
        match = {
            k: p for k, p in self.probs.items() if all(k[i] == roles[a] for a, i in idx.items())
        }
        mass = math.fsum(match.values())
        if mass > 0:
            return Belief(self.allies, {k: p / mass for k, p in match.items()})
        others = [a for a in self.allies if a not in roles]
        rest = self.marginal_over(others) if others else Belief((), {(): 1.0})
        return rest.product(Belief.certain(roles)).reorder(self.allies)

    def declare(self, roles: Mapping[str, str], credibility: float) -> Belief:
        """``credibility * declared(roles) + (1 - credibility) * self``."""
        return self.mix(self.declared(roles), credibility)

    def check(self, sc: Scenario, *, file: str | None = None, key: str | None = None) -> Belief:
        """Raise a :class:`UserError` unless every ally and rung exists in the scenario.

        The error names ``key`` when given, else ``belief`` (unknown ally) or
        ``belief.ALLY`` (unknown rung).
        """
        lad = _ladders(sc)
        for i, a in enumerate(self.allies):
            if a not in lad:
                raise UserError(
                    "unknown ally",
                    file=file,
                    key=key or "belief",
                    expected="one of " + ", ".join(lad),
                    found=repr(a),
                )
            for prof in self.probs:
                _check_rung(lad, a, prof[i], file, key or f"belief.{a}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: allies, marginals and the joint table (largest first)."""
        joint = sorted(self.probs.items(), key=lambda kv: (-kv[1], kv[0]))
        return {
            "allies": list(self.allies),
            "marginals": {a: self.marginal(a) for a in self.allies},
            "joint": [{**dict(zip(self.allies, k, strict=True)), "p": p} for k, p in joint],
        }

    def frame(self) -> pd.DataFrame:
        """Return the joint table as a DataFrame: one column per ally and ``p``."""
        import pandas as pd

        return pd.DataFrame(self.to_dict()["joint"], columns=[*self.allies, "p"])


def _ladders(sc: Scenario) -> dict[str, list[str]]:
    return {c: list(a.rungs) for c, a in sc.actors.items() if len(a.rungs) > 1}


def _check_rung(
    lad: Mapping[str, list[str]], ally: str, rung: str, file: str | None, key: str
) -> None:
    if ally not in lad:
        raise UserError(
            "unknown ally",
            file=file,
            key=key,
            expected="one of " + ", ".join(lad),
            found=repr(ally),
        )
    if rung not in lad[ally]:
        raise UserError(
            "unknown rung",
            file=file,
            key=key,
            expected="one of " + ", ".join(lad[ally]),
            found=repr(rung),
        )


def _check_p(p: Any, file: str | None, key: str) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p):
        raise UserError(
            "bad probability",
            file=file,
            key=key,
            expected="a finite number in [0, 1]",
            found=repr(p),
        )
    if p < 0:
        raise UserError(
            "negative probability", file=file, key=key, expected="a probability >= 0", found=repr(p)
        )
    return float(p)


def declaration_belief(
    prior: Belief, roles: Mapping[str, str], credibility: float | Sequence[float]
) -> Belief:
    """Return the belief after a declaration of ``roles``.

    One credibility ``c``: the declaration is one statement, believed with probability ``c``:
    ``c * prior.declared(roles) + (1 - c) * prior``. One credibility per declared ally (same
    order): each ally's declaration is applied in turn with its own credibility (for an
    independent prior, each ally's marginal becomes ``c_a * declared + (1 - c_a) * prior``).
    """
    if isinstance(credibility, int | float):
        return prior.declare(roles, float(credibility))
    creds = list(credibility)
    if len(creds) == 1:
        return prior.declare(roles, creds[0])
    if len(creds) != len(roles):
        raise UserError(
            "credibilities do not match declarations",
            key="--credibility",
            expected=f"one value, or one per declaration ({len(roles)})",
            found=str(len(creds)),
        )
    out = prior
    for (a, r), c in zip(roles.items(), creds, strict=True):
        out = out.declare({a: r}, c)
    return out
