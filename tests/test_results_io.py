"""A run result saves to a self-describing folder and loads back equal; bad folders are refused."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

import straitsim as ss
from straitsim.analysis import run as run_mod
from straitsim.analysis.run import RESULT_FORMAT_VERSION, load_result
from straitsim.engine.trajectory import TRACES
from straitsim.errors import UserError

SETS = ["us_entry_delay_days=7"]


@pytest.fixture(scope="module")
def res():
    return ss.run("csis-2026", reps=40, seed=3, roles={"JPN": "neutral"}, sets=SETS)


@pytest.fixture(scope="module")
def saved(res, tmp_path_factory):
    return res.save(tmp_path_factory.mktemp("saved") / "res")


def test_round_trip_gives_an_equal_result_with_the_same_tables(res, saved):
    back = ss.load_result(saved)
    assert back == res
    assert back is not res and back.trajectory is not res.trajectory
    pd.testing.assert_frame_equal(back.outcomes(), res.outcomes())
    pd.testing.assert_frame_equal(back.losses(), res.losses())
    pd.testing.assert_frame_equal(back.replications(), res.replications())
    pd.testing.assert_frame_equal(back.traces(), res.traces())
    assert back.summary() == res.summary()
    assert ss.scenario_hash(back.scenario) == ss.scenario_hash(res.scenario)
    assert back.roles["JPN"] == "neutral" and back.overrides == SETS
    # the arrays keep their types (float32 traces, int8 outcome codes)
    assert back.trajectory.traces["lift_share"].dtype == np.float32
    assert back.trajectory.outcome.dtype == np.int8


def test_a_different_result_is_not_equal(res, saved):
    other = ss.run("csis-2026", reps=40, seed=4, roles={"JPN": "neutral"}, sets=SETS)
    assert other != res
    back = load_result(saved)
    back.trajectory.outcome[0, 0] = (back.trajectory.outcome[0, 0] + 1) % 5
    assert back != res


def test_the_metadata_describes_the_result(res, saved):
    meta = json.loads((saved / "result.json").read_text())
    assert meta["format"] == "straitsim-run-result"
    assert meta["format_version"] == RESULT_FORMAT_VERSION
    assert meta["scenario"]["name"] == "csis-2026"
    assert meta["scenario"]["hash"] == ss.scenario_hash(res.scenario)
    assert (meta["seed"], meta["reps"], meta["days"]) == (3, 40, res.days)
    assert meta["roles"] == res.roles and meta["overrides"] == SETS
    assert meta["straitsim_version"] == ss.__version__
    assert meta["code_version"].startswith(ss.__version__)
    assert meta["trajectory"]["arrays"]["traces.lift_share"]["shape"] == [1, res.days, 40]
    assert sorted(p.name for p in saved.iterdir()) == [
        "arrays.npz",
        "replications.parquet",
        "result.json",
        "scenario.json",
        "traces.parquet",
    ]


def test_parquet_files_hold_the_tables(res, saved):
    pd.testing.assert_frame_equal(
        pd.read_parquet(saved / "replications.parquet"), res.replications()
    )
    pd.testing.assert_frame_equal(pd.read_parquet(saved / "traces.parquet"), res.traces())


def test_saving_again_replaces_the_result(res, saved):
    again = ss.run("csis-2026", reps=40, seed=5, roles={"JPN": "neutral"}, sets=SETS)
    again.save(saved)
    assert load_result(saved) == again
    res.save(saved)
    assert load_result(saved) == res


def test_save_refuses_a_file_or_a_folder_of_other_files(res, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="holds other files"):
        res.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    with pytest.raises(UserError, match="found a file"):
        res.save(tmp_path / "notes.txt")


def test_a_failed_save_leaves_nothing(res, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(run_mod.np, "savez_compressed", boom)
    with pytest.raises(UserError, match="nothing was written.*found disk full"):
        res.save(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def _copy(saved, tmp_path):
    import shutil

    dst = tmp_path / "copy"
    shutil.copytree(saved, dst)
    return dst


def _edit_meta(folder, **changes):
    meta = json.loads((folder / "result.json").read_text())
    meta.update(changes)
    (folder / "result.json").write_text(json.dumps(meta))


def test_load_refuses_what_is_not_a_saved_result(saved, tmp_path):
    with pytest.raises(UserError, match="no such folder"):
        load_result(tmp_path / "missing")
    with pytest.raises(UserError, match="no result.json"):
        load_result(tmp_path)
    (tmp_path / "result.json").write_text("{not json")
    with pytest.raises(UserError, match="unreadable metadata"):
        load_result(tmp_path)
    (tmp_path / "result.json").write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(UserError, match="another kind of document"):
        load_result(tmp_path)


def test_load_refuses_a_newer_format(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit_meta(folder, format_version=RESULT_FORMAT_VERSION + 1, straitsim_version="9.0")
    with pytest.raises(UserError, match="newer straitsim") as e:
        load_result(folder)
    assert "found 2 (straitsim 9.0)" in str(e.value) and "\n" not in str(e.value)


def test_load_refuses_damaged_or_mismatched_files(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit_meta(folder, scenario={"name": "csis-2026", "hash": "0" * 16})
    with pytest.raises(UserError, match="does not match the hash"):
        load_result(folder)

    folder = _copy(saved, tmp_path / "b")
    with np.load(folder / "arrays.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["outcome"] = arrays["outcome"][:, :10]
    np.savez(folder / "arrays.npz", **arrays)
    with pytest.raises(UserError, match="array outcome is not as recorded"):
        load_result(folder)

    (folder / "arrays.npz").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="damaged arrays|unreadable"):
        load_result(folder)

    folder = _copy(saved, tmp_path / "e")
    _edit_meta(folder, reps=41)
    with pytest.raises(UserError, match="do not match the replications and days recorded"):
        load_result(folder)

    folder = _copy(saved, tmp_path / "c")
    (folder / "scenario.json").unlink()
    with pytest.raises(UserError, match="missing or unreadable"):
        load_result(folder)

    folder = _copy(saved, tmp_path / "d")
    meta = json.loads((folder / "result.json").read_text())
    del meta["trajectory"]
    (folder / "result.json").write_text(json.dumps(meta))
    with pytest.raises(UserError, match="missing or malformed"):
        load_result(folder)


def test_traces_dataset_holds_every_replication(res):
    pytest.importorskip("xarray")
    ds = res.traces_dataset()
    assert set(TRACES) <= set(ds.data_vars)
    assert ds["lift_share"].dims == ("day", "replication")
    np.testing.assert_array_equal(
        ds["battalions_ashore"].values, res.trajectory.traces["battalions_ashore"][0]
    )
    assert ds.sizes == {"day": res.days, "replication": 40}
    assert list(ds["outcome"].values) == list(res.replications()["outcome"])
    assert ds.attrs["scenario_hash"] == ss.scenario_hash(res.scenario)
    assert json.loads(ds.attrs["overrides"]) == SETS
    # the long table is the bands of the same numbers
    band = res.traces().query("trace == 'battalions_ashore'")["median"].to_numpy()
    np.testing.assert_allclose(band, ds["battalions_ashore"].median("replication"), atol=1e-4)


def test_traces_dataset_without_xarray_is_a_clear_error(res, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(UserError, match="needs the xarray package"):
        res.traces_dataset()
