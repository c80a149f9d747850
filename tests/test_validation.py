"""Validation cases as data, their evaluation, and ``straitsim validate``.

Model results are never hard-coded here: the tests check the cases' integrity, the band
arithmetic on known answers, that each case's statistic is what the trajectory gives, and
the command's behaviour on cases built to be inside or outside their band.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis.validation import (
    Case,
    initial_inventory,
    load_cases,
    parse_quantity,
    quantity_values,
    run_validation,
)
from straitsim.cli import app
from straitsim.engine.state import OUTCOMES
from straitsim.errors import UserError

REPS = 200
runner = CliRunner()


@pytest.fixture(scope="module")
def data():
    return load_cases()


@pytest.fixture(scope="module")
def report():
    return run_validation(reps=REPS, seed=11)


@pytest.fixture(scope="module")
def base_traj(csis):
    return ss.simulate(csis, reps=REPS, seed=11)


# --- the data --------------------------------------------------------------------------------


def test_every_case_cites_a_known_source_and_explains_its_tolerance(data):
    assert len(data.cases) >= 20
    assert len({c.id for c in data.cases}) == len(data.cases)
    for c in data.cases:
        assert c.source in data.sources, c.id
        assert c.original is None or c.original in data.sources
        assert c.policy in data.policies and data.policies[c.policy].strip()
        assert len(c.rationale) > 10 and c.published_text.strip()
        parse_quantity(c.quantity)  # raises on a bad quantity
    for p in data.pending:
        assert p.source in data.sources and p.missing.strip()


def test_cases_include_the_csis_base_case_and_excursions(data):
    groups = {c.group for c in data.cases}
    assert "CSIS 2023 base case" in groups
    assert len(groups) >= 4
    base = [c for c in data.cases if c.group == "CSIS 2023 base case"]
    assert {
        "CHN.amphibious_fleet_sunk_share",
        "CHN.battalions_landed",
        "USA.carriers",
        "USA.aircraft",
    } <= {c.quantity for c in base}


def _case(**kw):
    d = dict(
        id="x",
        group="g",
        title="t",
        scenario="csis-2026",
        quantity="USA.aircraft",
        published=100.0,
        published_text="p",
        source="csis-2023",
        tolerance={"rel": 0.3},
        policy="P1",
        rationale="because of this",
    )
    d.update(kw)
    return Case.model_validate(d)


def test_band_arithmetic_known_answers():
    assert _case().band() == pytest.approx((70.0, 130.0))
    assert _case(published=(7.0, 20.0), tolerance={"abs": 0.0}).band() == (7.0, 20.0)
    assert _case(published=0.9, tolerance={"abs": 0.1}).band() == pytest.approx((0.8, 1.0))
    # Wilson 95% interval of 3/3: lower bound n / (n + z^2) = 3 / (3 + 1.95996^2) = 0.43850.
    lo, hi = _case(published={"count": 3, "of": 3}, tolerance={"wilson": 0.95}).band()
    assert lo == pytest.approx(3 / (3 + 1.959963984540054**2), abs=1e-9)
    assert hi == pytest.approx(1.0)
    # A wider level gives a wider band.
    lo99, _ = _case(published={"count": 3, "of": 3}, tolerance={"wilson": 0.99}).band()
    assert lo99 < lo


@pytest.mark.parametrize(
    "bad",
    [
        {"tolerance": {"rel": 0.3, "abs": 1.0}},
        {"tolerance": {"wilson": 0.95}},
        {"published": {"count": 2, "of": 3}},
        {"published": {"count": 4, "of": 3}, "tolerance": {"wilson": 0.95}},
        {"published": (20.0, 7.0), "tolerance": {"abs": 0.0}},
        {"colour": "red"},
    ],
)
def test_bad_case_is_rejected(bad):
    with pytest.raises(ValueError):
        _case(**bad)


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "cases.toml"
    p.write_text('kind = "validation"\n[policies]\nP1 = "a rule"\n' + body)
    return p


CASE = """
[[cases]]
id = "{id}"
group = "g"
title = "t"
scenario = "csis-2026"
quantity = "{quantity}"
published = {published}
published_text = "p"
source = "{source}"
tolerance = {tolerance}
policy = "{policy}"
rationale = "a reason"
"""


def _one(
    id="a",
    quantity="USA.aircraft",
    published="[0, 1e9]",
    source="csis-2023",
    tolerance="{ abs = 0 }",
    policy="P1",
):
    return CASE.format(
        id=id,
        quantity=quantity,
        published=published,
        source=source,
        tolerance=tolerance,
        policy=policy,
    )


@pytest.mark.parametrize(
    "body, key",
    [
        (_one(source="nowhere-2020"), "cases[a].source"),
        (_one(quantity="USA.aircraft / "), "cases[a].quantity"),
        (_one(quantity="outcome.prc_wins"), "cases[a].quantity"),
        (_one(policy="P9"), "cases[a].policy"),
        (_one() + _one(), "cases[a].id"),
        (_one(tolerance="{ rel = -1 }"), "cases[a].tolerance.rel"),
    ],
)
def test_bad_file_gives_one_clear_error(tmp_path, body, key):
    path = _write(tmp_path, body)
    with pytest.raises(UserError) as e:
        load_cases(path)
    msg = str(e.value)
    assert str(path) in msg and key in msg and "\n" not in msg


# --- quantities --------------------------------------------------------------------------------


def test_quantities_are_what_the_trajectory_holds(csis, base_traj):
    t = base_traj
    usa = quantity_values("USA.aircraft", t, csis)
    np.testing.assert_array_equal(usa, t.losses["USA"]["aircraft"][0])
    coal = quantity_values("COALITION.aircraft", t, csis)
    np.testing.assert_allclose(
        coal, sum(t.losses[c]["aircraft"][0] for c in t.losses if c != "CHN")
    )
    ratio = quantity_values("COALITION.aircraft_on_ground / COALITION.aircraft", t, csis)
    ground = quantity_values("COALITION.aircraft_on_ground", t, csis)
    ok = coal > 0
    np.testing.assert_allclose(ratio[ok], ground[ok] / coal[ok])
    assert np.all((ratio[ok] >= 0) & (ratio[ok] <= 1))
    shares = sum(quantity_values(f"outcome.{o}", t, csis) for o in OUTCOMES)
    np.testing.assert_array_equal(shares, 1.0)
    np.testing.assert_array_equal(
        quantity_values("trace.territory_share", t, csis), t.traces["territory_share"][0, -1]
    )
    assert np.all(
        quantity_values("decided_day", t, csis) <= t.traces["territory_share"].shape[1] - 1
    )


def test_initial_inventory_counts_the_scenario(csis):
    n = sum(
        g.n for g in csis.ships.values() if g.actor == "TWN" and g.ship_class == "surface_combatant"
    )
    assert initial_inventory(csis, "TWN", "surface_combatant") == n > 0
    assert (
        initial_inventory(csis, "TWN", "aircraft")
        == sum(u.n for u in csis.air_units.values() if u.actor == "TWN")
        > 0
    )
    with pytest.raises(UserError):
        initial_inventory(csis, "TWN", "battleship")


def test_unknown_country_in_quantity_is_a_user_error(csis, base_traj):
    with pytest.raises(UserError, match="unknown country"):
        quantity_values("XYZ.aircraft", base_traj, csis)


# --- running ------------------------------------------------------------------------------------


def test_every_case_runs_and_its_verdict_follows_its_band(report, data):
    assert [r.case.id for r in report.results] == [c.id for c in data.cases]
    assert report.runs == len({c.run_key() for c in data.cases})
    for r in report.results:
        assert math.isfinite(r.value), r.case.id
        assert r.low <= r.value + 1e-9 and r.value <= r.high + 1e-9
        assert r.within == (r.band[0] - 1e-9 <= r.value <= r.band[1] + 1e-9)
        assert r.statistic == (
            "probability" if parse_quantity(r.case.quantity).is_probability else "median"
        )
    assert 0 <= report.n_within <= len(report.results)
    doc = report.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["n_cases"] == len(data.cases) and len(doc["pending"]) == len(data.pending)
    assert doc["n_independent"] == sum(not c.calibrated for c in data.cases) > 0
    assert 0 <= doc["n_independent_within"] <= doc["n_independent"]


def test_case_statistic_equals_the_scenario_run_with_the_same_seed(report, base_traj):
    # Cases on the base scenario share one run with seed 11: the same dice as simulate(seed=11).
    r = next(x for x in report.results if x.case.id == "base-battalions-landed")
    assert r.value == pytest.approx(
        float(np.median(base_traj.losses["CHN"]["battalions_landed"][0]))
    )
    p = next(x for x in report.results if x.case.id == "base-defence-prevails")
    assert p.value == pytest.approx(float((base_traj.outcome[0] <= 1).mean()))


def test_same_seed_same_report_and_case_selection():
    a = run_validation(reps=60, seed=3, cases=["base-us-aircraft", "alone-prc-victory"])
    b = run_validation(reps=60, seed=3, cases=["alone-prc-victory", "base-us-aircraft"])
    assert [r.case.id for r in a.results] == ["base-us-aircraft", "alone-prc-victory"]
    assert [r.value for r in a.results] == [r.value for r in b.results]
    assert a.runs == 2 and a.pending == []


def test_excursion_moves_the_model_the_published_way(report):
    # CSIS: the pessimistic stack lands more battalions than the base case (about 60 vs 37).
    # The model is run on both with the same dice; the direction must agree.
    by = {r.case.id: r for r in report.results}
    assert by["pessimistic-battalions"].value > by["base-battalions-landed"].value


# --- the command -------------------------------------------------------------------------


def test_validate_command_table_and_json():
    res = runner.invoke(
        app,
        ["validate", "--reps", "40", "--cases", "base-us-carriers,base-decisive-defeat"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "base-us-carriers" in res.output and "csis-2023" in res.output and "within" in res.output
    res = runner.invoke(app, ["validate", "--reps", "40", "--cases", "base-us-carriers", "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.output)
    assert doc["cases"][0]["id"] == "base-us-carriers" and doc["reps"] == 40


def test_strict_exit_status_follows_the_verdicts(tmp_path):
    inside = _one(id="inside", quantity="CHN.amphibious_fleet_sunk_share", published="[0.0, 1.0]")
    outside = _one(id="outside", quantity="USA.carriers", published="-5")
    path = _write(tmp_path, inside + outside)
    base = ["validate", "--reps", "30", "--file", str(path)]
    assert runner.invoke(app, [*base, "--cases", "inside", "--strict"]).exit_code == 0
    assert runner.invoke(app, [*base, "--cases", "outside"]).exit_code == 0  # a report by default
    assert runner.invoke(app, [*base, "--cases", "outside", "--strict"]).exit_code == 1


def test_markdown_table_has_one_row_per_case(report):
    md = report.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == len(report.results)
    assert sum("†" in r for r in rows) == sum(r.case.calibrated for r in report.results)
    assert sum(r.endswith("| **no** |") for r in rows) == len(report.results) - report.n_within


def test_validate_bad_input_is_one_line_exit_2(tmp_path):
    res = runner.invoke(app, ["validate", "--reps", "10", "--cases", "no-such-case"])
    assert res.exit_code == 2 and "no-such-case" in res.output
    res = runner.invoke(app, ["validate", "--reps", "10", "--file", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and "Traceback" not in res.output
