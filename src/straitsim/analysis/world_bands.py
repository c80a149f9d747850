"""Bands across worlds on the existing analyses.

Shapley per ally, the value of clarity, investment rankings (rank stability and robust
choices) and validation cases.

Each function samples worlds over the epistemic parameters, runs the existing analysis
once per world (:func:`straitsim.analysis.worlds.per_world`, same seed in every world, so
the worlds share their dice) and summarises it across worlds: median and 5-95% band, with
the Monte Carlo error of the per-world values beside the across-world spread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from straitsim.analysis import robust
from straitsim.analysis.deterrence import deter
from straitsim.analysis.investments import invest
from straitsim.analysis.metrics import higher_is_better
from straitsim.analysis.roles import role_analysis
from straitsim.analysis.validation import evaluate_case, load_cases, select_cases
from straitsim.analysis.worlds import band, draw_worlds, map_worlds, per_world
from straitsim.errors import UserError
from straitsim.runners.execute import Workers
from straitsim.runners.local import simulate
from straitsim.scenario.load import load_scenario

Progress = Callable[[int], None] | None


def shapley_worlds(
    scenario: Any,
    n: int,
    allies: Sequence[str] | None = None,
    reps: int = 200,
    seed: int = 0,
    sampling: str = "lhs",
    roles: Mapping[str, str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    progress: Progress = None,
    workers: Workers = None,
    **kw: Any,
) -> dict[str, Any]:
    """Each ally's Shapley value across worlds, and P(its contribution is the largest).

    "Largest" is in the defence's favour: the highest value for a metric where higher is
    better for the defence, the lowest (most negative) otherwise.
    """
    worlds, res = per_world(
        role_analysis,
        scenario,
        n,
        seed,
        sampling,
        roles,
        sets,
        progress,
        workers=workers,
        allies=allies,
        reps=reps,
        **kw,
    )
    names = list(res[0].moves)
    vals = np.array([[float(r.shapley.value[i]) for i in range(len(names))] for r in res])
    ses = np.array([[float(r.shapley.se[i]) for i in range(len(names))] for r in res])
    metric = res[0].lattice.metric
    sign = 1.0 if higher_is_better(metric) else -1.0
    p_largest = robust.best_share(sign * vals)
    total = vals.sum(axis=1, keepdims=True)
    share = np.divide(vals, total, out=np.zeros_like(vals), where=total != 0)
    return {
        "worlds": len(worlds),
        "metric": metric,
        "allies": {
            a: {
                **band(vals[:, j], ses[:, j]),
                "p_largest": float(p_largest[j]),
                "share": band(share[:, j]),
            }
            for j, a in enumerate(names)
        },
        "per_world": vals.tolist(),
        # worlds in which no ally changes the metric at all (saturated: nothing to attribute)
        "worlds_all_zero": int(np.sum(np.all(vals == 0, axis=1))),
    }


def clarity_worlds(
    scenario: Any,
    n: int,
    declare: Mapping[str, str],
    reps: int = 200,
    seed: int = 0,
    sampling: str = "lhs",
    roles: Mapping[str, str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    progress: Progress = None,
    workers: Workers = None,
    **kw: Any,
) -> dict[str, Any]:
    """Return the value of clarity (declared minus prior, per quantity) across worlds."""
    if not declare:
        raise UserError(
            "value of clarity needs a declaration",
            key="--declare",
            expected="ALLY=RUNG",
            found="none",
        )
    _, res = per_world(
        deter,
        scenario,
        n,
        seed,
        sampling,
        roles,
        sets,
        progress,
        workers=workers,
        declare=declare,
        reps=reps,
        **kw,
    )
    frames = [f for f in (r.value_of_clarity() for r in res) if f is not None]
    if len(frames) != len(res):  # pragma: no cover - deter keeps a given declaration
        raise UserError("value of clarity needs a declaration", key="--declare")
    out: dict[str, Any] = {"worlds": len(res), "quantities": {}}
    for q in frames[0].index:
        d = np.array([float(f.loc[q, "delta"]) for f in frames])
        se = np.array([float(f.loc[q, "se"]) for f in frames])
        gains = np.array([bool(f.loc[q, "defence_gains"]) for f in frames])
        out["quantities"][q] = {**band(d, se), "p_defence_gains": float(gains.mean())}
    return out


def invest_worlds(
    scenario: Any,
    n: int,
    reps: int = 200,
    seed: int = 0,
    sampling: str = "lhs",
    roles: Mapping[str, str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    progress: Progress = None,
    workers: Workers = None,
    top: int = 3,
    level: float = 0.8,
    **kw: Any,
) -> dict[str, Any]:
    """Investment rankings across worlds: rank stability, and robust beside expected-value choices.

    The value of an option in a world is its gain per US$ billion (gain in the defence's
    favour). ``top``: rank-stability cut; ``level``: satisficing level (share of the best).
    """
    _, res = per_world(
        invest, scenario, n, seed, sampling, roles, sets, progress, workers=workers, reps=reps, **kw
    )
    options = [o for o in res[0].ranking.index if all(o in r.ranking.index for r in res)]
    if not options:
        return {"worlds": len(res), "options": {}, "choices": {}, "note": "no option ranked"}
    v = np.array([[float(r.ranking.loc[o, "gain_per_usd_bn"]) for o in options] for r in res])
    v = np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)
    # Monte Carlo error of gain per US$ bn: the paired se of the change over the cost in bn
    se = np.array(
        [
            [
                float(r.ranking.loc[o, "se"]) / (float(r.ranking.loc[o, "cost_usd"]) / 1e9)
                for o in options
            ]
            for r in res
        ]
    )
    se = np.nan_to_num(se, nan=0.0, posinf=0.0, neginf=0.0)
    ev, mr = robust.expected_value(v), robust.max_regret(v)
    topk, sat = robust.top_k_share(v, top), robust.satisficing_share(v, level)
    return {
        "worlds": len(res),
        "metric": res[0].metric,
        "value": "gain_per_usd_bn",
        "top": top,
        "satisficing_level": level,
        "options": {
            o: {
                **band(v[:, j], se[:, j]),
                "p_top": float(topk[j]),
                "p_best": float(robust.best_share(v)[j]),
                "max_regret": float(mr[j]),
                "satisficing_share": float(sat[j]),
                "expected_value": float(ev[j]),
            }
            for j, o in enumerate(options)
        },
        "choices": robust.choices(v, options, level),
    }


def _validate_world(task: tuple[list[Any], dict[str, Any], int, int]) -> list[bool]:
    """Run one world's validation cases; whether each is reproduced."""
    chosen, world, reps, seed = task
    runs: dict[tuple[Any, ...], Any] = {}
    out = []
    for c in chosen:
        key = c.run_key()
        if key not in runs:
            sets = {**{k: v for k, v in world.items() if k not in c.sets}, **c.sets}
            sc = load_scenario(c.scenario, c.roles, sets)
            runs[key] = (sc, simulate(sc, reps, seed, days=c.days))
        sc, traj = runs[key]
        out.append(bool(evaluate_case(c, traj, sc).within))
    return out


def validate_worlds(
    n: int,
    reps: int = 200,
    seed: int = 0,
    sampling: str = "lhs",
    cases: Sequence[str] | None = None,
    path: str | Path | None = None,
    progress: Progress = None,
    workers: Workers = None,
) -> dict[str, Any]:
    """Share of worlds in which each published result is reproduced (within its tolerance).

    Worlds are drawn over the epistemic parameters of the first case's scenario; a case's
    own settings (its knob, e.g. ``prc_lift_scale = 0.7``) override the world's value.
    """
    chosen = select_cases(load_cases(path), cases)
    base = load_scenario(chosen[0].scenario)
    worlds = draw_worlds(base, n, seed, sampling)
    tasks = [(chosen, world, reps, seed) for world in worlds]
    hits = np.array(map_worlds(_validate_world, tasks, workers, progress), dtype=bool)
    share = hits.mean(axis=0)
    return {
        "worlds": n,
        "reps": reps,
        "cases": {
            c.id: {
                "quantity": c.quantity,
                "share_reproduced": float(share[j]),
                "calibrated": bool(c.calibrated),
            }
            for j, c in enumerate(chosen)
        },
    }
