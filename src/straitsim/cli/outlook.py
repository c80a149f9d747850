"""``straitsim outlook``: the balance year by year under the allies' spending paths."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.outlook import OUTPUTS, RULES, OutlookResult, outlook, parse_paths
from straitsim.analysis.outlook_paths import parse_years
from straitsim.cli.app import app, console, emit, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.cli.run import JsonOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.fsio import atomic_dir
from straitsim.report import outlook_plots as op


@app.command(name="outlook")
@user_errors
def outlook_command(
    scenario: ScenarioArg,
    years: Annotated[
        str, typer.Option("--years", help="Years FIRST:LAST or a comma list, within 2026:2035.")
    ] = "2026:2035",
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path",
            help="ALLY=PATH spending path (repeatable; every combination is compared): plan, "
            "flat, 3pct, 3.5pct, 2.5pct@2035, a named path of economics.toml or of --paths-file.",
        ),
    ] = None,
    paths_file: Annotated[
        Path | None,
        typer.Option("--paths-file", help="TOML file of user spending paths [paths.ALLY.NAME]."),
    ] = None,
    role: RoleOpt = None,
    set_: SetOpt = None,
    reps: Annotated[
        int, typer.Option("--reps", "-n", min=2, max=1_000_000, help="Replications per year.")
    ] = 200,
    seed: SeedOpt = 0,
    n_worlds: Annotated[
        int,
        typer.Option("--worlds", min=0, max=1000, help="Sampled worlds for bands (0: none)."),
    ] = 0,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Level the measure must stay below each year.")
    ] = 0.5,
    measure: Annotated[
        str, typer.Option("--measure", help="Measure: " + ", ".join(OUTPUTS) + ".")
    ] = "p_prc_success",
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help="Burden-sharing rule for the cheapest passing combination: "
            + " or ".join(RULES)
            + " (marginal: least total extra US$; gdp: least extra share of GDP asked of "
            "the most burdened ally).",
        ),
    ] = "marginal",
    allies: Annotated[
        str,
        typer.Option(
            "--allies", help="Comma list of allies whose Shapley contribution is computed per year."
        ),
    ] = "",
    contrib_reps: Annotated[
        int, typer.Option("--contrib-reps", min=2, max=100_000, help="Replications per profile.")
    ] = 50,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=365, help="Horizon in days.")
    ] = None,
    json_: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for outlook.json, CSV tables and PNG plots."),
    ] = None,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run each year's forces (force paths as --set overrides) under each spending path.

    A year is a plain run with that year's forces plus what each ally's spending path has
    put in force by then. Prints the headline outputs by year and path combination, which
    combinations keep the measure below --threshold every year, the cheapest under --rule,
    what each path buys, and the burden table by year.
    """
    ally_list = [a.strip() for a in allies.split(",") if a.strip()]
    n_combos = math.prod(len(v) for v in parse_paths(path or []).values())
    n_runs = n_combos * len(parse_years(years)) * max(1, n_worlds)
    bar, advance = progress_bar(n_runs, quiet=json_ or quiet, unit="runs")
    kw: dict[str, Any] = dict(
        years=years, paths=path or [], roles=role or [], sets=set_ or [], reps=reps, seed=seed,
        worlds=n_worlds, threshold=threshold, measure=measure, rule=rule, allies=ally_list,
        contrib_reps=contrib_reps, user_paths=paths_file, days=days, progress=advance,
    )  # fmt: skip
    with use_workers(workers, device), bar or nullcontext():
        res = outlook(scenario, **kw)
    doc = res.summary()
    wrote = f"wrote {out}/outlook.json, CSV tables, balance.png, contributions.png"
    emit(doc, out, json_, lambda d: write_outputs(res, doc, d), lambda: print_outlook(res), wrote)


def write_outputs(res: OutlookResult, doc: dict[str, Any], out: Path) -> None:
    """Write the JSON document, CSV tables and PNG plots into ``out`` (all or nothing)."""
    with atomic_dir(out) as tmp:
        (tmp / "outlook.json").write_text(json.dumps(doc, indent=2) + "\n")
        for name in ("headlines", "spending", "purchases", "contributions", "burden", "forces"):
            getattr(res, name).to_csv(tmp / f"{name}.csv", index=False)
        res.comparison.to_csv(tmp / "comparison.csv")
        op.plot_balance(res, tmp / "balance.png")
        op.plot_contributions(res, tmp / "contributions.png")


def _f(x: Any, fmt: str = ".3g") -> str:
    x = float(x)
    return "-" if not math.isfinite(x) else format(x + 0.0, fmt)


def print_outlook(res: OutlookResult) -> None:
    """Rich tables for ``straitsim outlook``."""
    band = "5-95% across worlds" if res.worlds else "95% interval"
    console.print(
        f"[bold]{res.scenario.title}[/] ({res.scenario.name}); {res.reps} replications per "
        f"year{f' in each of {res.worlds} worlds' if res.worlds else ''}, seed {res.seed}"
    )
    console.print("roles: " + ", ".join(f"{k}={v}" for k, v in res.roles.items()))
    if res.overrides:
        console.print("overrides: " + ", ".join(res.overrides))
    h = res.headlines
    for combo in res.comparison.index:
        t = Table(title=f"{combo}: by year (value, {band})", title_justify="left")
        t.add_column("year", justify="right")
        for o in ("p_prc_success", "prc_battalions_landed", "coalition_aircraft_lost"):
            t.add_column(o.replace("_", " "), justify="right")
        t.add_column("coalition ships lost", justify="right")
        d = h[h["combo"] == combo]
        for y in res.years:
            cells = []
            for o in (
                "p_prc_success", "prc_battalions_landed", "coalition_aircraft_lost",
                "coalition_ships_lost",
            ):  # fmt: skip
                r = d[(d["year"] == y) & (d["output"] == o)].iloc[0]
                cells.append(f"{_f(r['value'])} [dim]({_f(r['lo'])}-{_f(r['hi'])})[/]")
            t.add_row(str(y), *cells)
        console.print(t)
    ct = Table(
        title=f"Path combinations: {res.measure} below {res.threshold:g} every year?",
        title_justify="left",
    )
    cols = ["combination", "worst", "year", "below", "window", "extra $bn", "bought $bn"]
    cols += ["max extra %GDP"]
    cols += ["share of worlds above, max"] if res.worlds else []
    for c in cols:
        ct.add_column(c, justify="left" if c in ("combination", "window") else "right")
    for combo, r in res.comparison.iterrows():
        cells = [
            str(combo), _f(r["max_measure"]), str(r["worst_year"]),
            "yes" if r["keeps_below"] else "[red]no[/]", r["window"] or "-",
            _f(r["total_extra_usd_bn"], ".1f"), _f(r["bought_usd_bn"], ".1f"),
            _f(r["max_extra_pct_gdp"], ".2f"),
        ]  # fmt: skip
        ct.add_row(*cells, *([f"{r['max_share_worlds_above']:.0%}"] if res.worlds else []))
    console.print(ct)
    cheap = res.cheapest
    console.print(
        f"cheapest combination keeping {res.measure} below {res.threshold:g} (rule {res.rule}): "
        + (f"[bold]{cheap}[/]" if cheap else "[red]none[/]")
    )
    if len(res.purchases):
        pt = Table(title="What each path buys above the plan", title_justify="left")
        for c in ("ally", "path", "option", "funded", "in force", "cost $bn"):
            pt.add_column(c, justify="right" if c in ("funded", "in force", "cost $bn") else "left")
        for _, r in res.purchases.iterrows():
            pt.add_row(
                r["ally"], r["path"], r["option"], str(r["funded_year"]),
                str(r["in_force_year"]), _f(r["cost_usd"] / 1e9, ".2f"),
            )  # fmt: skip
        console.print(pt)
    bt = Table(title="Burden by year", title_justify="left")
    for c in ("combination", "year", "ally", "% GDP", "spend $bn", "extra $bn", "aircraft lost",
              "ships lost", "contribution", "per $bn"):  # fmt: skip
        bt.add_column(c, justify="left" if c in ("combination", "ally") else "right")
    for _, r in res.burden.iterrows():
        bt.add_row(
            r["combo"], str(r["year"]), r["ally"], _f(r["pct_gdp"], ".2f"),
            _f(r["spending_usd_bn"], ".1f"), _f(r["extra_usd_bn"], ".1f"),
            _f(r["aircraft_lost"], ".1f"), _f(r["ships_lost"], ".1f"), _f(r["contribution"]),
            _f(r["contribution_per_usd_bn"]),
        )  # fmt: skip
    console.print(bt)
