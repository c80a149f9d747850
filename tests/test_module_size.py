"""Modules a newcomer reads in one sitting: none in ``src/`` above 450 lines without a reason.

A longer module says why in a line of its docstring that starts with ``Length:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "straitsim"
MAX_LINES = 450


def long_without_reason(root: Path) -> list[str]:
    """Modules under ``root`` above MAX_LINES whose docstring gives no ``Length:`` line."""
    out = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if not any(line.startswith("Length:") for line in doc.splitlines()):
            out.append(f"{path.relative_to(root)} ({text.count(chr(10))} lines)")
    return out


def test_no_long_module_without_a_reason():
    assert not long_without_reason(SRC)


def test_detector_flags_a_long_module_and_accepts_a_reason(tmp_path):
    body = "x = 1\n" * (MAX_LINES + 1)
    (tmp_path / "a.py").write_text('"""A module."""\n' + body)
    (tmp_path / "b.py").write_text('"""A module.\n\nLength: one table.\n"""\n' + body)
    assert long_without_reason(tmp_path) == [f"a.py ({MAX_LINES + 2} lines)"]
