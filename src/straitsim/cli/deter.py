"""``straitsim deter``: what Beijing would expect given its beliefs; the value of clarity."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis import deterrence as dt
from straitsim.cli import world_bands
from straitsim.cli.app import app, console, print_json, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.cli.run import JsonOpt, RepsOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.cli.world_bands import WorldsBandOpt
from straitsim.errors import UserError
from straitsim.fsio import atomic_dir
from straitsim.limits import check_number, check_share
from straitsim.report.deterrence_plots import save_figures
from straitsim.scenario.load import load_scenario, parse_assignment, set_strings

PROBABILITY_LIKE = {"prc_victory", "prc_success", "defence_prevails", "prc_amphibious_sunk_share"}
SHORT = {
    "prc_victory": "P(PRC victory)",
    "prc_success": "P(PRC success)",
    "defence_prevails": "P(defence prevails)",
    "prc_ships_sunk": "PRC ships sunk",
    "prc_amphibious_sunk_share": "amphibious fleet sunk",
    "prc_aircraft_lost": "PRC aircraft lost",
    "prc_battalions_landed": "PRC battalions landed",
    "prc_killed": "PRC personnel killed",
}


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        k, v = parse_assignment(item, flag)
        if k.upper() in out:
            raise UserError(
                f"{flag} given twice for one ally",
                key=flag,
                expected="each ally once",
                found=repr(k),
            )
        out[k.upper()] = v
    return out


def _costs(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        k, v = parse_assignment(item, "--loss-cost")
        try:
            out[k] = float(v)
        except ValueError:
            raise UserError(
                "bad cost", key=f"--loss-cost {k}", expected="a number", found=repr(v)
            ) from None
        try:
            dt.describe_quantity(k)
        except UserError as exc:
            raise UserError(
                exc.detail, key=f"--loss-cost {k}", expected=exc.expected, found=exc.found
            ) from None
    return out


def build_belief(sc: Any, beliefs: list[str] | None, beliefs_file: Path | None) -> dt.Belief:
    """Combine ``--belief`` values (independent per ally) and a ``--beliefs`` TOML file."""
    belief = dt.Belief((), {(): 1.0})
    if beliefs_file is not None:
        belief = dt.load_beliefs(beliefs_file, sc)
    for text in beliefs or []:
        ally, probs = dt.parse_belief(text)
        one = dt.Belief.independent({ally: probs}).check(sc, key=f"--belief {ally}")
        belief = belief.product(one)
    return belief


@app.command()
@user_errors
def deter(
    scenario: ScenarioArg,
    belief: Annotated[
        list[str] | None,
        typer.Option(
            "--belief",
            help="ALLY=RUNG:P,RUNG:P,... Beijing's belief over one ally's rungs "
            "(repeatable; allies not given keep the scenario's rung).",
        ),
    ] = None,
    beliefs: Annotated[
        Path | None,
        typer.Option(
            "--beliefs", help="TOML file with a joint belief table (format in docs/deterrence.md)."
        ),
    ] = None,
    declare: Annotated[
        list[str] | None, typer.Option("--declare", help="ALLY=RUNG: a declared role (repeatable).")
    ] = None,
    credibility: Annotated[
        list[float] | None,
        typer.Option(
            "--credibility",
            min=0.0,
            max=1.0,
            help="How far Beijing believes the declaration, 0-1: one "
            "value for the whole declaration, or one per --declare (same order). Default 1.",
        ),
    ] = None,
    reps: RepsOpt = 1000,
    seed: SeedOpt = 0,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=365, help="Horizon in days.")
    ] = None,
    role: RoleOpt = None,
    set_: SetOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Map where deterrence holds: Beijing attacks only if the perceived "
            "quantity (--metric) is at least this level.",
        ),
    ] = None,
    map_: Annotated[
        str,
        typer.Option(
            "--map", help="Allies for the curves, e.g. JPN,AUS (one or two with --threshold)."
        ),
    ] = "JPN,AUS",
    fight: Annotated[
        list[str] | None,
        typer.Option(
            "--fight", help="ALLY=RUNG: the fighting rung in the map (default: the top rung)."
        ),
    ] = None,
    stay: Annotated[
        list[str] | None,
        typer.Option(
            "--stay", help="ALLY=RUNG: the staying-out rung in the map (default: the lowest)."
        ),
    ] = None,
    metric: Annotated[
        str,
        typer.Option("--metric", help="Quantity for the threshold: prc_success or prc_victory."),
    ] = "prc_success",
    grid: Annotated[int, typer.Option("--grid", min=2, max=201, help="Grid points per axis.")] = 21,
    gain: Annotated[
        float | None,
        typer.Option("--gain", help="Decision model: Beijing's utility of a successful campaign."),
    ] = None,
    failure_cost: Annotated[
        float | None,
        typer.Option("--failure-cost", help="Decision model: Beijing's cost of a failed campaign."),
    ] = None,
    loss_cost: Annotated[
        list[str] | None,
        typer.Option(
            "--loss-cost",
            help="Decision model: QUANTITY=COST per unit, e.g. prc_ships_sunk=0.002 (repeatable).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for deterrence.json and the PNG figures."),
    ] = None,
    json_: JsonOpt = False,
    n_worlds: WorldsBandOpt = 0,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Show what Beijing would expect given its beliefs, and what a clear declaration is worth."""
    if threshold is not None:
        check_share(threshold, "--threshold")
    if gain is not None:  # utility units: positive, bounded so sums stay finite
        check_number(gain, "--gain", 0.0, 1e12, positive=True)
    if failure_cost is not None:
        check_number(failure_cost, "--failure-cost", 0.0, 1e12)
    sc = load_scenario(scenario, role or [], set_ or [])
    prior = build_belief(sc, belief, beliefs)
    declared = _pairs(declare, "--declare")
    creds = list(credibility or [1.0])
    if n_worlds:  # the value of clarity as a band across sampled worlds
        kw0 = dict(belief=prior, declare=declared, credibility=creds, days=days)
        kw0["workers"] = workers
        with use_workers(workers, device):
            return world_bands.clarity(scenario, n_worlds, reps, seed, json_, role, set_, **kw0)
    if credibility and not declared:
        raise UserError(
            "--credibility without --declare",
            key="--credibility",
            expected="a --declare ALLY=RUNG",
            found="none",
        )
    valuation = None
    if gain is not None or failure_cost is not None or loss_cost:
        if gain is None or failure_cost is None:
            raise UserError(
                "incomplete decision model",
                key="--gain/--failure-cost",
                expected="both --gain and --failure-cost",
                found="only one",
            )
        valuation = dt.Valuation(gain, failure_cost, _costs(loss_cost), "prc_success")
    mapped = [a.strip().upper() for a in map_.split(",") if a.strip()]
    want_map = threshold is not None or out is not None
    f: dict[str, str] = {}
    s: dict[str, str] = {}
    if want_map:  # check the map before simulating
        dt.check_map_allies(mapped, 2 if threshold is not None else max(1, len(mapped)))
        f, s = dt.map_rungs(sc, mapped, _pairs(fight, "--fight"), _pairs(stay, "--stay"))
    bar, advance = progress_bar(reps, quiet=json_ or quiet)
    kw: dict[str, Any] = {
        "reps": reps,
        "seed": seed,
        "allies": mapped if want_map else [],
        "days": days,
    }
    with use_workers(workers, device), bar or nullcontext():
        res = dt.deter(sc, prior, declared, creds, progress=advance, **kw)
    res.overrides = set_strings(set_ or [])
    doc = res.summary()
    tm = None
    if threshold is not None:
        tm = res.threshold_map(threshold, mapped, f, s, metric, grid)
        doc["threshold"] = tm.to_dict()
    if valuation is not None:
        doc["decision"] = res.decision(valuation)
        doc["decision"]["break_even_p_success"] = valuation.break_even()
    if out is not None:
        files = write_outputs(res, doc, out, mapped, threshold, metric, f, s, valuation, grid)
        doc["files"] = files
    if json_:
        print_json(doc)
        return
    print_deter(doc, tm)
    if out is not None:
        console.print("wrote " + ", ".join(f"{out}/{n}" for n in doc["files"]))


def write_outputs(
    res: dt.DeterrenceResult,
    doc: dict[str, Any],
    out: Path,
    mapped: list[str],
    threshold: float | None,
    metric: str,
    fight: dict[str, str],
    stay: dict[str, str],
    valuation: dt.Valuation | None,
    grid: int,
) -> list[str]:
    """Write deterrence.json and the figures into ``out`` (all or nothing)."""
    with atomic_dir(out) as tmp:
        paths = save_figures(
            res,
            tmp,
            mapped,
            threshold,
            metric if threshold is not None else "prc_success",
            fight,
            stay,
            valuation,
            grid,
        )
        names = ["deterrence.json", *[p.name for p in paths]]
        (tmp / "deterrence.json").write_text(json.dumps({**doc, "files": names}, indent=2) + "\n")
    return names


def _fmt(q: str, x: float) -> str:
    if q in PROBABILITY_LIKE:
        return f"{x:.3f}"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _signed(q: str, x: float) -> str:
    return ("+" if x > 0 else "") + _fmt(q, x) if x != 0 else _fmt(q, 0.0)


def _est(q: str, e: dict[str, float]) -> str:
    return f"{_fmt(q, e['value'])} ({_fmt(q, e['lo'])}-{_fmt(q, e['hi'])})"


def _marginals(b: dict[str, Any] | None, ally: str, rungs: list[str]) -> str:
    if b is None:
        return ""
    m = b["marginals"][ally]
    return ", ".join(f"{r} {m[r]:.2f}" for r in rungs if r in m)


def print_deter(doc: dict[str, Any], tm: dt.ThresholdMap | None) -> None:
    """Rich tables for a deterrence summary."""
    sc, lat, bel = doc["scenario"], doc["lattice"], doc["belief"]
    console.print(
        f"[bold]{sc['title']}[/] ({sc['name']}, {doc['reps']} replications, seed {doc['seed']})"
    )
    if doc["overrides"]:
        console.print("overrides: " + ", ".join(doc["overrides"]))
    console.print(
        f"role lattice: {', '.join(lat['allies'])} ({lat['n_profiles']} profiles, "
        "one batched run with common random numbers)"
    )
    decl = bel["declaration"]
    bt = Table(
        title="Beijing's belief (marginals; the JSON has the joint table)", title_justify="left"
    )
    bt.add_column("ally")
    bt.add_column("prior")
    if decl:
        creds = ", ".join(f"{c:g}" for c in decl["credibility"])
        roles = ", ".join(f"{a}={r}" for a, r in decl["roles"].items())
        bt.add_column(f"after declaring {roles} (credibility {creds})")
    for a in bel["prior"]["allies"]:
        cells = [a, _marginals(bel["prior"], a, lat["rungs"][a])]
        if decl:
            cells.append(_marginals(bel["declared"], a, lat["rungs"][a]))
        bt.add_row(*cells)
    console.print(bt)
    perc, prior, voc = doc["perceived"], doc["perceived_prior"], doc["value_of_clarity"]
    pt = Table(title="What Beijing would expect (mean and 95% interval)", title_justify="left")
    pt.add_column("quantity")
    pt.add_column("prior" if decl else "perceived", justify="right")
    if decl:
        pt.add_column("declared", justify="right")
        pt.add_column("value of clarity", justify="right")
    for q in perc:
        p0 = prior[q] if decl else perc[q]
        cells = [SHORT.get(q, q), _est(q, p0)]
        if decl:
            v = voc[q]
            colour = "green" if v["defence_gains"] else "red" if v["delta"] != 0 else "default"
            change = f"{_signed(q, v['delta'])} ({_signed(q, v['lo'])}, {_signed(q, v['hi'])})"
            cells += [_est(q, perc[q]), f"[{colour}]{change}[/]"]
        pt.add_row(*cells)
    console.print(pt)
    if decl:
        console.print(
            "value of clarity = declared - prior, paired over replications; "
            "[green]green[/]: better for the defence"
        )
    if tm is not None:
        _print_threshold(tm, doc)
    if "decision" in doc:
        d = doc["decision"]
        dtab = Table(
            title="Decision model (an analyst's valuation, not a prediction)", title_justify="left"
        )
        for c in ("belief", "expected utility of attacking (95%)", "decision"):
            dtab.add_column(c)
        for name in ("prior", "declared"):
            if name in d:
                e = d[name]["expected_utility"]
                clear = "" if d[name]["clear"] else " (interval spans 0)"
                dtab.add_row(
                    name,
                    f"{e['value']:.3f} ({e['lo']:.3f} to {e['hi']:.3f})",
                    d[name]["decision"] + clear,
                )
        console.print(dtab)
        console.print(
            f"without loss costs Beijing attacks when P(success) > {d['break_even_p_success']:.3f}"
        )


def _print_threshold(tm: dt.ThresholdMap, doc: dict[str, Any]) -> None:
    label = tm.quantity.replace("prc_", "P(PRC ").replace("_", " ") + ")"
    head = f"Beijing attacks only if perceived {label} >= {tm.level:g}"
    bnd = tm.boundary()
    last = tm.allies[-1]
    if len(tm.allies) == 1:
        need = float(bnd.iloc[0][f"p_{last}_needed"])
        console.print(
            f"[bold]{head}[/]: deterrence needs P({last} fights) >= "
            + ("(not reachable)" if math.isnan(need) else f"{need:.3f}")
            + f"  [{tm.fight[last]} vs {tm.stay[last]}]"
        )
    else:
        first = tm.allies[0]
        console.print(f"[bold]{head}[/]")
        t = Table()
        t.add_column(f"P({first} fights)", justify="right")
        t.add_column(f"least P({last} fights) for deterrence", justify="right")
        for p in (0.0, 0.25, 0.5, 0.75, 1.0):
            row = bnd.iloc[(bnd[f"p_{first}"] - p).abs().argmin()]
            need = float(row[f"p_{last}_needed"])
            t.add_row(
                f"{row[f'p_{first}']:.2f}", "not reachable" if math.isnan(need) else f"{need:.3f}"
            )
        console.print(t)
        console.print(
            f"fights = {', '.join(f'{a}={r}' for a, r in tm.fight.items())}; stays out = "
            f"{', '.join(f'{a}={r}' for a, r in tm.stay.items())}"
        )
    q = tm.quantity
    for name, key in (("prior", "perceived_prior"), ("after the declaration", "perceived")):
        src = doc.get(key) if doc.get(key) is not None else None
        if key == "perceived_prior" and src is None:
            src, name = doc["perceived"], "Beijing's belief"
        if src is not None and q in src:
            v = src[q]["value"]
            verdict = "[green]deterred[/]" if v < tm.level else "[red]not deterred[/]"
            console.print(f"{name}: perceived {label} {v:.3f} -> {verdict}")
        if name == "Beijing's belief":
            break
