"""Checks on a merged scenario: schema, cross-references, number pedigree, parameter domains.

Every failure is one :class:`UserError` at a key path, naming the file that set the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from straitsim.engine.params import SHIP_CLASSES
from straitsim.errors import DomainError, UserError
from straitsim.scenario.domains import describe_domain, in_domain, param_domain
from straitsim.scenario.overrides import Origins, closest
from straitsim.scenario.schema import Cited, Scenario


def _origin(loc: tuple[Any, ...], origins: Origins) -> str | None:
    parts = tuple(str(x) for x in loc)
    for i in range(len(parts), 0, -1):
        if parts[:i] in origins:
            return origins[parts[:i]]
    return None


def _error_at(
    loc: Sequence[Any],
    what: str,
    expected: str,
    found: str,
    origins: Origins,
    label: str,
    cls: type[UserError] = UserError,
) -> UserError:
    """Return a :class:`UserError` at key path ``loc``, naming the file that set the key.

    The file is the origin of the longest prefix of ``loc`` with one, else ``label``.
    """
    return cls(
        what,
        file=_origin(tuple(loc), origins) or label,
        key=".".join(map(str, loc)),
        expected=expected,
        found=found,
    )


def _found(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def validate(d: dict[str, Any], origins: Origins, label: str) -> Scenario:
    """Validate the merged dictionary; the first problem becomes a :class:`UserError`."""
    check_param_names(d, origins, label)
    try:
        sc = Scenario.model_validate(d)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(x for x in err["loc"] if not str(x).startswith("function-"))
        loc = tuple(
            x for x in loc if x not in ("float", "int", "str", "bool", "list", "dict", "tuple")
        )
        kind = err["type"]
        if kind == "extra_forbidden":
            what, expected = "unknown key", "one of the documented keys (see docs/scenarios.md)"
            expected += closest(str(loc[-1]), _fields_at(loc[:-1])) if loc else ""
        elif kind == "missing":
            raise _error_at(loc, "missing key", "a value", "nothing", origins, label) from None
        elif kind == "finite_number":
            what, expected = "invalid value", "a finite number (not inf or nan)"
        else:
            what, expected = "invalid value", err["msg"].lower()
        cls = UserError if kind == "extra_forbidden" else DomainError
        raise _error_at(
            loc, what, expected, _found(err.get("input")), origins, label, cls
        ) from None
    check_references(sc, origins, label)
    check_param_domains(sc, origins, label)
    return sc


def _numeric_fields(rec: Cited) -> list[str]:
    out = []
    for name in type(rec).model_fields:
        if name in ("source", "field_sources", "assumed", "notes"):
            continue
        val = getattr(rec, name)
        if isinstance(val, bool):
            continue
        if isinstance(val, int | float) or (
            isinstance(val, dict) and val and all(isinstance(x, int | float) for x in val.values())
        ):
            out.append(name)
    return out


def iter_records(sc: Scenario) -> Iterable[tuple[str, Cited]]:
    """Every cited data record with its key path."""
    for table in (
        "ship_classes",
        "weapons",
        "missile_classes",
        "aircraft_types",
        "bases",
        "air_units",
        "ships",
        "munitions",
        "launchers",
        "missiles",
        "ground",
        "weather",
    ):
        for key, rec in getattr(sc, table).items():
            yield f"{table}.{key}", rec
    yield "theatre", sc.theatre


def check_references(sc: Scenario, origins: Origins, label: str) -> None:
    """Cross-references (bases, types, actors, rungs, sources) and number pedigree."""

    def fail(path: str, what: str, expected: str, found: Any) -> None:
        raise _error_at(path.split("."), what, expected, _found(found), origins, label)

    srcs = set(sc.sources)
    actors = set(sc.actors)
    for part in ("aggressor", "defender", "principal"):
        playing = sorted(c for c, a in sc.actors.items() if a.part == part)
        if len(playing) != 1:
            fail(
                "actors",
                f"{len(playing)} actors play the part {part}",
                f'one actor with part = "{part}"',
                playing or sorted(actors),
            )
    for path, rec in iter_records(sc):
        if rec.source is not None and rec.source not in srcs:
            fail(path + ".source", "unknown source key", "a key of [sources]", rec.source)
        for f, s in rec.field_sources.items():
            if s not in srcs:
                fail(f"{path}.field_sources.{f}", "unknown source key", "a key of [sources]", s)
        for f in list(rec.field_sources) + list(rec.assumed):
            if f not in type(rec).model_fields:
                fail(
                    f"{path}.assumed",
                    "assumption for an unknown field",
                    "a field of this record",
                    f,
                )
        if rec.source is None:
            for f in _numeric_fields(rec):
                if f not in rec.field_sources and f not in rec.assumed:
                    fail(
                        f"{path}.{f}",
                        "number without a source",
                        "a 'source' key or an 'assumed' rationale",
                        getattr(rec, f),
                    )
    for name, prm in sc.params.items():
        if prm.source is not None and prm.source not in srcs:
            fail(f"params.{name}.source", "unknown source key", "a key of [sources]", prm.source)
    for code, rung in sc.roles.items():
        if code not in actors or not sc.actors[code].rungs:
            fail(f"roles.{code}", "unknown ally", "an actor with a role ladder", code)
        if rung not in sc.actors[code].rungs:
            fail(
                f"roles.{code}", "unknown rung", "one of " + ", ".join(sc.actors[code].rungs), rung
            )
    for code, actor in sc.actors.items():
        for rname, r in actor.rungs.items():
            if r.release is not None and r.release not in actors:
                fail(
                    f"actors.{code}.rungs.{rname}.release",
                    "unknown actor",
                    "an actor code",
                    r.release,
                )
    for h in sc.plan.strike_hosts:
        if h not in actors:
            fail("plan.strike_hosts", "unknown actor", "actor codes", h)
    for bid, b in sc.bases.items():
        if b.host not in actors:
            fail(f"bases.{bid}.host", "unknown actor", "an actor code", b.host)
    for uid, u in sc.air_units.items():
        if u.actor not in actors:
            fail(f"air_units.{uid}.actor", "unknown actor", "an actor code", u.actor)
        if u.type not in sc.aircraft_types:
            fail(
                f"air_units.{uid}.type",
                "unknown aircraft type",
                "a key of [aircraft_types]",
                u.type,
            )
        for f in ("base", "fallback"):
            if getattr(u, f) not in sc.bases:
                fail(f"air_units.{uid}.{f}", "unknown base", "a key of [bases]", getattr(u, f))
        if u.release is not None and u.release not in actors:
            fail(f"air_units.{uid}.release", "unknown actor", "an actor code", u.release)
    for gid, g in sc.ships.items():
        if g.actor not in actors:
            fail(f"ships.{gid}.actor", "unknown actor", "an actor code", g.actor)
        if g.ship_class not in sc.ship_classes:
            fail(
                f"ships.{gid}.class", "unknown ship class", "a key of [ship_classes]", g.ship_class
            )
        if g.ship_class not in SHIP_CLASSES:
            fail(
                f"ships.{gid}.class",
                "ship class the engine does not model",
                "one of " + ", ".join(SHIP_CLASSES),
                g.ship_class,
            )
        for w in g.anti_ship:
            if w not in sc.weapons:
                fail(f"ships.{gid}.anti_ship", "unknown weapon", "a key of [weapons]", w)
    for t, at in sc.aircraft_types.items():
        for w in at.anti_ship:
            if w not in sc.weapons and w not in sc.missile_classes:
                fail(f"aircraft_types.{t}.anti_ship", "unknown weapon", "a key of [weapons]", w)
    for mid, m in sc.munitions.items():
        if m.actor not in actors:
            fail(f"munitions.{mid}.actor", "unknown actor", "an actor code", m.actor)
        if m.weapon not in sc.weapons:
            fail(f"munitions.{mid}.weapon", "unknown weapon", "a key of [weapons]", m.weapon)
    for lid, x in sc.launchers.items():
        for f in ("actor", "host"):
            if getattr(x, f) not in actors:
                fail(f"launchers.{lid}.{f}", "unknown actor", "an actor code", getattr(x, f))
        if x.weapon not in sc.weapons:
            fail(f"launchers.{lid}.weapon", "unknown weapon", "a key of [weapons]", x.weapon)
    for c in sc.missiles:
        if c not in sc.missile_classes:
            fail(f"missiles.{c}", "unknown missile class", "a key of [missile_classes]", c)
    for c in sc.ground:
        if c not in actors:
            fail(f"ground.{c}", "unknown actor", "an actor code", c)


def check_param_domains(sc: Scenario, origins: Origins, label: str) -> None:
    """Each parameter's value (and its distribution's support) lies in its finite domain."""
    for name, prm in sc.params.items():
        dom = param_domain(name, prm.unit, prm.domain, prm.domain_rationale)
        cands = [("value", prm.value)]
        if prm.dist is not None:
            cands += [("dist.low", prm.dist.low), ("dist.high", prm.dist.high)]
            if prm.dist.mode is not None:
                cands.append(("dist.mode", prm.dist.mode))
        for field, x in cands:
            if not in_domain(x, dom):
                loc = f"params.{name}.{field}".split(".")
                raise _error_at(
                    loc,
                    "invalid value",
                    describe_domain(dom),
                    _found(x),
                    origins,
                    label,
                    DomainError,
                )
        if prm.unit == "bool" and prm.value not in (0.0, 1.0):
            raise _error_at(
                f"params.{name}.value".split("."),
                "invalid value",
                "0 or 1 (or false/true)",
                _found(prm.value),
                origins,
                label,
                DomainError,
            )


def _defined(val: Any) -> bool:
    return isinstance(val, dict) and "unit" in val and "doc" in val


def check_param_names(d: dict[str, Any], origins: Origins, label: str) -> None:
    """Refuse a parameter set in a file but defined nowhere (no unit, doc); name the closest."""
    params = d.get("params")
    if not isinstance(params, dict):
        return
    known = [str(k) for k, v in params.items() if _defined(v)]
    for name, val in params.items():
        if _defined(val):
            continue
        raise _error_at(
            ("params", name),
            "unknown parameter",
            "a parameter name listed by `straitsim show`" + closest(str(name), known),
            _found(name),
            origins,
            label,
        )


def _fields_at(loc: Sequence[Any]) -> list[str]:
    """Field names of the schema model at key path ``loc`` (for 'did you mean')."""
    model: Any = Scenario
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            f = model.model_fields.get(str(part))
            if f is None:
                f = next((x for x in model.model_fields.values() if x.alias == part), None)
            if f is None:
                return []
            model = f.annotation
        elif get_origin(model) is dict:
            model = get_args(model)[1]
        else:
            return []
        while get_origin(model) is not None and get_origin(model) is not dict:
            args = [a for a in get_args(model) if a is not type(None)]
            model = args[0] if args else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []
