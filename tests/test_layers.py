"""The house's structure: layers, imports at the top, and a light ``import straitsim``.

docs/architecture.md describes the layers; pyproject.toml's [tool.importlinter] holds the
contract these tests run.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "straitsim"

# Third-party packages a function may import on use: optional extras or heavy libraries that
# `import straitsim` (and the command line) must not load. The same list stands in
# docs/architecture.md. Everything else is imported at the top of its module.
OPTIONAL_HEAVY = {
    "cupy",
    "dask",
    "distributed",
    "fastapi",
    "uvicorn",
    "starlette",
    "plotly",
    "matplotlib",
    "SALib",
    "ema_workbench",
    "pandas",
    "duckdb",  # the results store's database and Parquet engines: loaded when a store opens
    "pyarrow",
    "xarray",  # optional: RunResult.traces_dataset
    "numba",  # optional: the `numba` device (the fast extra)
}
# (file, module) pairs allowed besides: importlib-based lazy loading of the public names
# (PEP 562) in the package's __init__, and `straitsim serve` loading the dashboard, which
# needs the web extra (fastapi, uvicorn).
LAZY_LOADERS = {
    ("straitsim/__init__.py", "importlib"),
    ("straitsim/cli/serve.py", "straitsim.web.app"),
    ("straitsim/cli/serve.py", "straitsim.web.models"),
    ("straitsim/engine/campaign.py", "straitsim.engine.jit.registry"),
}

# What `import straitsim` must leave unloaded.
NOT_AT_IMPORT = (
    "numba",
    "straitsim.engine.jit",
    "matplotlib",
    "pandas",
    "duckdb",
    "fastapi",
    "straitsim.report",
    "straitsim.store",
    "straitsim.web",
    "straitsim.cli",
    "straitsim.analysis.roles",
    "straitsim.analysis.deterrence",
    "straitsim.analysis.sensitivity",
    "straitsim.analysis.validation",
    "straitsim.analysis.investments",
    "straitsim.analysis.burden",
)


def _contract() -> dict[str, object]:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = doc["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    return layers


def _py_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_import_linter_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    cmd = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_contract_names_every_subpackage_and_module() -> None:
    c = _contract()
    assert c["containers"] == ["straitsim"]
    assert c["exhaustive"] is True
    named = {m.strip() for layer in c["layers"] for m in layer.split("|")}
    present = {
        p.stem if p.is_file() else p.name
        for p in SRC.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert present == named, f"not in the contract: {present - named}; gone: {named - present}"
    # the order the architecture promises, top to bottom
    order = [m for layer in c["layers"] for m in layer.split("|")]
    order = [m.strip() for m in order]
    expected = ["api", "cli", "web", "report", "store", "analysis", "runners", "scenario", "engine"]
    assert [m for m in order if m in expected] == expected
    assert {"errors", "meta"} <= set(c["layers"][-1].replace(" ", "").split("|"))


def _in_function_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                found += [(node.lineno, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.lineno, "." * node.level + (node.module or "")))
    return sorted(set(found))


def test_no_in_function_imports_outside_the_allow_list() -> None:
    bad = []
    for path in _py_files():
        rel = path.relative_to(SRC.parent).as_posix()
        for line, module in _in_function_imports(path):
            top = module.split(".")[0]
            if top in OPTIONAL_HEAVY or (rel, module) in LAZY_LOADERS:
                continue
            bad.append(f"{rel}:{line} imports {module} inside a function")
    assert not bad, "\n".join(bad)


def test_in_function_scan_finds_what_it_should(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "import os\n\ndef f():\n    import json\n    from straitsim import meta\n"
        "    import pandas as pd\n    return json, meta, pd\n"
    )
    assert _in_function_imports(f) == [(4, "json"), (5, "straitsim"), (6, "pandas")]


def test_no_module_imports_the_package_root() -> None:
    """Only the facade's own files use ``straitsim`` itself; the layers import each other."""
    bad = []
    for path in _py_files():
        rel = path.relative_to(SRC.parent).as_posix()
        if rel in ("straitsim/__init__.py", "straitsim/__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "straitsim" and node.level == 0:
                bad.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name == "straitsim" for a in node.names):
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, bad


def _loaded_after(code: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_import_straitsim_stays_light() -> None:
    loaded = _loaded_after("import straitsim")
    heavy = sorted(
        m for m in loaded for name in NOT_AT_IMPORT if m == name or m.startswith(name + ".")
    )
    assert not heavy, heavy
    # the command line loads matplotlib only when a command draws a figure
    assert not {m for m in _loaded_after("import straitsim.cli") if m.startswith("matplotlib")}
    # and the lazy names still load on first use
    loaded = _loaded_after("import straitsim\nstraitsim.deter")
    assert "straitsim.analysis.deterrence" in loaded


@pytest.mark.parametrize("module", ["straitsim.report.figures", "straitsim.report.theatre"])
def test_report_modules_leave_the_matplotlib_backend_alone(module: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import matplotlib\nmatplotlib.use('svg')\n"
            f"import {module}\nprint(matplotlib.get_backend())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert proc.stdout.strip().lower() == "svg"
