"""The engine reproduces its stored reference outputs exactly.

Three scenario cases (``scripts/refresh_reference.py`` lists them) were run once and stored
in ``tests/data/reference/``. A refactor must leave every output identical: outcomes,
decision days, every entry of the losses ledger, the daily traces and the per-base results.
A change meant to move results regenerates the files with that script, deliberately.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "data" / "reference"


def _refresh_module():
    spec = importlib.util.spec_from_file_location(
        "refresh_reference", ROOT / "scripts" / "refresh_reference.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("refresh_reference", mod)
    spec.loader.exec_module(mod)
    return mod


refresh = _refresh_module()


@pytest.mark.parametrize("case", sorted(refresh.CASES))
def test_engine_reproduces_reference(case):
    path = REF / f"{case}.npz"
    assert path.exists(), f"missing {path}: run scripts/refresh_reference.py"
    stored = np.load(path)
    now = refresh.flatten(refresh.run_case(case))
    assert sorted(now) == sorted(stored.files), "the set of outputs changed"
    for key in stored.files:
        a, b = now[key], stored[key]
        assert a.shape == b.shape, f"{case}: {key} shape {a.shape} != reference {b.shape}"
        np.testing.assert_allclose(
            a, b, rtol=0, atol=1e-12, equal_nan=True, err_msg=f"{case}: {key} differs"
        )


def test_reference_cases_cover_early_decisions_and_set_aside():
    """At least one case decides replications on different days (the set-aside path)."""
    days = [np.unique(np.load(REF / f"{c}.npz")["decided_day"]).size for c in refresh.CASES]
    assert max(days) > 5
