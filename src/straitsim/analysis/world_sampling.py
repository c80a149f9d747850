"""Sampling worlds: which parameters a world fixes, and the values it fixes them at.

An epistemic parameter (``uncertainty = "epistemic"``, or an unlabelled one with a ``range``)
is sampled; aleatory ones (drawn per replication) and policy ones (choices) are not, nor are
parameters a ``--set`` fixes. Points come from a Latin hypercube (default) or scrambled Sobol
design over the unit cube, seeded from the run seed, and map uniformly onto each ``range`` (or
through the ``dist``'s inverse CDF when there is no range). :mod:`straitsim.analysis.worlds`
runs them.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from straitsim.errors import UserError
from straitsim.scenario.domains import describe_domain, in_domain, param_domain
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Param, Scenario

METHODS = ("lhs", "sobol")
MAX_WORLDS = 100_000


@dataclass(frozen=True)
class Uncertain:
    """One epistemic parameter as sampled: bounds and the shape it is sampled with."""

    name: str
    low: float
    high: float
    kind: str  # "range" (uniform over it) or a dist kind: uniform, triangular, loguniform
    mode: float = 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates to parameter values (inverse CDF)."""
        lo, hi = self.low, self.high
        if hi <= lo:
            return np.full_like(u, lo)
        if self.kind in ("range", "uniform"):
            return lo + (hi - lo) * u
        if self.kind == "loguniform":
            return np.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * u)
        c = (self.mode - lo) / (hi - lo)
        return np.where(
            u < c,
            lo + np.sqrt(u * (hi - lo) * (self.mode - lo)),
            hi - np.sqrt((1 - u) * (hi - lo) * (hi - self.mode)),
        )


def is_epistemic(p: Param) -> bool:
    """Epistemic: labelled so, or (unlabelled) a parameter with a ``range``."""
    if p.range is None and p.dist is None:
        return False
    if p.uncertainty is None:
        return p.range is not None
    return p.uncertainty == "epistemic"


def fixed_by_sets(sets: Iterable[str] | Mapping[str, Any]) -> set[str]:
    """Parameter names whose value a ``--set`` fixes (``NAME=`` or ``params.NAME=``)."""
    out = set()
    for s in set_strings(sets):
        key = s.split("=", 1)[0].strip()
        parts = key.split(".")
        if len(parts) == 1:
            out.add(parts[0])
        elif len(parts) == 2 and parts[0] == "params":
            out.add(parts[1])
    return out


def epistemic_params(
    sc: Scenario, fixed: Iterable[str] = (), only: Sequence[str] | None = None
) -> list[Uncertain]:
    """Return the parameters a world samples, in name order (``only`` restricts them)."""
    fixed = set(fixed)
    if only is not None:
        bad = [n for n in only if n not in sc.params or not is_epistemic(sc.params[n])]
        if bad:
            raise UserError(
                "not an epistemic parameter",
                key="params",
                expected='names marked uncertainty = "epistemic" (see `straitsim show`)',
                found=", ".join(bad),
            )
    out = []
    for name in sorted(sc.params):
        p = sc.params[name]
        if name in fixed or not is_epistemic(p) or (only is not None and name not in only):
            continue
        if p.range is not None:
            u = Uncertain(name, float(p.range[0]), float(p.range[1]), "range")
        elif p.dist is not None:
            d = p.dist
            u = Uncertain(name, d.low, d.high, d.kind, d.mode or 0.0)
        else:  # pragma: no cover - is_epistemic needs a range or a dist
            continue
        dom = param_domain(name, p.unit, p.domain, p.domain_rationale)
        for end, x in (("low", u.low), ("high", u.high)):
            if not in_domain(x, dom):
                raise UserError(
                    "a world would leave the parameter's domain",
                    key=f"params.{name}.{'range' if u.kind == 'range' else 'dist'}",
                    expected=f"{end} end: {describe_domain(dom)}",
                    found=f"{x:g}",
                )
        out.append(u)
    return out


def check_design(n: int, method: str) -> None:
    """World count and sampling method, checked before any work."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_WORLDS:
        raise UserError(
            "bad world count", key="worlds", expected=f"an integer 2 to {MAX_WORLDS}", found=repr(n)
        )
    if method not in METHODS:
        raise UserError(
            "unknown sampling method", key="method", expected="lhs or sobol", found=repr(method)
        )


def unit_sample(n: int, d: int, seed: int, method: str = "lhs") -> np.ndarray:
    """``(n, d)`` points in the unit cube, a function of (n, d, seed, method) only."""
    check_design(n, method)
    if d == 0:
        return np.zeros((n, 0))
    ss = np.random.SeedSequence([int(seed), zlib.crc32(b"straitsim-worlds")])
    rng = np.random.default_rng(ss)
    if method == "lhs":
        return np.asarray(qmc.LatinHypercube(d=d, rng=rng).random(n), dtype=float)
    with warnings.catch_warnings():  # balance warning when n is not a power of two
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(qmc.Sobol(d=d, scramble=True, rng=rng).random(n), dtype=float)


def sample_worlds(
    scenario: str | Path | Scenario,
    n: int,
    seed: int = 0,
    method: str = "lhs",
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    params: Sequence[str] | None = None,
    roles_as_inputs: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Sample ``n`` worlds: one ``{parameter: value}`` per world.

    With ``roles_as_inputs`` each world also holds ``{ALLY: rung}``, the rung drawn uniformly
    from the ally's ladder. Parameters fixed by ``sets`` are not sampled; ``params``
    restricts the sample to these.
    """
    sc = load_scenario(scenario, roles, sets)
    return draw_worlds(sc, n, seed, method, fixed_by_sets(sets), params, roles_as_inputs)


def draw_worlds(
    sc: Scenario,
    n: int,
    seed: int = 0,
    method: str = "lhs",
    fixed: Iterable[str] = (),
    params: Sequence[str] | None = None,
    roles_as_inputs: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """:func:`sample_worlds` on a loaded scenario; ``fixed`` names parameters not sampled."""
    unc = epistemic_params(sc, fixed, params)
    allies = [a.upper() for a in roles_as_inputs]
    for a in allies:
        if a not in sc.actors or not sc.actors[a].rungs:
            raise UserError(
                "unknown ally",
                key="roles-as-inputs",
                expected="an ally with a role ladder",
                found=repr(a),
            )
    u = unit_sample(n, len(unc) + len(allies), seed, method)
    cols = {p.name: p.ppf(u[:, i]) for i, p in enumerate(unc)}
    out: list[dict[str, Any]] = [{k: float(v[w]) for k, v in cols.items()} for w in range(n)]
    for j, a in enumerate(allies):
        rungs = list(sc.actors[a].rungs)
        idx = np.minimum((u[:, len(unc) + j] * len(rungs)).astype(int), len(rungs) - 1)
        for w in range(n):
            out[w][a] = rungs[idx[w]]
    return out


def load_for_worlds(
    scenario: str | Path | Scenario,
    roles: Mapping[str, str] | Iterable[str] | None,
    sets: Iterable[str] | Mapping[str, Any],
) -> Scenario:
    """Load the scenario; take a loaded one as it is.

    With a loaded scenario, ``sets`` only names the parameters it already fixes (so that
    they are not sampled).
    """
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario, roles, sets)


def apply_world(sc: Scenario, world: Mapping[str, Any]) -> Scenario:
    """Return the scenario with the world's values fixed (no ``dist`` left) and its roles."""
    params = dict(sc.params)
    roles = dict(sc.roles)
    for k, v in world.items():
        if isinstance(v, str):
            roles[k] = v
        else:
            params[k] = params[k].model_copy(update={"value": float(v), "dist": None})
    return sc.model_copy(update={"params": params, "roles": roles})


def world_sets(world: Mapping[str, Any]) -> list[str]:
    """Return a world's parameter values as ``--set`` strings (roles left out)."""
    return [f"{k}={float(v)!r}" for k, v in world.items() if not isinstance(v, str)]
