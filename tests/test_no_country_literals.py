"""Code names no country: which actor plays which part comes from the scenario data.

A country code written as a string literal in ``src/straitsim/**/*.py`` (docstrings aside) fails
this test: which actor is the aggressor, the defender or the principal ally, which allies the
analyses vary or show by default, and where extra shelters go are fields of the actors in the
data (``part``, ``analysed``, ``headline``, ``shelter_host`` in ``packs/ladders.toml``).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "straitsim"
CODES = frozenset({"USA", "JPN", "AUS", "PHL", "KOR", "TWN", "CHN"})


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def country_literals(path: Path) -> list[tuple[int, str]]:
    """(line, code) of each string constant that is exactly a country code, docstrings aside."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in CODES
        and id(node) not in skip
    ]


def _found() -> dict[str, list[tuple[int, str]]]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        hits = country_literals(path)
        if hits:
            out[path.relative_to(SRC).as_posix()] = hits
    return out


def test_no_country_code_literals_in_code():
    bad = _found()
    assert not bad, f"country codes written in code (put them in the scenario data): {bad}"


def test_detector_finds_a_literal_and_ignores_docstrings(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('"""JPN"""\n\n\ndef f():\n    """USA"""\n    return ("JPN", "x")\n')
    assert country_literals(src) == [(6, "JPN")]
