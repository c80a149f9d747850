"""Regenerate the data-driven tables in docs/model.md from the resolved scenario.

docs/model.md holds blocks between marker comments::

    <!-- BEGIN GENERATED: NAME -->
    ...
    <!-- END GENERATED: NAME -->

This script rewrites every such block from the resolved ``csis-2026`` scenario
(:func:`straitsim.scenario.describe.describe`: parameters with value, unit, meaning,
uncertainty and pedigree; every data number with its source or assumption; the
bibliography), and the ``calibration`` block from a run of
``straitsim run csis-2026 --reps 2000 --seed 1``. Prose outside the markers is left alone.

Usage::

    python scripts/gen_model_tables.py            # rewrite docs/model.md in place
    python scripts/gen_model_tables.py --check    # exit 1 if docs/model.md is out of date

``tests/test_model_doc.py`` regenerates the blocks in memory and fails when the file on
disk differs, so parameter and data tables cannot drift from the data.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
SCENARIO = "csis-2026"
CAL_REPS = 2000
CAL_SEED = 1

BEGIN = "<!-- BEGIN GENERATED: {name} -->"
END = "<!-- END GENERATED: {name} -->"
MARKER_RE = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[\w:.-]+) -->\n(?P<body>.*?)<!-- END GENERATED: (?P=name) -->",
    re.S,
)

# The tables of cited data records, in the order the document lists them.
DATA_TABLES = (
    ("theatre", "Theatre geometry"),
    ("ship_classes", "Ship classes"),
    ("weapons", "Allied anti-ship weapons"),
    ("missile_classes", "PRC missile classes"),
    ("aircraft_types", "Aircraft types"),
    ("bases", "Bases"),
    ("air_units", "Air units"),
    ("ships", "Ship groups"),
    ("munitions", "Allied anti-ship munition stocks"),
    ("launchers", "Ground-based anti-ship launchers"),
    ("missiles", "PRC missile inventories"),
    ("ground", "Ground forces"),
)
_CITED_FIELDS = ("source", "field_sources", "assumed", "notes")


# --------------------------------------------------------------------------------------
# small formatting helpers


def fmt_num(x: Any) -> str:
    """Format a number as a plain, copyable string (no separators, no float noise)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return format(x, ".10g")
    if isinstance(x, Mapping):
        return ", ".join(f"{k} {fmt_num(v)}" for k, v in x.items()) or "none"
    return str(x)


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    """Render a GitHub-flavoured Markdown table."""
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def src_link(key: str | None) -> str:
    """Link a source key to its bibliography row."""
    return f"[{key}](#src-{key})" if key else ""


# --------------------------------------------------------------------------------------
# where parameters live: module sections of the parameter pack, and files that read them


def module_functions() -> list[Callable[..., Any]]:
    """Return the daily modules in loop order, the outcome step last."""
    from straitsim.engine import campaign
    from straitsim.engine.outcome import outcome

    return [*campaign.MODULES, outcome]


def pack_sections() -> dict[str, str]:
    """Map parameter name -> module function name.

    The grouping comes from the ``# --- N. title`` headings of the parameter pack, where N
    is the module's place in the daily loop.
    """
    from straitsim.scenario.load import PACK_DIR

    names = [f.__name__ for f in module_functions()]
    out: dict[str, str] = {}
    current: str | None = None
    for line in (PACK_DIR / "parameters.toml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*-+\s*(\d+)\.", line)
        if m:
            i = int(m.group(1)) - 1
            current = names[i] if 0 <= i < len(names) else None
            continue
        m = re.match(r"\[params\.([\w-]+)\]", line.strip())
        if m and current is not None:
            out[m.group(1)] = current
    return out


def reader_files() -> dict[str, str]:
    """Source files that may read parameters: engine modules and the scenario compiler."""
    import straitsim

    pkg = Path(inspect.getsourcefile(straitsim) or "").parent
    files = sorted((pkg / "engine").glob("*.py")) + [pkg / "scenario" / "compile.py"]
    # params.py names parameters only to list those that must stay fixed (FIXED_ONLY)
    return {f.name: f.read_text(encoding="utf-8") for f in files if f.name != "params.py"}


def read_in(name: str, sources: Mapping[str, str]) -> str:
    """Files whose code names parameter ``name`` as a string key."""
    pat = re.compile(r"[\"']" + re.escape(name) + r"[\"']")
    hits = [f for f, text in sources.items() if pat.search(text)]
    return ", ".join(f"`{f}`" for f in hits) if hits else "**not read by the engine**"


# --------------------------------------------------------------------------------------
# blocks


def outside_range(prm: Any) -> bool:
    """Tell whether a parameter's value lies outside its own ``range`` or ``dist`` bounds."""
    bounds = (prm.dist.low, prm.dist.high) if prm.dist is not None else prm.range
    return bounds is not None and not bounds[0] <= prm.value <= bounds[1]


def params_blocks(desc: dict[str, Any], sc_params: Mapping[str, Any]) -> dict[str, str]:
    """One parameter table per module (``params:MODULE``) and ``params:other``."""
    sections = pack_sections()
    files = reader_files()
    names = [f.__name__ for f in module_functions()]
    groups: dict[str, list[dict[str, Any]]] = {n: [] for n in [*names, "other"]}
    for p in desc["params"]:
        groups[sections.get(p["key"], "other")].append(p)
    out = {}
    for mod, ps in groups.items():
        if not ps:
            out[f"params:{mod}"] = "_No parameter of the scenario belongs to this group._\n"
            continue
        rows = []
        for p in ps:
            ped = src_link(p["source"]) if p["source"] else ""
            if p["assumption"]:
                ped = (ped + "; " if ped else "") + "assumption: " + p["assumption"]
            unc = p["uncertainty"] or "none stated"
            if outside_range(sc_params[p["key"]]):
                unc += " **(value outside)**"
            rows.append(
                [
                    f"`{p['key']}`",
                    fmt_num(p["value"]),
                    p["unit"],
                    unc,
                    p["doc"],
                    ped,
                    read_in(p["key"], files),
                ]
            )
        out[f"params:{mod}"] = (
            table(
                [
                    "parameter",
                    "value",
                    "unit",
                    "uncertainty",
                    "meaning",
                    "source / assumption",
                    "read in",
                ],
                rows,
                ["l", "r", "l", "l", "l", "l", "l"],
            )
            + "\n"
        )
    return out


def roles_block(sc: Any) -> str:
    """Every actor's role ladder with the effort weight and trigger each rung compiles to."""
    v = {k: p.value for k, p in sc.params.items()}
    weight = {
        "none": 0.0,
        "home": v.get("weight_home"),
        "regional": v.get("weight_regional"),
        "theatre": 1.0,
    }
    rows = []
    for code, actor in sc.actors.items():
        if not actor.rungs:
            rows.append(
                [
                    code,
                    "(no ladder)",
                    "",
                    "",
                    "",
                    "",
                    "",
                    actor.name + ": always at war; its forces always fight",
                    "",
                ]
            )
            continue
        chosen = sc.roles.get(code, actor.default)
        for name, r in actor.rungs.items():
            trig = r.trigger if r.forces != "none" else "never"
            rows.append(
                [
                    code,
                    f"`{name}`",
                    "yes" if r.us_basing else "no",
                    r.forces,
                    fmt_num(weight[r.forces]) if weight[r.forces] is not None else "?",
                    trig,
                    r.release or "",
                    r.doc,
                    "**yes**" if name == chosen else "",
                ]
            )
    return (
        table(
            [
                "actor",
                "rung",
                "US basing",
                "forces",
                "effort weight",
                "trigger (effective)",
                "releases",
                "meaning",
                f"{sc.name}",
            ],
            rows,
        )
        + "\n"
    )


def plan_block(sc: Any) -> str:
    """Tabulate the scenario's header: year, horizon, roles and the PRC strike plan."""
    roles = ", ".join(f"{k}={sc.roles.get(k, a.default)}" for k, a in sc.actors.items() if a.rungs)
    rows = [
        ["name", f"`{sc.name}`"],
        ["title", sc.title],
        ["year", str(sc.year)],
        ["horizon", f"{sc.horizon_days} days"],
        ["roles", roles],
        ["PRC strike hosts (`plan.strike_hosts`)", ", ".join(sc.plan.strike_hosts)],
        [
            "strikes on allied bases (`plan.strike_allied_bases`)",
            "yes" if sc.plan.strike_allied_bases else "no",
        ],
        ["packs", ", ".join(sc.packs)],
        ["source", src_link(sc.source)],
    ]
    return table(["item", "value"], rows) + "\n"


def sources_block(sc: Any) -> str:
    """Tabulate the bibliography; each row is an anchor that other tables link to."""
    rows = [
        [f'<a id="src-{k}"></a>`{k}`', s.author, s.title, s.publisher, str(s.year), s.kind, s.url]
        for k, s in sc.sources.items()
    ]
    return table(["key", "author", "title", "publisher", "year", "kind", "url"], rows) + "\n"


def _context_fields(recs: list[Any], numeric: set[str]) -> list[str]:
    """Non-numeric fields worth a column (text, flags, references)."""
    if not recs:
        return []
    fields = [f for f in type(recs[0]).model_fields if f not in _CITED_FIELDS and f not in numeric]
    keep = []
    for f in fields:
        vals = [getattr(r, f) for r in recs]
        if any(x is True or (isinstance(x, str) and x) for x in vals):
            keep.append(f)
    return keep


def data_blocks(sc: Any, desc: dict[str, Any]) -> dict[str, str]:
    """One table per kind of cited record (``data:TABLE``): every number with its pedigree."""
    entries: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for d in desc["data"]:
        path, field = d["key"].rsplit(".", 1)
        table_name, _, rec_id = path.partition(".")
        entries.setdefault((table_name, rec_id), {})[field] = d
    out = {}
    for table_name, _title in DATA_TABLES:
        if table_name == "theatre":
            recs = {"": sc.theatre}
        else:
            recs = dict(getattr(sc, table_name))
        if not recs:
            out[f"data:{table_name}"] = "_None in this scenario._\n"
            continue
        numeric: list[str] = []
        for rid in recs:
            for f in entries.get((table_name, rid), {}):
                if f not in numeric:
                    numeric.append(f)
        attr = {f: ("ship_class" if f == "class" else f) for f in numeric}
        context = _context_fields(list(recs.values()), {attr[f] for f in numeric})
        header = (
            (["record"] if table_name != "theatre" else [])
            + [("class" if f == "ship_class" else f) for f in context]
            + numeric
            + ["source"]
        )
        rows = []
        notes = []
        for rid, rec in recs.items():
            row = [f"`{rid}`"] if table_name != "theatre" else []
            for f in context:
                val = getattr(rec, f)
                row.append("yes" if val is True else "" if val in (None, False) else str(val))
            for f in numeric:
                e = entries.get((table_name, rid), {}).get(f)
                if e is None:
                    row.append("")
                    continue
                txt = fmt_num(e["value"])
                if e["assumption"]:
                    txt += " *"
                    key = f"{table_name}.{rid}.{f}" if rid else f"{table_name}.{f}"
                    notes.append(f"- `{key}`: {cell(e['assumption'])}")
                elif e["source"] != rec.source:
                    txt += f" [{e['source']}]"
                row.append(txt)
            row.append(src_link(rec.source) if rec.source else "(per field)")
            rows.append(row)
        body = table(header, rows)
        if notes:
            body += "\n\n\\* assumption, with its rationale:\n\n" + "\n".join(notes)
        out[f"data:{table_name}"] = body + "\n"
    return out


# --------------------------------------------------------------------------------------
# calibration: the CSIS base-case figures against a run of the model

# CSIS base-case figures (csis-2023; Japan's and CNN's figures from press coverage,
# csis-2023-press). These are the published results the model is compared with, not inputs.
CSIS_FIGURES: list[tuple[str, str, str]] = [
    (
        "defence_prevails",
        "3 of 3 base-case games (two decisive defeats, one stalemate against the PRC)",
        "csis-2023",
    ),
    ("prc_decisive_defeat", "2 of 3 base-case games", "csis-2023"),
    ("decided_day", "most games lasted about six 3.5-day turns (about 3 weeks)", "csis-2023"),
    ("amph_share", "at least 90% in every game", "csis-2023"),
    ("amph_ships", "86", "csis-2023"),
    ("prc_ships", "138 (86 amphibious, 52 others)", "csis-2023"),
    ("prc_aircraft", "about 161 (CNN: 155)", "csis-2023"),
    ("us_carriers", "2 in every base game", "csis-2023"),
    ("us_surface", "7-20", "csis-2023"),
    ("us_aircraft", "283 on average (168-372)", "csis-2023"),
    ("allied_ground_share", "about 90% of allied aircraft losses on the ground", "csis-2023"),
    ("us_killed", "about 3,200 (of about 6,960 casualties)", "csis-2023"),
    ("jpn_aircraft", "about 122", "csis-2023-press"),
    ("jpn_ships", "26", "csis-2023-press"),
    ("twn_surface", "all 26", "csis-2023"),
    ("twn_aircraft", "about half its air force", "csis-2023"),
    ("bn_landed", "about 37", "csis-2023"),
    ("bn_end", "about 30 remained", "csis-2023"),
    ("territory_end", "about 7% of Taiwan", "csis-2023"),
]

CAL_LABELS = {
    "defence_prevails": "Defence prevails (decisive PRC defeat or stalemate against the PRC)",
    "prc_decisive_defeat": "Decisive PRC defeat",
    "decided_day": "Day the outcome is settled (the verdict; losses count `war_end_days` more)",
    "amph_share": "PRC amphibious fleet sunk (share)",
    "amph_ships": "PRC amphibious ships sunk",
    "prc_ships": "PRC ships sunk",
    "prc_aircraft": "PRC aircraft lost",
    "us_carriers": "US carriers lost",
    "us_surface": "US major surface combatants lost",
    "us_aircraft": "US aircraft lost",
    "allied_ground_share": "Coalition aircraft losses on the ground (share)",
    "us_killed": "US personnel killed",
    "jpn_aircraft": "Japan aircraft lost",
    "jpn_ships": "Japan ships lost",
    "twn_surface": "Taiwan major surface combatants lost",
    "twn_aircraft": "Taiwan aircraft lost",
    "bn_landed": "PRC battalions landed",
    "bn_end": "PRC battalions ashore at the end",
    "territory_end": "Territory held by the PRC at the end (share of Taiwan)",
}


def _q(a: np.ndarray, pct: bool = False) -> str:
    """``median (p10-p90)`` of a per-replication array."""
    p10, p50, p90 = (float(x) for x in np.percentile(a, [10, 50, 90]))
    if pct:
        return f"{p50:.0%} ({p10:.0%}-{p90:.0%})"
    digits = 1 if max(abs(p10), abs(p50), abs(p90)) < 10 else 0
    return f"{p50:.{digits}f} ({p10:.{digits}f}-{p90:.{digits}f})"


def calibration_figures(reps: int = CAL_REPS, seed: int = CAL_SEED) -> dict[str, str]:
    """Model figures for each calibration row, from ``straitsim run csis-2026``."""
    import straitsim as ss
    from straitsim.analysis import summary

    res = ss.run(SCENARIO, reps=reps, seed=seed)
    t = res.trajectory
    L = {c: {m: a[0] for m, a in ms.items()} for c, ms in t.losses.items()}
    out = {}
    for key in ("defence_prevails",):
        d = summary.defence_prevails(t)
        out[key] = f"{d['p']:.3f} (95% CI {d['lo']:.3f}-{d['hi']:.3f})"
    d = summary.outcome_probabilities(t)["prc_decisive_defeat"]
    out["prc_decisive_defeat"] = f"{d['p']:.3f} (95% CI {d['lo']:.3f}-{d['hi']:.3f})"
    day = np.nan_to_num(t.decided_day[0], nan=res.days - 1)
    out["decided_day"] = _q(day)
    out["amph_share"] = _q(L["CHN"]["amphibious_fleet_sunk_share"], pct=True)
    out["amph_ships"] = _q(L["CHN"]["amphibious_ships"])
    out["prc_ships"] = _q(L["CHN"]["ships"])
    out["prc_aircraft"] = _q(L["CHN"]["aircraft"])
    out["us_carriers"] = _q(L["USA"]["carriers"])
    out["us_surface"] = _q(L["USA"]["surface_combatants"])
    out["us_aircraft"] = _q(L["USA"]["aircraft"])
    allied = [c for c in L if c != "CHN"]
    ground = sum(L[c]["aircraft_on_ground"] for c in allied)
    total = sum(L[c]["aircraft"] for c in allied)
    out["allied_ground_share"] = _q(
        np.where(total > 0, ground / np.where(total > 0, total, 1.0), 0.0), pct=True
    )
    out["us_killed"] = _q(L["USA"]["personnel_killed"])
    out["jpn_aircraft"] = _q(L["JPN"]["aircraft"])
    out["jpn_ships"] = _q(L["JPN"]["ships"])
    out["twn_surface"] = _q(L["TWN"]["surface_combatants"])
    out["twn_aircraft"] = _q(L["TWN"]["aircraft"])
    out["bn_landed"] = _q(L["CHN"]["battalions_landed"])
    out["bn_end"] = _q(t.traces["battalions_ashore"][0, -1])
    out["territory_end"] = _q(t.traces["territory_share"][0, -1], pct=True)
    return out


def starting_counts(scenario: str = SCENARIO) -> dict[str, str]:
    """Count what each calibration figure starts from in the scenario (all arrivals)."""
    import straitsim as ss
    from straitsim.engine.params import AMPHIB, SHIP_CLASSES
    from straitsim.scenario.compile import compile_params

    p = compile_params(ss.load_scenario(scenario))
    a = {code: i for i, code in enumerate(p.actors)}

    def ships(code: str, classes: tuple[int, ...] | None = None) -> float:
        m = p.group_actor == a[code]
        if classes is not None:
            m &= np.isin(p.group_class, classes)
        return float(p.group_n0[m].sum())

    def aircraft(code: str) -> float:
        return float(p.unit_n0[p.unit_actor == a[code]].sum())

    sc_cls = (SHIP_CLASSES.index("surface_combatant"),)
    counts = {
        "amph_ships": ships("CHN", AMPHIB),
        "prc_ships": ships("CHN"),
        "prc_aircraft": aircraft("CHN"),
        "us_carriers": ships("USA", (SHIP_CLASSES.index("carrier"),)),
        "us_surface": ships("USA", sc_cls),
        "us_aircraft": aircraft("USA"),
        "jpn_aircraft": aircraft("JPN"),
        "jpn_ships": ships("JPN"),
        "twn_surface": ships("TWN", sc_cls),
        "twn_aircraft": aircraft("TWN"),
        "bn_landed": p.chn_battalions,
        "bn_end": p.chn_battalions,
    }
    return {k: fmt_num(round(v, 1)) for k, v in counts.items()}


def calibration_block(reps: int = CAL_REPS, seed: int = CAL_SEED) -> str:
    """Tabulate CSIS figures against model medians (10-90%), starting counts and sources."""
    figs = calibration_figures(reps, seed)
    start = starting_counts()
    rows = [
        [CAL_LABELS[k], csis, figs[k], start.get(k, ""), src_link(src)]
        for k, csis, src in CSIS_FIGURES
    ]
    head = (
        f"`straitsim run {SCENARIO} --reps {reps} --seed {seed}`: median (10th-90th percentile) "
        'across replications; probabilities with 95% Wilson intervals. "In the scenario" is what '
        "the count starts from (every unit and ship group, late arrivals included; for "
        "battalions, the PRC pool).\n\n"
    )
    return (
        head
        + table(["figure", "CSIS base case", "model", "in the scenario", "source"], rows)
        + "\n"
    )


# --------------------------------------------------------------------------------------
# attribution: which module produced each loss

_TRACKED = ("ships", "lost_air", "lost_ground", "killed", "bn_landed")


def module_contributions(
    reps: int = CAL_REPS, seed: int = CAL_SEED, scenario: str = SCENARIO
) -> tuple[Any, dict[tuple[str, str], np.ndarray]]:
    """Sum each step's change to the loss ledger, from an after-step hook of the engine's loop.

    Returns the compiled parameters and ``{(step, field): per-replication totals}`` (P, R, ...)
    for the fields in ``_TRACKED`` (last axis as in the state). Changes to replications decided
    on an earlier day are left out, as the engine discards them. The totals are checked
    against the ledger of the same run: if they no longer add up, this raises ``RuntimeError``.
    """
    import straitsim as ss
    from straitsim.engine.campaign import Campaign, Event
    from straitsim.engine.groups import by_actor
    from straitsim.engine.state import UNDECIDED
    from straitsim.scenario.compile import compile_params

    p = compile_params(ss.load_scenario(scenario))
    A, P = len(p.actors), p.n_profiles

    def ledger(st: dict[str, Any], v: dict[str, Any]) -> dict[str, np.ndarray]:
        """Compute the ledger as the engine reports it: per actor, crews and aircrew in killed."""
        air = by_actor(np.asarray(st["lost_air"]), p.unit_actor, A)
        ground = by_actor(np.asarray(st["lost_ground"]), p.unit_actor, A)
        sunk = np.asarray(p.group_n0) - np.asarray(st["ships"])
        crews = by_actor(sunk * p.group_crew, p.group_actor, A)
        crews = crews * np.asarray(v["crew_killed_share"])[..., None]
        aircrew = air * np.asarray(v["aircrew_killed_per_air_loss"])[..., None]
        return {
            "ships": np.asarray(st["ships"]),
            "lost_air": air,
            "lost_ground": ground,
            "killed": np.asarray(st["killed"]) + crews + aircrew,
            "bn_landed": np.asarray(st["bn_landed"]),
        }

    acc: dict[tuple[str, str], np.ndarray] = {}

    def add_change(ev: Event) -> None:
        assert ev.before is not None
        live = np.asarray(ev.before["outcome"]) == UNDECIDED
        before, after = ledger(ev.before, ev.v), ledger(ev.state, ev.v)
        for k in _TRACKED:
            d = after[k] - before[k]
            d = np.where(live.reshape(live.shape + (1,) * (d.ndim - 2)), d, 0.0)
            total = acc.setdefault((ev.step, k), np.zeros((P, reps) + d.shape[2:]))
            total[:, ev.rows] += d

    loop = Campaign(p)
    loop.after_step.append(add_change)
    ref = loop.run(reps, seed)

    def total(k: str) -> np.ndarray:
        return sum((a for (_, f), a in acc.items() if f == k), np.zeros(1))

    ok = True
    for c, ms in ref.losses.items():
        a = p.actors.index(c)
        ships = -(total("ships") * (p.group_actor == a)).sum(-1)
        ok &= np.allclose(ms["ships"], ships, atol=1e-6)
        ok &= np.allclose(ms["aircraft_on_ground"], total("lost_ground")[..., a], atol=1e-6)
        air = total("lost_air")[..., a] + total("lost_ground")[..., a]
        ok &= np.allclose(ms["aircraft"], air, atol=1e-6)
        ok &= np.allclose(ms["personnel_killed"], total("killed")[..., a], atol=1e-6)
    ok &= np.allclose(ref.losses["CHN"]["battalions_landed"], total("bn_landed"), atol=1e-6)
    if not ok:
        raise RuntimeError(
            "the per-step changes of the loss ledger no longer add up to campaign.simulate's "
            "ledger: see module_contributions() in scripts/gen_model_tables.py"
        )
    return p, acc


def attribution_block(reps: int = CAL_REPS, seed: int = CAL_SEED) -> str:
    """Tabulate, per loss, the mean contribution of each module (per replication)."""
    from straitsim.engine import campaign
    from straitsim.engine.params import AMPHIB, SHIP_CLASSES

    p, acc = module_contributions(reps, seed)
    mods = [m.__name__ for m in campaign.MODULES]
    rows_spec: list[tuple[str, str, Callable[[np.ndarray], np.ndarray]]] = []
    for a, code in enumerate(p.actors):
        rows_spec.append((f"{code} aircraft lost in the air", "lost_air", lambda x, a=a: x[..., a]))
        rows_spec.append(
            (f"{code} aircraft lost on the ground", "lost_ground", lambda x, a=a: x[..., a])
        )
        for ci, cname in enumerate(SHIP_CLASSES):
            if code == "CHN" and ci in AMPHIB:
                continue
            m = (p.group_actor == a) & (p.group_class == ci)
            if m.any():
                label = f"{code} {cname.replace('_', ' ')}s sunk"
                rows_spec.append((label, "ships", lambda x, m=m: -(x * m).sum(-1)))
        if code == "CHN":
            m = (p.group_actor == a) & np.isin(p.group_class, AMPHIB)
            rows_spec.append(
                ("CHN amphibious ships sunk", "ships", lambda x, m=m: -(x * m).sum(-1))
            )
            rows_spec.append(("CHN battalions landed", "bn_landed", lambda x: x))
        rows_spec.append((f"{code} personnel killed", "killed", lambda x, a=a: x[..., a]))
    table_rows = []
    used: list[str] = []
    values: list[tuple[str, dict[str, float]]] = []
    for label, field, f in rows_spec:
        per = {m: float(np.mean(f(np.asarray(acc.get((m, field), np.zeros(1)))))) for m in mods}
        if sum(abs(x) for x in per.values()) < 0.05:
            continue
        values.append((label, per))
        used += [m for m, x in per.items() if abs(x) >= 0.05 and m not in used]
    cols = [m for m in mods if m in used]

    def num(x: float) -> str:
        if abs(x) < 0.05:
            return ""
        return f"{x:.1f}" if abs(x) < 10 else f"{x:.0f}"

    for label, per in values:
        table_rows.append([label, *[num(per[m]) for m in cols], num(sum(per.values()))])
    head = (
        f"Mean per replication over the same {reps} replications (seed {seed}); rows with "
        "nothing to report are left out. Generated by an after-step hook of the daily loop "
        "and checked against the engine's own ledger.\n\n"
    )
    header = ["loss", *[f"`{m}`" for m in cols], "total"]
    return head + table(header, table_rows, ["l", *["r"] * (len(cols) + 1)]) + "\n"


# --------------------------------------------------------------------------------------
# assembling and rewriting


def static_blocks(scenario: str = SCENARIO) -> dict[str, str]:
    """Every generated block except ``calibration`` (no model run needed)."""
    import straitsim as ss
    from straitsim.scenario.describe import describe

    sc = ss.load_scenario(scenario)
    desc = describe(sc)
    blocks = {"plan": plan_block(sc), "roles": roles_block(sc), "sources": sources_block(sc)}
    blocks.update(params_blocks(desc, sc.params))
    blocks.update(data_blocks(sc, desc))
    return blocks


def all_blocks(with_run: bool = True) -> dict[str, str]:
    """Every generated block; ``with_run`` adds the calibration run."""
    blocks = static_blocks()
    if with_run:
        blocks["calibration"] = calibration_block()
        blocks["attribution"] = attribution_block()
    return blocks


def blocks_in(text: str) -> dict[str, str]:
    """Return the generated blocks present in ``text``: name -> body."""
    return {m.group("name"): m.group("body") for m in MARKER_RE.finditer(text)}


def render(text: str, blocks: Mapping[str, str]) -> str:
    """``text`` with the body of every marker pair named in ``blocks`` replaced.

    Raises ``KeyError`` when a block has no marker pair in the text, so a renamed section
    cannot silently drop a table.
    """
    present = blocks_in(text)
    missing = sorted(set(blocks) - set(present))
    if missing:
        raise KeyError("docs/model.md lacks marker pairs for: " + ", ".join(missing))

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        body = blocks.get(name, m.group("body"))
        return f"{BEGIN.format(name=name)}\n{body}{END.format(name=name)}"

    return MARKER_RE.sub(sub, text)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the document is out of date")
    ap.add_argument("--no-run", action="store_true", help="skip the calibration run")
    ap.add_argument(
        "--path", type=Path, default=DOC, help="document to update (default docs/model.md)"
    )
    args = ap.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    new = render(text, all_blocks(with_run=not args.no_run))
    if args.check:
        if new != text:
            print(
                f"{args.path} is out of date: run python scripts/gen_model_tables.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        args.path.write_text(new, encoding="utf-8")
        print(f"updated {args.path}")
    else:
        print(f"{args.path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
