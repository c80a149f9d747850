"""straitsim: an open, reproducible campaign model of a cross-Strait invasion.

The public API (pinned by tests/test_api.py)::

    import straitsim as ss
    res = ss.run("csis-2026", reps=2000, seed=1, roles={"JPN": "neutral"})
    res.outcomes()          # pandas DataFrame with 95% intervals
    res.losses()            # loss quantiles per country and metric
    res.summary()           # the `straitsim run --json` document
"""

from typing import TYPE_CHECKING, Any

from straitsim.api import (
    RunResult,
    __version__,
    list_scenarios,
    load_scenario,
    run,
    scenario_hash,
    simulate,
)
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.scenario.schema import Scenario

# The analyses load on first use, so `import straitsim` (and the command line) stays quick
# and the engine runs where only its own dependencies are installed.
_LAZY = {
    "BurdenResult": "straitsim.analysis.burden",
    "burden_sharing": "straitsim.analysis.burden",
    "burden_table": "straitsim.analysis.burden",
    "load_economics": "straitsim.analysis.burden",
    "Belief": "straitsim.analysis.deterrence",
    "DeterrenceResult": "straitsim.analysis.deterrence",
    "Valuation": "straitsim.analysis.deterrence",
    "deter": "straitsim.analysis.deterrence",
    "load_beliefs": "straitsim.analysis.deterrence",
    "InvestmentResult": "straitsim.analysis.investments",
    "invest": "straitsim.analysis.investments",
    "load_options": "straitsim.analysis.investments",
    "pedigree": "straitsim.analysis.pedigree",
    "RoleAnalysis": "straitsim.analysis.roles",
    "role_analysis": "straitsim.analysis.roles",
    "roles_table": "straitsim.analysis.roles",
    "shapley_values": "straitsim.analysis.roles",
    "SensitivityResult": "straitsim.analysis.sensitivity",
    "sensitivity": "straitsim.analysis.sensitivity",
    "ValidationReport": "straitsim.analysis.validation",
    "run_validation": "straitsim.analysis.validation",
    "SweepResult": "straitsim.store.sweep",
    "sweep": "straitsim.store.sweep",
    "ResultsStore": "straitsim.store",
    "WorldsResult": "straitsim.analysis.worlds",
    "sample_worlds": "straitsim.analysis.worlds",
    "worlds": "straitsim.analysis.worlds",
    "DiscoveryResult": "straitsim.analysis.discovery",
    "discover": "straitsim.analysis.discovery",
    "load_result": "straitsim.analysis.run",
    "OutlookResult": "straitsim.analysis.outlook_result",
    "outlook": "straitsim.analysis.outlook",
}

if TYPE_CHECKING:  # pragma: no cover
    from straitsim.analysis.burden import BurdenResult, burden_sharing, burden_table, load_economics
    from straitsim.analysis.deterrence import (
        Belief,
        DeterrenceResult,
        Valuation,
        deter,
        load_beliefs,
    )
    from straitsim.analysis.discovery import DiscoveryResult, discover
    from straitsim.analysis.investments import InvestmentResult, invest, load_options
    from straitsim.analysis.outlook import outlook
    from straitsim.analysis.outlook_result import OutlookResult
    from straitsim.analysis.pedigree import pedigree
    from straitsim.analysis.roles import RoleAnalysis, role_analysis, roles_table, shapley_values
    from straitsim.analysis.run import load_result
    from straitsim.analysis.sensitivity import SensitivityResult, sensitivity
    from straitsim.analysis.validation import ValidationReport, run_validation
    from straitsim.analysis.worlds import WorldsResult, sample_worlds, worlds
    from straitsim.store import ResultsStore
    from straitsim.store.sweep import SweepResult, sweep


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'straitsim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "InvestmentResult",
    "OUTCOMES",
    "BurdenResult",
    "Belief",
    "DeterrenceResult",
    "DiscoveryResult",
    "ResultsStore",
    "RoleAnalysis",
    "RunResult",
    "Scenario",
    "SensitivityResult",
    "SweepResult",
    "Trajectory",
    "UserError",
    "ValidationReport",
    "Valuation",
    "WorldsResult",
    "__version__",
    "burden_sharing",
    "burden_table",
    "deter",
    "discover",
    "invest",
    "list_scenarios",
    "load_beliefs",
    "load_economics",
    "load_options",
    "load_result",
    "load_scenario",
    "OutlookResult",
    "outlook",
    "pedigree",
    "role_analysis",
    "roles_table",
    "run",
    "run_validation",
    "scenario_hash",
    "sensitivity",
    "shapley_values",
    "sample_worlds",
    "simulate",
    "sweep",
    "worlds",
]
