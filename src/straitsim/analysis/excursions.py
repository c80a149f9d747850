"""One-at-a-time excursions like CSIS's, and the model that evaluates scenarios for them.

Each named knob is moved alone from the base case, others held: every parameter at the ends
of its range, on/off switches (unit ``bool``), each ally through its role ladder (all rungs
in one batched call), and any ``--set`` key with listed values. Ranked by swing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.parameter_space import fix_params, switch_params
from straitsim.errors import UserError
from straitsim.runners.local import run_local, simulate_each
from straitsim.scenario.compile import compile_params, profile_roles
from straitsim.scenario.load import load_scenario, parse_assignment, parse_value
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Progress = Callable[[int], None]


# ---------------------------------------------------------------------------- the model
@dataclass
class _Evaluator:
    """Mean of a metric over ``reps`` replications, one scenario per call, common seed."""

    sc: Scenario
    metric: str
    reps: int
    seed: int
    days: int | None
    workers: int | str | None = None
    progress: Progress | None = None
    n_evaluations: int = 0

    def many(self, scenarios: Sequence[Scenario]) -> np.ndarray:
        """Metric means for several scenarios, spread over the workers together."""
        fn = get_metric(self.metric)
        reps_done = [0]

        def advance(k: int) -> None:  # chunks finish in any order: tick whole evaluations
            before = reps_done[0] // self.reps
            reps_done[0] += k
            for _ in range(reps_done[0] // self.reps - before):
                self._tick()

        return np.asarray(
            simulate_each(
                scenarios,
                lambda t: float(np.mean(fn(t))),
                self.reps,
                self.seed,
                self.days,
                advance,
                self.workers,
            ),
            dtype=np.float64,
        )

    def profiles(self, profiles: Sequence[Mapping[str, str]]) -> np.ndarray:
        """Metric means for role profiles of the base scenario, in one batched call (CRN)."""
        p = compile_params(self.sc, profiles, self.days)
        traj = run_local(p, self.reps, self.seed, workers=self.workers)
        for _ in profiles:
            self._tick()
        return np.asarray(get_metric(self.metric)(traj).mean(axis=1), dtype=np.float64)

    def _tick(self) -> None:
        self.n_evaluations += 1
        if self.progress is not None:
            self.progress(1)


@dataclass(frozen=True)
class Excursion:
    """One knob moved alone: a label per setting and how to build each setting."""

    knob: str
    kind: str  # "param", "switch", "role", "set"
    settings: tuple[str, ...]
    values: tuple[Any, ...]


def default_excursions(
    sc: Scenario, params: pd.DataFrame, roles: bool = True, switches: bool = True
) -> list[Excursion]:
    """List the named knobs: parameters at their bounds, on/off switches, role ladders."""
    out = []
    for name, row in params.iterrows():
        lo, hi = float(row["low"]), float(row["high"])
        out.append(Excursion(str(name), "param", (f"{lo:g}", f"{hi:g}"), (lo, hi)))
    if switches:
        for name in switch_params(sc):
            out.append(Excursion(name, "switch", ("0", "1"), (0.0, 1.0)))
    if roles:
        for code, actor in sc.actors.items():
            if len(actor.rungs) > 1:
                rungs = tuple(actor.rungs)
                out.append(Excursion(f"role {code}", "role", rungs, rungs))
    return out


def parse_excursion(text: str) -> Excursion:
    """``KEY=V1,V2,...`` (any ``--set`` key) as an excursion."""
    key, raw = parse_assignment(text, "--excursion")
    vals = [parse_value(v.strip()) for v in raw.split(",") if v.strip()]
    if len(vals) < 2:
        raise UserError(
            "bad excursion", key=key, expected="KEY=LOW,HIGH (two or more values)", found=repr(text)
        )
    return Excursion(key, "set", tuple(str(v) for v in vals), tuple(vals))


def run_excursions(
    ev: _Evaluator,
    excursions: Sequence[Excursion],
    scenario_ref: str | Path | None,
    roles: Mapping[str, str],
    sets: Mapping[str, Any] | Sequence[str],
) -> tuple[float, pd.DataFrame]:
    """Evaluate the base case and every excursion; return (base value, ranked table)."""
    import pandas as pd  # optional heavy dependency: loaded on use

    base_roles = profile_roles(ev.sc, None)
    role_ex = [e for e in excursions if e.kind == "role"]
    profiles = [base_roles] + [
        {**base_roles, e.knob.split()[-1]: r} for e in role_ex for r in e.values
    ]
    prof_vals = ev.profiles(profiles)
    base = float(prof_vals[0])
    role_vals = iter(prof_vals[1:])
    scen: list[Scenario] = []
    for e in excursions:
        if e.kind in ("param", "switch"):
            scen += [fix_params(ev.sc, {e.knob: v}) for v in e.values]
        elif e.kind == "set":
            if scenario_ref is None:
                raise UserError(
                    "excursions of data keys need a scenario name or path",
                    key="excursion",
                    found=e.knob,
                )
            base_sets = dict(sets) if isinstance(sets, Mapping) else _sets_dict(sets)
            scen += [load_scenario(scenario_ref, roles, {**base_sets, e.knob: v}) for v in e.values]
    vals = iter(ev.many(scen))
    rows = []
    for e in excursions:
        ys = [float(next(role_vals if e.kind == "role" else vals)) for _ in e.values]
        # first setting reaching the minimum, last reaching the maximum (so ties read low -> high)
        i_lo, i_hi = int(np.argmin(ys)), len(ys) - 1 - int(np.argmax(ys[::-1]))
        rows.append(
            {
                "knob": e.knob,
                "kind": e.kind,
                "settings": list(e.settings),
                "values": ys,
                "low": ys[i_lo],
                "high": ys[i_hi],
                "setting_low": e.settings[i_lo],
                "setting_high": e.settings[i_hi],
                "swing": ys[i_hi] - ys[i_lo],
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "knob",
            "kind",
            "settings",
            "values",
            "low",
            "high",
            "setting_low",
            "setting_high",
            "swing",
        ],
    )
    df = df.sort_values(["swing", "knob"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return base, df


def _sets_dict(items: Sequence[str]) -> dict[str, Any]:
    return {k: parse_value(v) for k, v in (parse_assignment(x, "--set") for x in items)}
