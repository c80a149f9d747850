"""Static checks as tests: ruff over the whole tree, strict mypy over the engine and analysis.

Both tools read their configuration from pyproject.toml ([tool.ruff], [tool.mypy]). The guard
tests make sure that configuration is live, so a clean result is not a vacuous one.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF_PATHS = ["src", "tests", "scripts", "benchmarks"]
MYPY_PACKAGES = ["src/straitsim/engine", "src/straitsim/analysis"]


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_clean():
    p = _run("ruff", "check", "--no-cache", "--output-format", "concise", *RUFF_PATHS)
    assert p.returncode == 0, f"ruff check found problems:\n{p.stdout}{p.stderr}"


def test_ruff_config_is_live():
    # A library module with a long line and a non-imperative docstring summary must be
    # reported: the rule selection (E, D with the numpy convention) applies under src/.
    snippet = (
        "def area(r: float) -> float:\n"
        '    """The area of a circle."""\n'
        "    return 3.14159 * r * r  # " + "x" * 90 + "\n"
    )
    p = _run(
        "ruff",
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        "--stdin-filename",
        "src/straitsim/_lint_probe.py",
        "-",
        stdin=snippet,
    )
    assert p.returncode == 1, p.stdout + p.stderr
    assert "E501" in p.stdout and "D401" in p.stdout, p.stdout


def test_mypy_strict_clean():
    p = _run("mypy", *MYPY_PACKAGES)
    assert p.returncode == 0, f"mypy found problems:\n{p.stdout}{p.stderr}"
    assert "Success" in p.stdout


def test_mypy_strict_applies_to_engine_and_analysis():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    strict = {
        m
        for o in cfg["tool"]["mypy"].get("overrides", [])
        if o.get("strict")
        for m in ([o["module"]] if isinstance(o["module"], str) else o["module"])
    }
    assert {"straitsim.engine.*", "straitsim.analysis.*"} <= strict
