"""The Python API behind ``import straitsim``: a thin facade over the layers.

Nothing is defined here; each name lives in the layer that owns it (docs/architecture.md):

- ``load_scenario``, ``list_scenarios`` - :mod:`straitsim.scenario.load`
- ``scenario_hash`` - :mod:`straitsim.scenario.identity`
- ``array_module`` - :mod:`straitsim.engine.backend`
- ``simulate`` - :mod:`straitsim.runners.local`
- ``run``, ``RunResult`` - :mod:`straitsim.analysis.run`
- ``__version__``, ``SCHEMA_VERSION`` - :mod:`straitsim.meta`
"""

from __future__ import annotations

from straitsim.analysis.run import RunResult, run
from straitsim.engine.backend import array_module
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.runners.local import simulate
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import list_scenarios, load_scenario

__all__ = [
    "SCHEMA_VERSION",
    "RunResult",
    "__version__",
    "array_module",
    "list_scenarios",
    "load_scenario",
    "run",
    "scenario_hash",
    "simulate",
]
