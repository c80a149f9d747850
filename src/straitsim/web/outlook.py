"""Dashboard route for the outlook (bounded, built-in scenarios and paths only).

``POST /api/outlook``  the balance year by year under spending paths (``straitsim outlook``)

Included by :func:`straitsim.web.app.create_app` with its evaluator (one model request at a
time, cached answers). The work of one request (years x path combinations x worlds x
replications) is bounded by :data:`MAX_OUTLOOK_WORK`; user path files are not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field, field_validator

from straitsim.analysis.outlook import OUTPUTS, RULES, outlook, parse_paths
from straitsim.analysis.outlook_paths import parse_years
from straitsim.errors import UserError
from straitsim.web.guards import checkpoint
from straitsim.web.models import MAX_SEED, ROUTE_ERRORS, AllyCode, BuiltinRequest

MAX_OUTLOOK_WORK = 24_000  # years x combinations x worlds x replications per request
ERRORS = ROUTE_ERRORS
Ally = AllyCode


class OutlookRequest(BuiltinRequest):
    """An outlook of a built-in scenario: years, spending paths, roles and overrides."""

    years: str = Field("2026:2035", pattern=r"^\d{4}(:\d{4}|(,\d{4})*)$", max_length=60)
    paths: list[Annotated[str, Field(pattern=r"^[A-Z]{3}=[A-Za-z0-9.@_-]{1,32}$")]] = Field(
        default_factory=list, max_length=8, description="ALLY=PATH spending paths."
    )
    reps: int = Field(100, ge=2, le=MAX_OUTLOOK_WORK, description="Replications per year.")
    worlds: int = Field(0, ge=0, le=50, description="Sampled worlds (0: none).")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    threshold: float = Field(0.5, ge=0, le=1, allow_inf_nan=False)
    measure: Literal[tuple(OUTPUTS)] = "p_prc_success"  # type: ignore[valid-type]
    rule: Literal[tuple(RULES)] = "marginal"  # type: ignore[valid-type]

    @field_validator("reps", "worlds", "seed", "threshold", mode="before")
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("a number, not true/false")
        return v

    def checked(self) -> dict[str, Any]:
        """Return the keyword arguments of the outlook, refusing too much work or forbidden keys."""
        n_years = len(parse_years(self.years))
        combos = 1
        for names in parse_paths(self.paths).values():
            combos *= len(names)
        work = n_years * combos * max(1, self.worlds) * self.reps
        if work > MAX_OUTLOOK_WORK:
            raise UserError(
                "too much work for one request",
                key="reps",
                expected=f"years x combinations x worlds x replications <= {MAX_OUTLOOK_WORK:,}",
                found=f"{n_years} x {combos} x {max(1, self.worlds)} x {self.reps}",
            )
        self.refuse_forbidden_sets()
        return dict(
            years=self.years, paths=list(self.paths), roles=dict(self.roles), sets=dict(self.set),
            reps=self.reps, worlds=self.worlds, seed=self.seed, threshold=self.threshold,
            measure=self.measure, rule=self.rule,
        )  # fmt: skip


def outlook_router(evaluate: Callable[[str, Any, Callable[[], Any]], Response]) -> APIRouter:
    """Build the router; ``evaluate`` is the app's one-at-a-time, caching evaluator."""
    router = APIRouter()

    @router.post("/api/outlook", responses=ERRORS, response_model=dict[str, Any])
    def outlook_route(body: OutlookRequest) -> Response:
        """Return the balance by year under spending paths (`straitsim outlook --json`)."""

        def job() -> dict[str, Any]:
            return outlook(body.scenario, progress=checkpoint, **body.checked()).summary()

        return evaluate("outlook", body, job)

    return router
