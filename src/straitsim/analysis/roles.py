"""The role lattice: every combination of chosen allies' rungs, in one batched engine call.

All profiles share the random numbers of each replication (common random numbers), so the
difference between two profiles on the same replication measures the roles, not the dice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis import shapley as sh
from straitsim.analysis.metrics import describe_metric, higher_is_better
from straitsim.analysis.metrics import metric as get_metric
from straitsim.analysis.shapley import ShapleyEstimate
from straitsim.analysis.summary import document_header
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.load import load_scenario
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MAX_PROFILES = 4096


def ladders(sc: Scenario, allies: Sequence[str]) -> dict[str, list[str]]:
    """Rungs of each chosen ally, lowest first."""
    out = {}
    for a in allies:
        code = a.strip().upper()
        actor = sc.actors.get(code)
        if actor is None or len(actor.rungs) < 2:
            choices = [c for c, x in sc.actors.items() if len(x.rungs) > 1]
            raise UserError(
                "unknown ally",
                key="allies",
                expected="some of " + ", ".join(choices),
                found=repr(a),
            )
        out[code] = list(actor.rungs)
    return out


def enumerate_profiles(sc: Scenario, allies: Sequence[str]) -> list[dict[str, str]]:
    """Every combination of the allies' rungs; other actors keep the scenario's roles."""
    lad = ladders(sc, allies)
    n = int(np.prod([len(r) for r in lad.values()])) if lad else 1
    if n > MAX_PROFILES:
        raise UserError(
            "role lattice too large",
            key="allies",
            expected=f"at most {MAX_PROFILES} profiles",
            found=str(n),
        )
    base = profile_roles(sc, None)
    profiles = []
    for combo in itertools.product(*lad.values()):
        prof = dict(base)
        prof.update(dict(zip(lad, combo, strict=True)))
        profiles.append(prof)
    return profiles


@dataclass
class Lattice:
    """Per-profile, per-replication metric values for a role lattice.

    ``values[i, r]`` is the metric for ``profiles[i]`` on replication ``r``; ``trajectory`` keeps
    everything else (outcomes, losses) for other metrics without re-simulating.
    """

    allies: tuple[str, ...]
    rungs: dict[str, list[str]]
    profiles: list[dict[str, str]]
    trajectory: Trajectory
    metric: str
    values: np.ndarray

    def index(self, roles: Mapping[str, str]) -> int:
        """Row of the profile whose chosen allies hold ``roles`` (others as in the scenario)."""
        for i, p in enumerate(self.profiles):
            if all(p[a] == roles[a] for a in self.allies if a in roles):
                if all(a in roles for a in self.allies):
                    return i
        raise KeyError(dict(roles))

    def mean(self) -> np.ndarray:
        """Mean metric per profile."""
        out: np.ndarray = self.values.mean(axis=1)
        return out

    def with_metric(self, name: str) -> Lattice:
        """Evaluate the same lattice on another metric (no new simulation)."""
        values = get_metric(name)(self.trajectory)
        return Lattice(self.allies, self.rungs, self.profiles, self.trajectory, name, values)


def evaluate_lattice(
    sc: Scenario,
    allies: Sequence[str],
    reps: int,
    seed: int,
    metric: str = "defence_prevails",
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Lattice:
    """Evaluate every role profile of ``allies`` in one batched call with common random numbers."""
    fn = get_metric(metric)
    profiles = enumerate_profiles(sc, allies)
    traj = simulate(sc, reps, seed, profiles, days, chunk_size, progress)
    lad = ladders(sc, allies)
    return Lattice(tuple(lad), lad, profiles, traj, metric, fn(traj))


# --- Attribution over the lattice: players, coalitions, marginal steps, Shapley values ----

SAMPLED_ABOVE_PLAYERS = 10


def player_rungs(
    sc: Scenario, allies: Sequence[str], to: str = "scenario"
) -> dict[str, tuple[str, str]]:
    """Each player's move: ``(from_rung, to_rung)``.

    A player is an ally moving from the lowest rung of its ladder (``neutral``) to its rung in
    the scenario (``to="scenario"``) or to the top of its ladder (``to="top"``).
    """
    if to not in ("scenario", "top"):
        raise UserError("bad target rung", key="to", expected="scenario or top", found=repr(to))
    lad = ladders(sc, allies)
    base = profile_roles(sc, None)
    return {a: (r[0], r[-1] if to == "top" else base[a]) for a, r in lad.items()}


def coalition_profiles(
    sc: Scenario, moves: Mapping[str, tuple[str, str]], masks: np.ndarray
) -> list[dict[str, str]]:
    """Role profile of each coalition mask: members at their ``to`` rung, the rest at ``from``."""
    base = profile_roles(sc, None)
    players = list(moves)
    out = []
    for m in np.asarray(masks, dtype=bool).reshape(-1, len(players)):
        prof = dict(base)
        prof.update({a: moves[a][1 if m[i] else 0] for i, a in enumerate(players)})
        out.append(prof)
    return out


Step = tuple[str, str, str, dict[str, str], dict[str, str]]


def step_profiles(sc: Scenario, allies: Sequence[str]) -> list[Step]:
    """Each step up each ladder, the other actors at their scenario rungs.

    Returns ``(ally, lower_rung, upper_rung, lower_profile, upper_profile)`` per step.
    """
    base = profile_roles(sc, None)
    out = []
    for a, rungs in ladders(sc, allies).items():
        for lo, hi in itertools.pairwise(rungs):
            out.append((a, lo, hi, {**base, a: lo}, {**base, a: hi}))
    return out


def evaluate_profiles(
    sc: Scenario,
    allies: Sequence[str],
    profiles: Sequence[Mapping[str, str]],
    reps: int,
    seed: int,
    metric: str = "defence_prevails",
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Lattice:
    """Like :func:`evaluate_lattice` for a chosen list of profiles (duplicates evaluated once)."""
    fn = get_metric(metric)
    uniq: list[dict[str, str]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for p in profiles:
        full = profile_roles(sc, p)
        key = tuple(sorted(full.items()))
        if key not in seen:
            seen.add(key)
            uniq.append(full)
    if len(uniq) > MAX_PROFILES:
        raise UserError(
            "too many role profiles",
            key="allies",
            expected=f"at most {MAX_PROFILES}",
            found=str(len(uniq)),
        )
    traj = simulate(sc, reps, seed, uniq, days, chunk_size, progress)
    lad = ladders(sc, allies)
    return Lattice(tuple(lad), lad, uniq, traj, metric, fn(traj))


def marginal_steps(lat: Lattice, sc: Scenario) -> list[dict[str, object]]:
    """Paired value of each step up each ladder (others at scenario rungs), with standard errors."""
    out: list[dict[str, object]] = []
    for a, lo, hi, p_lo, p_hi in step_profiles(sc, lat.allies):
        d = lat.values[lat.index(p_hi)] - lat.values[lat.index(p_lo)]
        out.append({"ally": a, "from": lo, "to": hi, "value": float(d.mean()), "se": _sem(d)})
    return out


def _sem(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0


@dataclass
class RoleAnalysis:
    """A role lattice with the allies' Shapley values and the marginal value of each step.

    ``lattice`` holds every profile evaluated (the full lattice for the exact method; the
    coalitions visited plus the ladder steps for the sampled one), on shared replications.
    """

    scenario: Scenario
    lattice: Lattice
    moves: dict[str, tuple[str, str]]
    to: str
    shapley: ShapleyEstimate
    steps: list[dict[str, object]]
    reps: int
    seed: int

    def to_dict(self) -> dict[str, object]:
        """Build the ``straitsim roles --json`` document (schema in docs/roles.md)."""
        lat = self.lattice
        shares = lat.trajectory.outcome_shares()
        n_prevail = OUTCOMES.index("stalemate_against_prc") + 1
        rows = []
        for i, p in enumerate(lat.profiles):
            v = lat.values[i]
            rows.append(
                {
                    "roles": {a: p[a] for a in lat.allies},
                    "value": float(v.mean()),
                    "se": _sem(v),
                    "outcome": {k: float(shares[i, j]) for j, k in enumerate(OUTCOMES)},
                    "defence_prevails": float(shares[i, :n_prevail].sum()),
                }
            )
        sh = self.shapley
        return {
            **document_header(self.scenario),
            "allies": list(lat.allies),
            "to": self.to,
            "reps": self.reps,
            "seed": self.seed,
            "metric": lat.metric,
            "metric_description": describe_metric(lat.metric),
            "higher_is_better": higher_is_better(lat.metric),
            "method": sh.method,
            "n_permutations": sh.n_permutations,
            "lattice": rows,
            "shapley": {
                a: {
                    "value": float(sh.value[i]),
                    "se": float(sh.se[i]),
                    "from": self.moves[a][0],
                    "to": self.moves[a][1],
                }
                for i, a in enumerate(self.moves)
            },
            "v_all": sh.v_all,
            "v_none": sh.v_none,
            "v_all_minus_none_se": sh.se_all_minus_none,
            "marginal_steps": self.steps,
        }

    def lattice_frame(self) -> pd.DataFrame:
        """One row per profile: the allies' rungs, the metric (mean, se) and outcome shares."""
        import pandas as pd

        rows: list[dict[str, Any]] = self.to_dict()["lattice"]  # type: ignore[assignment]
        recs = [
            {**r["roles"], "value": r["value"], "se": r["se"], **r["outcome"]}
            | {"defence_prevails": r["defence_prevails"]}
            for r in rows
        ]
        return pd.DataFrame(recs)

    def shapley_frame(self) -> pd.DataFrame:
        """One row per ally: from, to, Shapley value and its standard error, share of the total."""
        import pandas as pd

        sh = self.shapley
        total = sh.v_all - sh.v_none
        recs = [
            {
                "ally": a,
                "from": self.moves[a][0],
                "to": self.moves[a][1],
                "shapley": float(sh.value[i]),
                "se": float(sh.se[i]),
                "share": float(sh.value[i] / total + 0.0) if total != 0 else float("nan"),
            }
            for i, a in enumerate(self.moves)
        ]
        return pd.DataFrame(recs).set_index("ally")

    def steps_frame(self) -> pd.DataFrame:
        """One row per step up a ladder: ally, from, to, paired value and standard error."""
        import pandas as pd

        return pd.DataFrame(self.steps)


def analyse_roles(
    sc: Scenario,
    allies: Sequence[str],
    reps: int,
    seed: int,
    metric: str = "defence_prevails",
    to: str = "scenario",
    method: str = "auto",
    n_permutations: int = 200,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    full_lattice: bool = True,
) -> RoleAnalysis:
    """Evaluate the role lattice of ``allies`` and attribute the metric among them.

    Parameters
    ----------
    sc : Scenario
        The resolved scenario.
    allies : sequence of str
        Actors with a role ladder (e.g. ``["JPN", "AUS", "PHL"]``).
    reps, seed : int
        Replications and seed; all profiles share each replication's random numbers.
    metric : str
        A name from :data:`straitsim.analysis.metrics.METRICS`.
    to : {"scenario", "top"}
        Each player moves from its lowest rung to its scenario rung, or to its top rung.
    method : {"auto", "exact", "sampled"}
        ``auto`` is exact up to :data:`SAMPLED_ABOVE_PLAYERS` players, sampled above.
        ``exact`` evaluates the full lattice; ``sampled`` evaluates only the coalitions
        visited by ``n_permutations`` random orders (plus the ladder steps).
    n_permutations : int
        Orders drawn by the sampled method (antithetic pairs).
    days, chunk_size, progress
        Passed to the engine.
    full_lattice : bool
        With the exact method, evaluate every rung combination (True) or only the ``2**n``
        coalitions and the ladder steps (False; what attribution alone needs).

    Returns
    -------
    RoleAnalysis
        Lattice, Shapley estimate (per-replication values, paired standard errors) and steps.
    """
    get_metric(metric)
    moves = player_rungs(sc, allies, to)
    n = len(moves)
    if method not in ("auto", "exact", "sampled"):
        raise UserError(
            "bad method", key="method", expected="auto, exact or sampled", found=repr(method)
        )
    if method == "auto":
        method = "sampled" if n > SAMPLED_ABOVE_PLAYERS else "exact"
    steps = step_profiles(sc, list(moves))
    step_profs = [p for s in steps for p in (s[3], s[4])]
    if method == "exact":
        sh._check_n(n)
        coalitions = coalition_profiles(sc, moves, sh.coalition_masks(n))
        if full_lattice:
            lat = evaluate_lattice(sc, list(moves), reps, seed, metric, days, chunk_size, progress)
        else:
            profs = coalitions + step_profs
            lat = evaluate_profiles(
                sc, list(moves), profs, reps, seed, metric, days, chunk_size, progress
            )
        table = lat.values[[lat.index(p) for p in coalitions]]
        est = sh.exact_with_se(table)
    else:
        perms = sh.sample_permutations(n, n_permutations, seed)
        masks = sh.permutation_coalitions(perms)
        visited = coalition_profiles(sc, moves, masks)
        lat = evaluate_profiles(
            sc, list(moves), visited + step_profs, reps, seed, metric, days, chunk_size, progress
        )
        vals = lat.values[[lat.index(p) for p in visited]].reshape(masks.shape[0], n + 1, -1)
        est = sh.sampled_from_values(perms, vals)
    return RoleAnalysis(sc, lat, moves, to, est, marginal_steps(lat, sc), reps, seed)


def role_analysis(
    scenario: str | Scenario,
    allies: Sequence[str] | None = None,
    reps: int = 1000,
    seed: int = 0,
    metric: str = "defence_prevails",
    to: str = "scenario",
    roles: Mapping[str, str] | None = None,
    sets: Sequence[str] | Mapping[str, Any] = (),
    method: str = "auto",
    n_permutations: int = 200,
    days: int | None = None,
) -> RoleAnalysis:
    """Load a scenario (name, path or :class:`Scenario`) and run :func:`analyse_roles` on it.

    ``roles`` and ``sets`` override the scenario as in :func:`straitsim.run`; tables come from
    ``.lattice_frame()``, ``.shapley_frame()``, ``.steps_frame()``, the JSON document from
    ``.to_dict()``, and plots from :mod:`straitsim.report.roles_plots`. ``allies=None``
    means the allies the scenario marks ``analysed``.
    """
    sc = load_scenario(scenario, roles, sets)
    if allies is None:
        allies = analysed_allies(sc)
    return analyse_roles(sc, allies, reps, seed, metric, to, method, n_permutations, days)


def analysed_allies(sc: Scenario) -> tuple[str, ...]:
    """Return the allies the scenario's data marks ``analysed``, in the order of its actors."""
    return tuple(code for code, actor in sc.actors.items() if actor.analysed)


def roles_table(
    scenario: str | Scenario, allies: Sequence[str] | None = None, **kw: Any
) -> pd.DataFrame:
    """Return the role lattice, one row per profile (keywords as :func:`role_analysis`)."""
    return role_analysis(scenario, allies, **kw).lattice_frame()


def shapley_values(
    scenario: str | Scenario, allies: Sequence[str] | None = None, **kw: Any
) -> pd.DataFrame:
    """Return the allies' Shapley values and standard errors (keywords: :func:`role_analysis`)."""
    return role_analysis(scenario, allies, **kw).shapley_frame()
