"""Dashboard routes for worlds and scenario discovery (bounded, built-in scenarios only).

``POST /api/worlds``    headline outputs as bands across sampled worlds (``straitsim worlds``)
``POST /api/discover``  PRIM box and feature scores for an outcome (``straitsim discover``)

Included by :func:`straitsim.web.app.create_app` with its evaluator (one model request at a
time, cached answers). The work of one request is bounded by :data:`MAX_WORLD_WORK`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field, field_validator

from straitsim.analysis.discovery import discover, parse_outcome
from straitsim.analysis.worlds import run_worlds
from straitsim.errors import UserError
from straitsim.web.guards import checkpoint
from straitsim.web.models import MAX_SEED, ROUTE_ERRORS, AllyCode, BuiltinRequest

MAX_WORLDS = 400
MAX_WORLD_WORK = 40_000  # worlds x replications per request (about 10 s on one core)
ERRORS = ROUTE_ERRORS
Ally = AllyCode


class WorldsRequest(BuiltinRequest):
    """Worlds over the epistemic parameters of a built-in scenario, with roles and overrides."""

    worlds: int = Field(50, ge=2, le=MAX_WORLDS, description="Sampled worlds.")
    reps: int = Field(100, ge=2, le=MAX_WORLD_WORK // 2, description="Replications per world.")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    method: Literal["lhs", "sobol"] = "lhs"
    threshold: float = Field(0.5, ge=0, le=1, allow_inf_nan=False)

    @field_validator("worlds", "reps", "seed", "threshold", mode="before")
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("a number, not true/false")
        return v

    def checked(self) -> dict[str, Any]:
        """Return the keyword arguments of the run, refusing too much work or forbidden keys."""
        if self.worlds * self.reps > MAX_WORLD_WORK:
            raise UserError(
                "too much work for one request",
                key="reps",
                expected=f"worlds x replications <= {MAX_WORLD_WORK:,}",
                found=f"{self.worlds} x {self.reps}",
            )
        self.refuse_forbidden_sets()
        return dict(
            n=self.worlds,
            reps=self.reps,
            seed=self.seed,
            method=self.method,
            roles=dict(self.roles),
            sets=dict(self.set),
        )


class DiscoverRequest(WorldsRequest):
    """Scenario discovery: where across worlds (and, optionally, allies' rungs) an outcome holds."""

    worlds: int = Field(100, ge=10, le=MAX_WORLDS, description="Sampled worlds.")
    reps: int = Field(50, ge=2, le=MAX_WORLD_WORK // 10, description="Replications per world.")
    outcome: str = Field("p_prc_success>0.5", max_length=64, description="OUTPUT>VALUE.")
    roles_as_inputs: list[Ally] = Field(default_factory=list, max_length=4)
    prim_threshold: float = Field(0.8, gt=0, le=1, allow_inf_nan=False)
    top_inputs: int = Field(5, ge=0, le=200, description="PRIM over the K best-scoring inputs.")

    @field_validator("top_inputs", "prim_threshold", mode="before")
    @classmethod
    def _no_bool_discover(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("a number, not true/false")
        return v


def worlds_router(evaluate: Callable[[str, Any, Callable[[], Any]], Response]) -> APIRouter:
    """Build the router; ``evaluate`` is the app's one-at-a-time, caching evaluator."""
    router = APIRouter()

    @router.post("/api/worlds", responses=ERRORS, response_model=dict[str, Any])
    def worlds(body: WorldsRequest) -> Response:
        """Headline outputs as bands across worlds: the `straitsim worlds --json` document."""

        def job() -> dict[str, Any]:
            res = run_worlds(
                body.scenario, threshold=body.threshold, progress=checkpoint, **body.checked()
            )
            doc = res.summary()
            doc["p_prc_success_by_world"] = res.values("p_prc_success").tolist()
            return doc

        return evaluate("worlds", body, job)

    @router.post("/api/discover", responses=ERRORS, response_model=dict[str, Any])
    def discover_route(body: DiscoverRequest) -> Response:
        """PRIM box, peeling trajectory and feature scores (`straitsim discover --json`)."""

        def job() -> dict[str, Any]:
            parse_outcome(body.outcome)
            kw = body.checked()
            res = discover(
                body.scenario,
                body.outcome,
                roles_as_inputs=body.roles_as_inputs,
                threshold=body.prim_threshold,
                top_inputs=body.top_inputs,
                progress=checkpoint,
                **kw,
            )
            doc = res.summary()
            doc["pairs"] = _pairs(res)
            return doc

        return evaluate("discover", body, job)

    return router


def _pairs(res: Any) -> dict[str, Any] | None:
    """Return the two top-scoring numeric inputs of every world and its outcome (a scatter)."""
    if res.scores is None:
        return None
    x = res.inputs()
    names = [c for c in res.scores["input"] if x[c].dtype.kind == "f"][:2]
    if len(names) < 2:
        return None
    return {
        "x": names[0],
        "y": names[1],
        "xs": x[names[0]].tolist(),
        "ys": x[names[1]].tolist(),
        "outcome": np.asarray(res.y, dtype=bool).tolist(),
    }
