"""Step name (as in :data:`straitsim.engine.campaign.STEPS`) -> compiled step function.

A step missing here runs its NumPy module. Each entry must pass the per-module conformance
test in tests/test_jit_conformance.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from straitsim.engine.jit.air import air_war
from straitsim.engine.jit.escalation import escalation
from straitsim.engine.jit.ground import ground_war
from straitsim.engine.jit.landing import landing
from straitsim.engine.jit.maritime import maritime_strike
from straitsim.engine.jit.missiles import missile_strikes
from straitsim.engine.jit.navy import counter_navy
from straitsim.engine.jit.outcome import decide
from straitsim.engine.jit.rng import KERNELS
from straitsim.engine.jit.submarines import submarine_war
from straitsim.engine.jit.traces import CompiledTraceRecorder

__all__ = ["JIT_STEPS", "KERNELS", "CompiledTraceRecorder"]

JIT_STEPS: dict[str, Callable[..., Any]] = {}
JIT_STEPS["escalation"] = escalation
JIT_STEPS["missile_strikes"] = missile_strikes
JIT_STEPS["air_war"] = air_war
JIT_STEPS["maritime_strike"] = maritime_strike
JIT_STEPS["submarine_war"] = submarine_war
JIT_STEPS["counter_navy"] = counter_navy
JIT_STEPS["landing"] = landing
JIT_STEPS["ground_war"] = ground_war
JIT_STEPS["outcome"] = decide
