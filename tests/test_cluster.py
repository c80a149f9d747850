"""Sweeps on a real Dask cluster: `dask scheduler` and two `dask worker` processes on 127.0.0.1.

One worker is killed with SIGKILL in the middle of the sweep; the sweep still finishes and
stores exactly what a local run stores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from contextlib import closing

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

from straitsim.cli import app
from straitsim.store.sweep import sweep

cli = CliRunner()
DAYS = 12


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask() -> list[str]:
    exe = shutil.which("dask")
    return [exe] if exe else [sys.executable, "-m", "dask"]


def _stop(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace_s)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers (no nanny: SIGKILL really kills a worker).

    Shared by this module's tests; the test that kills a worker runs last.
    """
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path_factory.mktemp("dask") / "dask.log", "w")  # noqa: SIM115 - closed in finally
    scheduler = subprocess.Popen(
        [
            *_dask(),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            "127.0.0.1:0",
            "--idle-timeout",
            "300",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers: list[subprocess.Popen] = []
    try:
        for i in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        *_dask(),
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--death-timeout",
                        "60",
                        "--memory-limit",
                        "0",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        with Client(address, timeout="60s", set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for w in workers:  # workers first, so they do not wait for a vanished scheduler
            _stop(w)
        _stop(scheduler)
        log.close()


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.timeout(180)
def test_sweep_cli_on_the_cluster(dask_cluster, tmp_path):
    address, _ = dask_cluster
    grid = write_grid(tmp_path, "[set]\nprc_lift_scale = [0.8, 1.2]\n")
    common = sweep_args(grid, "--json", "-q", reps=20, chunk_size=10, days=DAYS)
    r = cli.invoke(app, [*common, "--db", str(tmp_path / "c.duckdb"), "--cluster", address])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["runner"]["kind"] == "dask" and doc["chunks"]["computed"] == 4
    r = cli.invoke(app, [*common, "--db", str(tmp_path / "l.duckdb")])
    assert r.exit_code == 0, r.output
    c, local = stored_rows(tmp_path / "c.duckdb"), stored_rows(tmp_path / "l.duckdb")
    assert c["summary"] == local["summary"]


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.timeout(180)
def test_sweep_survives_a_killed_worker_and_equals_local(dask_cluster, tmp_path):
    address, workers = dask_cluster
    assert all(w.poll() is None for w in workers)
    grid = write_grid(tmp_path)
    killed = {}

    def kill_one(done, total, reps_done, reps_total):
        if done == 3 and not killed:
            os.kill(workers[0].pid, signal.SIGKILL)
            killed["at"] = done

    res = sweep(
        "csis-2026",
        grid,
        reps=40,
        seed=11,
        db=tmp_path / "dask.duckdb",
        chunk_size=10,
        days=DAYS,
        cluster=address,
        progress=kill_one,
    )
    workers[0].wait(timeout=10)
    assert killed and workers[0].returncode == -signal.SIGKILL
    assert res.runner == "dask" and res.chunks_computed == res.chunks_total == 16
    assert all(v["complete"] for v in res.variants)
    sweep(
        "csis-2026", grid, reps=40, seed=11, db=tmp_path / "local.duckdb", chunk_size=10, days=DAYS
    )
    a, b = stored_rows(tmp_path / "dask.duckdb"), stored_rows(tmp_path / "local.duckdb")
    assert_same_rows(a, b, ROW_TABLES)  # bit for bit
    pids = {w.split(":")[-1] for w in chunk_workers(tmp_path / "dask.duckdb")}
    assert pids <= {str(workers[0].pid), str(workers[1].pid)}
    assert str(workers[1].pid) in pids  # the survivor finished the sweep
    # every chunk of the plan stored once, as the local run stores it (the time limit is the
    # timeout mark's business, not an assertion's)
    assert len(a["chunks"]) == 16 and a["chunks"].equals(b["chunks"])


@pytest.mark.cluster
@pytest.mark.parametrize(
    "address, needle",
    [
        ("tcp://127.0.0.1:{port}", "cannot reach the Dask scheduler"),
        ("127.0.0.1", "bad cluster address"),
        ("http://127.0.0.1:8786", "bad cluster address"),
    ],
)
def test_unreachable_or_malformed_cluster_address_exit_2(address, needle, tmp_path):
    grid = write_grid(tmp_path, "[set]\nprc_lift_scale = [0.8]\n")
    db = tmp_path / "r.duckdb"
    args = sweep_args(
        grid, "-q", reps=5, db=db, cluster=address.format(port=_free_port()), connect_timeout=0.5
    )
    r = cli.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "--cluster" in lines[0]
    assert not db.exists()
