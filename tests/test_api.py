"""The public API is pinned: a change to it is a deliberate change to this test."""

from __future__ import annotations

import straitsim as ss
from straitsim.cli import app

PUBLIC = {
    "Belief",
    "BurdenResult",
    "DeterrenceResult",
    "InvestmentResult",
    "OUTCOMES",
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
    "load_result",
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
    "DiscoveryResult",
    "WorldsResult",
    "discover",
    "sample_worlds",
    "worlds",
    "OutlookResult",
    "outlook",
}

COMMANDS = {
    "run",
    "scenarios",
    "show",
    "roles",
    "burden",
    "deter",
    "invest",
    "sweep",
    "results",
    "sensitivity",
    "validate",
    "sources",
    "serve",
    "report",
    "worlds",
    "discover",
    "outlook",
}


def test_all_is_pinned():
    assert set(ss.__all__) == PUBLIC
    for name in ss.__all__:
        assert hasattr(ss, name), name


def test_outcomes_are_the_csis_categories():
    assert ss.OUTCOMES == (
        "prc_decisive_defeat",
        "stalemate_against_prc",
        "stalemate",
        "stalemate_toward_prc",
        "prc_victory",
    )


def test_cli_commands_are_pinned():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups}
    assert names == COMMANDS


def test_run_result_tables():
    res = ss.run("csis-2026", reps=50, seed=3)
    assert list(res.outcomes().index) == list(ss.OUTCOMES)
    assert {"median", "p10", "p90", "mean"} <= set(res.losses().columns)
    assert len(res.replications()) == 50
    assert set(res.traces()["trace"]) >= {"lift_share", "battalions_ashore", "air_superiority"}
