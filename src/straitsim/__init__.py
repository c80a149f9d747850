"""straitsim: an open, reproducible campaign model of a cross-Strait invasion.

The public API (pinned by tests/test_api.py)::

    import straitsim as ss
    res = ss.run("csis-2026", reps=2000, seed=1, roles={"JPN": "neutral"})
    res.outcomes()          # pandas DataFrame with 95% intervals
    res.losses()            # loss quantiles per country and metric
    res.summary()           # the `straitsim run --json` document
"""

from straitsim.analysis.burden import BurdenResult, burden_sharing, burden_table, load_economics
from straitsim.analysis.deterrence import Belief, DeterrenceResult, Valuation, deter, load_beliefs
from straitsim.analysis.investments import InvestmentResult, invest, load_options
from straitsim.analysis.pedigree import pedigree
from straitsim.analysis.roles import RoleAnalysis, role_analysis, roles_table, shapley_values
from straitsim.analysis.sensitivity import SensitivityResult, sensitivity
from straitsim.analysis.validation import ValidationReport, run_validation
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
from straitsim.runners.sweep import SweepResult, sweep
from straitsim.scenario.schema import Scenario
from straitsim.store import ResultsStore

__all__ = [
    "InvestmentResult",
    "OUTCOMES",
    "BurdenResult",
    "Belief",
    "DeterrenceResult",
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
    "__version__",
    "burden_sharing",
    "burden_table",
    "deter",
    "invest",
    "list_scenarios",
    "load_beliefs",
    "load_economics",
    "load_options",
    "load_scenario",
    "pedigree",
    "role_analysis",
    "roles_table",
    "run",
    "run_validation",
    "scenario_hash",
    "sensitivity",
    "shapley_values",
    "simulate",
    "sweep",
]
