"""The balance over time: each year's forces and each ally's spending path, 2026-2035.

For each year, the scenario is run with that year's forces (the force paths of
``paths.toml`` as ``--set`` overrides, so a year equals a plain run with those overrides)
plus whatever each ally's spending path has bought and put in force by then (investment
options applied as ``invest`` applies them). Every year and path combination runs the same
replication seeds (common random numbers), so differences between years and paths measure
the forces, not the dice. With ``worlds`` the epistemic parameters are sampled (as in
``straitsim worlds``) together with one pace of growth per world for the force paths'
ranges, and every headline output becomes a band across worlds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.economics import load_economics
from straitsim.analysis.investment_options import OptionSet, apply_options, load_options
from straitsim.analysis.metrics import METRICS, higher_is_better
from straitsim.analysis.outlook_paths import (
    PathSet,
    Purchase,
    SpendingPath,
    gdp_usd_bn,
    load_paths,
    load_user_paths,
    parse_years,
    purchases,
    spending_path,
)
from straitsim.analysis.outlook_result import OutlookResult, combo_name
from straitsim.analysis.roles import role_analysis
from straitsim.analysis.summary import Z95
from straitsim.analysis.worlds import (
    apply_world,
    band,
    check_threshold,
    draw_worlds,
    fixed_by_sets,
    unit_sample,
)
from straitsim.errors import UserError
from straitsim.limits import check_number, check_reps, check_seed
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.overrides import parse_assignment
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    pass

# Headline outputs per year: name -> metric of analysis/metrics.py (mean over replications).
OUTPUTS: dict[str, str] = {
    "p_prc_success": "prc_success",
    "p_defence_prevails": "defence_prevails",
    "prc_battalions_landed": "prc_battalions_landed",
    "coalition_aircraft_lost": "coalition_aircraft_lost",
    "coalition_ships_lost": "coalition_ships_lost",
    "coalition_killed": "coalition_killed",
}
LOSSES = ("aircraft", "ships", "personnel_killed")
RULES = ("marginal", "gdp")
MAX_COMBOS = 16


def parse_paths(
    items: Iterable[str] | Mapping[str, str | Sequence[str]] | None,
) -> dict[str, list[str]]:
    """``["JPN=plan", "JPN=3.5pct"]`` or ``{"JPN": ["plan", "3.5pct"]}`` -> ``{ally: [names]}``."""
    out: dict[str, list[str]] = {}
    if items is None:
        return out
    if isinstance(items, str):
        raise UserError("bad paths", key="path", expected="a list of ALLY=PATH", found=items)
    pairs = (
        [(a, n) for a, ns in items.items() for n in ([ns] if isinstance(ns, str) else ns)]
        if isinstance(items, Mapping)
        else [parse_assignment(i, "--path") for i in items]
    )
    for a, n in pairs:
        names = out.setdefault(a.upper(), [])
        if n not in names:
            names.append(n)
    return out


def year_scenario(
    scenario: str | Path,
    year: int,
    forces: PathSet | None = None,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    pace: float | None = None,
) -> Scenario:
    """Return the scenario with ``year``'s forces as ``--set`` overrides (user ``sets`` last)."""
    fp = forces or load_paths()
    return load_scenario(scenario, roles, set_strings(fp.sets(year, pace)) + set_strings(sets))


def outlook(
    scenario: str | Path,
    years: str | Sequence[int] = "2026:2035",
    paths: Iterable[str] | Mapping[str, str | Sequence[str]] | None = None,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    reps: int = 200,
    seed: int = 0,
    worlds: int = 0,
    threshold: float = 0.5,
    measure: str = "p_prc_success",
    rule: str = "marginal",
    allies: Sequence[str] = (),
    contrib_reps: int = 50,
    user_paths: str | Path | None = None,
    forces: str | Path | PathSet | None = None,
    options: str | Path | OptionSet | None = None,
    days: int | None = None,
    workers: int | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> OutlookResult:
    """Run the balance year by year under each combination of the allies' spending paths.

    Parameters
    ----------
    scenario
        Built-in name or TOML path (years are overrides on it).
    years
        ``"2026:2035"``, ``"2027,2030"`` or a list; within 2026-2035.
    paths
        ``["JPN=plan", "JPN=3.5pct", "AUS=3pct"]``: every combination of the allies' paths
        is compared (at most 16); allies not named follow their plan.
    roles, sets, days
        As for :func:`straitsim.run`; ``sets`` win over the year's forces.
    reps, seed
        Replications per year and combination (per world with ``worlds``), and the seed.
    worlds
        Number of sampled worlds (0: none; the central projection).
    threshold, measure
        Which combinations keep ``measure`` (an output of :data:`OUTPUTS`) below
        ``threshold`` in every year.
    rule
        ``marginal``: the cheapest combination in total extra US$; ``gdp``: the one asking
        the smallest extra share of GDP of its most burdened ally.
    allies, contrib_reps
        Allies whose Shapley contribution is computed each year (a role lattice per year and
        combination, ``contrib_reps`` replications each, on the central projection); none by
        default.
    user_paths, forces, options
        A TOML file of user spending paths; another force-paths file; another options file.
    workers, progress
        As for :func:`straitsim.run`; ``progress`` is called with 1 after each year, combination
        and world (identical scenarios are simulated once).

    Returns
    -------
    OutlookResult
    """
    import pandas as pd

    yrs = parse_years(years)
    reps, seed = check_reps(reps), check_seed(seed)
    if reps < 2:
        raise UserError("too few replications", key="reps", expected="at least 2", found=str(reps))
    contrib_reps = check_reps(contrib_reps, "contrib-reps")
    threshold = check_threshold(threshold)
    n_worlds = check_number(worlds, "worlds", 0, 1000, integer=True)
    if measure not in OUTPUTS:
        raise UserError(
            "unknown measure", key="measure", expected=", ".join(OUTPUTS), found=measure
        )
    if rule not in RULES:
        raise UserError("unknown rule", key="rule", expected=", ".join(RULES), found=repr(rule))
    fp = forces if isinstance(forces, PathSet) else load_paths(forces)
    opts = options if isinstance(options, OptionSet) else load_options(options)
    user = load_user_paths(user_paths) if user_paths is not None else None
    econ = load_economics()
    wanted = parse_paths(paths)
    contrib = [a.upper() for a in allies]
    base = year_scenario(scenario, yrs[0], fp, roles, sets)
    burden_allies = list(dict.fromkeys([*wanted, *contrib])) or list(base.headline_allies())
    for a in contrib:
        if a not in base.actors or not base.actors[a].rungs:
            raise UserError(
                "unknown ally", key="allies", expected="an ally with a role ladder", found=repr(a)
            )
    # resolve every path first, so a bad name fails before any simulation
    sp: dict[tuple[str, str], SpendingPath] = {}
    for a in burden_allies:
        for n in ["plan", *wanted.get(a, [])]:
            sp[(a, n)] = spending_path(a, n, econ, user)
    gdp = {a: gdp_usd_bn(a, econ) for a in burden_allies}
    keys = [f.key for f in fp.forces.values()]
    bought = {
        k: purchases(s, sp[(k[0], "plan")], opts, gdp[k[0]], yrs, keys) for k, s in sp.items()
    }
    combos: list[dict[str, str]] = [
        dict(zip(wanted, c, strict=True)) for c in itertools.product(*wanted.values())
    ]
    if len(combos) > MAX_COMBOS:
        raise UserError(
            "too many path combinations", key="path",
            expected=f"at most {MAX_COMBOS} combinations", found=str(len(combos)),
        )  # fmt: skip
    fixed = fixed_by_sets(set_strings(fp.sets(yrs[0])) + set_strings(sets))
    wlist: list[dict[str, Any] | None] = [None]
    paces: list[float | None] = [None]
    if n_worlds:
        wlist = list(draw_worlds(base, n_worlds, seed, "lhs", fixed))
        paces = [float(u) for u in unit_sample(n_worlds, 1, seed + 1, "lhs")[:, 0]]
    cache: dict[tuple[int, tuple[str, ...], int], dict[str, Any]] = {}

    def evaluate(year: int, ids: tuple[str, ...], w: int) -> dict[str, Any]:
        key = (year, ids, w)
        if key not in cache:
            sc = year_scenario(scenario, year, fp, roles, sets, paces[w])
            if wlist[w] is not None:
                sc = apply_world(sc, wlist[w])  # type: ignore[arg-type]
            if ids:
                sc = apply_options(sc, [opts.options[i] for i in ids], opts.sources, opts.path)
            t = simulate(sc, reps, seed, None, days, workers=workers)
            out: dict[str, Any] = {"scenario": sc}
            for name, m in OUTPUTS.items():
                x = np.asarray(METRICS[m][0](t), dtype=float)[0]
                out[name] = (float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))))
            for a in burden_allies:
                for m in LOSSES:
                    la = t.losses.get(a, {}).get(m)
                    out[f"{a}.{m}"] = float(np.mean(la[0])) if la is not None else 0.0
            cache[key] = out
        if progress is not None:
            progress(1)
        return cache[key]

    def central(year: int, ids: tuple[str, ...]) -> Scenario:
        sc = year_scenario(scenario, year, fp, roles, sets)
        return (
            apply_options(sc, [opts.options[i] for i in ids], opts.sources, opts.path)
            if ids
            else sc
        )

    def in_force(combo: Mapping[str, str], year: int) -> tuple[str, ...]:
        return tuple(
            p.option for a in burden_allies for p in bought[(a, combo.get(a, "plan"))]
            if p.in_force_year <= year
        )  # fmt: skip

    head, burden_rows, contrib_rows = [], [], []
    share: dict[tuple[str, int], float] = {}  # share of worlds with the measure >= threshold
    for combo in combos:
        for y in yrs:
            ids = in_force(combo, y)
            res = [evaluate(y, ids, w) for w in range(len(wlist))]
            for name in OUTPUTS:
                v = np.array([r[name][0] for r in res])
                se = np.array([r[name][1] for r in res])
                row = {"combo": combo_name(combo), "year": y, "output": name}
                if name == measure:
                    share[(combo_name(combo), y)] = float(np.mean(v >= threshold))
                if n_worlds:
                    b = band(v, se)
                    row.update(value=b["median"], lo=b["p05"], hi=b["p95"], se=b["mc_se"])
                else:
                    lo, hi = v[0] - Z95 * se[0], v[0] + Z95 * se[0]
                    if name.startswith("p_"):
                        lo, hi = max(0.0, lo), min(1.0, hi)
                    row.update(value=v[0], lo=lo, hi=hi, se=se[0])
                head.append(row)
            shap: dict[str, tuple[float, float]] = {}
            if contrib:
                m = OUTPUTS[measure]
                sc_c = res[0]["scenario"] if not n_worlds else central(y, ids)
                ra = role_analysis(sc_c, contrib, contrib_reps, seed, m, days=days)
                sign = 1.0 if higher_is_better(m) else -1.0
                for a, r in ra.shapley_frame().iterrows():
                    shap[str(a)] = (sign * float(r["shapley"]) + 0.0, float(r["se"]))
                    contrib_rows.append(
                        {"combo": combo_name(combo), "year": y, "ally": a,
                         "contribution": shap[str(a)][0], "se": shap[str(a)][1]}
                    )  # fmt: skip
            for a in burden_allies:
                s, plan = sp[(a, combo.get(a, "plan"))], sp[(a, "plan")]
                spend = s.pct(y) / 100 * gdp[a]
                c = shap.get(a, (float("nan"), 0.0))[0]
                burden_rows.append(
                    {"combo": combo_name(combo), "year": y, "ally": a, "path": s.name,
                     "pct_gdp": s.pct(y), "spending_usd_bn": spend,
                     "extra_usd_bn": (s.pct(y) - plan.pct(y)) / 100 * gdp[a],
                     **{f"{m}_lost": float(np.mean([r[f"{a}.{m}"] for r in res])) for m in LOSSES},
                     "contribution": c, "contribution_per_usd_bn": c / spend if spend else c}
                )  # fmt: skip
    headlines = pd.DataFrame(head)
    burden = pd.DataFrame(burden_rows)
    comp = []
    for combo in combos:
        n = combo_name(combo)
        h = headlines[(headlines["combo"] == n) & (headlines["output"] == measure)]
        # extra money over every year of the span (also those not shown), as purchases count it
        span = range(yrs[0], yrs[-1] + 1)
        extra = {
            a: sum(sp[(a, combo.get(a, "plan"))].pct(y) - sp[(a, "plan")].pct(y) for y in span)
            / 100 * gdp[a]
            for a in burden_allies
        }  # fmt: skip
        comp.append(
            {"combo": n, "max_measure": float(h["value"].max()),
             "worst_year": int(h.loc[h["value"].idxmax(), "year"]),
             "keeps_below": bool((h["value"] < threshold).all()),
             "window": ",".join(str(int(y)) for y in h.loc[h["value"] >= threshold, "year"]),
             "max_share_worlds_above": max(share[(n, y)] for y in yrs),
             "total_extra_usd_bn": float(sum(extra.values())),
             "bought_usd_bn": sum(
                 p.cost_usd for a in burden_allies for p in bought[(a, combo.get(a, "plan"))]
                 if p.funded_year <= yrs[-1]
             ) / 1e9,
             "max_extra_pct_gdp": max(100 * e / (len(span) * gdp[a]) for a, e in extra.items())}
        )  # fmt: skip
    spend_rows = [
        {"ally": a, "path": n, "year": y, "pct_gdp": s.pct(y),
         "spending_usd_bn": s.pct(y) / 100 * gdp[a], "gdp_usd_bn": gdp[a], "source": s.source}
        for (a, n), s in sp.items() for y in yrs
    ]  # fmt: skip
    buy_rows = [p.__dict__ for ps in bought.values() for p in ps]
    force_rows = [
        {"year": y, "id": f.id, "side": f.side, "key": f.key, "value": f.at(y),
         "low": f.at(y, 0.0), "high": f.at(y, 1.0), "source": f.source}
        for y in yrs for f in fp.forces.values()
    ]  # fmt: skip
    return OutlookResult(
        scenario=base,
        years=yrs,
        combos=combos,
        measure=measure,
        threshold=threshold,
        rule=rule,
        reps=reps,
        seed=seed,
        worlds=n_worlds,
        roles=profile_roles(base, None),
        overrides=set_strings(sets),
        headlines=headlines,
        comparison=pd.DataFrame(comp).set_index("combo"),
        spending=pd.DataFrame(spend_rows),
        purchases=pd.DataFrame(buy_rows, columns=list(Purchase.__dataclass_fields__)),
        contributions=pd.DataFrame(
            contrib_rows, columns=["combo", "year", "ally", "contribution", "se"]
        ),
        burden=burden,
        forces=pd.DataFrame(force_rows),
        sources=fp.sources,
    )
