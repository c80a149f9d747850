"""The dashboard's background-job routes: a job's state, its answer, and cancelling it.

``GET /api/jobs/{id}``, ``GET /api/jobs/{id}/result`` and ``POST /api/jobs/{id}/cancel`` over
the :class:`~straitsim.web.jobs.JobStore` that the long routes submit to with ``?async=1``.
"""

# No ``from __future__ import annotations``: FastAPI reads the path parameter types at runtime.
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from straitsim.web.jobs import Job, JobStore

JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such job: an unknown id, or a job that has expired"},
    409: {"description": "The job has not finished, or was cancelled (`detail` says which)"},
}


def add_job_routes(app: FastAPI, jobs: JobStore) -> None:
    """Add ``GET /api/jobs/{id}``, ``GET /api/jobs/{id}/result``, ``POST .../cancel``."""
    JobId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,32}$")]

    def find(job_id: str) -> Job | JSONResponse:
        job = jobs.get(job_id)
        if job is not None:
            return job
        lim = jobs.limits
        return JSONResponse(
            {
                "detail": f"no job {job_id}: unknown, or expired (a finished job is kept "
                f"{lim.ttl_s:g} s, the last {lim.max_kept} at most); submit it again"
            },
            status_code=404,
        )

    @app.get("/api/jobs/{job_id}", responses=JOB_ERRORS, response_model=dict[str, Any])
    def job_state(job_id: JobId) -> Response:
        """Report a background job: state, share done (0 to 1), units done, ETA."""
        job = find(job_id)
        if isinstance(job, Response):
            return job
        return JSONResponse(job.doc(jobs.queued_ahead(job)))

    @app.get("/api/jobs/{job_id}/result", responses=JOB_ERRORS, response_model=dict[str, Any])
    def job_result(job_id: JobId) -> Response:
        """Return a finished job's answer: the synchronous route's, byte for byte."""
        job = find(job_id)
        if isinstance(job, Response):
            return job
        if job.state in ("done", "failed"):
            return Response(
                job.content,
                status_code=job.status_code,
                media_type="application/json",
                headers=job.headers,
            )
        if job.state == "cancelled":
            return JSONResponse({"detail": f"job {job_id} was cancelled"}, status_code=409)
        return JSONResponse(
            {
                "detail": f"job {job_id} has not finished ({job.state}, "
                f"{100 * job.share():.0f}% done); poll GET /api/jobs/{job_id}"
            },
            status_code=409,
        )

    @app.post("/api/jobs/{job_id}/cancel", responses=JOB_ERRORS, response_model=dict[str, Any])
    def job_cancel(job_id: JobId) -> Response:
        """Cancel a queued or running job; it stops at the model's next chunk."""
        job = find(job_id)
        if isinstance(job, Response):
            return job
        jobs.cancel(job)
        return JSONResponse(job.doc())
