"""The dashboard's FastAPI app: a static offline page and a bounded JSON API.

Routes
------
``GET /``                   the dashboard page (static; no CDN)
``GET /static/...``         its JavaScript and CSS
``GET /manual/...``         the documentation its labels link to, when found (web/manual.py)
``GET /vendor/plotly.min.js``  plotly.js from the installed ``plotly`` package
``GET /topojson/...``       the shipped Natural Earth coastline (plotly's ``topojsonURL``)
``GET /api/scenarios``      built-in scenarios, their ladders and knobs, the limits
``POST /api/run``           the ``straitsim run --json`` document
``POST /api/bases``         bases, their aircraft and day-0 exposure under the chosen roles (the
                            map joins them with the ``bases`` results of ``/api/run``)
``POST /api/roles``         Shapley attribution over the allies (``analysis.roles``)
``POST /api/deterrence``    perceived PRC success vs P(ally fights) (``analysis.deterrence``)
``POST /api/worlds``        bands across sampled worlds; ``POST /api/discover``: PRIM boxes
``GET /api/jobs/{id}``      a background job (``?async=1`` on a model route): progress, ETA
``GET /api/jobs/{id}/result``  its answer (the synchronous route's, byte for byte)
``POST /api/jobs/{id}/cancel``  cancel it (web/jobs.py)
``GET /openapi.json``       the schema (no ``/docs`` page: Swagger UI would need a CDN)

The server evaluates one model request at a time (a lock), caches recent answers, and
never reads paths or code from clients: scenarios are built-in names. Long requests can run
as bounded background jobs with progress and cancel (``?async=1``, web/jobs.py).

Length: the app factory registers every synchronous route in one place; the job routes,
the outlook and worlds routers live in their own modules.
"""

# No ``from __future__ import annotations``: FastAPI reads the request models from the route
# signatures at definition time, and those models are built per app in create_app.
import functools
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from straitsim.analysis.deterrence import describe_quantity, deter, map_rungs
from straitsim.analysis.metrics import describe_metric
from straitsim.analysis.outlook import parse_paths
from straitsim.analysis.outlook_paths import parse_years
from straitsim.analysis.roles import analyse_roles
from straitsim.analysis.roles import ladders as lattice_ladders
from straitsim.analysis.run import run as run_scenario
from straitsim.errors import UserError
from straitsim.meta import __version__
from straitsim.report.bases import LOSS_COLOURS, STATUS, base_status
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.describe import describe
from straitsim.scenario.load import list_scenarios, load_scenario
from straitsim.scenario.schema import Scenario
from straitsim.web.guards import (
    AS_JOB,
    BodyGuard,
    Busy,
    Cancelled,
    as_job,
    cancelled,
    checkpoint,
    validation_error,
)
from straitsim.web.job_routes import add_job_routes
from straitsim.web.jobs import JobLimits, JobStore, user_error_doc
from straitsim.web.manual import mount_manual
from straitsim.web.models import Limits, build_models, ladders
from straitsim.web.outlook import outlook_router
from straitsim.web.worlds import worlds_router

STATIC_DIR = Path(str(files("straitsim.web").joinpath("static")))

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "Input the schema allows but the model rejects (one line in `detail`), "
        "or a malformed JSON body",
    },
    413: {"description": "Request body too large"},
    422: {
        "description": "Input that does not match the schema, or a number outside its domain "
        "(NaN, infinity, out of range: one line in `detail`)"
    },
    429: {
        "description": "Too many model requests (or background jobs) at once; retry after "
        "`Retry-After` seconds"
    },
}
JOB_ROUTE: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "With `?async=1`: the job's state (`id`, `state`, `progress`, `eta_s`); "
        "`Location` is `/api/jobs/{id}`"
    }
}


def _json_default(x: Any) -> Any:
    if hasattr(x, "item"):  # numpy scalars
        return x.item()
    if hasattr(x, "tolist"):  # numpy arrays
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def to_json(doc: Any) -> bytes:
    """Serialise a model answer (numpy scalars allowed; NaN and infinity are a 400)."""
    try:
        return json.dumps(
            doc, default=_json_default, allow_nan=False, separators=(",", ":")
        ).encode()
    except ValueError:
        check_finite(json.loads(json.dumps(doc, default=_json_default)))
        raise


class Evaluator:
    """Runs model requests one at a time and keeps the last few answers (serialised).

    Each answer carries a ``Server-Timing`` header: ``model`` (wall) and ``cpu`` (this
    thread's CPU time) in milliseconds for a fresh computation, ``cache`` for a cached one.
    """

    def __init__(
        self, cache_size: int = 32, max_active: int = 4, jobs: JobStore | None = None
    ) -> None:
        self.lock = threading.Lock()
        self.jobs = jobs or JobStore()
        self.cache: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.cache_size = cache_size
        # model requests admitted at once (one computing, the rest waiting for the lock)
        self.slots = threading.BoundedSemaphore(max_active)

    def __call__(self, kind: str, body: Any, fn: Callable[[], Any]) -> Response:
        """Answer ``(kind, body)`` from the cache or compute it under the lock.

        Beyond ``max_active`` admitted requests the answer is :class:`Busy` (429); a request
        whose client has gone is not computed, and a computation stops between chunks.
        """
        key = kind + json.dumps(body.model_dump(mode="json"), sort_keys=True)
        if AS_JOB.get():  # ?async=1: a background job computes it (web/jobs.py)
            if hasattr(body, "checked"):
                body.checked()  # refuse too much work now, as the synchronous route does
            job = self.jobs.submit(kind, work_units(kind, body), lambda: self._answer(key, fn))
            return JSONResponse(
                job.doc(self.jobs.queued_ahead(job)),
                status_code=202,
                headers={"Location": f"/api/jobs/{job.id}"},
            )
        if not self.slots.acquire(blocking=False):
            raise Busy(retry_after_s=2)
        try:
            return self._answer(key, fn)
        finally:
            self.slots.release()

    def _answer(self, key: str, fn: Callable[[], Any]) -> Response:
        with self.lock:
            if cancelled():
                return Response(b"", status_code=499)  # the client has gone: nobody to answer
            if key in self.cache:
                self.cache.move_to_end(key)
                content = self.cache[key][0]
                return Response(
                    content, media_type="application/json", headers={"Server-Timing": "cache"}
                )
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                doc = fn()
            except Cancelled:
                return Response(b"", status_code=499)
            except (ArithmeticError, MemoryError) as exc:
                raise UserError(
                    "the model cannot evaluate these overrides",
                    key="set",
                    expected="parameters inside their valid domain (see `straitsim show`)",
                    found=f"{type(exc).__name__}: {exc}",
                ) from None
            content = to_json(doc)
            wall_ms, cpu_ms = 1000 * (time.perf_counter() - t0), 1000 * (time.thread_time() - c0)
            timing = f"model;dur={wall_ms:.0f}, cpu;dur={cpu_ms:.0f}"
            self.cache[key] = (content, timing)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
            return Response(
                content, media_type="application/json", headers={"Server-Timing": timing}
            )


def work_units(kind: str, body: Any) -> int:
    """Return the units the model's progress callback will count for a request.

    Replications for a run and for the lattices (one batch of all profiles), worlds for
    worlds and discovery, years x path combinations x worlds for the outlook.
    """
    if kind in ("worlds", "discover"):
        return int(body.worlds)
    if kind == "outlook":
        combos = math.prod(len(v) for v in parse_paths(list(body.paths)).values())
        return len(parse_years(body.years)) * combos * max(1, int(body.worlds))
    return int(getattr(body, "reps", 1))


def check_finite(doc: Any, path: str = "") -> None:
    """Raise :class:`UserError` if a number in ``doc`` is NaN or infinite."""
    if isinstance(doc, float) and not math.isfinite(doc):
        raise UserError(
            "the model gave a non-finite result for these overrides",
            key="set",
            expected="parameters inside their valid domain (see `straitsim show`)",
            found=f"{doc} at {path or 'top level'}",
        )
    if isinstance(doc, dict):
        for k, v in doc.items():
            check_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list | tuple):
        for i, v in enumerate(doc):
            check_finite(v, f"{path}[{i}]")


def scenario_info(name: str) -> dict[str, Any]:
    """Describe a built-in scenario: title, ladders (each rung's meaning) and knobs."""
    sc = load_scenario(name)
    doc = describe(sc)
    return {
        "name": sc.name,
        "title": sc.title,
        "description": sc.description,
        "year": sc.year,
        "horizon_days": sc.horizon_days,
        "roles": [
            {
                "ally": r["ally"],
                "name": sc.actors[r["ally"]].name,
                "rung": r["rung"],
                "rungs": [{"name": k, "doc": v.doc} for k, v in sc.actors[r["ally"]].rungs.items()],
            }
            for r in doc["roles"]
        ],
        "params": [
            {
                **{k: p[k] for k in ("key", "value", "unit", "doc", "uncertainty")},
                "range": list(sc.params[p["key"]].range or ()) or None,
            }
            for p in doc["params"]
        ],
        "theatre": {"lat": sc.theatre.center_lat, "lon": sc.theatre.center_lon},
    }


def create_app(
    limits: Limits | None = None, job_limits: JobLimits | None = None, device: str = "cpu"
) -> FastAPI:
    """Build the app (``limits`` and ``job_limits`` bound the work; tests pass small ones).

    ``device`` runs ``/api/run`` on ``cpu`` (NumPy, the reference) or ``numba`` (compiled
    steps, the same numbers, faster); the analyses run on ``cpu``.
    """
    lim = limits or Limits()
    jobs = JobStore(job_limits)
    m = build_models(lim)
    RunRequest, BasesRequest, RolesRequest, DeterrenceRequest = (
        m.RunRequest,
        m.BasesRequest,
        m.RolesRequest,
        m.DeterrenceRequest,
    )
    evaluate = Evaluator(max_active=lim.max_active, jobs=jobs)
    app = FastAPI(
        title="straitsim dashboard API",
        version=__version__,
        description="Run the straitsim campaign model on built-in scenarios: outcomes, losses, "
        "daily traces, bases, Shapley attribution over allied roles and deterrence curves. "
        "Work per request is bounded; see `GET /api/scenarios` for the limits.",
        docs_url=None,
        redoc_url=None,
    )

    # bounded bodies (Content-Length or chunked) and a cancel event per request
    app.add_middleware(BodyGuard, max_bytes=lim.max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        status, doc = user_error_doc(exc)
        return JSONResponse(doc, status_code=status)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @functools.lru_cache(maxsize=32)
    def load_cached(name: str, roles: tuple[Any, ...], sets: tuple[Any, ...]) -> Scenario:
        return load_scenario(name, dict(roles), dict(sets))

    def load(body: Any) -> Scenario:
        # validated scenarios are read, never changed: the recent ones are kept (no reload)
        roles, sets = body.role_map(), body.set_map()
        return load_cached(body.scenario, tuple(sorted(roles.items())), tuple(sorted(sets.items())))

    @app.get("/api/scenarios", responses=ERRORS)
    def scenarios() -> dict[str, Any]:
        """Built-in scenarios with their role ladders and knobs, the metrics and the limits."""
        return catalogue()

    @functools.cache
    def catalogue() -> dict[str, Any]:
        return {
            "scenarios": [scenario_info(n) for n in list_scenarios()],
            "metrics": {
                k: describe_metric(k)
                for k in m.RolesRequest.model_fields["metric"].annotation.__args__
            },
            "base_status": {k: {"label": v[0], "colour": v[1]} for k, v in STATUS.items()},
            "base_map": {"loss_colours": list(LOSS_COLOURS)},
            "limits": {
                "max_reps": lim.max_reps,
                "max_lattice_work": lim.max_lattice_work,
                "max_allies": lim.max_allies,
                "max_grid": lim.max_grid,
                "max_body_bytes": lim.max_body_bytes,
                "max_active": lim.max_active,
                "max_jobs": jobs.limits.max_jobs,
                "job_ttl_s": jobs.limits.ttl_s,
            },
        }

    long_route = dict(
        responses={**ERRORS, **JOB_ROUTE},
        response_model=dict[str, Any],
        dependencies=[Depends(as_job)],
    )

    @app.post("/api/run", **long_route)  # type: ignore[arg-type]
    def run(body: RunRequest) -> Response:  # type: ignore[valid-type]
        """Run a scenario: the same JSON document as `straitsim run --json`."""
        # as a job, smaller chunks for a smoother progress bar (the numbers do not change)
        chunk = max(200, math.ceil(body.reps / 20)) if AS_JOB.get() else None

        def job() -> dict[str, Any]:
            sc = load(body)
            res = run_scenario(
                sc, body.reps, body.seed, chunk_size=chunk, progress=checkpoint, device=device
            )
            res.overrides = [f"{k}={v:g}" for k, v in body.set.items()]
            return res.summary()

        return evaluate("run", body, job)

    @app.post("/api/bases", responses=ERRORS, response_model=dict[str, Any])
    def bases(body: BasesRequest) -> Response:  # type: ignore[valid-type]
        """Bases at their data-pack coordinates, aircraft and day-0 exposure under the roles.

        The dashboard's map joins these with the per-base results of ``/api/run`` for the
        same scenario, roles and overrides.
        """

        def job() -> dict[str, Any]:
            sc = load(body)

            return {"roles": profile_roles(sc, None), "bases": base_status(sc)}

        return evaluate("bases", body, job)

    @app.post("/api/roles", **long_route)  # type: ignore[arg-type]
    def roles(body: RolesRequest) -> Response:  # type: ignore[valid-type]
        """Shapley values of the allies' roles and the value of each step up each ladder."""

        def job() -> dict[str, Any]:
            sc = load(body)
            allies = list(dict.fromkeys(body.allies))
            lad = lattice_ladders(sc, allies)
            n_profiles = 2 ** len(lad) + 2 * sum(len(r) - 1 for r in lad.values())
            _check_work(n_profiles, body.reps, lim)
            ra = analyse_roles(
                sc,
                allies,
                body.reps,
                body.seed,
                body.metric,
                body.to,
                "exact",
                full_lattice=False,
                progress=checkpoint,
            )
            return ra.to_dict()

        return evaluate("roles", body, job)

    @app.post("/api/deterrence", **long_route)  # type: ignore[arg-type]
    def deterrence(body: DeterrenceRequest) -> Response:  # type: ignore[valid-type]
        """Beijing's perceived value of a quantity as P(ally fights) varies, one ally at a time."""

        def job() -> dict[str, Any]:
            sc = load(body)
            allies = list(dict.fromkeys(body.allies))
            wanted = sorted(set(allies) | set(body.belief))
            lad = lattice_ladders(sc, wanted)
            _check_work(math.prod(len(r) for r in lad.values()), body.reps, lim)
            fight, stay = map_rungs(sc, allies)
            res = deter(
                sc,
                dict(body.belief) or None,
                reps=body.reps,
                seed=body.seed,
                allies=allies,
                progress=checkpoint,
            )
            curves = res.curves(allies, quantity=body.quantity, n_grid=body.n_grid)
            return {
                "quantity": body.quantity,
                "description": describe_quantity(body.quantity),
                "fight": fight,
                "stay": stay,
                "curves": curves.to_dict("records"),
                "summary": res.summary(),
            }

        return evaluate("deterrence", body, job)

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        import plotly

        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/topojson", StaticFiles(directory=STATIC_DIR / "topojson"), name="topojson")
    mount_manual(app)  # /manual/: the docs the page's labels link to (web/manual.py)
    background = dict(dependencies=[Depends(as_job)], responses=JOB_ROUTE)
    app.include_router(worlds_router(evaluate), **background)  # type: ignore[arg-type]
    app.include_router(outlook_router(evaluate), **background)  # type: ignore[arg-type]
    add_job_routes(app, jobs)
    _ = ladders()  # resolve the built-in ladders once, at start-up
    return app


def _check_work(n_profiles: int, reps: int, lim: Limits) -> None:
    work = n_profiles * reps
    if work > lim.max_lattice_work:
        raise UserError(
            "too much work for one request",
            key="reps",
            expected=f"profiles x replications <= {lim.max_lattice_work:,} "
            f"(this lattice has {n_profiles} profiles: "
            f"at most {lim.max_lattice_work // n_profiles} replications)",
            found=f"{n_profiles} x {reps} = {work:,}",
        )
