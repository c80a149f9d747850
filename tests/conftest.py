"""Shared fixtures: scenarios are resolved once per session (validation is the slow part)."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def csis():
    """The built-in CSIS 2026 base case, resolved."""
    import straitsim as ss

    return ss.load_scenario("csis-2026")
