"""Validation cases as data: the schema of ``scenario/data/validation.toml`` and its loader.

Each case names a scenario and its changes, the quantity compared, the published figure
with its source, and a tolerance with its rationale (:mod:`straitsim.analysis.validation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from straitsim.analysis.summary import wilson
from straitsim.analysis.validation_quantities import parse_quantity
from straitsim.errors import UserError
from straitsim.scenario.load import DATA_DIR, PACK_DIR, read_toml
from straitsim.scenario.schema import Source

VALIDATION_FILE = DATA_DIR / "validation.toml"
_EPS = 1e-9


# --- the data file -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """How far the model may sit from the published figure: exactly one of three rules."""

    rel: float | None = Field(default=None, ge=0)
    abs: float | None = Field(default=None, ge=0)
    wilson: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> Tolerance:
        given = [k for k in ("rel", "abs", "wilson") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of rel, abs, wilson")
        return self

    @property
    def kind(self) -> str:
        """``rel``, ``abs`` or ``wilson``."""
        return next(k for k in ("rel", "abs", "wilson") if getattr(self, k) is not None)

    @property
    def value(self) -> float:
        """The rule's number."""
        return float(getattr(self, self.kind))


class GameCount(_Strict):
    """``count`` of ``of`` games ended the way the case describes."""

    count: int = Field(ge=0)
    of: int = Field(ge=1)

    @model_validator(mode="after")
    def _le(self) -> GameCount:
        if self.count > self.of:
            raise ValueError("count must not exceed of")
        return self


class Case(_Strict):
    """One validation case, as written in ``validation.toml``."""

    id: str = Field(min_length=1)
    group: str
    title: str
    scenario: str
    roles: dict[str, str] = Field(default_factory=dict)
    sets: dict[str, Any] = Field(default_factory=dict)
    days: int | None = Field(default=None, ge=1, le=365)
    quantity: str
    published: GameCount | tuple[float, float] | float
    published_text: str
    source: str
    original: str | None = None
    tolerance: Tolerance
    policy: str
    rationale: str = Field(min_length=1)
    calibrated: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        counted = isinstance(self.published, GameCount)
        if counted != (self.tolerance.kind == "wilson"):
            raise ValueError("a { count, of } figure takes tolerance { wilson = ... } and only it")
        if isinstance(self.published, tuple) and self.published[0] > self.published[1]:
            raise ValueError("a published range needs low <= high")
        return self

    @property
    def published_range(self) -> tuple[float, float]:
        """Low and high of the published figure (equal for a point; K/N for a game count)."""
        p = self.published
        if isinstance(p, GameCount):
            return (p.count / p.of, p.count / p.of)
        if isinstance(p, tuple):
            return (float(p[0]), float(p[1]))
        return (float(p), float(p))

    def band(self) -> tuple[float, float]:
        """Return the interval the model's statistic must fall in."""
        lo, hi = self.published_range
        tol = self.tolerance
        if isinstance(self.published, GameCount):
            return wilson(self.published.count, self.published.of, _z(tol.value))
        if tol.kind == "rel":
            return (lo - abs(lo) * tol.value, hi + abs(hi) * tol.value)
        return (lo - tol.value, hi + tol.value)

    def run_key(self) -> tuple[Any, ...]:
        """Cases with the same key share one simulation."""
        return (
            self.scenario,
            tuple(sorted(self.roles.items())),
            tuple(sorted((k, repr(v)) for k, v in self.sets.items())),
            self.days,
        )


class Pending(_Strict):
    """A published result the model cannot yet be compared with, and what is missing."""

    id: str
    title: str
    published_text: str
    source: str
    missing: str


class _File(_Strict):
    kind: Literal["validation"]
    policies: dict[str, str] = Field(default_factory=dict)
    cases: list[Case]
    pending: list[Pending] = Field(default_factory=list)
    sources: dict[str, Source] = Field(default_factory=dict)


@dataclass(frozen=True)
class ValidationData:
    """The cases, the pending list, the tolerance policies and the bibliography they cite."""

    cases: list[Case]
    pending: list[Pending]
    sources: dict[str, Source]
    policies: dict[str, str]
    path: Path


def _z(level: float) -> float:
    """Two-sided standard normal quantile for a confidence ``level``."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def _loc(loc: Sequence[Any], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for x in loc:
        if isinstance(x, int):
            ident = (
                node[x].get("id")
                if isinstance(node, list) and x < len(node) and isinstance(node[x], dict)
                else None
            )
            parts[-1] += f"[{ident or x}]"
            node = node[x] if isinstance(node, list) and x < len(node) else None
        elif str(x) in (
            "float",
            "tuple[float,float]",
            "GameCount",
            "function-after[_consistent(), Case]",
        ):
            continue
        else:
            parts.append(str(x))
            node = node.get(x) if isinstance(node, dict) else None
    return ".".join(parts)


def load_cases(path: str | Path | None = None) -> ValidationData:
    """Read and check the validation cases (default: the built-in ``validation.toml``).

    Every problem becomes one :class:`UserError` naming the file, the key, what was
    expected and what was found: unknown keys, bad tolerances, duplicate ids, unknown
    source keys, quantities that do not parse.
    """
    p = Path(path) if path is not None else VALIDATION_FILE
    label = str(p)
    raw = read_toml(p, label)
    try:
        f = _File.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        found = repr(err.get("input"))
        raise UserError(
            "invalid validation case",
            file=label,
            key=_loc(err["loc"], raw),
            expected=err["msg"].lower(),
            found=found if len(found) <= 60 else found[:57] + "...",
        ) from None
    pack = read_toml(PACK_DIR / "sources.toml").get("sources", {})
    sources = {k: Source.model_validate(v) for k, v in pack.items()}
    sources.update(f.sources)
    seen: set[str] = set()
    for case in f.cases:
        key = f"cases[{case.id}]"
        if case.id in seen:
            raise UserError(
                "duplicate case id",
                file=label,
                key=key + ".id",
                expected="unique ids",
                found=repr(case.id),
            )
        seen.add(case.id)
        if case.policy not in f.policies:
            raise UserError(
                "unknown tolerance policy",
                file=label,
                key=f"{key}.policy",
                expected="a key of [policies] (" + ", ".join(f.policies) + ")",
                found=repr(case.policy),
            )
        for k, field_name in ((case.source, "source"), (case.original, "original")):
            if k is not None and k not in sources:
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"{key}.{field_name}",
                    expected="a key of [sources] here or in packs/sources.toml",
                    found=repr(k),
                )
        try:
            parse_quantity(case.quantity)
        except UserError as exc:
            raise UserError(
                exc.detail,
                file=label,
                key=f"{key}.quantity",
                expected=exc.expected,
                found=exc.found,
            ) from None
    for item in f.pending:
        if item.source not in sources:
            raise UserError(
                "unknown source key",
                file=label,
                key=f"pending[{item.id}].source",
                expected="a key of [sources]",
                found=repr(item.source),
            )
    return ValidationData(list(f.cases), list(f.pending), sources, dict(f.policies), p)
