"""Every analysis gives the same numbers on one worker and on two, for any chunk size.

The pool's size threshold is lowered here so that tiny runs really go to worker processes
(a spy counts the calls that did), and chunks are cut small so that one job is spread over
many chunks and both workers.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from sweep_helpers import assert_same_rows, chunk_workers, stored_rows, write_grid
from typer.testing import CliRunner

import straitsim as ss
from straitsim.analysis.burden import burden
from straitsim.analysis.deterrence import deter
from straitsim.analysis.investments import OptionSet, invest, load_options
from straitsim.analysis.roles import analyse_roles
from straitsim.analysis.sensitivity import sensitivity
from straitsim.analysis.validation import run_validation
from straitsim.cli import app
from straitsim.cli.options import Progress
from straitsim.errors import DomainError, UserError
from straitsim.limits import check_number
from straitsim.runners import execute, local
from straitsim.runners.local import simulate
from straitsim.store.sweep import sweep

DAYS = 12
ALLIES = ["JPN", "PHL"]


@pytest.fixture()
def pool_calls(monkeypatch):
    """Send every run to the pool, however small; count the calls that went there."""
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES", 0)
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES_WARM", 0)
    calls = []
    real = execute._run_pool

    def spy(*args: Any) -> Any:
        calls.append(sum(len(plan) for plan in args[1]))  # chunks sent
        return real(*args)

    monkeypatch.setattr(execute, "_run_pool", spy)
    return calls


def _chunked(monkeypatch, size: int | None) -> None:
    """Cut every job into chunks of ``size`` replications (None: the default chunking)."""
    if size is None:
        monkeypatch.setattr(execute, "DEFAULT_CHUNK", 5000)
        monkeypatch.setattr(execute, "MIN_CHUNK", 64)
    else:
        monkeypatch.setattr(execute, "DEFAULT_CHUNK", size)
        monkeypatch.setattr(execute, "MIN_CHUNK", 1)


def _canon(x: Any) -> str:
    """Every number of a result, as text (bit-exact for floats)."""

    def conv(v: Any) -> Any:
        if hasattr(v, "to_dict") and not isinstance(v, dict):
            return conv(v.to_dict())
        if isinstance(v, dict):
            return {str(k): conv(a) for k, a in v.items()}
        if isinstance(v, list | tuple):
            return [conv(a) for a in v]
        if isinstance(v, np.ndarray):
            return conv(v.tolist())
        if isinstance(v, float | np.floating):
            return float(v).hex() if math.isfinite(v) else str(v)
        if isinstance(v, np.integer):
            return int(v)
        return v

    return json.dumps(conv(x), sort_keys=True, default=str)


def _trajectory(t: ss.Trajectory) -> dict[str, Any]:
    return {
        "outcome": t.outcome,
        "decided_day": t.decided_day,
        "losses": t.losses,
        "traces": t.traces,
        "spent": t.spent,
        "extra": {k: v for k, v in t.extra.items() if isinstance(v, np.ndarray)},
    }


ANALYSES = {
    "run": lambda: _trajectory(ss.run("csis-2026", 24, 3, days=DAYS).trajectory),
    "roles": lambda: analyse_roles(
        ss.load_scenario("csis-2026"), ALLIES, 10, 5, days=DAYS
    ).to_dict(),
    "burden": lambda: burden(
        ss.load_scenario("csis-2026"), ALLIES, 10, 5, days=DAYS, year=2030
    ).to_dict(),
    "deter": lambda: deter(
        "csis-2026",
        {"JPN": {"neutral": 0.5, "full": 0.5}},
        reps=10,
        seed=2,
        allies=["JPN"],
        days=DAYS,
    ).summary(),
    "invest": lambda: invest(
        "csis-2026",
        _two_options(),
        year=2030,
        reps=12,
        seed=1,
        days=DAYS,
    ).summary(),
    "validate": lambda: run_validation(
        reps=6, seed=1, cases=["base-us-aircraft", "alone-prc-victory"]
    ).to_dict(),
    "sensitivity": lambda: sensitivity(
        "csis-2026",
        method="morris",
        params=["us_entry_delay_days", "prc_lift_scale"],
        reps=8,
        n=2,
        days=DAYS,
        role_excursions=False,
    ).to_dict(),
}


def _two_options() -> OptionSet:
    opts = load_options()
    keep = list(opts.options)[:2]
    return OptionSet({k: opts.options[k] for k in keep}, opts.sources, opts.path)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_same_numbers_for_any_worker_count_and_chunk_size(name, pool_calls, monkeypatch):
    compute = ANALYSES[name]
    _chunked(monkeypatch, None)
    with execute.workers(1):
        one = _canon(compute())
    assert pool_calls == []  # one worker: everything in this process
    for size in (None, 5):
        _chunked(monkeypatch, size)
        with execute.workers(2):
            two = _canon(compute())
        assert two == one, f"{name}: workers=2, chunks of {size or 'default size'}"
    assert pool_calls and max(pool_calls) >= 2  # the work really went to the pool, in chunks


def test_sweep_same_rows_on_one_or_two_workers(tmp_path):
    grid = write_grid(tmp_path)
    one = sweep("csis-2026", grid, 20, 4, tmp_path / "one.duckdb", 10, workers=1, days=DAYS)
    two = sweep("csis-2026", grid, 20, 4, tmp_path / "two.duckdb", 10, workers=2, days=DAYS)
    assert one.runner == "local" and two.runner == "processes"
    assert_same_rows(stored_rows(tmp_path / "one.duckdb"), stored_rows(tmp_path / "two.duckdb"))
    assert len(set(chunk_workers(tmp_path / "two.duckdb"))) == 2


def test_simulate_takes_workers_and_small_runs_stay_in_process(monkeypatch):
    calls = []
    monkeypatch.setattr(execute, "_run_pool", lambda *a: calls.append(a) or [])
    sc = ss.load_scenario("csis-2026")
    t = simulate(sc, 5, 1, days=5, workers="auto")
    assert t.n_reps == 5 and calls == []  # below the threshold: no pool start


@pytest.mark.parametrize("bad", [0, -1, "many", 2.5, True, "0", 10**6])
def test_bad_worker_counts_are_user_errors(bad):
    with pytest.raises(UserError, match="bad worker count"):
        execute.resolve_workers(bad)


def test_worker_default_from_context_and_environment(monkeypatch):
    monkeypatch.delenv("STRAITSIM_WORKERS", raising=False)
    assert execute.resolve_workers("auto") == execute.available_cores()
    assert execute.resolve_workers(None) == execute.available_cores()
    with execute.workers(3):
        assert execute.resolve_workers(None) == 3
        with execute.workers(1):
            assert execute.resolve_workers(None) == 1
        assert execute.resolve_workers(None) == 3
    monkeypatch.setenv("STRAITSIM_WORKERS", "2")
    assert execute.resolve_workers(None) == 2
    monkeypatch.setenv("STRAITSIM_WORKERS", "lots")
    with pytest.raises(UserError, match="STRAITSIM_WORKERS"):
        execute.resolve_workers(None)


# ---------------------------------------------------------------------------- command line
cli = CliRunner()


def test_cli_workers_give_the_same_json(pool_calls):
    args = ["run", "csis-2026", "--reps", "30", "--days", str(DAYS), "--json", "--seed", "4"]
    one = cli.invoke(app, [*args, "--workers", "1"])
    two = cli.invoke(app, [*args, "--workers", "2", "--chunk-size", "7"])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert pool_calls  # the second really ran in worker processes


@pytest.mark.parametrize(
    "command",
    [
        ["run", "csis-2026"],
        ["roles", "csis-2026"],
        ["burden", "csis-2026"],
        ["deter", "csis-2026"],
        ["invest", "csis-2026"],
        ["validate", "--cases", "base-us-aircraft"],
        ["sensitivity", "csis-2026"],
    ],
)
@pytest.mark.parametrize("bad", ["0", "many", "-3"])
def test_cli_bad_workers_is_one_line_and_exit_2(command, bad, monkeypatch):
    def boom(*a: Any, **kw: Any) -> Any:
        raise AssertionError("simulated with a bad --workers")

    monkeypatch.setattr(execute, "run_jobs", boom)
    monkeypatch.setattr(local, "run_jobs", boom)
    days = [] if command[0] == "validate" else ["--days", "3"]
    r = cli.invoke(app, [*command, "--reps", "5", *days, "--workers", bad])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "--workers" in lines[0], r.output


def test_progress_plain_lines_when_not_a_terminal(capsys):
    piped = Console(file=io.StringIO())  # not a terminal
    with Progress(100, "simulating", every_s=0.0, console=piped) as p:
        for _ in range(4):
            p.advance(25)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("simulating: 25/100 replications (25%)")
    assert err[-1].startswith("simulating: 100/100 replications (100%)")
    with Progress(100, quiet=True, every_s=0.0, console=piped) as p:
        p.advance(100)
    assert capsys.readouterr().err == ""


def test_quiet_run_writes_nothing_to_stderr(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "straitsim",
            "run",
            "csis-2026",
            "--reps",
            "20",
            "--days",
            "5",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and r.stderr == "" and "PRC" in r.stdout


CHILD = """
import os, sys, threading, time
from straitsim.runners import execute
made = []
t = threading.Thread(target=lambda: made.append(execute.get_pool(2)))  # no parent-death signal
t.start(); t.join()
print(" ".join(map(str, [f.result() for f in [made[0].submit(os.getpid) for _ in range(8)]])))
sys.stdout.flush()
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.timeout(120)
def test_watchdog_ends_workers_of_a_killed_parent_without_the_kernel_signal():
    """A pool made by a thread other than the main one has no parent-death signal (the kernel
    ties it to the thread): the workers' watchdog alone must end them."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        pids = {int(x) for x in proc.stdout.readline().split()}
        assert pids and proc.pid not in pids
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in pids if _running(p)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def _running(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 (a pseudo-file)
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_an_error_raised_in_a_worker_arrives_whole():
    """A worker's UserError keeps its key, expected and found (the web API answers with them)."""
    pool = execute.get_pool(2)
    with pytest.raises(DomainError) as err:
        pool.submit(check_number, float("nan"), "some_key", 0.0, 1.0).result(timeout=120)
    assert err.value.key == "some_key" and err.value.found is not None
