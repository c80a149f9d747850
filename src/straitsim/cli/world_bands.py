"""``--worlds N`` on roles, burden, deter, invest and validate: bands across sampled worlds.

Each command keeps its own options; with ``--worlds N`` it calls one function here, which
runs the analysis once per world (:mod:`straitsim.analysis.world_bands`) and prints the
answer as a band across worlds, with the Monte Carlo error beside the across-world spread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from straitsim.analysis import world_bands as wb
from straitsim.cli.app import console, print_json
from straitsim.cli.options import progress_bar

WorldsBandOpt = Annotated[
    int,
    typer.Option(
        "--worlds",
        min=0,
        max=100_000,
        help="Sample N worlds over the epistemic parameters and report bands across them "
        "(0: off). See `straitsim worlds`.",
    ),
]


def _run(n: int, quiet: bool, fn: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    bar, advance = progress_bar(n, quiet, unit="worlds")
    if bar is None:
        return fn(None)
    with bar:
        return fn(advance)


def _band_cells(b: dict[str, Any], fmt: str = "{:.3f}") -> list[str]:
    cells = [
        fmt.format(b["median"]),
        f"{fmt.format(b['p05'])} - {fmt.format(b['p95'])}",
        fmt.format(b["across_sd"]),
    ]
    if "mc_se" in b:
        cells.append(fmt.format(b["mc_se"]) + (" [yellow]MC noise[/]" if b["mc_flag"] else ""))
    return cells


def _band_table(title: str, first: str, extra: list[str]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in (first, "median", "5-95% band", "across-world sd", "MC error", *extra):
        t.add_column(c, justify="left" if c == first else "right")
    return t


def _done(doc: dict[str, Any], json_: bool, show: Callable[[], None]) -> None:
    if json_:
        print_json(doc)
    else:
        show()


def roles(
    scenario: str,
    n: int,
    allies: list[str] | None,
    reps: int,
    seed: int,
    json_: bool,
    roles: list[str] | None = None,
    sets: list[str] | None = None,
    **kw: Any,
) -> None:
    """Shapley value per ally across worlds, and P(each ally's contribution is the largest)."""
    doc = _run(
        n,
        json_,
        lambda p: wb.shapley_worlds(
            scenario, n, allies, reps, seed, roles=roles or [], sets=sets or [], progress=p, **kw
        ),
    )

    def show() -> None:
        t = _band_table(
            f"Shapley value across {doc['worlds']} worlds ({doc['metric']})",
            "ally",
            ["P(largest)", "share of total (5-95%)"],
        )
        for a, b in doc["allies"].items():
            sh = b["share"]
            t.add_row(
                a,
                *_band_cells(b),
                f"{b['p_largest']:.2f}",
                f"{sh['median']:.0%} ({sh['p05']:.0%}-{sh['p95']:.0%})",
            )
        console.print(t)
        console.print(
            "P(largest): share of worlds in which the ally's contribution is the "
            "largest, in the defence's favour."
        )
        if doc["worlds_all_zero"]:
            console.print(
                f"[yellow]In {doc['worlds_all_zero']} of {doc['worlds']} worlds no ally changes "
                f"{doc['metric']} (it is saturated there); a metric that moves, e.g. "
                "--metric prc_battalions_landed, says more.[/]"
            )

    _done(doc, json_, show)


def clarity(
    scenario: str,
    n: int,
    reps: int,
    seed: int,
    json_: bool,
    roles: list[str] | None = None,
    sets: list[str] | None = None,
    **kw: Any,
) -> None:
    """Value of clarity (declared minus prior) per quantity, as a band across worlds."""
    doc = _run(
        n,
        json_,
        lambda p: wb.clarity_worlds(
            scenario, n, reps=reps, seed=seed, roles=roles or [], sets=sets or [], progress=p, **kw
        ),
    )

    def show() -> None:
        t = _band_table(
            f"Value of clarity across {doc['worlds']} worlds (declared - prior)",
            "quantity",
            ["P(defence gains)"],
        )
        for q, b in doc["quantities"].items():
            t.add_row(q, *_band_cells(b, "{:.4g}"), f"{b['p_defence_gains']:.2f}")
        console.print(t)

    _done(doc, json_, show)


def invest(
    scenario: str,
    n: int,
    reps: int,
    seed: int,
    json_: bool,
    roles: list[str] | None = None,
    sets: list[str] | None = None,
    **kw: Any,
) -> None:
    """Investment ranking across worlds: rank stability and robust beside expected-value choices."""
    doc = _run(
        n,
        json_,
        lambda p: wb.invest_worlds(
            scenario, n, reps=reps, seed=seed, roles=roles or [], sets=sets or [], progress=p, **kw
        ),
    )

    def show() -> None:
        if not doc["options"]:
            console.print(doc.get("note", "no option ranked"))
            return
        t = _band_table(
            f"Gain per US$ bn across {doc['worlds']} worlds ({doc['metric']})",
            "option",
            [f"P(top {doc['top']})", "max regret", "satisficing"],
        )
        for o, b in doc["options"].items():
            t.add_row(
                o,
                *_band_cells(b, "{:.4g}"),
                f"{b['p_top']:.2f}",
                f"{b['max_regret']:.4g}",
                f"{b['satisficing_share']:.2f}",
            )
        console.print(t)
        for rule, c in doc["choices"].items():
            console.print(f"{rule.replace('_', ' ')} ({c['rule']}): [bold]{c['option']}[/]")

    _done(doc, json_, show)


def validate(n: int, reps: int, seed: int, json_: bool, **kw: Any) -> None:
    """Share of worlds in which each published result is reproduced."""
    doc = _run(n, json_, lambda p: wb.validate_worlds(n, reps, seed, progress=p, **kw))

    def show() -> None:
        t = Table(title=f"Validation across {doc['worlds']} worlds", title_justify="left")
        for c in ("case", "quantity", "share of worlds reproduced", "calibrated"):
            t.add_column(c, justify="right" if c.startswith("share") else "left")
        for cid, c in doc["cases"].items():
            t.add_row(
                cid,
                c["quantity"],
                f"{c['share_reproduced']:.2f}",
                "yes" if c["calibrated"] else "no",
            )
        console.print(t)

    _done(doc, json_, show)
