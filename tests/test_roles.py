"""Role lattice attribution on the model: efficiency, null player, CRN, sampled vs exact, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis import shapley as sh
from straitsim.analysis.metrics import metric
from straitsim.analysis.roles import analyse_roles, coalition_profiles, player_rungs, step_profiles
from straitsim.cli import app
from straitsim.engine.state import OUTCOMES
from straitsim.scenario.compile import profile_roles

runner = CliRunner()
ALLIES = ["JPN", "AUS", "PHL"]

DUMMY_ALLY = """
extends = "csis-2026"
name = "dummy-ally"
[actors.NZL]
name = "An ally with no forces and no bases"
side = "coalition"
default = "full"
[actors.NZL.rungs.neutral]
doc = "stays out"
us_basing = false
forces = "none"
trigger = "never"
[actors.NZL.rungs.full]
doc = "fights from day 0, but has no forces and hosts no bases"
us_basing = true
forces = "theatre"
trigger = "always"
[roles]
NZL = "full"
"""


@pytest.fixture(scope="module")
def ra_top(csis):
    return analyse_roles(csis, ALLIES, 40, 3, "prc_battalions_landed", to="top")


def test_lattice_covers_every_profile(ra_top):
    lat = ra_top.lattice
    assert len(lat.profiles) == 4 * 4 * 3 == lat.values.shape[0]
    assert lat.values.shape[1] == 40
    combos = {tuple(p[a] for a in ALLIES) for p in lat.profiles}
    assert len(combos) == 48
    doc = ra_top.to_dict()
    assert {"lattice", "shapley", "v_all", "v_none", "metric", "marginal_steps"} <= set(doc)
    for row in doc["lattice"]:
        assert set(row["roles"]) == set(ALLIES)
        assert sum(row["outcome"].values()) == pytest.approx(1.0)
        assert set(row["outcome"]) == set(OUTCOMES)
    json.dumps(doc, allow_nan=False)  # strict JSON


def test_efficiency_on_the_same_replications(ra_top, csis):
    est = ra_top.shapley
    assert est.value.sum() == pytest.approx(est.v_all - est.v_none, abs=1e-9)
    # Replication by replication, from the coalition rows of the lattice.
    moves = player_rungs(csis, ALLIES, "top")
    profs = coalition_profiles(csis, moves, sh.coalition_masks(3))
    lat = ra_top.lattice
    table = lat.values[[lat.index(p) for p in profs]]
    per_rep = sh.exact_shapley(table)
    np.testing.assert_allclose(per_rep.sum(axis=0), table[-1] - table[0], atol=1e-9)
    np.testing.assert_allclose(per_rep.mean(axis=1), est.value, atol=1e-12)
    np.testing.assert_allclose(per_rep.std(axis=1, ddof=1) / np.sqrt(40), est.se, atol=1e-12)
    # v(all) is the top of every ladder, v(none) the bottom.
    assert est.v_all == pytest.approx(
        lat.values[lat.index({a: lat.rungs[a][-1] for a in ALLIES})].mean()
    )
    assert est.v_none == pytest.approx(
        lat.values[lat.index({a: lat.rungs[a][0] for a in ALLIES})].mean()
    )


def test_marginal_steps_are_paired_lattice_differences(ra_top, csis):
    lat = ra_top.lattice
    base = profile_roles(csis, None)
    steps = {(s["ally"], s["from"], s["to"]): s for s in ra_top.steps}
    assert len(steps) == 3 + 3 + 2
    s = steps[("AUS", "regional", "full")]
    d = (
        lat.values[lat.index({**base, "AUS": "full"})]
        - lat.values[lat.index({**base, "AUS": "regional"})]
    )
    assert s["value"] == pytest.approx(d.mean())
    assert s["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(d.size))


def test_scenario_rung_at_the_bottom_gives_zero(csis):
    # PHL is neutral in the CSIS base case: moving from neutral to its scenario rung is no move.
    ra = analyse_roles(csis, ["JPN", "PHL"], 20, 1, "prc_battalions_landed", to="scenario")
    assert ra.moves["PHL"] == ("neutral", "neutral")
    phl = list(ra.moves).index("PHL")
    assert ra.shapley.value[phl] == 0.0 and ra.shapley.se[phl] == 0.0


def test_null_player_ally_without_forces_or_bases(tmp_path: Path):
    path = tmp_path / "dummy.toml"
    path.write_text(DUMMY_ALLY)
    sc = ss.load_scenario(path)
    with_null = analyse_roles(sc, ["JPN", "AUS", "NZL"], 30, 5, "coalition_aircraft_lost", to="top")
    nzl = list(with_null.moves).index("NZL")
    assert with_null.moves["NZL"] == ("neutral", "full")
    assert with_null.shapley.value[nzl] == 0.0 and with_null.shapley.se[nzl] == 0.0
    # Adding a null player leaves the others' values unchanged (same replications).
    without = analyse_roles(sc, ["JPN", "AUS"], 30, 5, "coalition_aircraft_lost", to="top")
    np.testing.assert_allclose(
        with_null.shapley.value[:2], without.shapley.value, rtol=1e-12, atol=1e-9
    )


def test_sampled_estimator_on_the_model_matches_exact(ra_top, csis):
    # Same seed, so the same replications: the difference is permutation noise only.
    rs = analyse_roles(
        csis, ALLIES, 40, 3, "prc_battalions_landed", to="top", method="sampled", n_permutations=40
    )
    assert rs.shapley.method == "sampled" and rs.shapley.n_permutations == 40
    assert len(rs.lattice.profiles) < 48  # only the coalitions visited and the ladder steps
    assert np.all(np.abs(rs.shapley.value - ra_top.shapley.value) <= 4 * rs.shapley.se + 1e-9)
    assert rs.shapley.value.sum() == pytest.approx(
        ra_top.shapley.v_all - ra_top.shapley.v_none, abs=1e-9
    )


def test_common_random_numbers_cut_the_variance_of_paired_differences(csis):
    # Paired difference between the two profiles of a ladder step, once on shared replications
    # (one batched call), once with the upper profile from an independent seed. Required: the
    # variance at least 5 times lower with CRN, for every step of Australia's, the
    # Philippines' and Korea's ladders on two continuous metrics. Measured (300 reps) ratios
    # were 300 to 180,000, so the threshold has a wide margin. Japan's steps are left out on
    # purpose: they switch the campaign between outcomes (a bimodal metric in one profile,
    # a constant one in the other), which leaves little common noise to cancel; measured
    # ratios there were 1 to 13 (see docs/roles.md).
    steps = step_profiles(csis, ["AUS", "PHL", "KOR"])
    profs = [p for st in steps for p in (st[3], st[4])]
    shared = ss.simulate(csis, 200, 11, profs)
    independent = ss.simulate(csis, 200, 12, profs)
    for name in ("coalition_aircraft_lost", "prc_battalions_landed"):
        a, b = metric(name)(shared), metric(name)(independent)
        for k, st in enumerate(steps):
            lo, hi = 2 * k, 2 * k + 1
            var_crn = np.var(a[hi] - a[lo], ddof=1)
            var_ind = np.var(b[hi] - a[lo], ddof=1)
            assert var_ind > 0, (name, st[:3])
            assert var_ind >= 5 * var_crn, (name, st[:3], var_ind / max(var_crn, 1e-300))


def test_identical_profiles_share_every_random_number(csis):
    # CRN by construction: two copies of one profile in a batch agree replication by
    # replication; the same profile under another seed does not.
    base = profile_roles(csis, None)
    t = ss.simulate(csis, 50, 3, [base, {**base, "PHL": "access"}, base])
    v = metric("coalition_aircraft_lost")(t)
    np.testing.assert_array_equal(v[0], v[2])
    other = metric("coalition_aircraft_lost")(ss.simulate(csis, 50, 4, [base]))
    assert np.var(other[0] - v[0]) > 0


def test_unknown_method_and_target(csis):
    with pytest.raises(ss.UserError, match="method"):
        analyse_roles(csis, ["JPN"], 5, 0, method="magic")
    with pytest.raises(ss.UserError, match="target rung"):
        analyse_roles(csis, ["JPN"], 5, 0, to="middle")
    with pytest.raises(ss.UserError, match="unknown ally"):
        analyse_roles(csis, ["TWN"], 5, 0)


def test_dataframes(ra_top):
    lf = ra_top.lattice_frame()
    assert len(lf) == 48 and {"JPN", "AUS", "PHL", "value", "se", "defence_prevails"} <= set(
        lf.columns
    )
    sf = ra_top.shapley_frame()
    assert list(sf.index) == ALLIES and sf["share"].sum() == pytest.approx(1.0)
    assert len(ra_top.steps_frame()) == 8


# --- command line ---------------------------------------------------------------------------


def test_roles_json_and_determinism():
    args = [
        "roles",
        "csis-2026",
        "--allies",
        "JPN,AUS",
        "--reps",
        "20",
        "--seed",
        "4",
        "--json",
        "--to",
        "top",
    ]
    r1 = runner.invoke(app, args + ["--metric", "prc_battalions_landed"])
    assert r1.exit_code == 0, r1.output
    doc = json.loads(r1.stdout)
    assert doc["metric"] == "prc_battalions_landed" and doc["allies"] == ["JPN", "AUS"]
    assert len(doc["lattice"]) == 16
    assert set(doc["shapley"]) == {"JPN", "AUS"}
    total = sum(v["value"] for v in doc["shapley"].values())
    assert total == pytest.approx(doc["v_all"] - doc["v_none"], abs=1e-9)
    assert {"ally", "from", "to", "value", "se"} == set(doc["marginal_steps"][0])
    r2 = runner.invoke(app, args + ["--metric", "prc_battalions_landed"])
    assert json.loads(r2.stdout) == doc


def test_roles_table_and_plots(tmp_path: Path):
    out = tmp_path / "roles"
    r = runner.invoke(
        app, ["roles", "csis-2026", "--allies", "JPN,PHL", "--reps", "10", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "Shapley values" in r.stdout and "Marginal value" in r.stdout
    assert "PHL: already at the lowest rung" in r.stdout
    for f in ("lattice.png", "shapley.png"):
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "roles.json").read_text())["reps"] == 10


@pytest.mark.parametrize(
    "extra",
    [
        ["--allies", "JPN,XXX"],
        ["--metric", "nonsense"],
        ["--to", "middle"],
        ["--allies", "JPN,JPN"],
    ],
)
def test_roles_user_errors_are_one_line(extra):
    p = subprocess.run(
        [sys.executable, "-m", "straitsim", "roles", "csis-2026", "--reps", "5", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    lines = [x for x in p.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), p.stderr
