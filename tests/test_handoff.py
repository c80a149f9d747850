"""Large worker results come back through shared memory: same bytes, no file left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

import straitsim as ss
from straitsim.runners import execute, handoff
from straitsim.runners.local import simulate
from straitsim.runners.spawning import alive

pytestmark = pytest.mark.skipif(not handoff.SHM_DIR.is_dir(), reason="no /dev/shm")


def _ours(pid: int | None = None) -> list[Path]:
    return sorted(handoff.SHM_DIR.glob(f"{handoff.PREFIX}{pid or os.getpid()}-*"))


def _big() -> dict[str, object]:
    rng = np.random.default_rng(3)
    return {
        "a": rng.random((3, 200_000)),
        "b": {"c": rng.integers(0, 9, (7, 11)).astype(np.int8), "d": np.float32(2.5)},
        "f": np.asfortranarray(rng.random((300, 700))),
        "view": rng.random((50, 40))[:, ::2],  # not contiguous: travels in the pickle
        "label": ("x", 3),
    }


def _same(x: object, y: object) -> None:
    if isinstance(x, dict):
        assert isinstance(y, dict) and x.keys() == y.keys()
        for k in x:
            _same(x[k], y[k])
    elif isinstance(x, np.ndarray):
        assert isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()
    else:
        assert x == y


def test_ship_and_receive_give_the_same_arrays_and_unlink_the_file():
    obj = _big()
    h = handoff.ship(obj, os.getpid())
    assert isinstance(h, handoff.Shipped)
    assert Path(h.path).exists() and len(h.meta) < 10_000  # the arrays are not in the pickle
    back = handoff.receive(h)
    assert not Path(h.path).exists()
    _same(obj, back)
    back["a"][0, 0] = -1.0  # the arrays are the caller's to write
    assert back["a"][0, 0] == -1.0
    assert _ours() == []


def test_small_results_and_missing_shared_memory_use_the_pipe(monkeypatch, tmp_path):
    small = {"a": np.arange(10.0)}
    assert handoff.ship(small, os.getpid()) is small
    monkeypatch.setattr(handoff, "SHM_DIR", tmp_path / "absent")
    big = _big()
    assert handoff.ship(big, os.getpid()) is big
    assert handoff.receive(big) is big


def test_full_shared_memory_falls_back_to_the_pipe(monkeypatch):
    """The space is reserved before writing: ENOSPC gives the object back, and no file."""

    def full(fd: int, offset: int, size: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(handoff.os, "posix_fallocate", full)
    big = _big()
    assert handoff.ship(big, os.getpid()) is big
    assert _ours() == []


def test_discard_and_done_callbacks_free_unreceived_results():
    h = handoff.ship(_big(), os.getpid())
    fut: Future[object] = Future()
    fut.add_done_callback(handoff.discard_when_done)
    fut.set_result(h)
    assert not Path(h.path).exists()
    failed: Future[object] = Future()
    failed.add_done_callback(handoff.discard_when_done)
    failed.set_exception(ValueError("no result"))  # nothing to free, no error
    assert _ours() == []


def test_sweep_removes_files_of_gone_parents_only():
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = int(dead.stdout)
    assert not alive(gone)
    stale = handoff.SHM_DIR / f"{handoff.PREFIX}{gone}-1-0"
    mine = handoff.SHM_DIR / f"{handoff.PREFIX}{os.getpid()}-1-0"
    other = handoff.SHM_DIR / f"{handoff.PREFIX}notapid-1-0"
    try:
        for f in (stale, mine, other):
            f.write_bytes(b"x")
        assert handoff.sweep(alive) == 1
        assert not stale.exists() and mine.exists() and other.exists()
        assert handoff.sweep(alive, os.getpid()) == 1
        assert not mine.exists() and other.exists()
    finally:
        for f in (stale, mine, other):
            f.unlink(missing_ok=True)


def test_a_pool_run_ships_its_chunks_and_leaves_nothing(monkeypatch):
    """Two chunks of 2 profiles x 500 replications (about 1.7 MB of traces each) go through
    shared memory; the numbers equal the in-process run's, bit for bit."""
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES", 0)
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES_WARM", 0)
    received = []
    real = handoff.receive

    def spy(x: object) -> object:
        received.append(isinstance(x, handoff.Shipped))
        return real(x)

    monkeypatch.setattr(handoff, "receive", spy)
    sc = ss.load_scenario("csis-2026")
    profiles = [{"JPN": "neutral"}, {"JPN": "full"}]
    pooled = simulate(sc, 1000, 4, profiles, chunk_size=500, workers=2)
    assert received == [True, True]
    one = simulate(sc, 1000, 4, profiles, workers=1)
    assert np.array_equal(pooled.outcome, one.outcome)
    for k, a in one.traces.items():
        assert pooled.traces[k].tobytes() == a.tobytes(), k
    for c, d in one.losses.items():
        for m, a in d.items():
            assert pooled.losses[c][m].tobytes() == a.tobytes(), (c, m)
    assert _ours() == []


@pytest.mark.timeout(120)
def test_abandoned_chunks_are_freed_when_they_arrive(monkeypatch):
    """A run stopped early (an error in the caller) frees the chunks still in flight."""
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES", 0)
    monkeypatch.setattr(execute, "PARALLEL_MIN_LANES_WARM", 0)
    sc = ss.load_scenario("csis-2026")
    profiles = [{"JPN": "neutral"}, {"JPN": "full"}]

    def stop(n: int) -> None:
        raise RuntimeError("caller gave up")

    with pytest.raises(RuntimeError):
        simulate(sc, 4000, 4, profiles, chunk_size=500, workers=2, progress=stop)
    # work queued after the abandoned chunks ends after them (each worker takes tasks in order)
    pool = execute.get_pool(2)
    for fut in [pool.submit(time.sleep, 0.2) for _ in range(4)]:
        fut.result(timeout=60)
    assert _ours() == []
