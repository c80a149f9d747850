"""Overrides on a scenario: deep merge of files and packs, ``--set KEY=VALUE``, ``--role``."""

from __future__ import annotations

import copy
import difflib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from straitsim.errors import UserError
from straitsim.scenario.toml_io import loads

Origins = dict[tuple[str, ...], str]
# Fields of a parameter that --set may not change: they decide what values are valid.
FIXED_PARAM_FIELDS = frozenset({"unit", "domain", "domain_rationale"})


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


def closest(name: str, choices: Iterable[str], n: int = 3) -> str:
    """``"; closest: a, b"`` from difflib, or ``""`` when nothing is close."""
    near = difflib.get_close_matches(name, list(choices), n=n, cutoff=0.6)
    return "; closest: " + ", ".join(near) if near else ""


def parse_assignment(text: str, flag: str) -> tuple[str, str]:
    """Split ``KEY=VALUE`` or raise a clear error."""
    if "=" not in text:
        raise UserError(f"bad {flag} value", key=text, expected="KEY=VALUE", found=repr(text))
    k, val = text.split("=", 1)
    k, val = k.strip(), val.strip()
    if not k:
        raise UserError(f"bad {flag} value", expected="KEY=VALUE", found=repr(text))
    return k, val


def parse_value(text: str, key: str | None = None) -> Any:
    """Parse a ``--set`` value: TOML (numbers, true/false, quoted strings, lists) or a bare word.

    ``inf`` and ``nan`` parse as floats (and are then refused by the domain checks).
    """
    try:
        return loads(f"v = {text}", "--set", key)["v"]
    except UserError as exc:
        if "nested too deeply" in str(exc):
            raise
        return text


def apply_sets(d: dict[str, Any], sets: Iterable[str], origins: Origins) -> list[tuple[str, Any]]:
    """Apply ``--set KEY=VALUE`` overrides; a bare parameter name addresses ``params.NAME``."""
    done = []
    for item in sets:
        key, raw = parse_assignment(item, "--set")
        val = parse_value(raw, key)
        parts = key.split(".")
        params = d.get("params", {})
        if len(parts) == 1 and parts[0] in params:
            parts = ["params", parts[0]]
        if len(parts) == 2 and parts[0] == "params":
            if parts[1] not in params:
                raise UserError(
                    "unknown parameter",
                    key=key,
                    expected="a name listed by `straitsim show`" + closest(parts[1], params),
                    found=repr(parts[1]),
                )
            if isinstance(val, dict):
                raise UserError("bad value", key=key, expected="a number", found=repr(raw))
            merge(d["params"], {parts[1]: val}, origins, "--set", ("params",))
            done.append((key, val))
            continue
        if len(parts) >= 3 and parts[0] == "params" and parts[2] in FIXED_PARAM_FIELDS:
            raise UserError(
                "a parameter's unit and domain come from the data, not from --set",
                key=key,
                expected=f"params.{parts[1]}.value (or its dist)",
                found=repr(raw),
            )
        node: Any = d
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise UserError(
                    "unknown key",
                    key=".".join(parts[: i + 1]),
                    expected="a key of the resolved scenario (see `straitsim show`)"
                    + (closest(part, node) if isinstance(node, dict) else ""),
                    found=repr(part),
                )
            node = node[part]
        last = parts[-1]
        if not isinstance(node, dict) or last not in node:
            hint = closest(last, node) if isinstance(node, dict) else ""
            if len(parts) == 1:
                hint = closest(last, list(params) + list(d)) or hint
            raise UserError(
                "unknown key",
                key=key,
                expected="a key of the resolved scenario (see `straitsim show`)" + hint,
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


def parse_roles(items: Iterable[str]) -> dict[str, str]:
    """``--role ALLY=RUNG`` flags to a mapping."""
    out = {}
    for item in items:
        k, v = parse_assignment(item, "--role")
        out[k.upper()] = v
    return out


def set_strings(sets: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """``--set`` overrides as ``KEY=VALUE`` strings (TOML values), from a mapping or strings."""
    if isinstance(sets, Mapping):
        return [f"{k}={_toml(v)}" for k, v in sets.items()]
    if isinstance(sets, str | bytes):
        raise UserError("bad overrides", key="sets", expected="a list of KEY=VALUE or a mapping")
    return list(sets)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    try:
        return json.dumps(v)
    except (TypeError, ValueError):
        return json.dumps(str(v))
