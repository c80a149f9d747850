"""Scenario discovery: PRIM recovers a known box; feature scores; outcome parsing; CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from straitsim.analysis.discovery import (
    discover,
    feature_scores,
    in_box,
    parse_outcome,
    prim_box,
)
from straitsim.analysis.worlds import unit_sample
from straitsim.cli import app
from straitsim.errors import UserError

pytest.importorskip("ema_workbench")


def _synthetic(n: int = 1000) -> pd.DataFrame:
    u = unit_sample(n, 5, seed=11)
    return pd.DataFrame(u, columns=["a", "b", "c", "d", "e"])


def test_prim_recovers_a_known_box() -> None:
    x = _synthetic()
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    box, traj = prim_box(x, y, threshold=0.9)
    lims = {lim["input"]: lim for lim in box["limits"]}
    assert set(lims) == {"a", "b"}
    assert lims["a"]["low"] == pytest.approx(0.6, abs=0.04)
    assert lims["a"]["high"] == pytest.approx(1.0, abs=0.01)
    assert lims["b"]["high"] == pytest.approx(0.3, abs=0.04)
    assert box["density"] >= 0.9 and box["coverage"] >= 0.85
    assert all(lim["qp"] < 1e-6 for lim in box["limits"])  # both restrictions carry the box
    # the reported statistics are those of the reported box
    inside = in_box(x, box["limits"])
    assert box["density"] == pytest.approx(y[inside].mean())
    assert box["coverage"] == pytest.approx(y[inside].sum() / y.sum())
    # the peeling trajectory starts from all worlds and ends denser
    assert traj["coverage"].iloc[0] == 1.0 and traj["mass"].iloc[0] == 1.0
    assert traj["density"].iloc[-1] > traj["density"].iloc[0]


def test_prim_restricts_a_categorical_role() -> None:
    x = _synthetic(900)
    x["JPN"] = pd.Categorical(np.array(["neutral", "bases", "full"])[np.arange(900) % 3])
    y = ((x["JPN"] == "neutral") & (x["c"] > 0.5)).to_numpy()
    box, _ = prim_box(x, y, threshold=0.9)
    lims = {lim["input"]: lim for lim in box["limits"]}
    assert lims["JPN"]["values"] == ["neutral"]
    assert lims["c"]["low"] == pytest.approx(0.5, abs=0.05)


def test_feature_scores_rank_the_true_drivers_first() -> None:
    x = _synthetic()
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    fs = feature_scores(x, y, seed=1)
    assert set(fs["input"][:2]) == {"a", "b"}
    assert fs["score"].sum() == pytest.approx(1.0)
    pd.testing.assert_frame_equal(fs, feature_scores(x, y, seed=1))  # seeded


@pytest.mark.parametrize(
    "text", ["p_prc_success", "p_prc_success>>0.5", "nosuch>1", "p_prc_success>nan", ""]
)
def test_bad_outcome(text: str) -> None:
    with pytest.raises(UserError):
        parse_outcome(text)


def test_parse_outcome() -> None:
    assert parse_outcome(" prc_battalions_landed >= 60 ") == ("prc_battalions_landed", ">=", 60.0)


def test_discover_on_the_model() -> None:
    inputs = ["prc_lift_scale", "beach_offload_tpd", "roc_will_to_resist"]
    res = discover(
        "csis-2026",
        "prc_battalions_landed>80",
        n=40,
        reps=6,
        seed=2,
        roles_as_inputs=["JPN"],
        params=inputs,
    )
    doc = json.loads(json.dumps(res.summary(), allow_nan=False))
    assert doc["worlds"] == 40 and doc["params"] == [*sorted(inputs), "JPN"]
    assert 0 < doc["worlds_with_outcome"] < 40
    assert {r["input"] for r in doc["feature_scores"]} == set(doc["params"])
    if doc["box"] is None:  # the model decides; the plumbing must say why
        assert "no box" in doc["note"]
    else:
        inside = in_box(res.inputs(), doc["box"]["limits"])
        assert doc["box"]["density"] == pytest.approx(res.y[inside].mean())


def test_discover_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis", None)
    with pytest.raises(UserError, match="uncertainty"):
        discover("csis-2026", n=5, reps=2)


def test_cli_discover(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["discover", "csis-2026", "--outcome", "p_prc_success=1"])
    assert bad.exit_code == 2 and "outcome" in bad.output
    r = runner.invoke(
        app,
        [
            "discover",
            "csis-2026",
            "--outcome",
            "prc_battalions_landed>100",
            "--worlds",
            "30",
            "--reps",
            "4",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "discover_pairs.png").stat().st_size > 1000
    assert json.loads((tmp_path / "discover.json").read_text())["outcome"].startswith("prc_")


def test_discover_on_stored_worlds(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "w.duckdb")
    w = runner.invoke(
        app, ["worlds", "csis-2026", "--worlds", "16", "--reps", "4", "--json", "--db", db]
    )
    assert w.exit_code == 0, w.output
    wdoc = json.loads(w.stdout)
    r = runner.invoke(
        app,
        [
            "discover",
            "csis-2026",
            "--db",
            db,
            "--set-id",
            wdoc["set_id"],
            "--outcome",
            "prc_battalions_landed>70",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["worlds"] == 16 and doc["params"] == wdoc["params"]
    bad = runner.invoke(app, ["discover", "csis-2026", "--db", db, "--set-id", "wnope"])
    assert bad.exit_code == 2 and "set_id" in bad.output


def test_report_section(tmp_path: Path) -> None:
    from straitsim.report.uncertainty_section import uncertainty_section
    from straitsim.scenario.load import load_scenario

    sec = uncertainty_section(
        load_scenario("csis-2026"), 12, 4, 1, tmp_path, outcome="prc_battalions_landed>60"
    )
    assert "Across plausible worlds" in sec.title and "p_prc_success" in sec.markdown
    assert "<table" in sec.html
    assert all(p.stat().st_size > 1000 for p in sec.figures.values())
