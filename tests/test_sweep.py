"""Sweeps: grid files, variants, chunking invariance, resume after SIGKILL, local processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from sweep_helpers import (
    ROW_TABLES,
    assert_same_rows,
    chunk_workers,
    stored_rows,
    sweep_args,
    write_grid,
)
from typer.testing import CliRunner

import straitsim as ss
from straitsim.cli import app
from straitsim.errors import UserError
from straitsim.runners.execute import available_cores
from straitsim.store import ResultsStore
from straitsim.store.sweep import Grid, expand, lhs_points, parse_grid, sweep

cli = CliRunner()
DAYS = 10


@pytest.fixture()
def grid_file(tmp_path):
    return write_grid(tmp_path)


# ---------------------------------------------------------------------------- grid files
def test_grid_expands_to_every_combination(grid_file):
    from straitsim.store.sweep import load_grid

    variants = expand("csis-2026", load_grid(grid_file), days=DAYS)
    assert [v.label for v in variants] == [
        "JPN=neutral, us_entry_delay_days=0",
        "JPN=neutral, us_entry_delay_days=7",
        "JPN=bases, us_entry_delay_days=0",
        "JPN=bases, us_entry_delay_days=7",
    ]
    assert len({v.scenario_hash for v in variants}) == 4
    v = variants[1]
    assert v.scenario.roles["JPN"] == "neutral" and v.scenario.horizon_days == DAYS
    assert v.scenario.params["us_entry_delay_days"].value == 7
    assert v.scenario_hash == ss.scenario_hash(
        ss.load_scenario(
            "csis-2026", {"JPN": "neutral"}, {"us_entry_delay_days": 7, "horizon_days": DAYS}
        )
    )


def test_latin_hypercube_is_stratified_seeded_and_typed():
    g = parse_grid({"lhs": {"n": 10, "ship_defence_scale": [0.5, 1.5], "extra_shelters": [0, 399]}})
    pts = lhs_points(g, seed=3)
    assert len(pts) == 10
    x = np.array([p["ship_defence_scale"] for p in pts])
    # one point in each of the 10 equal strata of [0.5, 1.5]
    assert sorted(np.floor((x - 0.5) / 0.1).astype(int)) == list(range(10))
    k = [p["extra_shelters"] for p in pts]
    assert all(isinstance(v, int) for v in k) and sorted(v // 40 for v in k) == list(range(10))
    assert lhs_points(g, seed=3) == pts and lhs_points(g, seed=4) != pts


BAD_GRIDS = [
    ("[roles]\nJPN = ['neutral'\n", "not valid TOML"),
    ("[sets]\nx = [1]\n", "unknown table"),
    ("[roles]\nJPN = []\n", "bad rung list"),
    ("[roles]\nJPN = 'neutral'\n", "bad rung list"),
    ("[roles]\nXYZ = ['neutral']\n", "unknown ally"),
    ("[roles]\nJPN = ['sideways']\n", "unknown rung"),
    ("[set]\nus_entry_delay_days = []\n", "bad value list"),
    ("[set]\nus_entry_delay_days = 7\n", "bad value list"),
    ("[set]\nno_such_knob = [1, 2]\n", "unknown"),
    ("[set]\nus_entry_delay_days = [{a = 1}]\n", "bad value"),
    ("[set]\nus_entry_delay_days = ['soon']\n", "invalid value"),
    ("[lhs]\nn = 0\nprc_lift_scale = [0.7, 1.3]\n", "bad sample count"),
    ("[lhs]\nn = 4\nprc_lift_scale = [1.3, 0.7]\n", "empty range"),
    ("[lhs]\nn = 4\nprc_lift_scale = 'wide'\n", "bad range"),
    ("[lhs]\nn = 4\n", "no ranges"),
]


@pytest.mark.parametrize("text, needle", BAD_GRIDS)
def test_bad_grid_files_get_one_line_and_exit_2(text, needle, tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    db = tmp_path / "r.duckdb"
    r = cli.invoke(app, sweep_args(p, "-q", reps=5, db=db))
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and str(p) in lines[0], r.stderr
    assert "Traceback" not in r.output
    assert not db.exists()  # nothing written for a bad grid


def test_missing_grid_file_is_a_user_error(tmp_path):
    r = cli.invoke(app, ["sweep", "csis-2026", "--grid", str(tmp_path / "nope.toml"), "-q"])
    assert r.exit_code == 2 and "file not found" in r.stderr


# ---------------------------------------------------------------------------- results
def test_chunking_does_not_change_results_and_matches_run(grid_file, tmp_path):
    a = sweep(
        "csis-2026", grid_file, reps=60, seed=5, db=tmp_path / "a.duckdb", chunk_size=60, days=DAYS
    )
    b = sweep(
        "csis-2026", grid_file, reps=60, seed=5, db=tmp_path / "b.duckdb", chunk_size=25, days=DAYS
    )
    assert a.chunks_computed == 4 and b.chunks_computed == 12
    for t in ROW_TABLES:
        cols = [
            "scenario_hash",
            "replication",
            *(c for c in ("country", "metric", "weapon") if t != "replications"),
        ]
        ta = stored_rows(tmp_path / "a.duckdb")[t].drop(columns=["chunk_offset", "chunk_size"])
        tb = stored_rows(tmp_path / "b.duckdb")[t].drop(columns=["chunk_offset", "chunk_size"])
        ta = ta.sort_values([c for c in cols if c in ta]).reset_index(drop=True)
        tb = tb.sort_values([c for c in cols if c in tb]).reset_index(drop=True)
        assert ta.equals(tb), t
    # a variant equals `straitsim run` of the same resolved scenario, seed and replications
    ref = ss.run(
        "csis-2026",
        reps=60,
        seed=5,
        roles={"JPN": "bases"},
        sets={"us_entry_delay_days": 7},
        days=DAYS,
    )
    v = a.variants[3]
    assert v["label"] == "JPN=bases, us_entry_delay_days=7"
    assert v["outcome"] == json.loads(json.dumps(ref.summary(traces=False)["outcome"]))


def test_rerun_is_idempotent_and_interrupted_sweep_resumes(grid_file, tmp_path):
    clean = tmp_path / "clean.duckdb"
    sweep("csis-2026", grid_file, reps=40, seed=2, db=clean, chunk_size=20, days=DAYS)
    again = sweep("csis-2026", grid_file, reps=40, seed=2, db=clean, chunk_size=20, days=DAYS)
    assert again.chunks_computed == 0 and again.chunks_stored_before == 8
    assert all(v["complete"] for v in again.variants)

    broken = tmp_path / "broken.duckdb"

    def stop_after_three(done, total, reps_done, reps_total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(
            "csis-2026",
            grid_file,
            reps=40,
            seed=2,
            db=broken,
            chunk_size=20,
            days=DAYS,
            progress=stop_after_three,
        )
    with ResultsStore(broken, read_only=True) as db:
        assert len(db.table("chunks")) == 3
    res = sweep("csis-2026", grid_file, reps=40, seed=2, db=broken, chunk_size=20, days=DAYS)
    assert res.chunks_stored_before == 3 and res.chunks_computed == 5
    assert_same_rows(stored_rows(broken), stored_rows(clean))


def test_sigkill_mid_sweep_then_rerun_equals_clean_run(tmp_path):
    """A real `straitsim sweep` process killed with SIGKILL, then the same command again."""
    grid = write_grid(
        tmp_path, "[set]\nus_entry_delay_days = [0, 7]\nprc_lift_scale = [0.8, 1.0]\n"
    )
    db = tmp_path / "killed.duckdb"
    args = sweep_args(grid, reps=48, seed=4, chunk_size=12, days=DAYS, db=db)
    n_chunks = 4 * 4
    code = "import sys\nfrom straitsim.cli import main\nsys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        written = 0
        while written < 3 and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, "sweep ended before it could be killed"
            written += " written " in line
        time.sleep(random.uniform(0.0, 0.05))  # land anywhere: computing, or inside a write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with ResultsStore(db, read_only=True) as store:
        chunks = store.table("chunks")
        reps = store.table("replications")
        losses = store.table("losses")
    assert 3 <= len(chunks) < n_chunks
    # every stored chunk is whole, and no replication row lacks its chunk
    per_chunk = reps.groupby(["scenario_hash", "chunk_offset"]).size()
    assert (per_chunk == 12).all() and len(per_chunk) == len(chunks)
    pairs = losses.groupby(["scenario_hash", "replication"]).size()
    assert pairs.nunique() == 1  # every stored replication has its whole losses ledger
    loss_chunks = losses.groupby(["scenario_hash", "chunk_offset"]).size()
    assert set(loss_chunks.index) == set(per_chunk.index)
    assert (loss_chunks == 12 * pairs.iloc[0]).all()

    r = cli.invoke(app, [*args, "--json", "-q"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["chunks"]["total"] == n_chunks
    assert doc["chunks"]["stored_before"] + doc["chunks"]["computed"] == n_chunks
    assert doc["chunks"]["stored_before"] == len(chunks)
    clean = tmp_path / "clean.duckdb"
    sweep("csis-2026", grid, reps=48, seed=4, db=clean, chunk_size=12, days=DAYS)
    assert_same_rows(stored_rows(db), stored_rows(clean))


def test_local_worker_processes_give_identical_results(grid_file, tmp_path):
    one = sweep(
        "csis-2026",
        grid_file,
        reps=30,
        seed=9,
        db=tmp_path / "one.duckdb",
        chunk_size=15,
        days=DAYS,
        workers=1,
    )
    two = sweep(
        "csis-2026",
        grid_file,
        reps=30,
        seed=9,
        db=tmp_path / "two.duckdb",
        chunk_size=15,
        days=DAYS,
        workers=2,
    )
    assert one.runner == "local" and two.runner == "processes" and two.n_workers == 2
    assert_same_rows(stored_rows(tmp_path / "one.duckdb"), stored_rows(tmp_path / "two.duckdb"))
    assert len(set(chunk_workers(tmp_path / "two.duckdb"))) == 2  # both processes computed chunks


def test_sweep_cli_json_and_table(grid_file, tmp_path):
    db = tmp_path / "r.duckdb"
    args = sweep_args(grid_file, reps=10, days=DAYS, db=db)
    r = cli.invoke(app, [*args, "--json", "-q"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (
        len(doc["variants"]) == 4
        and doc["chunks"]["computed"] == 4
        and doc["runner"]["workers"] == available_cores()  # every core by default
        and doc["runner"]["kind"] == ("local" if available_cores() == 1 else "processes")
    )
    r = cli.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "4 already stored" in r.stdout and "JPN=bases" in r.stdout
    r = cli.invoke(app, ["results", "list", "--db", str(db), "--json"])
    assert len(json.loads(r.stdout)["runs"]) == 4


def test_sweep_argument_errors(grid_file):
    with pytest.raises(UserError, match="choose one runner"):
        sweep("csis-2026", grid_file, reps=5, workers=2, cluster="tcp://127.0.0.1:8786")
    with pytest.raises(UserError, match="horizon set twice"):
        expand("csis-2026", Grid(sets={"horizon_days": [10]}), days=5)


# ---------------------------------------------------------------------------- process faults
def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()  # noqa: SIM115 (a pseudo-file)
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 (a pseudo-file)
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


FAULT_GRID = "[set]\nus_entry_delay_days = [0, 7]\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    "sig",
    [
        signal.SIGKILL,
        signal.SIGINT,
        pytest.param(signal.SIGTERM, marks=pytest.mark.slow),
    ],
    ids=["SIGKILL", "SIGINT", "SIGTERM"],
)
def test_stopped_sweep_leaves_no_worker_behind(sig, tmp_path):
    """`sweep --workers 2` stopped mid-run: no process of its pool keeps running.

    SIGINT goes to the whole process group, as Ctrl-C in a terminal does: the sweep prints one
    line, exits 130, and the same command then finishes with the rows of a clean run.
    """
    grid = write_grid(tmp_path, FAULT_GRID)
    db = tmp_path / "stopped.duckdb"
    args = sweep_args(grid, reps=600, seed=6, chunk_size=20, days=DAYS, db=db, workers=2)
    code = "import sys\nfrom straitsim.cli import main\nsys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C and the clean-up reach all
    )
    kids: list[int] = []
    try:
        written = 0
        while written < 2:
            line = proc.stderr.readline()
            assert line, "sweep ended before it could be stopped"
            written += " written " in line
        kids = _descendants(proc.pid)
        assert len(kids) >= 3  # the resource tracker and two workers
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        rest = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + 20  # the watchdog needs a second; the kernel none
    while any(_running(p) for p in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in kids if _running(p)] == []
    if sig != signal.SIGINT:
        assert proc.returncode == -sig
        return
    assert proc.returncode == 130, rest
    assert "Traceback" not in rest
    errors = [x for x in rest.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "interrupted" in errors[0] and "same command" in errors[0]
    r = cli.invoke(app, [*args, "--json", "-q"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["chunks"]["stored_before"] >= 2 and doc["chunks"]["computed"] >= 1
    clean = tmp_path / "clean.duckdb"
    sweep("csis-2026", grid, reps=600, seed=6, db=clean, chunk_size=20, days=DAYS, workers=1)
    assert_same_rows(stored_rows(db), stored_rows(clean))
