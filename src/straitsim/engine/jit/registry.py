"""Step name (as in :data:`straitsim.engine.campaign.STEPS`) -> compiled step function.

A step missing here runs its NumPy module. Each entry must pass the per-module conformance
test in tests/test_jit_conformance.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JIT_STEPS: dict[str, Callable[..., Any]] = {}
