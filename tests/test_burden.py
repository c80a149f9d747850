"""Burden sharing: the cited economics data, the table's shares and losses, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis.burden import burden, latest_common_year, load_economics, spending_for
from straitsim.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def econ():
    return load_economics()


@pytest.fixture(scope="module")
def res(csis):
    return burden(csis, ["JPN", "AUS", "PHL", "KOR"], 40, 2, "prc_battalions_landed", to="top")


# --- data ---------------------------------------------------------------------------------------


def test_every_row_cites_a_source_in_the_bibliography(econ):
    for name in ("spending", "plan_total", "us_ask"):
        table = getattr(econ, name)
        assert len(table) > 0
        assert set(table["source"]) <= set(econ.sources)
    for key, s in econ.sources.items():
        assert s["kind"] in ("primary", "secondary", "press"), key
        assert s["title"] and s["url"].startswith("http") and isinstance(s["year"], int), key


def test_sipri_rows_are_complete_and_consistent(econ):
    sp = econ.spending[econ.spending["basis"] == "sipri"]
    for c in ("JPN", "AUS", "PHL", "KOR", "TWN", "USA"):
        assert set(sp.loc[sp["iso3"] == c, "year"]) == {2020, 2021, 2022, 2023, 2024}, c
    # GDP is SIPRI's implied GDP: spending / share; rows must agree to rounding (1%).
    implied = sp["milex_usd_bn"] / (sp["pct_gdp"] / 100)
    np.testing.assert_allclose(sp["gdp_usd_bn"], implied, rtol=0.01)
    assert (sp["pct_gdp"] > 0).all() and (sp["pct_gdp"] < 10).all()


def test_spending_for_prefers_sipri_and_falls_back_with_notes(econ):
    assert latest_common_year(econ, ["JPN", "AUS", "PHL", "KOR"]) == 2024
    j = spending_for(econ, "AUS", 2024)
    assert j["spending_basis"] == "sipri" and j["gdp_year"] == 2024 and not j["notes"]
    assert j["us_ask_pct_gdp"] == 3.5
    # A US ask that cites a weak source says so.
    assert any("weak source" in n for n in spending_for(econ, "JPN", 2024)["notes"])
    k = spending_for(econ, "KOR", 2026)
    assert k["spending_basis"].startswith("national") and k["gdp_year"] == 2024
    assert any("not comparable" in n for n in k["notes"]) and any(
        "GDP of 2024" in n for n in k["notes"]
    )
    a = spending_for(econ, "AUS", 2031)
    assert np.isnan(a["milex_usd_bn"]) and any("no spending figure" in n for n in a["notes"])


def test_bad_economics_file_names_the_key(tmp_path: Path):
    bad = tmp_path / "econ.toml"
    bad.write_text(
        '[[spending]]\niso3 = "JPN"\nyear = 2024\nmilex_usd_bn = 1.0\nsource = "nowhere"\n'
        '[sources.x]\ntitle = "t"\nkind = "primary"\n'
    )
    with pytest.raises(ss.UserError) as e:
        load_economics(bad)
    assert "spending[0].source" in str(e.value) and "nowhere" in str(e.value)
    bad.write_text(
        '[[spending]]\niso3 = "JPN"\nyear = 2024\nmilex_usd_bn = "lots"\nsource = "x"\n'
        '[sources.x]\ntitle = "t"\nkind = "press"\n'
    )
    with pytest.raises(ss.UserError, match="not a number"):
        load_economics(bad)


# --- the table ----------------------------------------------------------------------------------


def test_shares_sum_to_one_and_match_the_data(res, econ):
    t = res.table()
    assert list(t.index) == ["JPN", "AUS", "PHL", "KOR"]
    # Efficiency: contribution shares add up to 1 exactly (the Shapley values add up to the total).
    assert t["contribution_share"].sum() == pytest.approx(1.0, abs=1e-9)
    for col in ("milex_share", "gdp_share", "killed_share"):
        assert t[col].sum() == pytest.approx(1.0, abs=1e-12)
    sp = econ.spending
    sipri = sp[(sp["basis"] == "sipri") & (sp["year"] == 2024)].set_index("iso3")
    for a in t.index:
        assert t.loc[a, "milex_usd_bn"] == sipri.loc[a, "milex_usd_bn"]
        assert t.loc[a, "pct_gdp"] == sipri.loc[a, "pct_gdp"]
        assert t.loc[a, "spending_source"] == "sipri-milex-2025"
    total = sipri.loc[list(t.index), "gdp_usd_bn"].sum()
    assert t.loc["JPN", "gdp_share"] == pytest.approx(sipri.loc["JPN", "gdp_usd_bn"] / total)


def test_losses_come_from_the_all_in_profile(res):
    ra = res.analysis
    lat = ra.lattice
    i = lat.index({a: ra.moves[a][1] for a in ra.moves})
    t = res.table()
    for a in t.index:
        assert t.loc[a, "killed"] == pytest.approx(
            lat.trajectory.losses[a]["personnel_killed"][i].mean()
        )
        assert t.loc[a, "ships_lost"] == pytest.approx(lat.trajectory.losses[a]["ships"][i].mean())
        assert t.loc[a, "aircraft_lost"] >= 0


def test_only_coalitions_and_steps_are_simulated(res):
    # Attribution alone needs the 2**4 coalitions (plus the ladder steps), not the full lattice.
    assert len(res.analysis.lattice.profiles) < 4 * 4 * 3 * 2


def test_saturated_metric_is_flagged(csis):
    # With 20 replications of the base case nobody changes P(defence prevails) much; the note
    # must appear whenever the combined effect is within two standard errors of zero.
    r = burden(csis, ["PHL"], 20, 0, "defence_prevails", to="scenario")
    assert r.table().loc["PHL", "shapley"] == 0.0
    assert any("not distinguishable from zero" in n for n in r.notes)


def test_the_usa_can_be_a_player(csis):
    r = burden(csis, ["USA", "JPN"], 20, 1, "prc_battalions_landed", to="top")
    t = r.table()
    assert list(t.index) == ["USA", "JPN"]
    assert t.loc["USA", "milex_usd_bn"] == pytest.approx(997.31)
    assert t.loc["USA", "shapley"] < 0  # the US fighting lands fewer PRC battalions


# --- API and command ----------------------------------------------------------------------------


def test_public_api_returns_dataframes():
    t = ss.burden_table(
        "csis-2026", ["JPN", "AUS"], reps=10, seed=0, metric="prc_battalions_landed"
    )
    assert isinstance(t, pd.DataFrame) and {
        "contribution_share",
        "milex_share",
        "gdp_share",
    } <= set(t.columns)
    assert isinstance(ss.load_economics().spending, pd.DataFrame)


def test_burden_json_and_chart(tmp_path: Path):
    out = tmp_path / "b"
    r = runner.invoke(
        app,
        [
            "burden",
            "csis-2026",
            "--allies",
            "JPN,AUS",
            "--reps",
            "10",
            "--metric",
            "prc_battalions_landed",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["year"] == 2024 and doc["allies"] == ["JPN", "AUS"]
    assert [row["ally"] for row in doc["rows"]] == ["JPN", "AUS"]
    assert "sipri-milex-2025" in doc["sources"]
    assert (out / "burden.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "burden.json").read_text())["rows"] == doc["rows"]
    t = runner.invoke(
        app, ["burden", "csis-2026", "--allies", "JPN,AUS", "--reps", "10", "--year", "2026"]
    )
    assert t.exit_code == 0, t.output
    assert "Shares of the allies' totals" in t.stdout and "not comparable with SIPRI" in t.stdout
