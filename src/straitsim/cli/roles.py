"""``straitsim roles`` (role lattice and Shapley attribution) and ``straitsim burden``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.table import Table

from straitsim.analysis.burden import BurdenResult, burden
from straitsim.analysis.metrics import METRICS
from straitsim.analysis.roles import RoleAnalysis, analyse_roles
from straitsim.cli import world_bands
from straitsim.cli.app import app, console, emit, user_errors
from straitsim.cli.options import DeviceOpt, QuietOpt, WorkersOpt, progress_bar, use_workers
from straitsim.cli.run import JsonOpt, RoleOpt, ScenarioArg, SeedOpt, SetOpt
from straitsim.cli.world_bands import WorldsBandOpt
from straitsim.engine.state import OUTCOMES
from straitsim.errors import UserError
from straitsim.report import roles_plots
from straitsim.scenario.load import load_scenario, set_strings

_T = TypeVar("_T")

OUTCOME_SHORT = {
    "prc_decisive_defeat": "defeat",
    "stalemate_against_prc": "st-",
    "stalemate": "st=",
    "stalemate_toward_prc": "st+",
    "prc_victory": "victory",
}
MetricOpt = Annotated[
    str, typer.Option("--metric", "-m", help="Outcome metric: " + ", ".join(METRICS) + ".")
]
ToOpt = Annotated[
    str,
    typer.Option(
        "--to", help="Each ally moves from neutral to its 'scenario' rung or its 'top' rung."
    ),
]
RepsOpt = Annotated[int, typer.Option("--reps", "-n", min=2, max=1_000_000, help="Replications.")]
DaysOpt = Annotated[int | None, typer.Option("--days", min=1, max=365, help="Horizon in days.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Directory for the JSON document and PNG plots.")
]


def _allies(text: str | None) -> list[str] | None:
    """Return the allies named on the command line, or None (the data's default)."""
    if text is None:
        return None
    out = [a.strip().upper() for a in text.split(",") if a.strip()]
    if not out:
        raise UserError(
            "no allies",
            key="--allies",
            expected="a comma-separated list, e.g. JPN,AUS",
            found=repr(text),
        )
    if len(set(out)) != len(out):
        raise UserError(
            "ally listed twice", key="--allies", expected="each ally once", found=repr(text)
        )
    return out


def _chunk(reps: int) -> int:
    return max(100, min(2000, reps // 10 or 1))


@app.command()
@user_errors
def roles(
    scenario: ScenarioArg,
    allies: Annotated[
        str | None,
        typer.Option(
            "--allies",
            "-a",
            help="Comma-separated allies, e.g. JPN,AUS,PHL (default: the allies the scenario "
            "marks analysed).",
        ),
    ] = None,
    metric: MetricOpt = "defence_prevails",
    reps: RepsOpt = 1000,
    seed: SeedOpt = 0,
    to: ToOpt = "scenario",
    method: Annotated[
        str, typer.Option("--method", help="auto (exact up to 10 allies), exact or sampled.")
    ] = "auto",
    permutations: Annotated[
        int, typer.Option("--permutations", min=2, help="Orders drawn by the sampled method.")
    ] = 200,
    role: RoleOpt = None,
    set_: SetOpt = None,
    days: DaysOpt = None,
    json_: JsonOpt = False,
    out: OutOpt = None,
    n_worlds: WorldsBandOpt = 0,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Role lattice: outcomes per role profile, Shapley values of the allies, marginal steps."""
    if n_worlds:  # bands across sampled worlds (straitsim worlds)
        opts = dict(metric=metric, to=to, method=method, n_permutations=permutations, days=days)
        opts["workers"] = workers
        with use_workers(workers, device):
            return world_bands.roles(
                scenario, n_worlds, _allies(allies), reps, seed, json_, role, set_, **opts
            )
    sc = load_scenario(scenario, role or [], set_ or [])
    ra = _with_progress(
        reps,
        json_ or quiet,
        days,
        workers,
        device,
        lambda kw: analyse_roles(
            sc, _allies(allies), reps, seed, metric, to, method, permutations, **kw
        ),
    )
    doc = ra.to_dict()
    _finish(
        doc,
        set_,
        out,
        json_,
        write=lambda d: _write_roles(ra, doc, d),
        show=lambda: print_roles(ra, doc),
        wrote="roles.json, lattice.png, shapley.png",
    )


@app.command(name="burden")
@user_errors
def burden_command(
    scenario: ScenarioArg,
    allies: Annotated[
        str | None,
        typer.Option(
            "--allies",
            "-a",
            help="Comma-separated allies, the USA may be one (default: every ally with a role "
            "ladder).",
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="Spending year (default: latest SIPRI year).")
    ] = None,
    metric: MetricOpt = "defence_prevails",
    reps: RepsOpt = 1000,
    seed: SeedOpt = 0,
    to: ToOpt = "scenario",
    role: RoleOpt = None,
    set_: SetOpt = None,
    days: DaysOpt = None,
    json_: JsonOpt = False,
    out: OutOpt = None,
    n_worlds: WorldsBandOpt = 0,
    workers: WorkersOpt = "auto",
    device: DeviceOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Burden sharing: each ally's Shapley share beside its defence spending, GDP and losses."""
    sc = load_scenario(scenario, role or [], set_ or [])
    if n_worlds:  # contributions as bands across sampled worlds (straitsim worlds)
        opts = dict(metric=metric, to=to, days=days, workers=workers)
        names = _allies(allies) or list(sc.ladder_allies())
        with use_workers(workers, device):
            return world_bands.roles(
                scenario, n_worlds, names, reps, seed, json_, role, set_, **opts
            )
    res = _with_progress(
        reps,
        json_ or quiet,
        days,
        workers,
        device,
        lambda kw: burden(sc, _allies(allies), reps, seed, metric, year, to, **kw),
    )
    doc = res.to_dict()
    _finish(
        doc,
        set_,
        out,
        json_,
        write=lambda d: _write_burden(res, doc, d),
        show=lambda: print_burden(res, doc),
        wrote="burden.json, burden.png",
    )


def _with_progress(
    reps: int,
    quiet: bool,
    days: int | None,
    workers: str,
    device: str | None,
    compute: Callable[[dict[str, Any]], _T],
) -> _T:
    """Call ``compute(kw)`` on ``workers`` and ``device``, with progress (none when ``quiet``).

    ``kw`` holds the keyword arguments shared by the lattice analyses:
    ``days``, ``chunk_size`` and the display's ``progress`` callback.
    """
    bar, advance = progress_bar(reps, quiet=quiet)
    kw: dict[str, Any] = dict(days=days, chunk_size=_chunk(reps), progress=advance)
    with use_workers(workers, device), bar or nullcontext():
        return compute(kw)


def _finish(
    doc: dict[str, Any],
    set_: list[str] | None,
    out: Path | None,
    json_: bool,
    write: Callable[[Path], None],
    show: Callable[[], None],
    wrote: str,
) -> None:
    """Record the overrides, write ``out`` if asked, then print JSON or the tables."""
    doc["overrides"] = set_strings(set_ or [])
    emit(_clean(doc), out, json_, write, show, f"wrote {out}/{wrote}")


def print_roles(ra: RoleAnalysis, doc: dict[str, Any]) -> None:
    """Rich tables for ``straitsim roles``."""
    sc = doc["scenario"]
    console.print(
        f"[bold]{sc['title']}[/] ({sc['name']}, {doc['reps']} replications, seed {doc['seed']}, "
        f"{len(doc['lattice'])} profiles)"
    )
    if doc.get("overrides"):
        console.print("overrides: " + ", ".join(doc["overrides"]))
    console.print(f"metric: {doc['metric_description']} ({doc['metric']})")
    t = _compact("Role lattice: the metric's mean (value) and standard error; outcome shares in %")
    for a in doc["allies"]:
        t.add_column(a, no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("se", justify="right", no_wrap=True)
    for k in OUTCOMES:
        t.add_column(OUTCOME_SHORT[k], justify="right", no_wrap=True)
    t.add_column("prevails", justify="right", no_wrap=True)
    for r in doc["lattice"]:
        t.add_row(
            *[r["roles"][a] for a in doc["allies"]],
            _num(r["value"]),
            _num(r["se"]),
            *[f"{100 * r['outcome'][k]:.1f}" for k in OUTCOMES],
            f"{100 * r['defence_prevails']:.1f}",
        )
    console.print(t)
    total = doc["v_all"] - doc["v_none"]
    st = Table(
        title=f"Shapley values ({doc['method']}"
        + (f", {doc['n_permutations']} permutations" if doc["method"] == "sampled" else "")
        + "; paired standard errors)",
        title_justify="left",
    )
    for c in ("ally", "move", "value", "se", "share of total"):
        st.add_column(c, justify="left" if c in ("ally", "move") else "right")
    for a, s in doc["shapley"].items():
        share = f"{s['value'] / total + 0.0:.1%}" if total else "n/a"
        st.add_row(a, f"{s['from']} → {s['to']}", _num(s["value"]), _num(s["se"]), share)
    console.print(st)
    console.print(
        f"all allies in: {_num(doc['v_all'])}; none: {_num(doc['v_none'])}; "
        f"difference {_num(total)} ± {_num(doc['v_all_minus_none_se'])} "
        f"(= sum of the Shapley values {_num(sum(s['value'] for s in doc['shapley'].values()))})"
    )
    null = [a for a, s in doc["shapley"].items() if s["from"] == s["to"]]
    if null:
        console.print(
            f"[yellow]note:[/] {', '.join(null)}: already at the lowest rung in the scenario, so "
            "its value is 0 by construction; use --to top to value its full ladder"
        )
    if abs(total) <= 2 * doc["v_all_minus_none_se"]:
        console.print(
            "[yellow]note:[/] the allies' combined effect on this metric is not distinguishable "
            "from zero here; try another --metric or a harder scenario (--set ...)"
        )
    mt = Table(
        title="Marginal value of each step up a ladder (others at scenario rungs)",
        title_justify="left",
    )
    for c in ("ally", "step", "value", "se"):
        mt.add_column(c, justify="left" if c in ("ally", "step") else "right")
    for s in doc["marginal_steps"]:
        mt.add_row(s["ally"], f"{s['from']} → {s['to']}", _num(s["value"]), _num(s["se"]))
    console.print(mt)


def print_burden(res: BurdenResult, doc: dict[str, Any]) -> None:
    """Rich tables for ``straitsim burden``."""
    sc = doc["scenario"]
    console.print(
        f"[bold]{sc['title']}[/] ({sc['name']}, {doc['reps']} replications, seed {doc['seed']}); "
        f"metric {doc['metric']}; spending year {doc['year']}"
    )
    t = _compact("Shares of the allies' totals")
    for c in ("ally", "move", "contribution", "spending", "GDP", "killed", "aircraft", "ships"):
        t.add_column(c, justify="left" if c in ("ally", "move") else "right", no_wrap=True)
    for r in doc["rows"]:
        t.add_row(
            r["ally"],
            f"{r['from']} → {r['to']}",
            _pct(r["contribution_share"]),
            _pct(r["milex_share"]),
            _pct(r["gdp_share"]),
            _pct(r["killed_share"]),
            _pct(r["aircraft_share"]),
            _pct(r["ships_share"]),
        )
    console.print(t)
    v = _compact("Values")
    for c in (
        "ally",
        "Shapley",
        "se",
        "spend US$bn",
        "%GDP",
        "GDP US$bn",
        "US ask",
        "killed",
        "aircraft",
        "ships",
    ):
        v.add_column(c, justify="left" if c == "ally" else "right", no_wrap=True)
    for r in doc["rows"]:
        v.add_row(
            r["ally"],
            _num(r["shapley"]),
            _num(r["shapley_se"]),
            _num(r["milex_usd_bn"]),
            _num(r["pct_gdp"]),
            _num(r["gdp_usd_bn"]),
            _num(r["us_ask_pct_gdp"]),
            _num(r["killed"]),
            _num(r["aircraft_lost"]),
            _num(r["ships_lost"]),
        )
    console.print(v)
    console.print(
        "losses: means in the profile where every ally plays its role; spending, GDP: "
        f"{doc['year']} (SIPRI unless noted); US ask: highest reported, % of GDP"
    )
    for n in doc["notes"]:
        console.print(f"[yellow]note:[/] {n}")
    console.print("sources:")
    for k in doc["sources"]:
        console.print(f"  {k}: {res.economics.cite(k)}", highlight=False)


def _write_roles(ra: RoleAnalysis, doc: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "roles.json").write_text(json.dumps(_clean(doc), indent=2) + "\n")
    roles_plots.lattice_heatmap(ra, out / "lattice.png")
    roles_plots.shapley_bars(ra, out / "shapley.png")


def _write_burden(res: BurdenResult, doc: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "burden.json").write_text(json.dumps(_clean(doc), indent=2) + "\n")
    roles_plots.burden_chart(res, out / "burden.png")


def _compact(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0),
        pad_edge=False,
    )


def _clean(x: Any) -> Any:
    """Replace NaN and infinities by None so the document is strict JSON."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _num(v: float | None) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _pct(v: float | None) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:.1%}"
