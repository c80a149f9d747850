"""Monte Carlo summaries of a :class:`~straitsim.engine.trajectory.Trajectory`."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.schema import Scenario

Z95 = 1.959963984540054


def document_header(sc: Scenario) -> dict[str, Any]:
    """Return the head every ``--json`` document starts with: versions and the scenario.

    ``schema_version`` and ``straitsim_version`` come from :mod:`straitsim.meta`; the
    scenario is named by its name, title, year and hash (:func:`scenario_hash`).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "straitsim_version": __version__,
        "scenario": {
            "name": sc.name,
            "title": sc.title,
            "year": sc.year,
            "hash": scenario_hash(sc),
        },
    }


def wilson(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / n``."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k <= 0 else float(max(0.0, centre - half))
    hi = 1.0 if k >= n else float(min(1.0, centre + half))
    return (min(lo, p), max(hi, p))


def outcome_probabilities(traj: Trajectory, profile: int = 0) -> dict[str, dict[str, float]]:
    """Share of replications in each CSIS category, with 95% Wilson intervals."""
    out = traj.outcome[profile]
    n = out.size
    res = {}
    for k, name in enumerate(OUTCOMES):
        c = int((out == k).sum())
        lo, hi = wilson(c, n)
        res[name] = {"p": c / n if n else 0.0, "lo": lo, "hi": hi}
    return res


def defence_prevails(traj: Trajectory, profile: int = 0) -> dict[str, float]:
    """P(decisive PRC defeat or stalemate trending against the PRC), with its interval."""
    out = traj.outcome[profile]
    c = int((out <= 1).sum())
    lo, hi = wilson(c, out.size)
    return {"p": c / out.size, "lo": lo, "hi": hi}


def quantiles(a: np.ndarray) -> dict[str, float]:
    """Median, 10th and 90th percentiles and mean of one metric across replications."""
    q10, q50, q90 = np.percentile(a, [10, 50, 90])
    return {"median": float(q50), "p10": float(q10), "p90": float(q90), "mean": float(np.mean(a))}


def loss_quantiles(traj: Trajectory, profile: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """Per country and metric: median, p10, p90 and mean of losses."""
    return {
        country: {m: quantiles(a[profile]) for m, a in metrics.items()}
        for country, metrics in traj.losses.items()
    }


def trace_bands(traj: Trajectory, profile: int = 0) -> dict[str, dict[str, list[float]]]:
    """Daily median and 10-90% band of each trace."""
    out = {}
    for name, a in traj.traces.items():
        q10, q50, q90 = np.percentile(a[profile], [10, 50, 90], axis=-1)
        out[name] = {
            "median": [round(float(x), 5) for x in q50],
            "p10": [round(float(x), 5) for x in q10],
            "p90": [round(float(x), 5) for x in q90],
        }
    return out


def summarize(traj: Trajectory, profile: int = 0, traces: bool = True) -> dict[str, Any]:
    """Build the model-facing part of the ``run --json`` document (see docs/json.md)."""
    doc: dict[str, Any] = {
        "outcome": outcome_probabilities(traj, profile),
        "defence_prevails": defence_prevails(traj, profile),
        "losses": loss_quantiles(traj, profile),
        "munitions_spent": {
            w: quantiles(traj.spent[profile][:, i]) for i, w in enumerate(traj.weapons)
        },
        "decided_day": quantiles(
            np.nan_to_num(traj.decided_day[profile], nan=traj.traces["lift_share"].shape[1] - 1)
        ),
    }
    if "base_ids" in traj.extra:
        doc["bases"] = {
            b: {
                "aircraft_lost_on_ground": quantiles(
                    traj.extra["base_aircraft_lost"][profile][:, i]
                ),
                "missiles_received": quantiles(traj.extra["base_missiles"][profile][:, i]),
            }
            for i, b in enumerate(traj.extra["base_ids"])
        }
    if traces:
        doc["traces"] = trace_bands(traj, profile)
    return doc
