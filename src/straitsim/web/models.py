"""Request models of the JSON API: validated at the edge, bounded, built-in scenarios only.

Every request names a *built-in* scenario (never a path), roles from the built-in ladders,
and ``--set`` overrides as numbers. Booleans are rejected where numbers are expected
(JSON ``true`` is not ``1`` here), non-finite numbers are rejected, and every count has an
upper bound taken from :class:`Limits`, so the work one request can ask for is bounded.
Semantic problems the schema cannot express (a rung the chosen scenario lacks, an unknown
``--set`` key) come back as 400 with the one-line :class:`~straitsim.errors.UserError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from straitsim.analysis.deterrence import PERCEIVED
from straitsim.analysis.metrics import METRICS
from straitsim.errors import UserError
from straitsim.scenario.load import builtin_scenarios, resolve

SET_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+){0,3}$"
# top-level keys a client may not override: identity, provenance, file references, roles
FORBIDDEN_SET_ROOTS = frozenset(
    {
        "name",
        "title",
        "description",
        "packs",
        "extends",
        "source",
        "sources",
        "roles",
        "actors",
        "kind",
    }
)
MAX_SEED = 2**32 - 1
MAX_SET_VALUE = 1e9


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one request may ask for.

    Attributes
    ----------
    max_reps : int
        Replications of one ``/api/run``.
    max_lattice_work : int
        Profiles times replications of one ``/api/roles`` or ``/api/deterrence``.
    max_allies : int
        Players in an attribution, allies in a deterrence lattice.
    max_grid : int
        Points per deterrence curve.
    max_body_bytes : int
        Largest request body accepted (with a Content-Length or chunked).
    max_active : int
        Model requests admitted at once: one computes, the others wait; beyond, 429.
    """

    max_reps: int = 20_000
    max_lattice_work: int = 100_000
    max_allies: int = 6
    max_grid: int = 41
    max_body_bytes: int = 65_536
    max_active: int = 4


def _no_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("a number, not true/false")
    return v


@lru_cache(maxsize=1)
def ladders() -> dict[str, tuple[str, ...]]:
    """Rungs of every ally with a ladder, across the built-in scenarios (union, in order)."""
    out: dict[str, list[str]] = {}
    for name in builtin_scenarios():
        sc = resolve(name)
        for code, actor in sc.actors.items():
            if len(actor.rungs) > 1:
                have = out.setdefault(code, [])
                have += [r for r in actor.rungs if r not in have]
    return {k: tuple(v) for k, v in out.items()}


def data_allies(pick: str) -> tuple[str, ...]:
    """Return the allies the built-in scenarios' data name by ``pick``, in order (union).

    ``pick`` is a :class:`Scenario` method: ``ladder_allies`` or ``headline_allies``.
    """
    out: list[str] = []
    for name in builtin_scenarios():
        out += [c for c in getattr(resolve(name), pick)() if c not in out]
    return tuple(out)


def scenario_names() -> tuple[str, ...]:
    """Built-in scenario names."""
    return tuple(builtin_scenarios())


class Strict(BaseModel):
    """Base: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


ROUTE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Input the schema allows but the model rejects (one line in `detail`)"},
    422: {"description": "Input that does not match the schema"},
}
BuiltinScenario = Literal[tuple(builtin_scenarios())]  # type: ignore[valid-type]
AllyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class BuiltinRequest(BaseModel):
    """Base of a request on a built-in scenario with roles and ``--set`` overrides."""

    model_config = ConfigDict(extra="forbid")

    scenario: BuiltinScenario = Field(description="A built-in scenario name.")  # type: ignore[valid-type]
    roles: dict[AllyCode, Annotated[str, Field(max_length=32)]] = Field(
        default_factory=dict, max_length=8, description="Rung per ally."
    )
    set: dict[
        Annotated[str, Field(pattern=SET_KEY_PATTERN, max_length=120)],
        Annotated[float, Field(ge=-MAX_SET_VALUE, le=MAX_SET_VALUE, allow_inf_nan=False)],
    ] = Field(default_factory=dict, max_length=32, description="`--set` overrides.")

    def refuse_forbidden_sets(self) -> None:
        """Raise a :class:`UserError` for an override of a key the API may not change."""
        for key in self.set:
            if key.split(".")[0] in FORBIDDEN_SET_ROOTS:
                raise UserError(
                    "cannot be overridden from the API",
                    key=f"set.{key}",
                    expected="a parameter or a data value",
                    found=repr(key),
                )


def _replace(schema: dict[str, Any], new: dict[str, Any]) -> None:
    keep = {k: schema[k] for k in ("title", "description") if k in schema}
    schema.clear()
    schema.update(new, **keep)


def _lit(values: tuple[str, ...]) -> Any:
    return Literal[values]  # type: ignore[valid-type]


@dataclass
class Models:
    """The request models for one set of limits."""

    RunRequest: type[BaseModel]
    BasesRequest: type[BaseModel]
    RolesRequest: type[BaseModel]
    DeterrenceRequest: type[BaseModel]


def build_models(limits: Limits) -> Models:
    """Request models whose bounds come from ``limits`` (so tests can use small caps)."""
    lad = ladders()
    allies = tuple(lad)
    Scen = _lit(scenario_names())
    Ally = _lit(allies)
    Roles = create_model(
        "Roles",
        __base__=Strict,
        __doc__="Rung per ally (others keep the scenario's). Ladders: `GET /api/scenarios`.",
        **{code: (_lit(rungs) | None, None) for code, rungs in lad.items()},
    )
    SetValue = Annotated[float, Field(ge=-MAX_SET_VALUE, le=MAX_SET_VALUE, allow_inf_nan=False)]
    SetKey = Annotated[str, Field(pattern=SET_KEY_PATTERN, max_length=120)]
    set_schema = {
        "type": "object",
        "maxProperties": 32,
        "propertyNames": {"type": "string", "pattern": SET_KEY_PATTERN, "maxLength": 120},
        "additionalProperties": {
            "type": "number",
            "minimum": -MAX_SET_VALUE,
            "maximum": MAX_SET_VALUE,
        },
    }

    class Common(Strict):
        scenario: Scen = Field(description="A built-in scenario name (`GET /api/scenarios`).")  # type: ignore[valid-type]
        roles: Roles = Field(default_factory=Roles, description="Rung per ally.")  # type: ignore[valid-type]
        set: dict[SetKey, SetValue] = Field(
            default_factory=dict,
            max_length=32,
            description="`--set` overrides: parameter name or data path (`straitsim show`) -> "
            "number. Identity, provenance, packs, roles and actors cannot be overridden (400).",
            json_schema_extra=lambda schema: _replace(schema, set_schema),
        )

        @field_validator("set", mode="before")
        @classmethod
        def _set_numbers(cls, v: Any) -> Any:
            if isinstance(v, dict):
                for val in v.values():
                    _no_bool(val)
            return v

        def set_map(self) -> dict[str, float]:
            """Return the overrides, refusing keys a client may not touch."""
            for key in self.set:
                root = key.split(".")[0]
                if root in FORBIDDEN_SET_ROOTS:
                    raise UserError(
                        "cannot be overridden from the API",
                        key=f"set.{key}",
                        expected="a parameter or a data value (see `straitsim show`)",
                        found=repr(key),
                    )
            return dict(self.set)

        def role_map(self) -> dict[str, str]:
            return {k: v for k, v in self.roles.model_dump().items() if v is not None}  # type: ignore[attr-defined]

    class Seeded(Common):
        seed: int = Field(0, ge=0, le=MAX_SEED, description="Random seed.")

        @field_validator("seed", "reps", mode="before", check_fields=False)
        @classmethod
        def _ints(cls, v: Any) -> Any:
            return _no_bool(v)

    class RunRequest(Seeded):
        """One scenario run: the `straitsim run --json` document."""

        reps: int = Field(1000, ge=1, le=limits.max_reps, description="Replications.")

    class BasesRequest(Common):
        """Bases, their aircraft and their day-0 exposure under the chosen roles."""

    class RolesRequest(Seeded):
        """Shapley attribution over the allies' moves from their lowest rung."""

        reps: int = Field(300, ge=2, le=limits.max_reps, description="Replications per profile.")
        allies: list[Ally] = Field(  # type: ignore[valid-type]
            default_factory=lambda: [a for a in data_allies("ladder_allies") if a in lad],
            min_length=1,
            max_length=limits.max_allies,
            description="Players: each moves from its lowest rung to its rung in `roles` "
            "(or the top).",
        )
        metric: _lit(tuple(METRICS)) = "defence_prevails"  # type: ignore[valid-type]
        to: Literal["scenario", "top"] = "scenario"

    class DeterrenceRequest(Seeded):
        """Beijing's perceived chance of success as P(ally fights) varies, one ally at a time."""

        reps: int = Field(300, ge=2, le=limits.max_reps, description="Replications per profile.")
        allies: list[Ally] = Field(  # type: ignore[valid-type]
            default_factory=lambda: [a for a in data_allies("headline_allies") if a in lad],
            min_length=1,
            max_length=3,
            description="Allies whose P(fights) the curves vary.",
        )
        belief: dict[
            Ally, dict[Annotated[str, Field(max_length=32)], Annotated[float, Field(ge=0, le=1)]]
        ] = (  # type: ignore[valid-type]
            Field(
                default_factory=dict,
                max_length=limits.max_allies,
                description="Beijing's prior per ally.",
            )
        )
        quantity: _lit(PERCEIVED) = "prc_success"  # type: ignore[valid-type]
        n_grid: int = Field(11, ge=2, le=limits.max_grid, description="Points per curve.")

        @field_validator("n_grid", mode="before")
        @classmethod
        def _grid(cls, v: Any) -> Any:
            return _no_bool(v)

        @field_validator("belief", mode="before")
        @classmethod
        def _probs(cls, v: Any) -> Any:
            if isinstance(v, dict):
                for probs in v.values():
                    if isinstance(probs, dict):
                        for p in probs.values():
                            _no_bool(p)
            return v

    for m in (RunRequest, BasesRequest, RolesRequest, DeterrenceRequest):
        m.model_rebuild()
    return Models(RunRequest, BasesRequest, RolesRequest, DeterrenceRequest)
