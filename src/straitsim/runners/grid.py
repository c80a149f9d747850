"""Sweep grids: what a sweep varies, checked, expanded into resolved and hashed variants.

A grid file (TOML) lists what varies::

    [roles]                       # each ally's rungs to try
    JPN = ["neutral", "bases", "full"]

    [set]                         # any `--set` key and the values to try
    us_entry_delay_days = [0, 7, 14]
    "munitions.usa-lrasm.n" = [450, 900]

    [lhs]                         # optional Latin hypercube over continuous knobs
    n = 8
    prc_missile_inventory_scale = [0.75, 1.5]

Every combination of the ``[roles]`` and ``[set]`` values (times each Latin-hypercube point)
is a *variant*: a resolved scenario with its own hash. Running the variants and storing their
chunks is :func:`straitsim.store.sweep.sweep`.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import qmc

from straitsim.errors import UserError
from straitsim.limits import check_grid_size
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario, read_toml
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MAX_VARIANTS = 10_000
MAX_LHS_POINTS = 10_000


@dataclass(frozen=True)
class Grid:
    """What a sweep varies: rungs per ally, values per ``--set`` key, a Latin hypercube."""

    roles: dict[str, list[str]] = field(default_factory=dict)
    sets: dict[str, list[Any]] = field(default_factory=dict)
    lhs_n: int = 0
    lhs: dict[str, tuple[float, float]] = field(default_factory=dict)
    source: str = "<grid>"

    def to_dict(self) -> dict[str, Any]:
        """Canonical form (part of the sweep's identity)."""
        doc: dict[str, Any] = {"roles": self.roles, "set": self.sets}
        if self.lhs_n:
            doc["lhs"] = {"n": self.lhs_n, **{k: list(v) for k, v in self.lhs.items()}}
        return doc


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def parse_grid(doc: Mapping[str, Any], source: str = "<grid>") -> Grid:
    """Check a parsed grid document; every problem is a :class:`UserError` naming the key."""

    def bad(key: str, what: str, expected: str, found: Any) -> UserError:
        r = repr(found)
        return UserError(
            what,
            file=source,
            key=key,
            expected=expected,
            found=r if len(r) <= 60 else r[:57] + "...",
        )

    for top, val in doc.items():
        if top not in ("roles", "set", "lhs"):
            raise bad(top, "unknown table", "one of [roles], [set], [lhs]", top)
        if not isinstance(val, dict):
            raise bad(top, "not a table", f"a [{top}] table", val)
    roles: dict[str, list[str]] = {}
    for ally, rungs in doc.get("roles", {}).items():
        key = f"roles.{ally}"
        if not isinstance(rungs, list) or not rungs:
            raise bad(key, "bad rung list", "a non-empty list of rung names", rungs)
        if not all(isinstance(r, str) for r in rungs):
            raise bad(key, "bad rung list", "rung names (strings)", rungs)
        if len(set(rungs)) != len(rungs):
            raise bad(key, "repeated rung", "each rung once", rungs)
        if ally.upper() in roles:
            raise bad(key, "ally listed twice", "each ally once", ally)
        roles[ally.upper()] = list(rungs)
    sets: dict[str, list[Any]] = {}
    for k, values in doc.get("set", {}).items():
        key = f"set.{k}"
        if not isinstance(values, list) or not values:
            raise bad(key, "bad value list", "a non-empty list of values", values)
        for v in values:
            if not isinstance(v, int | float | str | bool):
                raise bad(key, "bad value", "numbers, true/false or strings", v)
        if len({repr(v) for v in values}) != len(values):
            raise bad(key, "repeated value", "each value once", values)
        if k in ("roles",) or k.startswith("roles."):
            raise bad(key, "roles belong in [roles]", "a [roles] table: ALLY = [rungs]", k)
        sets[k] = list(values)
    lhs_n = 0
    lhs: dict[str, tuple[float, float]] = {}
    if "lhs" in doc:
        table = dict(doc["lhs"])
        n = table.pop("n", None)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_LHS_POINTS:
            raise bad("lhs.n", "bad sample count", f"an integer from 1 to {MAX_LHS_POINTS}", n)
        if not table:
            raise bad("lhs", "no ranges", 'at least one "key" = [low, high]', "only n")
        for k, bounds in table.items():
            key = f"lhs.{k}"
            if not (
                isinstance(bounds, list) and len(bounds) == 2 and all(_is_number(b) for b in bounds)
            ):
                raise bad(key, "bad range", "[low, high] (two numbers)", bounds)
            lo, hi = bounds
            if not lo < hi:
                raise bad(key, "empty range", "low < high", bounds)
            if k in sets:
                raise bad(key, "key in both [set] and [lhs]", "each key in one table", k)
            lhs[k] = (lo, hi)
        lhs_n = n
    return Grid(roles=roles, sets=sets, lhs_n=lhs_n, lhs=lhs, source=source)


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file (TOML)."""
    p = Path(path)
    return parse_grid(read_toml(p, str(p)), str(p))


def lhs_points(grid: Grid, seed: int) -> list[dict[str, float | int]]:
    """Draw the Latin-hypercube points of ``grid`` (seeded; integer bounds give integers)."""
    if not grid.lhs_n:
        return [{}]
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"straitsim-lhs")]))
    u = qmc.LatinHypercube(d=len(grid.lhs), rng=rng).random(grid.lhs_n)
    points = []
    for row in u:
        pt: dict[str, float | int] = {}
        for j, (k, (lo, hi)) in enumerate(grid.lhs.items()):
            if isinstance(lo, int) and isinstance(hi, int):
                pt[k] = int(min(hi, lo + math.floor(row[j] * (hi - lo + 1))))
            else:
                pt[k] = float(lo + row[j] * (hi - lo))
        points.append(pt)
    return points


@dataclass(frozen=True)
class Variant:
    """One resolved scenario of a sweep."""

    index: int
    label: str
    roles: dict[str, str]
    sets: dict[str, Any]
    scenario: Scenario
    scenario_hash: str


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def expand(
    scenario: str | Path,
    grid: Grid,
    seed: int = 0,
    days: int | None = None,
) -> list[Variant]:
    """Every variant of ``scenario`` that ``grid`` describes, resolved and hashed, in grid order.

    ``days`` sets the horizon (``horizon_days``) of every variant, so it is part of each
    variant's scenario hash.
    """
    # Size first (a product of lengths, nothing expanded), so a huge grid is refused at once.
    sizes = [len(v) for v in (*grid.roles.values(), *grid.sets.values())]
    check_grid_size(math.prod(sizes), limit=MAX_VARIANTS, file=grid.source)
    base = load_scenario(scenario)
    for ally, rungs in grid.roles.items():
        actor = base.actors.get(ally)
        if actor is None or len(actor.rungs) < 2:
            choices = ", ".join(c for c, a in base.actors.items() if len(a.rungs) > 1)
            raise UserError(
                "unknown ally",
                file=grid.source,
                key=f"roles.{ally}",
                expected="one of " + choices,
                found=repr(ally),
            )
        for r in rungs:
            if r not in actor.rungs:
                raise UserError(
                    "unknown rung",
                    file=grid.source,
                    key=f"roles.{ally}",
                    expected="one of " + ", ".join(actor.rungs),
                    found=repr(r),
                )
    extra: dict[str, Any] = {}
    if days is not None:
        if not 1 <= days <= 365:
            raise UserError("bad horizon", key="days", expected="1 to 365", found=str(days))
        if "horizon_days" in grid.sets or "horizon_days" in grid.lhs:
            raise UserError(
                "horizon set twice",
                file=grid.source,
                key="set.horizon_days",
                expected="either --days or horizon_days in the grid",
                found="both",
            )
        extra["horizon_days"] = days
    # Check each [set] and [lhs] key on its own first, so an error names the grid key.
    probes = [(f"set.{k}", k, v) for k, vs in grid.sets.items() for v in vs]
    probes += [(f"lhs.{k}", k, b) for k, bs in grid.lhs.items() for b in bs]
    for gkey, k, v in probes:
        try:
            load_scenario(scenario, sets={**extra, k: v})
        except UserError as exc:
            raise UserError(
                exc.detail, file=grid.source, key=gkey, expected=exc.expected, found=exc.found
            ) from None
    role_combos = list(itertools.product(*grid.roles.values())) if grid.roles else [()]
    set_combos = list(itertools.product(*grid.sets.values())) if grid.sets else [()]
    points = lhs_points(grid, seed)
    n = len(role_combos) * len(set_combos) * len(points)
    if n > MAX_VARIANTS:
        raise UserError(
            "grid too large",
            file=grid.source,
            expected=f"at most {MAX_VARIANTS} variants",
            found=f"{n} variants",
        )
    out: list[Variant] = []
    for rc, scombo, pt in itertools.product(role_combos, set_combos, points):
        roles = dict(zip(grid.roles, rc, strict=True))
        sets = {**dict(zip(grid.sets, scombo, strict=True)), **pt}
        try:
            sc = load_scenario(scenario, roles=roles, sets={**sets, **extra})
        except UserError as exc:
            raise UserError(
                exc.detail, file=grid.source, key=exc.key, expected=exc.expected, found=exc.found
            ) from None
        parts = [f"{a}={r}" for a, r in roles.items()] + [f"{k}={_fmt(v)}" for k, v in sets.items()]
        out.append(
            Variant(len(out), ", ".join(parts) or "base", roles, sets, sc, scenario_hash(sc))
        )
    return out


def variants_table(variants: Sequence[Variant]) -> pd.DataFrame:
    """Variants as a DataFrame: label, roles, sets and scenario hash (for a dry run)."""
    import pandas as pd  # optional heavy dependency: loaded on use

    rows = []
    for v in variants:
        row: dict[str, Any] = {
            "variant": v.index,
            "label": v.label,
            "scenario_hash": v.scenario_hash,
        }
        row.update({f"role.{a}": r for a, r in v.roles.items()})
        row.update({f"set.{k}": x for k, x in v.sets.items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("variant")
