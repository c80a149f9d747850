"""One scenario run as a result object: the ``straitsim run`` job and its tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis import summary
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.meta import SCHEMA_VERSION, __version__
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
    workers: int | str | None = None,
) -> RunResult:
    """Load (or take) a scenario, apply overrides, and run it: the ``straitsim run`` job.

    ``workers``: ``"auto"`` (every core), an integer (1: in this process) or None (the
    current default); the numbers do not depend on it.
    """
    sc = load_scenario(scenario, roles, sets)
    traj = simulate(sc, reps, seed, None, days, chunk_size, progress, device, workers)
    return RunResult(
        scenario=sc,
        trajectory=traj,
        seed=seed,
        reps=reps,
        days=days or sc.horizon_days,
        roles=profile_roles(sc, None),
        overrides=set_strings(sets),
    )
