"""Background jobs for long model requests: bounded, with progress, an ETA and cancel.

A model route called with ``?async=1`` does not compute in the request: it answers
``202 Accepted`` with a job document and a ``Location`` header, and one background thread
computes the answer (through the same evaluator, so the same lock, cache and bytes as the
synchronous route). The client then polls:

``GET /api/jobs/{id}``          state, share done (0 to 1), replications done, ETA
``GET /api/jobs/{id}/result``   the answer of the synchronous route, byte for byte
``POST /api/jobs/{id}/cancel``  cancel (the computation stops at its next chunk)

Bounds (:class:`JobLimits`): at most ``max_jobs`` jobs queued or running (beyond: 429 with
``Retry-After``, as :class:`~straitsim.web.guards.Busy`), at most ``max_kept`` finished jobs
held in memory (the oldest go first), and a finished job expires ``ttl_s`` seconds after it
ends (then 404). Progress comes from the model's progress callback
(:func:`straitsim.web.guards.checkpoint`), counted against the work the request asked for;
the share stays below 1 until the answer is ready, and never goes down.
"""

from __future__ import annotations

import contextvars
import json
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response

from straitsim.errors import DomainError, UserError
from straitsim.web.guards import CANCEL, PROGRESS, Busy

# while a job runs the share shown is at most this, so 1.0 means "the answer is ready"
RUNNING_CAP = 0.99


@dataclass(frozen=True)
class JobLimits:
    """Bounds on background jobs.

    Attributes
    ----------
    max_jobs : int
        Jobs queued or running at once; beyond, a new job is refused with 429.
    max_kept : int
        Finished jobs whose answers are held in memory; the oldest are dropped first.
    ttl_s : float
        Seconds a finished job (and its answer) is kept after it ends.
    """

    max_jobs: int = 4
    max_kept: int = 16
    ttl_s: float = 600.0


def user_error_doc(exc: UserError) -> tuple[int, dict[str, Any]]:
    """Return the status and JSON body the API answers a :class:`UserError` with."""
    doc = {"detail": str(exc), "key": exc.key, "expected": exc.expected, "found": exc.found}
    return (422 if isinstance(exc, DomainError) else 400), doc


@dataclass
class Job:
    """One background computation and, once it ends, its answer."""

    id: str
    kind: str
    total: int
    work: Callable[[], Response]
    created: float = field(default_factory=time.monotonic)
    state: str = "queued"  # queued, running, done, failed, cancelled
    done: int = 0
    started: float | None = None
    ended: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    status_code: int = 0
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def advance(self, n: int) -> None:
        """Count ``n`` more units of work done (the model's progress callback)."""
        self.done += max(0, int(n))

    def share(self) -> float:
        """Return the share done: capped below 1 while running, 1 once the answer is ready."""
        if self.state == "done":
            return 1.0
        return min(RUNNING_CAP, self.done / self.total) if self.total > 0 else 0.0

    def doc(self, queued_ahead: int = 0) -> dict[str, Any]:
        """Return the job's state as the JSON the API answers with."""
        now = time.monotonic()
        share = self.share()
        running_cancel = self.cancel.is_set() and self.state in ("queued", "running")
        eta: float | None = None
        if self.state == "done":
            eta = 0.0
        elif self.state == "running" and self.started is not None and share > 0:
            elapsed = now - self.started
            eta = round(elapsed * (1 - share) / share, 2)
        return {
            "id": self.id,
            "kind": self.kind,
            "state": "cancelling" if running_cancel else self.state,
            "progress": round(share, 4),
            "done": self.done,
            "total": self.total,
            "eta_s": eta,
            "elapsed_s": round((self.ended or now) - (self.started or now), 2),
            "queued_ahead": queued_ahead if self.state == "queued" else 0,
            "result": f"/api/jobs/{self.id}/result" if self.state == "done" else None,
        }


class JobStore:
    """Admits, runs (one at a time, in order) and keeps background jobs within bounds."""

    def __init__(self, limits: JobLimits | None = None) -> None:
        self.limits = limits or JobLimits()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()
        self.queue: queue.Queue[Job] = queue.Queue()
        self.thread: threading.Thread | None = None

    def submit(self, kind: str, total: int, work: Callable[[], Response]) -> Job:
        """Queue ``work`` as a job of ``total`` units; raise :class:`Busy` beyond the bound."""
        with self.lock:
            self._expire()
            active = sum(j.state in ("queued", "running") for j in self.jobs.values())
            if active >= self.limits.max_jobs:
                raise Busy(
                    retry_after_s=5,
                    detail=f"too many jobs queued or running (at most {self.limits.max_jobs}); "
                    "retry later",
                )
            job = Job(secrets.token_urlsafe(12), kind, max(1, int(total)), work)
            self.jobs[job.id] = job
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="straitsim-jobs", daemon=True
                )
                self.thread.start()
        self.queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """Return the job, or None when it is unknown or has expired."""
        with self.lock:
            self._expire()
            return self.jobs.get(job_id)

    def queued_ahead(self, job: Job) -> int:
        """Return how many jobs will run before a queued ``job``."""
        with self.lock:
            ahead = 0
            for j in self.jobs.values():
                if j is job:
                    break
                ahead += j.state in ("queued", "running")
            return ahead

    def cancel(self, job: Job) -> None:
        """Cancel a queued or running job (a finished one stays as it is)."""
        with self.lock:
            job.cancel.set()
            if job.state == "queued":
                self._finish(job, "cancelled")

    def _expire(self) -> None:
        now = time.monotonic()
        ended = [j for j in self.jobs.values() if j.ended is not None]
        for j in ended:
            if now - j.ended > self.limits.ttl_s:  # type: ignore[operator]
                del self.jobs[j.id]
        ended = [j for j in self.jobs.values() if j.ended is not None]
        extra = max(0, len(ended) - self.limits.max_kept)
        for j in sorted(ended, key=lambda j: j.ended or 0.0)[:extra]:
            del self.jobs[j.id]

    def _finish(self, job: Job, state: str) -> None:
        job.state = state
        job.ended = time.monotonic()
        job.work = _gone  # drop the closure (and the request it holds)

    def _loop(self) -> None:
        while True:
            job = self.queue.get()
            with self.lock:
                if job.state != "queued":
                    continue  # cancelled while it waited
                job.state = "running"
                job.started = time.monotonic()
            contextvars.Context().run(self._run, job)

    def _run(self, job: Job) -> None:
        CANCEL.set(job.cancel)
        PROGRESS.set(job.advance)
        try:
            resp = job.work()
        except UserError as exc:
            job.status_code, doc = user_error_doc(exc)
            job.content = _json(doc)
            state = "failed"
        except Exception as exc:  # noqa: BLE001 - reported to the client, not raised
            job.status_code = 500
            job.content = _json({"detail": f"the computation failed: {type(exc).__name__}"})
            state = "failed"
        else:
            if resp.status_code == 499 or job.cancel.is_set():
                state = "cancelled"
            else:
                job.status_code = resp.status_code
                job.content = bytes(resp.body)
                timing = resp.headers.get("server-timing")
                job.headers = {"Server-Timing": timing} if timing else {}
                state = "done" if resp.status_code < 400 else "failed"
        with self.lock:
            self._finish(job, state)


def _gone() -> Response:
    raise RuntimeError("this job has ended")


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
