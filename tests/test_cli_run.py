"""The `straitsim` command: run, scenarios, show; exit codes; JSON; atomic --out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from straitsim.cli import app

runner = CliRunner()


def test_run_json_has_stable_keys():
    r = runner.invoke(app, ["run", "csis-2026", "--reps", "200", "--seed", "1", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc["outcome"]) == {
        "prc_decisive_defeat",
        "stalemate_against_prc",
        "stalemate",
        "stalemate_toward_prc",
        "prc_victory",
    }
    assert abs(sum(v["p"] for v in doc["outcome"].values()) - 1) < 1e-12
    for v in doc["outcome"].values():
        assert 0 <= v["lo"] <= v["p"] <= v["hi"] <= 1
    for country in ("CHN", "TWN", "USA", "JPN"):
        for m in (
            "aircraft",
            "aircraft_on_ground",
            "carriers",
            "surface_combatants",
            "submarines",
            "personnel_killed",
        ):
            q = doc["losses"][country][m]
            assert q["p10"] <= q["median"] <= q["p90"]
    for m in ("amphibious_ships", "amphibious_fleet_sunk_share", "battalions_landed"):
        assert m in doc["losses"]["CHN"]
    assert doc["reps"] == 200 and doc["seed"] == 1


def test_run_table_and_roles_change_results():
    a = runner.invoke(app, ["run", "csis-2026", "--reps", "300", "--seed", "2", "--json"])
    b = runner.invoke(
        app, ["run", "csis-2026", "--reps", "300", "--seed", "2", "--json", "--role", "JPN=neutral"]
    )
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert db["roles"]["JPN"] == "neutral"
    assert (
        db["losses"]["CHN"]["battalions_landed"]["median"]
        > da["losses"]["CHN"]["battalions_landed"]["median"]
    )
    t = runner.invoke(app, ["run", "csis-2026", "--reps", "100"])
    assert t.exit_code == 0 and "Decisive PRC defeat" in t.stdout


def test_run_out_writes_summary_and_parquet(tmp_path: Path):
    out = tmp_path / "res"
    r = runner.invoke(app, ["run", "csis-2026", "--reps", "50", "--json", "--out", str(out)])
    assert r.exit_code == 0
    assert json.loads((out / "summary.json").read_text())["reps"] == 50
    df = pd.read_parquet(out / "replications.parquet")
    assert len(df) == 50 and "CHN.battalions_landed" in df.columns
    assert not list(tmp_path.glob(".straitsim-*"))  # no temporary leftovers


def test_scenarios_and_show():
    r = runner.invoke(app, ["scenarios", "--json"])
    names = {x["name"] for x in json.loads(r.stdout)}
    assert {"csis-2026", "base-2027"} <= names
    s = runner.invoke(app, ["show", "csis-2026", "--json"])
    doc = json.loads(s.stdout)
    keys = {p["key"] for p in doc["params"]}
    for knob in (
        "roc_will_to_resist",
        "us_entry_delay_days",
        "prc_missile_inventory_scale",
        "jassm_er_maritime",
        "ship_defence_scale",
        "extra_shelters",
        "civil_airports_access",
        "us_strikes_mainland",
        "prc_lift_scale",
    ):
        assert knob in keys
    assert any(d["key"] == "munitions.usa-lrasm.n" for d in doc["data"])


@pytest.mark.slow  # one subprocess per bad input
def test_user_errors_exit_2_one_line_no_traceback(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "csis-2026"\n[params]\nk_air = "fast"\n')
    for args in (
        ["run", str(bad)],
        ["run", "csis-2026", "--role", "JPN=maybe"],
        ["run", str(tmp_path / "nope.toml")],
        ["show", "csis-2026", "--set", "x.y=1"],
    ):
        p = subprocess.run(
            [sys.executable, "-m", "straitsim.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr
        lines = [x for x in p.stderr.strip().splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), p.stderr


def test_knobs_each_change_something():
    base = json.loads(
        runner.invoke(app, ["run", "csis-2026", "--reps", "100", "--seed", "3", "--json"]).stdout
    )
    for flag in (
        ["--set", "prc_lift_scale=0.7"],
        ["--set", "jassm_er_maritime=0"],
        ["--set", "extra_shelters=400"],
        ["--set", "us_entry_delay_days=14"],
        ["--set", "roc_will_to_resist=0.4"],
        ["--role", "PHL=access"],
        ["--set", "civil_airports_access=1"],
        ["--set", "us_strikes_mainland=1"],
        ["--set", "prc_missile_inventory_scale=1.5"],
        ["--set", "ship_defence_scale=0.5"],
    ):
        doc = json.loads(
            runner.invoke(
                app, ["run", "csis-2026", "--reps", "100", "--seed", "3", "--json", *flag]
            ).stdout
        )
        assert doc["losses"] != base["losses"], flag


def test_error_lines_keep_brackets_and_devices_are_checked(tmp_path: Path):
    bad = tmp_path / "b.toml"
    bad.write_text('extends = "csis-2026"\n[munitions.usa-lrasm]\nsource = "nope"\n')
    p = subprocess.run(
        [sys.executable, "-m", "straitsim", "run", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "a key of [sources]" in p.stderr
    q = subprocess.run(
        [sys.executable, "-m", "straitsim", "run", "csis-2026", "--reps", "5", "--device", "tpu"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert q.returncode == 2 and "expected cpu, numba or gpu" in q.stderr
    assert "Traceback" not in q.stderr
