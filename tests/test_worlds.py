"""Worlds: the epistemic/aleatory split, sampling, invariance, bands and the store."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from straitsim.analysis.worlds import (
    apply_world,
    band,
    epistemic_params,
    run_worlds,
    sample_worlds,
    unit_sample,
)
from straitsim.cli import app
from straitsim.engine.random import Streams
from straitsim.engine.state import sample_values
from straitsim.errors import UserError
from straitsim.scenario.compile import compile_params
from straitsim.scenario.load import load_scenario
from straitsim.store.db import ResultsStore
from straitsim.store.worlds import export_worlds, load_worlds, save_worlds, world_sets

PACK = Path(__file__).parents[1] / "src/straitsim/scenario/data/packs/parameters.toml"
# Two parameters with a large effect on the landing, for small, fast designs.
DRIVERS = ["prc_lift_scale", "beach_offload_tpd"]


def _per_rep(sc, name: str, reps: int = 64) -> np.ndarray:
    v = sample_values(compile_params(sc), Streams(7, 0, reps))[name]
    return np.broadcast_to(np.asarray(v, dtype=float), (1, reps))[0]


def test_every_uncertain_parameter_says_its_kind() -> None:
    params = tomllib.loads(PACK.read_text())["params"]
    uncertain = {k: v for k, v in params.items() if "range" in v or "dist" in v}
    assert len(uncertain) > 40
    for name, p in uncertain.items():
        assert p.get("uncertainty") in ("epistemic", "aleatory", "policy"), name
        assert len(p.get("uncertainty_rationale", "")) > 20, name
        if p["uncertainty"] == "aleatory":
            assert "dist" in p, f"{name}: aleatory needs a dist to draw per replication"


def test_epistemic_constant_within_world_and_varies_across() -> None:
    sc = load_scenario("csis-2026")
    assert sc.params["missile_reliability"].uncertainty == "epistemic"
    # In a plain run this dist-only epistemic parameter is pooled: drawn per replication.
    assert np.ptp(_per_rep(sc, "missile_reliability")) > 0
    worlds = sample_worlds(sc, 6, seed=3)
    seen = []
    for w in worlds:
        x = _per_rep(apply_world(sc, w), "missile_reliability")
        assert np.all(x == w["missile_reliability"])  # one value in every replication
        seen.append(x[0])
    assert len(set(seen)) == 6
    lo, hi = sc.params["missile_reliability"].dist.low, sc.params["missile_reliability"].dist.high
    assert all(lo <= s <= hi for s in seen)


def test_aleatory_varies_within_world() -> None:
    sc = load_scenario("csis-2026")
    assert sc.params["k_air"].uncertainty == "aleatory"
    w = sample_worlds(sc, 2, seed=1)[0]
    assert "k_air" not in w
    x = _per_rep(apply_world(sc, w), "k_air")
    assert np.ptp(x) > 0
    # common random numbers: the same replication draws the same k_air in every world
    y = _per_rep(apply_world(sc, sample_worlds(sc, 2, seed=1)[1]), "k_air")
    np.testing.assert_array_equal(x, y)


def test_policy_and_fixed_parameters_are_not_sampled() -> None:
    names = {p.name for p in epistemic_params(load_scenario("csis-2026"))}
    assert "extra_shelters" not in names  # a policy choice
    assert "roc_will_to_resist" in names
    w = sample_worlds("csis-2026", 3, sets=["roc_will_to_resist=0.5"])
    assert "roc_will_to_resist" not in w[0]


def test_sampling_is_seeded_and_stratified() -> None:
    a = unit_sample(20, 3, seed=5)
    np.testing.assert_array_equal(a, unit_sample(20, 3, seed=5))
    assert not np.array_equal(a, unit_sample(20, 3, seed=6))
    for j in range(3):  # Latin hypercube: one point in each of the 20 strata of each axis
        assert sorted(np.floor(a[:, j] * 20).astype(int)) == list(range(20))
    s = unit_sample(16, 3, seed=5, method="sobol")
    assert s.shape == (16, 3) and np.all((s >= 0) & (s < 1))


def test_worlds_invariant_to_chunks_and_workers() -> None:
    kw = dict(n=3, reps=24, seed=2, params=DRIVERS)
    ref = run_worlds("csis-2026", workers=1, **kw)
    chunked = run_worlds("csis-2026", chunk_size=7, workers=1, **kw)
    assert chunked.outputs == ref.outputs and chunked.worlds == ref.worlds
    pooled = run_worlds("csis-2026", workers=2, **kw)
    assert pooled.outputs == ref.outputs


def test_bands_shrink_when_a_range_is_narrowed_to_a_point() -> None:
    kw = dict(n=8, reps=20, seed=4, params=DRIVERS)
    wide = run_worlds("csis-2026", **kw).bands()["prc_battalions_landed"]
    one = run_worlds("csis-2026", sets=["params.prc_lift_scale.range=[1.0, 1.0]"], **kw).bands()[
        "prc_battalions_landed"
    ]
    none = run_worlds(
        "csis-2026",
        sets=[
            "params.prc_lift_scale.range=[1.0, 1.0]",
            "params.beach_offload_tpd.range=[25000, 25000]",
        ],
        **kw,
    ).bands()["prc_battalions_landed"]
    assert wide["across_sd"] > one["across_sd"] > 0
    assert none["across_sd"] == 0.0  # identical worlds, identical dice
    assert none["p05"] == none["median"] == none["p95"]


def test_mc_flag_when_replication_noise_dominates() -> None:
    res = run_worlds("csis-2026", n=6, reps=10, seed=1, params=["crew_killed_share"])
    b = res.bands()
    # crew survival cannot move the landing: every world lands the same (same dice)
    assert b["prc_battalions_landed"]["across_sd"] == 0.0
    assert b["prc_battalions_landed"]["mc_flag"] is True
    assert b["coalition_killed"]["across_sd"] > 0


def test_band_quantiles() -> None:
    v = np.arange(101.0)
    b = band(v, np.full(101, 1.0))
    assert (b["median"], b["p05"], b["p95"]) == (50.0, 5.0, 95.0)
    assert b["mc_share"] == pytest.approx(1.0 / np.var(v, ddof=1))
    assert b["mc_flag"] is False


@pytest.mark.parametrize(
    "kw",
    [
        dict(n=1),
        dict(n=5, method="grid"),
        dict(n=5, threshold=float("nan")),
        dict(n=5, threshold=1.5),
        dict(n=5, reps=1),
        dict(n=5, params=["k_air"]),  # aleatory, not a world parameter
    ],
)
def test_bad_input_is_a_user_error(kw: dict) -> None:
    with pytest.raises(UserError):
        run_worlds("csis-2026", **{"reps": 5, **kw})


def test_a_range_outside_the_domain_is_refused() -> None:
    with pytest.raises(UserError, match="params.roc_will_to_resist.range"):
        sample_worlds("csis-2026", 3, sets=["params.roc_will_to_resist.range=[0.5, 1.5]"])


def test_store_round_trip(tmp_path: Path) -> None:
    res = run_worlds("csis-2026", n=3, reps=8, seed=1, params=DRIVERS)
    with ResultsStore(tmp_path / "r.duckdb") as db:
        sid = save_worlds(db, res)
        assert save_worlds(db, res) == sid  # idempotent
        assert len(world_sets(db)) == 1
    with ResultsStore(tmp_path / "r.duckdb", read_only=True) as db:
        df = load_worlds(db, sid)
    assert list(df["world"]) == [0, 1, 2]
    np.testing.assert_allclose(df["prc_lift_scale"], [w["prc_lift_scale"] for w in res.worlds])
    np.testing.assert_allclose(df["p_prc_success"], res.values("p_prc_success"))
    with ResultsStore(tmp_path / "r.duckdb") as db:
        paths = export_worlds(db, tmp_path / "export")
    assert [p.name for p in paths] == ["world_sets.parquet", "worlds.parquet"]
    assert len(pd.read_parquet(paths[1])) == 3


def test_cli_worlds_json_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["worlds", "csis-2026", "--worlds", "3", "--reps", "6", "--seed", "1"]
    r = runner.invoke(app, [*args, "--json", "--db", str(tmp_path / "w.duckdb")])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["worlds"] == 3 and doc["set_id"].startswith("w")
    assert set(doc["bands"]["p_prc_success"]) >= {"median", "p05", "p95", "mc_se", "mc_flag"}
    bad = runner.invoke(app, [*args, "--threshold", "inf"])
    assert bad.exit_code == 2 and "threshold" in bad.output


def test_robustness_metrics_known_answers() -> None:
    from straitsim.analysis import robust

    # worlds x options; option 0 best on average, option 1 never far from the best
    v = np.array([[10.0, 8.0, 0.0], [0.0, 7.0, 9.0], [10.0, 9.0, 1.0]])
    np.testing.assert_allclose(robust.expected_value(v), [20 / 3, 8.0, 10 / 3])
    np.testing.assert_allclose(robust.max_regret(v), [9.0, 2.0, 10.0])
    np.testing.assert_allclose(robust.satisficing_share(v, 0.75), [2 / 3, 1.0, 1 / 3])
    np.testing.assert_allclose(robust.top_k_share(v, 1), [2 / 3, 0.0, 1 / 3])
    np.testing.assert_allclose(robust.best_share(v).sum(), 1.0)
    c = robust.choices(v, ["a", "b", "c"], 0.75)
    assert (c["expected_value"]["option"], c["minimax_regret"]["option"]) == ("b", "b")
    with pytest.raises(UserError):
        robust.expected_value(np.array([[1.0, np.nan]]))


def test_shapley_and_investment_bands_across_worlds() -> None:
    from straitsim.analysis.world_bands import invest_worlds, shapley_worlds

    sh = shapley_worlds(
        "csis-2026", 3, ["JPN", "AUS"], reps=6, seed=1, metric="prc_battalions_landed", workers=1
    )
    assert set(sh["allies"]) == {"JPN", "AUS"} and len(sh["per_world"]) == 3
    assert sum(a["p_largest"] for a in sh["allies"].values()) == pytest.approx(1.0)
    pooled = shapley_worlds(
        "csis-2026", 3, ["JPN", "AUS"], reps=6, seed=1, metric="prc_battalions_landed", workers=2
    )
    assert pooled["per_world"] == sh["per_world"]  # same worlds, same dice, any worker count
    inv = invest_worlds("csis-2026", 3, reps=6, seed=1)
    for o in inv["options"].values():
        assert 0.0 <= o["p_top"] <= 1.0 and o["max_regret"] >= 0.0
    assert set(inv["choices"]) == {"expected_value", "minimax_regret", "satisficing"}


def test_cli_roles_and_validate_with_worlds() -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "roles",
            "csis-2026",
            "--allies",
            "JPN",
            "--worlds",
            "2",
            "--reps",
            "4",
            "--json",
            "--workers",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "JPN" in json.loads(r.stdout)["allies"]
    v = runner.invoke(
        app,
        [
            "validate",
            "--worlds",
            "2",
            "--reps",
            "4",
            "--json",
            "--cases",
            "base-amphib-sunk",
            "--workers",
            "2",
        ],
    )
    assert v.exit_code == 0, v.output
    share = json.loads(v.stdout)["cases"]["base-amphib-sunk"]["share_reproduced"]
    assert share in (0.0, 0.5, 1.0)


def test_web_routes_are_bounded() -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from straitsim.web.app import create_app

    c = TestClient(create_app())
    body = {"scenario": "csis-2026", "worlds": 3, "reps": 4, "roles": {"JPN": "neutral"}}
    r = c.post("/api/worlds", json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["roles"]["JPN"] == "neutral" and len(doc["p_prc_success_by_world"]) == 3
    assert c.post("/api/worlds", json={**body, "worlds": 400, "reps": 200}).status_code == 400
    assert c.post("/api/worlds", json={**body, "worlds": True}).status_code == 422
    assert c.post("/api/worlds", json={**body, "set": {"name": 1}}).status_code == 400
    bad = c.post("/api/discover", json={**body, "worlds": 10, "outcome": "p_prc_success=1"})
    assert bad.status_code == 400 and "outcome" in bad.json()["detail"]


def test_share_above_and_undecided_known_answer() -> None:
    from straitsim.analysis.worlds import HEADLINES, WorldsResult

    ps, ses = [0.1, 0.45, 0.55, 0.9], [0.01, 0.03, 0.01, 0.05]
    outputs = [
        {
            **{k: 0.0 for k in HEADLINES},
            **{k + "_se": 0.0 for k in HEADLINES},
            "p_prc_success": p,
            "p_prc_success_se": se,
        }
        for p, se in zip(ps, ses, strict=True)
    ]
    res = WorldsResult(load_scenario("csis-2026"), [{}] * 4, outputs, 0, 10, "lhs", 0.5, {})
    assert res.share_above() == 0.5  # 0.55 and 0.9
    assert res.share_undecided() == 0.25  # only 0.45 (0.05 < 2 x 0.03)
    assert res.share_above(0.05) == 1.0


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_world_values_lie_in_their_ranges(method: str) -> None:
    sc = load_scenario("csis-2026")
    unc = {u.name: u for u in epistemic_params(sc)}
    worlds = sample_worlds(sc, 32, seed=9, method=method)
    for name, u in unc.items():
        v = np.array([w[name] for w in worlds])
        assert np.all((v >= u.low) & (v <= u.high)), name
        assert np.ptp(v) > 0.5 * (u.high - u.low) or u.kind != "range", name  # spread out
