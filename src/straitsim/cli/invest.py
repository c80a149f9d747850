"""``straitsim invest``: investment options ranked by effect per dollar, by year."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis.investments import DEFAULT_METRIC, InvestmentResult, invest, load_options
from straitsim.analysis.metrics import METRICS
from straitsim.cli import world_bands
from straitsim.cli.app import app, console, emit, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.cli.run import JsonOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.cli.world_bands import WorldsBandOpt
from straitsim.fsio import atomic_dir
from straitsim.report import investment_plots as ip

HARDER_CASE = "--role JPN=neutral --set roc_will_to_resist=0.5"


@app.command(name="invest")
@user_errors
def invest_command(
    scenario: ScenarioArg,
    options: Annotated[
        Path | None,
        typer.Option("--options", help="Options file (default: the built-in investments.toml)."),
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option("--budget", "-b", help="Portfolio budget in US$: 5e9, 5bn or 500m."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Options available by this year (default: scenario's)."),
    ] = None,
    metric: Annotated[
        str,
        typer.Option("--metric", "-m", help="Outcome metric: " + ", ".join(METRICS) + "."),
    ] = DEFAULT_METRIC,
    reps: Annotated[
        int, typer.Option("--reps", "-n", min=2, max=1_000_000, help="Replications per variant.")
    ] = 1000,
    seed: SeedOpt = 0,
    role: RoleOpt = None,
    set_: SetOpt = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=365, help="Horizon in days.")
    ] = None,
    json_: JsonOpt = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for invest.json, CSV tables and PNGs.")
    ] = None,
    n_worlds: WorldsBandOpt = 0,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Rank investment options by gain per US$ billion (common random numbers); pick a portfolio.

    Each option available by --year is simulated with the baseline's seed and compared
    replication by replication. With --budget, options are bought greedily by gain per
    dollar and then simulated together. Allies' spending paths (% of GDP) show what their
    extra money buys by --year.
    """
    opts = load_options(options)
    if n_worlds:  # rank stability and robust choices across sampled worlds
        kw0 = dict(options=opts, year=year, metric=metric, days=days, workers=workers)
        with use_workers(workers, device):
            return world_bands.invest(scenario, n_worlds, reps, seed, json_, role, set_, **kw0)
    n_runs = 1 + sum(1 for o in opts.options.values() if o.modelled) + (1 if budget else 0)
    bar, advance = progress_bar(n_runs, quiet=json_ or quiet, unit="runs")
    kw: dict[str, Any] = dict(
        budget_usd=budget,
        year=year,
        metric=metric,
        reps=reps,
        seed=seed,
        roles=role or [],
        sets=set_ or [],
        days=days,
        progress=advance,
    )
    with use_workers(workers, device), bar or nullcontext():
        res = invest(scenario, opts, **kw)
    doc = res.summary()
    wrote = f"wrote {out}/invest.json, ranking.csv, ranking.png, spending.png"
    emit(
        doc, out, json_, lambda d: write_outputs(res, doc, d), lambda: print_invest(res, doc), wrote
    )


def write_outputs(res: InvestmentResult, doc: dict[str, Any], out: Path) -> None:
    """Write the JSON document, CSV tables and PNG plots into ``out`` (all or nothing)."""
    with atomic_dir(out) as tmp:
        (tmp / "invest.json").write_text(json.dumps(doc, indent=2) + "\n")
        res.ranking.to_csv(tmp / "ranking.csv")
        res.affordability.to_csv(tmp / "affordability.csv")
        ip.plot_ranking(res, tmp / "ranking.png")
        ip.plot_spending(res, tmp / "spending.png")
        if res.portfolio_effect is not None:
            res.portfolio_effect.to_csv(tmp / "portfolio.csv")
            ip.plot_portfolio(res, tmp / "portfolio.png")


def _z(x: float) -> float:
    """Drop the sign of zero (so -0 prints as 0)."""
    return x + 0.0


def _bn(usd: float) -> str:
    return f"{usd / 1e9:.2f}"


def print_invest(res: InvestmentResult, doc: dict[str, Any]) -> None:
    """Rich tables for ``straitsim invest``."""
    sc, m = doc["scenario"], doc["metric"]
    console.print(
        f"[bold]{sc['title']}[/] ({sc['name']}, {doc['reps']} replications, seed {doc['seed']})"
    )
    console.print("roles: " + ", ".join(f"{k}={v}" for k, v in doc["roles"].items()))
    if doc["overrides"]:
        console.print("overrides: " + ", ".join(doc["overrides"]))
    better = "higher" if m["higher_is_better"] else "lower"
    console.print(
        f"metric: {m['description']} ({m['name']}; {better} is better for the defence); "
        f"baseline mean {m['baseline_mean']:.3g}; options available by {doc['year']}"
    )
    if m["saturated"]:
        console.print(
            f"[yellow]note:[/] the metric is the same in every baseline replication, so no option "
            f"can show a gain on it here; try --metric {DEFAULT_METRIC} or a harder case "
            f"({HARDER_CASE})."
        )
    t = Table(
        title="Options ranked by gain per US$ billion (paired 95% intervals; price-year dollars)",
        title_justify="left",
    )
    t.add_column("#", justify="right")
    t.add_column("option", no_wrap=True, style="bold")
    t.add_column("cost $bn\n(year)", justify="right")
    t.add_column("ready", justify="right")
    t.add_column("change\n± 95%", justify="right")
    t.add_column("gain per $bn\n(95% interval)", justify="right")
    t.add_column("cost\nbasis")
    for oid, r in res.ranking.iterrows():
        basis = r["cost_basis"]
        basis = "[yellow]assumed[/]" if basis.startswith("assumption") else "cited"
        t.add_row(
            str(r["rank"]),
            f"{oid}\n[dim]{r['actor']}[/]",
            f"{_bn(r['cost_usd'])}\n[dim]({r['price_year']})[/]",
            str(r["year_available"]),
            f"{_z(r['delta']):+.3g}\n[dim]± {1.96 * r['se']:.2g}[/]",
            f"{_z(r['gain_per_usd_bn']):.3g}\n[dim]({_z(r['gain_per_usd_bn_lo']):.3g} to "
            f"{_z(r['gain_per_usd_bn_hi']):.3g})[/]",
            basis,
        )
    console.print(t)
    if len(res.excluded):
        et = Table(title=f"Not evaluated (by {doc['year']})", title_justify="left")
        for c in ("option", "actor", "cost $bn", "why"):
            et.add_column(c, justify="right" if c == "cost $bn" else "left")
        for oid, r in res.excluded.iterrows():
            et.add_row(str(oid), r["actor"], _bn(r["cost_usd"]), r["why"])
        console.print(et)
    if res.budget_usd is not None:
        _print_portfolio(res)
    _print_paths(res, doc)


def _print_portfolio(res: InvestmentResult) -> None:
    assert res.budget_usd is not None
    if not res.portfolio or res.portfolio_effect is None:
        console.print(
            f"portfolio: nothing bought with US${_bn(res.budget_usd)}bn "
            "(no option fits with a gain positive at 95%)"
        )
        return
    pe = res.portfolio_effect
    cost = float(pe.loc["joint", "cost_usd"])
    console.print(
        f"[bold]Portfolio[/] for US${_bn(res.budget_usd)}bn (greedy by gain per dollar; "
        f"spends US${_bn(cost)}bn): " + ", ".join(res.portfolio)
    )
    pt = Table(title="Portfolio effect: summed vs simulated together", title_justify="left")
    for c in ("", "change in metric", "95% interval", "gain per $bn"):
        pt.add_column(c, justify="left" if not c else "right")
    labels = {
        "summed": "sum of the options' own effects",
        "joint": "all options simulated together",
        "interaction": "interaction (joint - sum)",
    }
    for k, lab in labels.items():
        r = pe.loc[k]
        pt.add_row(
            lab,
            f"{r['delta']:+.3g}",
            f"{r['delta'] - 1.96 * r['se']:+.3g} to {r['delta'] + 1.96 * r['se']:+.3g}",
            f"{r['gain_per_usd_bn']:.3g}" if k != "interaction" else "",
        )
    console.print(pt)


def _print_paths(res: InvestmentResult, doc: dict[str, Any]) -> None:
    af = res.affordability
    if af.empty:
        return
    at = Table(
        title=f"Spending paths: extra money over the 2024 level by {doc['year']} and what it buys",
        title_justify="left",
    )
    for c in ("ally", "path", "% GDP 2024", f"% GDP {doc['year']}", "extra $bn", "buys", "source"):
        at.add_column(c, justify="right" if "%" in c or "$" in c else "left")
    for (ally, path), r in af.iterrows():
        if path == "none":
            at.add_row(ally, "-", "", "", "", "", str(r["source"]))
            continue
        at.add_row(
            ally,
            path,
            f"{r['pct_gdp_base']:.2f}",
            f"{r['pct_gdp_at_year']:.2f}",
            f"{r['extra_usd_bn']:.0f}",
            r["buys"] or "-",
            str(r["source"]),
        )
    console.print(at)
    console.print(
        "Paths: national % of GDP figures (linear between them) from economics.toml; US asks "
        "ramp linearly to 2030. GDP held at its 2024 SIPRI-implied value. National definitions "
        "differ from SIPRI's. invest.json (--json) lists every citation with its address."
    )
