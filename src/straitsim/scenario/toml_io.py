"""TOML input: the built-in data folders and one cached, bounded file reader."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from straitsim.errors import UserError

DATA_DIR = Path(__file__).parent / "data"
SCENARIO_DIR = DATA_DIR / "scenarios"
PACK_DIR = DATA_DIR / "packs"

# Scenario files are tables of records: four or five levels deep. Anything far deeper is a
# mistake (or an attack on the parser's recursion), refused with one line.
MAX_DEPTH = 32
# A scenario file is a few hundred kilobytes at most.
MAX_BYTES = 16 * 1024 * 1024


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
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise UserError(
                "file too large",
                file=name,
                expected=f"a scenario file under {MAX_BYTES // 2**20} MiB",
                found=f"{path.stat().st_size} bytes",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("file not found", file=name, expected="a readable TOML file") from None
    except IsADirectoryError:
        raise UserError("is a directory", file=name, expected="a TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read file: {exc}", file=name) from None
    return loads(text, name)


def loads(text: str, name: str, key: str | None = None) -> dict[str, Any]:
    """Parse TOML text; syntax errors and over-deep nesting become one :class:`UserError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            f"not valid TOML: {exc}", file=name, key=key, expected="TOML syntax"
        ) from None
    except RecursionError:
        data = None
    if data is None or depth(data) > MAX_DEPTH:
        raise UserError(
            "nested too deeply",
            file=name,
            key=key,
            expected=f"at most {MAX_DEPTH} levels of tables and arrays",
            found="deeper nesting",
        )
    return data


def depth(value: Any, limit: int = MAX_DEPTH + 1) -> int:
    """Nesting depth of tables and arrays (iterative; stops counting past ``limit``)."""
    best = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            best = max(best, d + 1)
            if best > limit:
                return best
            items = v.values() if isinstance(v, dict) else v
            stack.extend((x, d + 1) for x in items)
    return best
