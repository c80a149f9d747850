"""Background jobs of the dashboard API (``?async=1``): progress, result, cancel, bounds, expiry.

The model's progress callback is gated in most tests (each unit of work waits for the test
to let it go), so every step of the progress is observed whatever the machine's speed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("plotly")
from fastapi.testclient import TestClient  # noqa: E402

from straitsim.web.app import create_app  # noqa: E402
from straitsim.web.jobs import Job, JobLimits  # noqa: E402
from straitsim.web.models import Limits  # noqa: E402

LIMITS = Limits(max_reps=400, max_lattice_work=400, max_grid=5)
WORLDS = {"scenario": "csis-2026", "worlds": 5, "reps": 4, "seed": 11}
TIMEOUT_S = 60  # every wait below gives up after this


def wait_for(cond: Callable[[], Any], what: str) -> Any:
    """Poll ``cond`` until it is truthy; fail after TIMEOUT_S."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


class Gate:
    """Hold the model after each unit of progress until the test releases it."""

    def __init__(self) -> None:
        self.steps = threading.Semaphore(0)
        self.open = False

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.steps.release()

    def open_all(self) -> None:
        self.open = True
        self.release(1000)


@pytest.fixture()
def gate(monkeypatch) -> Iterator[Gate]:
    g = Gate()
    advance = Job.advance

    def gated(self: Job, n: int) -> None:
        advance(self, n)
        if not g.open:
            g.steps.acquire(timeout=TIMEOUT_S)

    monkeypatch.setattr(Job, "advance", gated)
    yield g
    g.open_all()  # never leave a job thread waiting


def submit(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path + "?async=1", json=body)
    assert r.status_code == 202, r.text
    doc = r.json()
    assert r.headers["location"] == f"/api/jobs/{doc['id']}"
    assert doc["state"] in ("queued", "running") and doc["progress"] == 0.0
    return doc


def state(client: TestClient, job_id: str) -> dict[str, Any]:
    r = client.get(f"/api/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()


def finished(client: TestClient, job_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: (d := state(client, job_id))["state"] in ("done", "failed", "cancelled") and d,
        "the job to end",
    )


def test_progress_rises_step_by_step_to_one_and_the_result_is_the_sync_answer(gate):
    client = TestClient(create_app(LIMITS))
    job = submit(client, "/api/worlds", WORLDS)
    seen = []
    for k in range(1, WORLDS["worlds"] + 1):  # one unit of progress per world
        doc = wait_for(lambda k=k: (d := state(client, job["id"]))["done"] >= k and d, f"world {k}")
        seen.append(doc)
        gate.release()
    done = finished(client, job["id"])
    assert done["state"] == "done" and done["progress"] == 1.0 and done["eta_s"] == 0.0
    shares = [d["progress"] for d in seen] + [done["progress"]]
    # each world adds 1/5 of the work; the share stays below 1 until the answer is ready
    assert shares[:4] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert shares == sorted(shares) and shares[-2] < 1.0 == shares[-1]
    for d in seen[:4]:
        assert d["state"] == "running" and d["total"] == WORLDS["worlds"]
        assert d["eta_s"] is not None and d["eta_s"] >= 0
    got = client.get(done["result"])
    assert got.status_code == 200
    fresh = TestClient(create_app(LIMITS))  # its own cache: the sync answer is computed anew
    sync = fresh.post("/api/worlds", json=WORLDS)
    assert sync.status_code == 200
    assert "model;dur=" in sync.headers["server-timing"]
    assert got.content == sync.content


def test_a_run_job_equals_the_sync_run_for_the_same_seed():
    body = {"scenario": "csis-2026", "reps": 400, "seed": 5, "roles": {"JPN": "neutral"}}
    client = TestClient(create_app(LIMITS))
    job = submit(client, "/api/run", body)
    done = finished(client, job["id"])
    assert done["state"] == "done" and done["done"] == body["reps"]
    got = client.get(f"/api/jobs/{job['id']}/result")
    sync = TestClient(create_app(LIMITS)).post("/api/run", json=body)
    assert got.status_code == sync.status_code == 200
    assert got.json() == sync.json()
    assert got.json()["reps"] == 400


def test_cancel_stops_a_running_job(gate):
    client = TestClient(create_app(LIMITS))
    job = submit(client, "/api/worlds", WORLDS)
    wait_for(lambda: state(client, job["id"])["done"] >= 1, "the first world")
    r = client.post(f"/api/jobs/{job['id']}/cancel")
    assert r.status_code == 200 and r.json()["state"] in ("cancelling", "cancelled")
    gate.release()  # the model reaches its next chunk and stops there
    done = finished(client, job["id"])
    assert done["state"] == "cancelled"
    assert done["done"] < WORLDS["worlds"]  # it did not run to the end
    res = client.get(f"/api/jobs/{job['id']}/result")
    assert res.status_code == 409 and "cancelled" in res.json()["detail"]


def test_result_before_the_end_is_a_409_that_says_so(gate):
    client = TestClient(create_app(LIMITS))
    job = submit(client, "/api/worlds", WORLDS)
    wait_for(lambda: state(client, job["id"])["done"] >= 1, "the first world")
    r = client.get(f"/api/jobs/{job['id']}/result")
    assert r.status_code == 409
    assert "has not finished" in r.json()["detail"] and "20% done" in r.json()["detail"]
    client.post(f"/api/jobs/{job['id']}/cancel")


def test_jobs_beyond_the_limit_are_refused_with_429(gate):
    client = TestClient(create_app(LIMITS, JobLimits(max_jobs=2)))
    first = submit(client, "/api/worlds", WORLDS)
    wait_for(lambda: state(client, first["id"])["state"] == "running", "the first job to run")
    second = submit(client, "/api/worlds", {**WORLDS, "seed": 12})
    assert state(client, second["id"])["queued_ahead"] == 1
    r = client.post("/api/worlds?async=1", json={**WORLDS, "seed": 13})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["detail"].startswith("too many jobs queued or running (at most 2)")
    # a queued job cancelled never runs; the running one stops; then jobs are admitted again
    assert client.post(f"/api/jobs/{second['id']}/cancel").json()["state"] == "cancelled"
    client.post(f"/api/jobs/{first['id']}/cancel")
    gate.open_all()
    assert finished(client, first["id"])["state"] == "cancelled"
    assert finished(client, second["id"])["done"] == 0
    submit(client, "/api/worlds", {**WORLDS, "seed": 13})


def test_an_expired_or_unknown_job_is_a_404_with_a_clear_message():
    client = TestClient(create_app(LIMITS, JobLimits(ttl_s=0.2)))
    job = submit(client, "/api/run", {"scenario": "csis-2026", "reps": 20, "seed": 1})
    assert finished(client, job["id"])["state"] == "done"
    time.sleep(0.3)
    for r in (client.get(f"/api/jobs/{job['id']}"), client.get(f"/api/jobs/{job['id']}/result")):
        assert r.status_code == 404
        detail = r.json()["detail"]
        assert detail.startswith(f"no job {job['id']}: unknown, or expired")
        assert "kept 0.2 s" in detail
    assert client.get("/api/jobs/nosuchjob").status_code == 404
    assert client.get("/api/jobs/bad%20id!").status_code == 422


def test_finished_jobs_held_in_memory_are_bounded():
    client = TestClient(create_app(LIMITS, JobLimits(max_kept=2)))
    ids = []
    for seed in range(4):
        job = submit(client, "/api/run", {"scenario": "csis-2026", "reps": 10, "seed": seed})
        finished(client, job["id"])
        ids.append(job["id"])
    codes = [client.get(f"/api/jobs/{i}").status_code for i in ids]
    assert codes == [404, 404, 200, 200]  # the oldest went first


def test_a_job_the_model_rejects_fails_with_the_sync_error():
    body = {"scenario": "csis-2026", "reps": 10, "set": {"no_such_parameter": 1}}
    client = TestClient(create_app(LIMITS))
    job = submit(client, "/api/run", body)
    assert finished(client, job["id"])["state"] == "failed"
    got = client.get(f"/api/jobs/{job['id']}/result")
    sync = client.post("/api/run", json=body)
    assert got.status_code == sync.status_code == 400
    assert got.json() == sync.json()


def test_schema_errors_stay_synchronous_and_openapi_documents_jobs():
    client = TestClient(create_app(LIMITS))
    r = client.post("/api/run?async=1", json={"scenario": "csis-2026", "reps": 10**6})
    assert r.status_code == 422
    spec = client.get("/openapi.json").json()
    for path in ("/api/run", "/api/roles", "/api/deterrence", "/api/worlds", "/api/outlook"):
        op = spec["paths"][path]["post"]
        assert "202" in op["responses"]
        assert any(p["name"] == "async" for p in op["parameters"])
    assert "get" in spec["paths"]["/api/jobs/{job_id}"]
    assert "post" in spec["paths"]["/api/jobs/{job_id}/cancel"]
    assert "409" in spec["paths"]["/api/jobs/{job_id}/result"]["get"]["responses"]
    assert "404" in spec["paths"]["/api/jobs/{job_id}"]["get"]["responses"]


def test_serve_refuses_an_unknown_device_in_one_line():
    r = subprocess.run(
        [sys.executable, "-m", "straitsim", "serve", "--device", "tpu", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "unknown device" in out and "expected cpu, numba or gpu" in out
    assert "Traceback" not in out


def test_the_numba_device_gives_the_reference_outcomes():
    pytest.importorskip("numba")
    body = {"scenario": "csis-2026", "reps": 60, "seed": 4}
    cpu = TestClient(create_app(LIMITS)).post("/api/run", json=body).json()
    fast = TestClient(create_app(LIMITS, device="numba")).post("/api/run", json=body).json()
    # the same model and random numbers: every replication's outcome is the same
    assert fast["outcome"] == cpu["outcome"]
    assert fast["defence_prevails"] == cpu["defence_prevails"]
    assert fast["losses"]["CHN"]["battalions_landed"]["median"] == pytest.approx(
        cpu["losses"]["CHN"]["battalions_landed"]["median"], rel=1e-9
    )
