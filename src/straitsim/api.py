"""The Python API behind ``import straitsim``: load, run, summarise, tabulate."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis import summary
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.runners.local import run_local
from straitsim.scenario.compile import compile_params, profile_roles
from straitsim.scenario.load import builtin_scenarios, parse_roles, resolve
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

try:
    __version__ = version("straitsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

SCHEMA_VERSION = 1


def list_scenarios() -> dict[str, str]:
    """Built-in scenario names and their titles."""
    out = {}
    for name in builtin_scenarios():
        out[name] = resolve(name).title
    return out


def load_scenario(
    ref: str | Path | Scenario,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
) -> Scenario:
    """Load a validated scenario: a built-in name or a TOML path, with role and ``--set`` overrides.

    ``roles`` is ``{"JPN": "neutral"}`` or ``["JPN=neutral"]``; ``sets`` is
    ``{"us_entry_delay_days": 7}`` or ``["us_entry_delay_days=7"]``.
    """
    if isinstance(ref, Scenario):
        if not roles and not sets:
            return ref
        raise UserError("overrides need a scenario name or path, not a loaded scenario")
    role_map = dict(roles) if isinstance(roles, Mapping) else parse_roles(roles or [])
    set_list = (
        [f"{k}={_toml(v)}" for k, v in sets.items()] if isinstance(sets, Mapping) else list(sets)
    )
    return resolve(ref, roles={k.upper(): v for k, v in role_map.items()}, sets=set_list)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    return json.dumps(v)


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON (first 16 hex digits)."""
    blob = json.dumps(
        sc.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def simulate(
    scenario: Scenario,
    reps: int = 1000,
    seed: int = 0,
    profiles: Sequence[Mapping[str, str]] | None = None,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> Trajectory:
    """Run ``reps`` replications of each role profile (default: the scenario's roles).

    All profiles share the random numbers of each replication (common random numbers).
    ``device="gpu"`` runs the same engine on CuPy (the ``gpu`` extra and a CUDA GPU).
    """
    if reps < 1:
        raise UserError(
            "bad replication count", key="reps", expected="an integer >= 1", found=str(reps)
        )
    if days is not None and not 1 <= days <= 365:
        raise UserError("bad horizon", key="days", expected="1 to 365", found=str(days))
    p = compile_params(scenario, profiles, days)
    return run_local(p, reps, seed, chunk_size, progress, xp=array_module(device))


def array_module(device: str) -> Any:
    """Return the array namespace for ``device``: NumPy on ``cpu``, CuPy on ``gpu``."""
    if device == "cpu":
        return np
    if device != "gpu":
        raise UserError("unknown device", key="device", expected="cpu or gpu", found=repr(device))
    try:
        import cupy
    except ImportError:
        raise UserError(
            "the GPU needs CuPy",
            key="device",
            expected="`pip install straitsim[gpu]` (or the cupy package for your CUDA) and a GPU",
            found="no cupy module",
        ) from None
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA runtime errors have no common public base class
        raise UserError(
            "no usable GPU", key="device", expected="a CUDA GPU", found=str(exc)
        ) from None
    return cupy


@dataclass
class RunResult:
    """One scenario run: the trajectory plus how it was made, with tables and plots."""

    scenario: Scenario
    trajectory: Trajectory
    seed: int
    reps: int
    days: int
    roles: dict[str, str]
    overrides: list[str] = field(default_factory=list)

    def summary(self, traces: bool = True) -> dict[str, Any]:
        """Build the ``straitsim run --json`` document (schema in docs/json.md)."""
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "straitsim_version": __version__,
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "year": self.scenario.year,
                "hash": scenario_hash(self.scenario),
            },
            "roles": self.roles,
            "overrides": self.overrides,
            "seed": self.seed,
            "reps": self.reps,
            "days": self.days,
        }
        doc.update(summary.summarize(self.trajectory, 0, traces=traces))
        return doc

    def outcomes(self) -> pd.DataFrame:
        """Outcome probabilities with 95% intervals, one row per category."""
        import pandas as pd

        rows = [
            {"outcome": k, **v} for k, v in summary.outcome_probabilities(self.trajectory).items()
        ]
        return pd.DataFrame(rows).set_index("outcome")

    def losses(self) -> pd.DataFrame:
        """Loss quantiles: rows (country, metric), columns median, p10, p90, mean."""
        import pandas as pd

        rows = [
            {"country": c, "metric": m, **q}
            for c, ms in summary.loss_quantiles(self.trajectory).items()
            for m, q in ms.items()
        ]
        return pd.DataFrame(rows).set_index(["country", "metric"])

    def replications(self) -> pd.DataFrame:
        """One row per replication: outcome and every loss metric (columns ``COUNTRY.metric``)."""
        import pandas as pd

        t = self.trajectory
        data: dict[str, Any] = {
            "replication": np.arange(t.n_reps) + t.rep_offset,
            "outcome": [OUTCOMES[k] for k in t.outcome[0]],
            "decided_day": t.decided_day[0],
        }
        for c, ms in t.losses.items():
            for m, a in ms.items():
                data[f"{c}.{m}"] = a[0]
        return pd.DataFrame(data)

    def traces(self) -> pd.DataFrame:
        """Daily medians and 10-90% bands of the traces, long format."""
        import pandas as pd

        rows = []
        for name, band in summary.trace_bands(self.trajectory).items():
            for d, (m, lo, hi) in enumerate(
                zip(band["median"], band["p10"], band["p90"], strict=True)
            ):
                rows.append({"trace": name, "day": d, "median": m, "p10": lo, "p90": hi})
        return pd.DataFrame(rows)


def run(
    scenario: str | Path | Scenario,
    reps: int = 1000,
    seed: int = 0,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> RunResult:
    """Load (or take) a scenario, apply overrides, and run it: the ``straitsim run`` job."""
    sc = load_scenario(scenario, roles, sets)
    traj = simulate(sc, reps, seed, None, days, chunk_size, progress, device)
    set_list = [f"{k}={v}" for k, v in sets.items()] if isinstance(sets, Mapping) else list(sets)
    return RunResult(
        scenario=sc,
        trajectory=traj,
        seed=seed,
        reps=reps,
        days=days or sc.horizon_days,
        roles=profile_roles(sc, None),
        overrides=set_list,
    )
