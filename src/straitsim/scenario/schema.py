"""Pydantic schema of a resolved scenario: validated once at the edge, then compiled.

Every table rejects unknown keys. Numbers in data records are covered by the record's
``source``, by ``field_sources`` for one field, or by ``assumed`` (field -> one-line
rationale). Units are in the names (``range_km``, ``n``, ``apron_area_km2``...).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Counts and magnitudes in data records: finite, non-negative, at most ten million (far above
# any order of battle, range or area the model uses).
MAX_COUNT = 10_000_000
NonNeg = Annotated[float, Field(ge=0, le=MAX_COUNT)]
NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Share = Annotated[float, Field(ge=0, le=1)]


class Strict(BaseModel):
    """Base: unknown keys are errors; booleans are not numbers; numbers are finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: object, info: object) -> object:
        # TOML booleans must not pass as counts; pydantic would accept True for an int.
        field = cls.model_fields.get(getattr(info, "field_name", ""), None)
        if isinstance(v, bool) and field is not None:
            ann = field.annotation
            if ann in (int, float) or getattr(ann, "__origin__", None) is Annotated:
                base = getattr(ann, "__args__", (ann,))[0]
                if base in (int, float):
                    raise ValueError("a number, not true/false")
        return v


class Cited(Strict):
    """A data record whose numbers carry a source key or an explained assumption."""

    source: str | None = None
    field_sources: dict[str, str] = Field(default_factory=dict)
    assumed: dict[str, str] = Field(default_factory=dict)
    notes: str | None = None


class Source(Strict):
    """One bibliography entry."""

    title: str
    author: str
    publisher: str
    year: int
    url: str
    kind: Literal["primary", "secondary", "press"]


class Dist(Strict):
    """Distribution of an uncertain parameter, sampled once per replication."""

    kind: Literal["uniform", "triangular", "loguniform"]
    low: float
    high: float
    mode: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Dist:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.kind == "triangular":
            if self.mode is None or not self.low <= self.mode <= self.high:
                raise ValueError("a triangular distribution needs low <= mode <= high")
        if self.kind == "loguniform" and self.low <= 0:
            raise ValueError("a log-uniform distribution needs low > 0")
        return self


# headline outputs a parameter's expected_sign may name
SIGN_OUTPUTS = (
    r"prc_success|prc_victory|battalions_landed|decision_day"
    r"|(aircraft_lost|ships_lost|killed)\.[A-Z]{2,4}"
)


class Param(Strict):
    """A scalar model parameter with its meaning, unit and pedigree."""

    value: float
    unit: str
    doc: str
    source: str | None = None
    assumption: str | None = None
    range: tuple[float, float] | None = None
    dist: Dist | None = None
    # epistemic: one unknown value per world (sampled by `straitsim worlds` over its range,
    # else its dist); aleatory: drawn per replication from its dist; policy: a choice, held
    # fixed. A parameter fixed by `--set` (no dist left) is not sampled.
    uncertainty: Literal["epistemic", "aleatory", "policy"] | None = None
    uncertainty_rationale: str | None = None
    # documented direction of the parameter's effect between the ends of its range: headline
    # output (prc_success, prc_victory, battalions_landed, decision_day, aircraft_lost.ACTOR,
    # ships_lost.ACTOR) -> +1 if
    # it rises with the parameter, -1 if it falls (tests/test_knobs_live.py checks it)
    expected_sign: dict[str, Literal[-1, 1]] = Field(default_factory=dict)
    # The physical domain when the unit's default (scenario/domains.py) is not enough.
    domain: tuple[float, float] | None = None
    domain_rationale: str | None = None

    @field_validator("expected_sign")
    @classmethod
    def _sign_outputs(cls, v: dict[str, int]) -> dict[str, int]:
        for k in v:
            if not re.fullmatch(SIGN_OUTPUTS, k):
                raise ValueError(
                    f"unknown output {k!r} (prc_success, prc_victory, battalions_landed, "
                    "decision_day, aircraft_lost.ACTOR, ships_lost.ACTOR or killed.ACTOR)"
                )
        return v

    @model_validator(mode="after")
    def _pedigree(self) -> Param:
        if not (self.source or self.assumption):
            raise ValueError("a parameter needs a 'source' key or an 'assumption' rationale")
        if self.domain is not None:
            if not self.domain[0] <= self.domain[1]:
                raise ValueError("a domain needs lo <= hi")
            if not self.domain_rationale:
                raise ValueError("a 'domain' needs a one-line 'domain_rationale'")
        return self


class ShipClass(Cited):
    """A ship class of the catalogue: survivability, crew, embarked troops and lift."""

    doc: str
    hits_to_kill: Annotated[float, Field(gt=0)]
    crew: NonNegInt
    troops: NonNegInt = 0
    lift_t: NonNeg = 0.0


class Weapon(Cited):
    """An allied anti-ship weapon of the catalogue."""

    doc: str
    speed: Literal["subsonic", "supersonic"]
    range_km: NonNeg
    # may strike fixed targets ashore (PRC airbases) when the plan allows mainland strikes
    land_attack: bool = False


class MissileClass(Cited):
    """A PRC missile class: range from the launch area and role (land attack or anti-ship)."""

    doc: str
    range_km: NonNeg
    role: Literal["land", "ship"]


class AircraftType(Cited):
    """An aircraft type: generation, role, combat radius and anti-ship load per sortie."""

    generation: Annotated[float, Field(ge=3, le=6)]
    role: Literal["fighter", "bomber"]
    combat_radius_km: NonNeg
    anti_ship: dict[str, NonNegInt] = Field(default_factory=dict)


Rung = Literal["none", "home", "regional", "theatre"]


class RungSpec(Strict):
    """One rung of an actor's role ladder: basing, forces, entry trigger, releases."""

    doc: str
    us_basing: bool
    forces: Rung
    trigger: Literal["always", "attacked", "us_entry", "never"]
    release: str | None = None


class Actor(Strict):
    """An actor (country) with its side and role ladder, lowest rung first.

    ``part`` is the actor's part in the war: the ``aggressor`` (whose invasion is modelled),
    the ``defender`` (whose territory it is), the ``principal`` ally (whose bases and forces
    the allies' rungs open or lend) or an ``ally``; each of the first three is played by
    exactly one actor. ``analysed`` marks the allies whose roles the role analyses vary when
    none are named; ``headline`` the allies the deterrence and outlook views show when none
    are named; ``shelter_host`` the hosts whose air bases get the extra hardened shelters of
    the ``extra_shelters`` knob.
    """

    name: str
    side: Literal["prc", "coalition"]
    part: Literal["aggressor", "defender", "principal", "ally"] = "ally"
    default: str | None = None
    analysed: bool = False
    headline: bool = False
    shelter_host: bool = False
    rungs: dict[str, RungSpec] = Field(default_factory=dict)


class Theatre(Cited):
    """Theatre geometry: centre of the fight and representative PRC launch area."""

    center_lat: Annotated[float, Field(ge=-90, le=90)]
    center_lon: Annotated[float, Field(ge=-180, le=180)]
    launch_lat: Annotated[float, Field(ge=-90, le=90)]
    launch_lon: Annotated[float, Field(ge=-180, le=180)]


class Base(Cited):
    """An airbase, civil airport, carrier operating area or mainland base."""

    name: str
    host: str
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    runways: NonNegInt
    shelters: NonNegInt
    apron_area_km2: NonNeg
    kind: Literal["air", "civil", "carrier", "mainland"]


class AirUnit(Cited):
    """An air unit: owner, aircraft type, operating and fallback bases, size."""

    actor: str
    type: str
    base: str
    fallback: str
    n: NonNegInt
    arrival_day: NonNegInt = 0
    release: str | None = None
    carrier: bool = False


class Ships(Cited):
    """A group of ships of one class with its area defence and anti-ship missiles."""

    actor: str
    # "class" is a Python keyword; the TOML key is `class`.
    ship_class: str = Field(alias="class")
    n: NonNegInt
    arrival_day: NonNegInt = 0
    engagements_per_day: NonNeg = 0.0
    interceptors: NonNeg = 0.0
    anti_ship: dict[str, NonNeg] = Field(default_factory=dict)

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class Munition(Cited):
    """An allied stock of one anti-ship weapon (records of one owner and weapon add up)."""

    actor: str
    weapon: str
    n: NonNeg


class Launcher(Cited):
    """Ground-based anti-ship launchers deployed on a host's territory."""

    actor: str
    host: str
    weapon: str
    n: NonNeg
    shots_per_day: NonNeg
    in_range_share: Share


class Missiles(Cited):
    """A PRC missile inventory of one class."""

    n: NonNeg


class Ground(Cited):
    """Ground forces of the PRC (invasion battalions) or Taiwan (active and reserve)."""

    battalions: NonNeg
    reserve_battalions: NonNeg = 0.0


class WeatherMonth(Cited):
    """Sea-state climatology of the Strait in one month (engine/weather.py)."""

    bad_day_share: Share
    bad_spell_days: Annotated[float, Field(ge=1, le=60)]
    # the month's daily chance of a typhoon, as a multiple of July's (``typhoon_rate``)
    typhoon_factor: Annotated[float, Field(ge=0, le=3)] = 0.0


class Plan(Strict):
    """The PRC strike plan: whose airbases its missiles may strike."""

    strike_hosts: list[str]
    strike_allied_bases: bool = True
    source: str | None = None


class Scenario(Strict):
    """A fully resolved scenario: packs merged, extends applied, overrides set."""

    name: str
    title: str
    description: str = ""
    year: Annotated[int, Field(ge=1990, le=2100)]
    horizon_days: Annotated[int, Field(ge=1, le=365)]
    packs: list[str] = Field(default_factory=list)
    extends: str | None = None
    source: str | None = None
    roles: dict[str, str]
    plan: Plan
    sources: dict[str, Source]
    params: dict[str, Param]
    ship_classes: dict[str, ShipClass]
    weapons: dict[str, Weapon]
    missile_classes: dict[str, MissileClass]
    aircraft_types: dict[str, AircraftType]
    actors: dict[str, Actor]
    theatre: Theatre
    bases: dict[str, Base]
    air_units: dict[str, AirUnit] = Field(default_factory=dict)
    ships: dict[str, Ships] = Field(default_factory=dict)
    munitions: dict[str, Munition] = Field(default_factory=dict)
    launchers: dict[str, Launcher] = Field(default_factory=dict)
    missiles: dict[str, Missiles] = Field(default_factory=dict)
    ground: dict[str, Ground] = Field(default_factory=dict)
    # month the invasion is launched (1-12) and the sea-state climatology by month (jan..dec);
    # no month: calm seas throughout
    launch_month: Annotated[int, Field(ge=1, le=12)] | None = None
    weather: dict[str, WeatherMonth] = Field(default_factory=dict)
    kind: str | None = None

    def actor_playing(self, part: str) -> str:
        """Return the code of the one actor playing ``part`` (aggressor, defender, principal)."""
        codes = [code for code, actor in self.actors.items() if actor.part == part]
        if len(codes) != 1:
            raise ValueError(f"{len(codes)} actors play the part {part!r}: expected one")
        return codes[0]

    def ladder_allies(self) -> tuple[str, ...]:
        """Return the allies with a role ladder (not the principal or the defender), in order."""
        return tuple(c for c, a in self.actors.items() if a.part == "ally" and a.rungs)

    def headline_allies(self) -> tuple[str, ...]:
        """Return the allies the data marks ``headline``, in data order."""
        return tuple(c for c, a in self.actors.items() if a.headline)
