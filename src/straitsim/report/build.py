"""``straitsim report``: run a scenario and write the HTML report, PNG figures and summary.

Everything is written into a temporary directory next to ``out`` first and moved into
place at the end, so an error leaves no half-written report behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from straitsim.analysis.run import run
from straitsim.errors import UserError
from straitsim.fsio import atomic_dir
from straitsim.report.bases import base_status
from straitsim.report.extras import Section, attribution_section, deterrence_section
from straitsim.report.figures import save_run_figures
from straitsim.report.html import data_uri, render_html
from straitsim.report.markdown import render_markdown
from straitsim.report.outlook_section import outlook_section
from straitsim.report.sources import cited_sources
from straitsim.report.uncertainty_section import uncertainty_section
from straitsim.scenario.schema import Scenario

FIGURES = ("outcomes", "losses", "traces", "map")


@dataclass
class Report:
    """Paths of a written report, and the run summary it shows."""

    out: Path
    html: Path
    markdown: Path
    summary_json: Path
    figures: dict[str, Path]
    summary: dict[str, Any]


def write_report(
    scenario: str | Path | Scenario,
    out: str | Path,
    reps: int = 2000,
    seed: int = 0,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    progress: Callable[[int], None] | None = None,
    allies: Sequence[str] = (),
    lattice_reps: int | None = None,
    worlds: int = 0,
    outlook_years: str | None = None,
) -> Report:
    """Run ``scenario`` and write ``report.html``, ``summary.md``, ``summary.json``, ``figures/``.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A built-in name, a TOML path or a loaded scenario.
    out : str or Path
        Output directory (created; files of the same names are replaced).
    reps, seed : int
        Replications and random seed.
    roles : mapping or iterable of str, optional
        ``{"JPN": "neutral"}`` or ``["JPN=neutral"]``.
    sets : mapping or iterable of str
        ``--set`` overrides.
    progress : callable, optional
        Called with the number of replications just finished.
    allies : sequence of str
        Allies for the optional sections: Shapley values of their roles and Beijing's
        deterrence curves (none: the sections are left out).
    lattice_reps : int, optional
        Replications per role profile for those sections (default ``min(reps, 300)``).
    worlds : int
        With N > 0, a section with the headline answers as bands across N sampled worlds
        (``lattice_reps`` replications each) and scenario discovery on them.
    outlook_years : str, optional
        ``"2026:2035"``: a section with the balance by year (``straitsim outlook``, every
        ally on its plan, ``lattice_reps`` replications per year); needs a scenario name or path.

    Returns
    -------
    Report
        Where everything went, and the run summary.
    """
    if outlook_years and isinstance(scenario, Scenario):
        raise UserError(
            "the outlook needs a scenario name or path", key="--outlook",
            expected="a built-in name or a TOML file", found="a loaded scenario",
        )  # fmt: skip
    chunk = max(250, min(5000, reps // 10 or 1))
    try:
        res = run(scenario, reps, seed, roles, sets, progress=progress, chunk_size=chunk)
    except ArithmeticError as exc:
        # the scenario layer does not yet bound every parameter's domain (e.g. a zero speed)
        raise UserError(
            "the model cannot evaluate these overrides",
            key="--set",
            expected="parameters inside their valid domain (see `straitsim show`)",
            found=f"{type(exc).__name__}: {exc}",
        ) from None
    doc = res.summary()
    bases = base_status(res.scenario, res.roles)
    sources, n_assumed = cited_sources(res.scenario)

    out = Path(out)
    # the HTML page last: whoever finds it also finds the figures it shows
    with atomic_dir(out, last=["report.html"]) as tmp:
        fig_paths = save_run_figures(doc, bases, tmp / "figures")
        rel = {k: f"figures/{p.name}" for k, p in fig_paths.items()}
        sections = _sections(
            res.scenario, allies, lattice_reps or min(reps, 300), seed, tmp / "figures"
        )
        if worlds:
            w_reps = lattice_reps or min(reps, 300)
            sections.append(
                uncertainty_section(res.scenario, worlds, w_reps, seed, tmp / "figures", sets)
            )
        if outlook_years:
            o_reps = lattice_reps or min(reps, 300)
            sections.append(
                outlook_section(scenario, outlook_years, o_reps, seed, tmp / "figures", roles, sets)
            )
        md_sections = [(x.title, x.markdown) for x in sections]
        html_sections = [
            (
                x.title,
                x.html
                + "".join(f'<img alt="{k}" src="{data_uri(p)}">' for k, p in x.figures.items()),
            )
            for x in sections
        ]
        for x in sections:
            fig_paths.update(x.figures)
        (tmp / "summary.json").write_text(
            json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        (tmp / "summary.md").write_text(
            render_markdown(doc, bases, sources, n_assumed, rel, md_sections), encoding="utf-8"
        )
        (tmp / "report.html").write_text(
            render_html(doc, bases, sources, n_assumed, fig_paths, html_sections), encoding="utf-8"
        )
    return Report(
        out=out,
        html=out / "report.html",
        markdown=out / "summary.md",
        summary_json=out / "summary.json",
        figures={k: out / "figures" / p.name for k, p in fig_paths.items()},
        summary=doc,
    )


def _sections(
    sc: Scenario, allies: Sequence[str], reps: int, seed: int, fig_dir: Path
) -> list[Section]:
    if not allies:
        return []
    allies = list(dict.fromkeys(a.strip().upper() for a in allies))
    out = [attribution_section(sc, allies, reps, seed, fig_dir)]
    det = deterrence_section(sc, allies, reps, seed, fig_dir)
    if det is not None:
        out.append(det)
    return out
