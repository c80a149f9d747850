"""Read scenario files: built-in names or paths, ``extends``, data packs, ``--role``/``--set``.

Everything that can go wrong with a user's input becomes one :class:`UserError` naming the
file, the key path, what was expected and what was found.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from straitsim.engine.params import SHIP_CLASSES
from straitsim.errors import UserError
from straitsim.scenario.schema import Cited, Scenario

DATA_DIR = Path(__file__).parent / "data"
SCENARIO_DIR = DATA_DIR / "scenarios"
PACK_DIR = DATA_DIR / "packs"

Origins = dict[tuple[str, ...], str]


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names and their files."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


_CACHE: dict[tuple[str, int, int], dict[str, Any]] = {}


def read_toml(path: Path, label: str | None = None) -> dict[str, Any]:
    """Parse one TOML file, or raise a :class:`UserError` that names it.

    Parsed files are cached by path, size and modification time; callers never mutate them.
    """
    name = label or str(path)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    data = _parse_toml(path, name)
    if key is not None:
        _CACHE[key] = data
    return data


def _parse_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("file not found", file=name, expected="a readable TOML file") from None
    except IsADirectoryError:
        raise UserError("is a directory", file=name, expected="a TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read file: {exc}", file=name) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"not valid TOML: {exc}", file=name, expected="TOML syntax") from None


def _locate(ref: str | Path) -> tuple[Path, str]:
    builtin = builtin_scenarios()
    s = str(ref)
    if s in builtin:
        return builtin[s], f"<built-in {s}>"
    path = Path(s)
    if path.suffix != ".toml" and not path.exists():
        raise UserError(
            "no such scenario",
            file=s,
            expected="a built-in name (" + ", ".join(builtin) + ") or a path to a .toml file",
            found=repr(s),
        )
    return path, str(path)


def _pack_path(name: str, base_dir: Path | None) -> Path:
    if name.endswith(".toml"):
        p = Path(name)
        return p if p.is_absolute() or base_dir is None else base_dir / p
    return PACK_DIR / f"{name}.toml"


def _record_origins(value: Any, path: tuple[str, ...], origins: Origins, label: str) -> None:
    origins[path] = label
    if isinstance(value, dict):
        for k, v in value.items():
            _record_origins(v, path + (str(k),), origins, label)


def merge(
    dst: dict[str, Any],
    src: Mapping[str, Any],
    origins: Origins,
    label: str,
    path: tuple[str, ...] = (),
) -> None:
    """Deep-merge ``src`` into ``dst``; tables merge key by key, anything else replaces.

    A bare value written over a parameter (``params.x = 3``) sets its value and removes its
    distribution: the user has fixed it.
    """
    for k, val in src.items():
        here = path + (str(k),)
        cur = dst.get(k)
        if isinstance(cur, dict) and isinstance(val, dict):
            merge(cur, val, origins, label, here)
            origins.setdefault(here, label)
        elif (
            len(path) == 1
            and path[0] == "params"
            and isinstance(cur, dict)
            and not isinstance(val, dict)
        ):
            fixed = {kk: vv for kk, vv in cur.items() if kk != "dist"}
            fixed["value"] = _param_value(val)
            dst[k] = fixed
            origins[here + ("value",)] = label
        else:
            dst[k] = copy.deepcopy(val)
            _record_origins(val, here, origins, label)


def _param_value(val: Any) -> Any:
    return float(val) if isinstance(val, bool) else val


def _raw(ref: str | Path, seen: tuple[str, ...]) -> tuple[dict[str, Any], Origins, list[str]]:
    path, label = _locate(ref)
    data = read_toml(path, label)
    key = str(path.resolve())
    if key in seen:
        raise UserError(
            "scenario extends itself", file=label, key="extends", found=repr(data.get("extends"))
        )
    base_dir = path.parent
    merged: dict[str, Any] = {}
    origins: Origins = {}
    loaded: list[str] = []
    parent = data.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise UserError(
                "bad 'extends'",
                file=label,
                key="extends",
                expected="a scenario name or path",
                found=repr(parent),
            )
        ref2 = parent
        if parent.endswith(".toml") and not Path(parent).is_absolute():
            ref2 = str(base_dir / parent)
        merged, origins, loaded = _raw(ref2, seen + (key,))
    packs = data.get("packs", [])
    if not isinstance(packs, list) or not all(isinstance(x, str) for x in packs):
        raise UserError(
            "bad 'packs'",
            file=label,
            key="packs",
            expected="a list of pack names",
            found=repr(packs),
        )
    for name in packs:
        if name in loaded:
            continue
        pp = _pack_path(name, base_dir)
        plabel = f"<pack {name}>" if not name.endswith(".toml") else str(pp)
        if not pp.exists():
            raise UserError(
                "unknown data pack",
                file=label,
                key="packs",
                expected="a built-in pack or a .toml path",
                found=repr(name),
            )
        merge(merged, read_toml(pp, plabel), origins, plabel)
        loaded.append(name)
    merge(merged, {k: v for k, v in data.items() if k != "packs"}, origins, label)
    merged["packs"] = loaded
    return merged, origins, loaded


def parse_assignment(text: str, flag: str) -> tuple[str, str]:
    """Split ``KEY=VALUE`` or raise a clear error."""
    if "=" not in text:
        raise UserError(f"bad {flag} value", key=text, expected="KEY=VALUE", found=repr(text))
    k, val = text.split("=", 1)
    k, val = k.strip(), val.strip()
    if not k:
        raise UserError(f"bad {flag} value", expected="KEY=VALUE", found=repr(text))
    return k, val


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value: TOML (numbers, true/false, quoted strings, lists) or a bare word."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_sets(d: dict[str, Any], sets: Iterable[str], origins: Origins) -> list[tuple[str, Any]]:
    """Apply ``--set KEY=VALUE`` overrides; a bare parameter name addresses ``params.NAME``."""
    done = []
    for item in sets:
        key, raw = parse_assignment(item, "--set")
        val = parse_value(raw)
        parts = key.split(".")
        if len(parts) == 1 and parts[0] in d.get("params", {}):
            parts = ["params", parts[0]]
        if len(parts) == 2 and parts[0] == "params":
            if parts[1] not in d.get("params", {}):
                raise UserError(
                    "unknown parameter",
                    key=key,
                    expected="a name listed by `straitsim show`",
                    found=repr(parts[1]),
                )
            if isinstance(val, dict):
                raise UserError("bad value", key=key, expected="a number", found=repr(raw))
            merge(d["params"], {parts[1]: val}, origins, "--set", ("params",))
            done.append((key, val))
            continue
        node: Any = d
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise UserError(
                    "unknown key",
                    key=".".join(parts[: i + 1]),
                    expected="a key of the resolved scenario (see `straitsim show`)",
                    found=repr(part),
                )
            node = node[part]
        last = parts[-1]
        if not isinstance(node, dict) or last not in node:
            raise UserError(
                "unknown key",
                key=key,
                expected="a key of the resolved scenario (see `straitsim show`)",
                found=repr(last),
            )
        if isinstance(node[last], dict) and not isinstance(val, dict):
            raise UserError(
                "cannot replace a table with a value",
                key=key,
                expected="a sub-key, e.g. " + key + ".n",
                found=repr(raw),
            )
        node[last] = val
        origins[tuple(parts)] = "--set"
        done.append((key, val))
    return done


def _origin(loc: tuple[Any, ...], origins: Origins) -> str | None:
    parts = tuple(str(x) for x in loc)
    for i in range(len(parts), 0, -1):
        if parts[:i] in origins:
            return origins[parts[:i]]
    return None


def _error_at(
    loc: Sequence[Any], what: str, expected: str, found: str, origins: Origins, label: str
) -> UserError:
    """Return a :class:`UserError` at key path ``loc``, naming the file that set the key.

    The file is the origin of the longest prefix of ``loc`` with one, else ``label``.
    """
    return UserError(
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
        elif kind == "missing":
            raise _error_at(loc, "missing key", "a value", "nothing", origins, label) from None
        else:
            what, expected = "invalid value", err["msg"].lower()
        raise _error_at(loc, what, expected, _found(err.get("input")), origins, label) from None
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
    for code in ("CHN", "TWN", "USA"):
        if code not in actors:
            fail("actors", "missing actor", f"actor {code} defined", sorted(actors))
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


UNIT_DOMAINS: dict[str, tuple[float, float]] = {
    "probability": (0.0, 1.0),
    "share": (0.0, 1.0),
    "share per day": (0.0, 1.0),
    "share of territory": (0.0, 1.0),
    "share of territory per battalion": (0.0, 1.0),
    "bool": (0.0, 1.0),
    "log-sd": (0.0, 3.0),
}
# Parameters the engine divides by, or that scale every force, must be strictly positive.
POSITIVE = frozenset(
    {
        "prc_missile_days_to_expend",
        "dur_runway_repair_days",
        "prc_asbm_days_to_expend",
        "amphib_cycle_days",
        "roc_mobilisation_days",
        "cruise_kmh",
        "missiles_per_runway_cut",
        "coalition_air_enabler",
        "quality_per_generation",
        "roc_reserve_quality",
        "t_per_battalion",
        "sortie_hours_per_day",
        "troops_per_battalion",
        "interceptors_per_missile",
        "sortie_rate_max",
        "bomber_sortie_rate_max",
    }
)
# Rate coefficients above one per day would remove more than a whole force in a day.
AT_MOST_ONE = frozenset({"k_air", "k_ground", "sub_kill_rate", "sub_loss_rate"})


def check_param_domains(sc: Scenario, origins: Origins, label: str) -> None:
    """Each parameter's value (and its distribution's support) lies in its domain."""
    for name, prm in sc.params.items():
        lo, hi = UNIT_DOMAINS.get(prm.unit, (0.0, float("inf")))
        if name in AT_MOST_ONE:
            hi = min(hi, 1.0)
        strict = name in POSITIVE
        cands = [("value", prm.value)]
        if prm.dist is not None:
            cands += [("dist.low", prm.dist.low), ("dist.high", prm.dist.high)]
        for field, x in cands:
            bad = not (lo <= x <= hi) or (strict and x <= 0) or x != x
            if bad:
                expected = (
                    f"a number > 0{'' if hi == float('inf') else f' and <= {hi:g}'}"
                    if strict
                    else f"a number in [{lo:g}, {hi:g}]"
                )
                loc = f"params.{name}.{field}".split(".")
                raise _error_at(loc, "invalid value", expected, _found(x), origins, label)
        if prm.unit == "bool" and prm.value not in (0.0, 1.0):
            raise _error_at(
                f"params.{name}.value".split("."),
                "invalid value",
                "0 or 1 (or false/true)",
                _found(prm.value),
                origins,
                label,
            )


def resolve(
    ref: str | Path,
    roles: Mapping[str, str] | None = None,
    sets: Iterable[str] = (),
) -> Scenario:
    """Load, merge and validate a scenario; apply role and ``--set`` overrides."""
    d, origins, _ = _raw(ref, ())
    _, label = _locate(ref)
    for code, rung in (roles or {}).items():
        d.setdefault("roles", {})[code] = rung
        origins[("roles", code)] = "--role"
    apply_sets(d, sets, origins)
    if "strike_allied_bases" in d.get("params", {}):
        pass
    return validate(d, origins, label)


def parse_roles(items: Iterable[str]) -> dict[str, str]:
    """``--role ALLY=RUNG`` flags to a mapping."""
    out = {}
    for item in items:
        k, v = parse_assignment(item, "--role")
        out[k.upper()] = v
    return out


def list_scenarios() -> dict[str, str]:
    """Built-in scenario names and their titles."""
    return {name: resolve(name).title for name in builtin_scenarios()}


def load_scenario(
    ref: str | Path | Scenario,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
) -> Scenario:
    """Load a validated scenario: a built-in name or a TOML path, with role and ``--set`` overrides.

    ``roles`` is ``{"JPN": "neutral"}`` or ``["JPN=neutral"]``; ``sets`` is
    ``{"us_entry_delay_days": 7}`` or ``["us_entry_delay_days=7"]``.
    """
    if isinstance(ref, Scenario):
        if not roles and not sets:
            return ref
        raise UserError("overrides need a scenario name or path, not a loaded scenario")
    role_map = dict(roles) if isinstance(roles, Mapping) else parse_roles(roles or [])
    return resolve(ref, roles={k.upper(): v for k, v in role_map.items()}, sets=set_strings(sets))


def set_strings(sets: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """``--set`` overrides as ``KEY=VALUE`` strings (TOML values), from a mapping or strings."""
    if isinstance(sets, Mapping):
        return [f"{k}={_toml(v)}" for k, v in sets.items()]
    return list(sets)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)
