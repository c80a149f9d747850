"""Read scenario files: built-in names or paths, ``extends``, data packs, ``--role``/``--set``.

Everything that can go wrong with a user's input becomes one :class:`UserError` naming the
file, the key path, what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from straitsim.errors import UserError
from straitsim.scenario.checks import (
    _numeric_fields,
    check_param_domains,
    check_param_names,
    check_references,
    iter_records,
    validate,
)
from straitsim.scenario.overrides import (
    Origins,
    apply_sets,
    closest,
    merge,
    parse_assignment,
    parse_roles,
    parse_value,
    set_strings,
)
from straitsim.scenario.schema import Scenario
from straitsim.scenario.toml_io import (
    DATA_DIR,
    PACK_DIR,
    SCENARIO_DIR,
    builtin_scenarios,
    read_toml,
)

# Public names of the scenario loader, re-exported from the modules that own them.
__all__ = [
    "DATA_DIR",
    "PACK_DIR",
    "SCENARIO_DIR",
    "Origins",
    "_numeric_fields",
    "apply_sets",
    "builtin_scenarios",
    "check_param_domains",
    "check_param_names",
    "check_references",
    "iter_records",
    "list_scenarios",
    "load_scenario",
    "merge",
    "parse_assignment",
    "parse_roles",
    "parse_value",
    "read_toml",
    "resolve",
    "set_strings",
    "validate",
]


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
            expected="a built-in name ("
            + ", ".join(builtin)
            + ") or a path to a .toml file"
            + closest(s, builtin),
            found=repr(s),
        )
    return path, str(path)


def _pack_path(name: str, base_dir: Path | None) -> Path:
    if name.endswith(".toml"):
        p = Path(name)
        return p if p.is_absolute() or base_dir is None else base_dir / p
    return PACK_DIR / f"{name}.toml"


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
    return validate(d, origins, label)


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
    if isinstance(roles, str | bytes):
        raise UserError("bad roles", key="roles", expected="a mapping or a list of ALLY=RUNG")
    role_map = dict(roles) if isinstance(roles, Mapping) else parse_roles(roles or [])
    return resolve(ref, roles={k.upper(): v for k, v in role_map.items()}, sets=set_strings(sets))
