"""Scenario discovery: which combinations of assumptions (and roles) lead to an outcome.

Worlds are sampled and run (:mod:`straitsim.analysis.worlds`); each world is marked by
whether the outcome of interest holds in it (e.g. ``p_prc_success>0.5``). The Patient Rule
Induction Method (PRIM; Friedman and Fisher 1999, as implemented by the EMA Workbench) then
peels the input space down to a box of worlds where the outcome is dense: its *coverage*
(share of all outcome worlds inside the box), *density* (share of worlds in the box with the
outcome), the *peeling trajectory* (coverage against density as the box shrinks) and the
restricted dimensions with their limits. Feature scores (extra-trees importances, EMA
Workbench) rank every input by how much it explains the outcome.

The EMA Workbench is an optional dependency (the ``uncertainty`` extra).
"""

from __future__ import annotations

import re
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import binom

from straitsim.analysis.worlds import HEADLINES, WorldsResult, run_worlds
from straitsim.errors import UserError
from straitsim.runners.execute import Workers

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
}
_OUTCOME = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")


def parse_outcome(text: str) -> tuple[str, str, float]:
    """Parse ``OUTPUT OP VALUE`` (e.g. ``p_prc_success>0.5``); OUTPUT is a headline output."""
    m = _OUTCOME.match(text or "")
    expected = "OUTPUT>VALUE (or >=, <, <=) with OUTPUT one of " + ", ".join(HEADLINES)
    if m is None:
        raise UserError("bad outcome", key="outcome", expected=expected, found=repr(text))
    name, op, raw = m.groups()
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if name not in HEADLINES or not np.isfinite(value):
        raise UserError("bad outcome", key="outcome", expected=expected, found=repr(text))
    return name, op, value


def _ema() -> tuple[Any, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optional-evaluator notices on import
            from ema_workbench.analysis import feature_scoring, prim  # optional dependency
    except ImportError:
        raise UserError(
            "scenario discovery needs the EMA Workbench",
            expected="pip install 'straitsim[uncertainty]'",
            found="ema_workbench not installed",
        ) from None
    return prim, feature_scoring


def inputs_frame(worlds: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Worlds as PRIM inputs: numbers as floats, sampled rungs as categories."""
    import pandas as pd  # optional heavy dependency kept lazy

    x = pd.DataFrame(list(worlds))
    for c in x.columns:
        if x[c].dtype == object:
            x[c] = pd.Categorical(x[c])
    return x


def _limits(x: pd.DataFrame, lims: pd.DataFrame, init: pd.DataFrame) -> list[dict[str, Any]]:
    """Restricted dimensions of a box: numeric [low, high] or the rungs kept."""
    out = []
    for c in x.columns:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        if isinstance(lo, set):
            if set(lo) != set(init[c].iloc[0]):
                out.append({"input": c, "kind": "category", "values": sorted(lo)})
        elif lo > init[c].iloc[0] or hi < init[c].iloc[1]:
            out.append(
                {
                    "input": c,
                    "kind": "range",
                    "low": float(lo),
                    "high": float(hi),
                    "full_low": float(init[c].iloc[0]),
                    "full_high": float(init[c].iloc[1]),
                }
            )
    return out


def prim_box(
    x: pd.DataFrame,
    y: np.ndarray,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Find one PRIM box for a boolean outcome ``y`` over inputs ``x``.

    Returns the chosen box (the point of the peeling trajectory with the highest coverage
    among those with density >= ``threshold``, else the densest) and the trajectory (one row
    per peeling step: coverage, density, mass, restricted dimensions).
    """
    prim, _ = _ema()
    y = np.asarray(y, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    traj.insert(0, "step", np.arange(len(traj)))
    ok = traj[traj["density"] >= threshold]
    if len(ok):
        best = ok.sort_values(["coverage", "res_dim", "step"], ascending=[False, True, True])
        i = int(best["step"].iloc[0])
    else:
        i = int(traj.sort_values(["density", "step"], ascending=[False, True])["step"].iloc[0])
    limits = prune(x, y, _limits(x, box.box_lims[i], p.box_init), threshold)
    limits = with_quasi_p(x, y, limits)
    inside = in_box(x, limits)
    doc: dict[str, Any] = {
        "step": i,
        "coverage": float(y[inside].sum() / max(1, y.sum())),
        "density": float(y[inside].mean()) if inside.any() else 0.0,
        "mass": float(inside.mean()),
        "n_worlds": int(inside.sum()),
        "limits": limits,
        "res_dim": len(limits),
    }
    doc["meets_threshold"] = bool(y[inside].mean() >= threshold) if inside.any() else False
    return doc, traj.reset_index(drop=True)


def in_box(x: pd.DataFrame, limits: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Boolean mask of the worlds inside a box given by its restricted dimensions."""
    m = np.ones(len(x), dtype=bool)
    for lim in limits:
        col = x[lim["input"]]
        if lim["kind"] == "category":
            m &= col.astype(str).isin(lim["values"]).to_numpy()
        else:
            v = col.to_numpy(dtype=float)
            m &= (v >= lim["low"]) & (v <= lim["high"])
    return m


def quasi_p(x: pd.DataFrame, y: np.ndarray, limits: list[dict[str, Any]], j: int) -> float:
    """Quasi-p value of restriction ``j`` (Bryant and Lempert 2010, as in the EMA Workbench).

    The chance of at least the box's count of outcome worlds among its worlds, if they were
    drawn at the density of the box without restriction ``j``: small means the restriction
    carries the box, large means it could be chance.
    """
    inside = in_box(x, limits)
    wider = in_box(x, limits[:j] + limits[j + 1 :])
    p = float(y[wider].mean()) if wider.any() else 0.0
    return float(binom.sf(int(y[inside].sum()) - 1, int(inside.sum()), p))


def with_quasi_p(
    x: pd.DataFrame, y: np.ndarray, limits: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Annotate each restriction with its quasi-p value (``qp``).

    With many inputs and few worlds PRIM also peels along inputs that do not matter: a
    restriction with ``qp`` above 0.05 could be chance (its own row says so; the box keeps
    it because dropping it would take the density below the threshold).
    """
    return [{**lim, "qp": quasi_p(x, y, limits, j)} for j, lim in enumerate(limits)]


def prune(
    x: pd.DataFrame, y: np.ndarray, limits: list[dict[str, Any]], threshold: float
) -> list[dict[str, Any]]:
    """Drop restrictions the box does not need, greedily.

    A restriction is dropped when the box without it still has density >= ``threshold``
    (dropping widens the box, so coverage can only rise): the one whose removal keeps the
    density highest goes first. What is left are the restrictions that carry the box.
    """
    limits = list(limits)
    while limits:
        best, best_d = None, -1.0
        for j in range(len(limits)):
            inside = in_box(x, limits[:j] + limits[j + 1 :])
            d = float(y[inside].mean()) if inside.any() else 0.0
            if d >= threshold and d > best_d:
                best, best_d = j, d
        if best is None:
            break
        limits.pop(best)
    return limits


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores of each input for the boolean outcome, highest first."""
    import pandas as pd  # optional heavy dependency kept lazy

    _, fs = _ema()
    rs = int(np.random.SeedSequence([seed, zlib.crc32(b"straitsim-fs")]).generate_state(1)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = fs.get_ex_feature_scores(x, np.asarray(y, dtype=int), random_state=rs % 2**31)
    s = scores.iloc[:, 0]
    df = pd.DataFrame({"input": [str(k) for k in s.index], "score": s.to_numpy(dtype=float)})
    return df.sort_values(["score", "input"], ascending=[False, True]).reset_index(drop=True)


@dataclass
class DiscoveryResult:
    """A PRIM box, its peeling trajectory and feature scores over a set of worlds."""

    worlds: WorldsResult
    outcome: str
    y: np.ndarray
    box: dict[str, Any] | None
    trajectory: pd.DataFrame | None
    scores: pd.DataFrame | None
    threshold: float
    note: str = ""

    def inputs(self) -> pd.DataFrame:
        """One row per world: its inputs and whether the outcome holds (``outcome``)."""
        x = inputs_frame(self.worlds.worlds)
        x["outcome"] = self.y
        return x

    def limits_frame(self) -> pd.DataFrame:
        """Return the box's restricted dimensions, one row each."""
        import pandas as pd  # optional heavy dependency kept lazy

        return pd.DataFrame(self.box["limits"] if self.box else [])

    def summary(self) -> dict[str, Any]:
        """Build the ``straitsim discover --json`` document."""
        w = self.worlds.summary()
        return {
            **{k: w[k] for k in ("schema_version", "straitsim_version", "scenario", "roles")},
            **{k: w[k] for k in ("overrides", "seed", "reps", "worlds", "method", "params")},
            "outcome": self.outcome,
            "worlds_with_outcome": int(self.y.sum()),
            "prim_threshold": self.threshold,
            "box": self.box,
            "trajectory": [] if self.trajectory is None else self.trajectory.to_dict("records"),
            "feature_scores": [] if self.scores is None else self.scores.to_dict("records"),
            "note": self.note,
        }


def discover(
    scenario: str | Path | Any,
    outcome: str = "p_prc_success>0.5",
    n: int = 200,
    reps: int = 100,
    seed: int = 0,
    method: str = "lhs",
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    roles_as_inputs: Sequence[str] = (),
    params: Sequence[str] | None = None,
    threshold: float = 0.8,
    workers: Workers = None,
    progress: Callable[[int], None] | None = None,
    worlds: WorldsResult | None = None,
    top_inputs: int = 5,
) -> DiscoveryResult:
    """Sample and run worlds (or take ``worlds``), then find where ``outcome`` holds.

    Feature scores rank every input; PRIM peels over the ``top_inputs`` best-scoring ones
    (0: all of them). With dozens of inputs and a few hundred worlds, PRIM over all of them
    also restricts inputs that do not matter; the default 5 keeps the box readable.
    """
    name, op, value = parse_outcome(outcome)
    _ema()  # a clear error now, before any work, if the extra is missing
    if isinstance(top_inputs, bool) or not isinstance(top_inputs, int) or top_inputs < 0:
        raise UserError(
            "bad input count",
            key="top-inputs",
            expected="an integer >= 0 (0: all)",
            found=repr(top_inputs),
        )
    if not 0.0 < float(threshold) <= 1.0:
        raise UserError(
            "bad PRIM threshold",
            key="threshold",
            expected="a density in (0, 1]",
            found=repr(threshold),
        )
    if worlds is None:
        worlds = run_worlds(
            scenario,
            n,
            reps,
            seed,
            method,
            roles=roles,
            sets=sets,
            params=params,
            roles_as_inputs=roles_as_inputs,
            workers=workers,
            progress=progress,
        )
    y = OPS[op](worlds.values(name), value)
    res = DiscoveryResult(worlds, outcome, y, None, None, None, float(threshold))
    if not worlds.params:
        res.note = "no uncertain inputs to discover over"
    elif y.all() or not y.any():
        res.note = f"the outcome holds in {int(y.sum())} of {len(y)} worlds: no box to find"
    else:
        x = inputs_frame(worlds.worlds)
        res.scores = feature_scores(x, y, seed)
        if top_inputs:
            x = x[list(res.scores["input"][:top_inputs])]
        res.box, res.trajectory = prim_box(x, y, threshold)
        if not res.box["limits"]:
            res.box = None
            res.note = (
                f"PRIM found no box with density >= {threshold:g}: lower the threshold, add "
                "worlds, or peel over fewer inputs (top_inputs)"
            )
    return res
