"""The documentation site builds offline, warnings as errors, with the tutorials executed.

`mkdocs build --strict` fails on a broken link, a missing anchor, a page left out of the
navigation or an API reference that does not resolve; the tutorial notebooks run top to
bottom during the build (mkdocs-jupyter, errors not allowed), so their outputs show.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import straitsim as ss

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytest.importorskip("mkdocs", reason="the docs extra: pip install '.[docs]'")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    return out


def test_site_builds_without_warnings(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "api.html").is_file()
    assert (site / "search" / "search_index.json").is_file()  # search works offline


def test_every_notebook_is_in_the_site_with_its_figures(site: Path) -> None:
    notebooks = sorted((DOCS / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 3
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for nb in notebooks:
        assert f"notebooks/{nb.name}" in nav, f"{nb.name} is not in the site's navigation"
        page = (site / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "data:image/png" in page, f"{nb.name} shows no figure: did it run?"
        assert "Traceback" not in page


def _public_objects() -> list[tuple[str, object]]:
    out = []
    for name in ss.__all__:
        obj = getattr(ss, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((name, obj))
    return out


def test_every_public_function_has_a_docstring_in_the_reference(site: Path) -> None:
    reference = (DOCS / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^::: (\S+)$", reference, flags=re.M))
    html = (site / "api.html").read_text(encoding="utf-8")
    missing = []
    for name, obj in _public_objects():
        assert (obj.__doc__ or "").strip(), f"straitsim.{name} has no docstring"
        path = f"{obj.__module__}.{obj.__qualname__}"
        if path not in listed:
            missing.append(f"{name} ({path})")
            continue
        assert f'id="{path}"' in html, f"{path} did not render in the API reference"
    assert not missing, f"public names missing from docs/api.md: {missing}"
