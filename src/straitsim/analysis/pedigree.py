"""Input pedigree: which numbers in the data rest on which sources, and of what kind.

Every number the model reads carries a source key or an explicit assumption. This module
collects them, from a resolved scenario (its parameters and data records, through
:func:`straitsim.scenario.describe.describe`) and from the other data files in
``scenario/data/*.toml`` (economics, investments, validation...), and classes each number by
the ``kind`` of the source it cites: ``primary`` (the originating study or official
document), ``secondary`` (a reference work or summary compiling others), ``press``, or
``assumption``. ``unresolved`` marks a number whose key names no bibliography entry, or a
number outside any cited record; it should stay empty.

Nothing here is written by hand: ``straitsim sources``, ``straitsim validate``'s documents,
``show`` and reports call :func:`pedigree`, :func:`sources_table` and
:func:`assumptions_table`.

How other data files are read: a *record* is a table with a ``source``, ``assumption``,
``why`` or ``assumed`` key. Every number inside it (nested tables and lists included;
booleans and identifying keys such as ``year`` excluded) counts once and cites the record's
``source``; ``field_sources`` (field -> key) and ``assumed`` (field -> rationale) override
single fields, as in the scenario packs; a nested table with its own ``source`` cites that,
and one with ``assumption`` or ``why`` (a rationale for an amount) rests on that
assumption. A file whose ``kind`` is listed in :data:`NUMBER_FIELDS` counts only those
fields of its records (the validation file's published figures, not its tolerances).
Source keys resolve first in the file's own ``[sources]`` table, then in the scenario's
bibliography. A number outside every record is ``unresolved``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from straitsim.errors import UserError
from straitsim.scenario.describe import describe
from straitsim.scenario.load import DATA_DIR, PACK_DIR, load_scenario, read_toml
from straitsim.scenario.schema import Scenario, Source

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CLASSES = ("primary", "secondary", "press", "assumption", "unresolved")
IDENTIFYING_KEYS = frozenset({"year", "years", "fiscal_year", "start_year", "end_year", "id"})
NUMBER_FIELDS: dict[str, tuple[str, ...]] = {"validation": ("published",)}
_RECORD_MARKERS = ("source", "assumption", "assumed", "why")
_META_KEYS = frozenset(
    {"source", "assumption", "assumed", "why", "field_sources", "original", "notes", "note"}
)


@dataclass(frozen=True)
class Citation:
    """One cited number (or a small group of numbers under one key) in the data.

    ``where`` is ``params`` or ``data`` for the scenario, or the data file's name;
    ``n_numbers`` counts the numbers under ``key`` (a mapping such as ``anti_ship`` holds
    several); ``pclass`` is the pedigree class (one of :data:`CLASSES`).
    """

    where: str
    key: str
    value: Any
    n_numbers: int
    source: str | None
    assumption: str | None
    pclass: str


def data_files() -> list[Path]:
    """Return the data files beside the scenario packs (``scenario/data/*.toml``), sorted."""
    return sorted(DATA_DIR.glob("*.toml"))


def _resolve(sc: Scenario | str | None) -> Scenario:
    if isinstance(sc, Scenario):
        return sc

    return load_scenario(sc or "csis-2026")


def _classify(source: str | None, assumption: str | None, bib: Mapping[str, Source]) -> str:
    if source:
        s = bib.get(source)
        return s.kind if s is not None else "unresolved"
    return "assumption" if assumption else "unresolved"


def _n_numbers(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return 1
    if isinstance(value, Mapping):
        return sum(_n_numbers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_n_numbers(v) for v in value)
    return 0


def scenario_citations(sc: Scenario) -> list[Citation]:
    """Every parameter and cited data number of a resolved scenario."""
    doc = describe(sc)
    out = []
    for p in doc["params"]:
        out.append(
            Citation(
                "params",
                f"params.{p['key']}",
                p["value"],
                1,
                p["source"],
                p["assumption"],
                _classify(p["source"], p["assumption"], sc.sources),
            )
        )
    for d in doc["data"]:
        n = max(_n_numbers(d["value"]), 1)
        out.append(
            Citation(
                "data",
                d["key"],
                d["value"],
                n,
                d["source"],
                d["assumption"],
                _classify(d["source"], d["assumption"], sc.sources),
            )
        )
    return out


def file_sources(path: Path) -> dict[str, Source]:
    """Read the ``[sources]`` table of one data file (extra keys such as ``note`` ignored)."""
    raw = read_toml(path).get("sources", {})
    out = {}
    for k, v in raw.items():
        known = (
            {f: x for f, x in v.items() if f in Source.model_fields}
            if isinstance(v, Mapping)
            else v
        )
        try:
            out[k] = Source.model_validate(known)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise UserError(
                "invalid source entry",
                file=str(path),
                key=f"sources.{k}" + (f".{loc}" if loc else ""),
                expected=err["msg"].lower(),
                found=repr(err.get("input"))[:60],
            ) from None
    return out


def _is_record(node: Any) -> bool:
    return isinstance(node, Mapping) and any(m in node for m in _RECORD_MARKERS)


def _records(node: Any, path: str) -> Iterator[tuple[str, Any, bool]]:
    """Yield ``(key path, node, is_record)`` for records and for stray numbers outside them."""
    if isinstance(node, Mapping):
        if _is_record(node):
            yield path, node, True
            return
        for k, v in node.items():
            if k in IDENTIFYING_KEYS or k == "kind":
                continue
            yield from _records(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            ident = v.get("id", i) if isinstance(v, Mapping) else i
            yield from _records(v, f"{path}[{ident}]")
    elif _n_numbers(node):
        yield path, node, False


def _cite(
    node: Any,
    path: str,
    source: str | None,
    assumption: str | None,
    only: tuple[str, ...] | None,
) -> Iterator[tuple[str, Any, str | None, str | None]]:
    """Yield ``(key path, number, source, assumption)`` for every number under ``node``.

    A nested table with its own ``source``, ``assumption``, ``why`` or ``assumed`` starts a
    new context; ``field_sources`` and ``assumed`` override single fields.
    """
    if isinstance(node, list):
        for i, v in enumerate(node):
            yield from _cite(v, f"{path}[{i}]", source, assumption, None)
        return
    if not isinstance(node, Mapping):
        if _n_numbers(node):
            yield path, node, source, assumption
        return
    if _is_record(node):
        own_src = node.get("source")
        own_why = node.get("assumption") or node.get("why")
        if own_src is not None:
            source, assumption = own_src, None
        elif own_why is not None:
            source, assumption = None, own_why
    fsrc = node.get("field_sources", {}) or {}
    assumed = node.get("assumed", {}) or {}
    if isinstance(assumed, str):
        source, assumption, assumed = None, assumed, {}
    for f, v in node.items():
        if f in _META_KEYS or f in IDENTIFYING_KEYS or (only is not None and f not in only):
            continue
        if f in fsrc:
            s, a = fsrc[f], None
        elif f in assumed:
            s, a = None, assumed[f]
        else:
            s, a = source, assumption
        yield from _cite(v, f"{path}.{f}" if path else str(f), s, a, None)


def file_citations(path: Path, fallback: Mapping[str, Source]) -> list[Citation]:
    """Every cited number in one data file (see the module docstring for the rules)."""
    raw = read_toml(path)
    bib: dict[str, Source] = dict(fallback)
    bib.update(file_sources(path))
    only = NUMBER_FIELDS.get(str(raw.get("kind", "")))
    where = path.name
    out = []
    body = {k: v for k, v in raw.items() if k not in ("sources", "kind")}
    for kpath, node, is_record in _records(body, ""):
        if not is_record:
            out.append(Citation(where, kpath, node, _n_numbers(node), None, None, "unresolved"))
            continue
        for key, value, s, a in _cite(node, kpath, None, None, only):
            out.append(Citation(where, key, value, 1, s, a, _classify(s, a, bib)))
    return out


def citations(
    sc: Scenario | str | None = None, files: Sequence[Path] | None = None
) -> list[Citation]:
    """Every cited number: the scenario's, then each data file's."""
    s = _resolve(sc)
    out = scenario_citations(s)
    for f in data_files() if files is None else files:
        out.extend(file_citations(Path(f), s.sources))
    return out


def _shares(items: Iterable[Citation]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for c in items:
        counts[c.pclass] += c.n_numbers
    n = sum(counts.values())
    return {
        "n": n,
        **{k: counts.get(k, 0) for k in CLASSES},
        "shares": {k: (counts.get(k, 0) / n if n else 0.0) for k in CLASSES},
    }


def pedigree_summary(
    sc: Scenario | str | None = None, files: Sequence[Path] | None = None
) -> dict[str, dict[str, Any]]:
    """Count numbers by pedigree class, per scope, with their shares.

    Scopes: ``params`` and ``data`` (the scenario), one per data file, ``scenario``
    (params + data) and ``all``. Each maps to ``{n, primary, secondary, press, assumption,
    unresolved, shares: {class: share}}``.
    """
    items = citations(sc, files)
    by: dict[str, list[Citation]] = defaultdict(list)
    for c in items:
        by[c.where].append(c)
    out = {w: _shares(v) for w, v in by.items()}
    out.setdefault("params", _shares([]))
    out.setdefault("data", _shares([]))
    out["scenario"] = _shares(by["params"] + by["data"])
    out["all"] = _shares(items)
    return out


def pedigree(sc: Scenario | str | None = None, files: Sequence[Path] | None = None) -> pd.DataFrame:
    """Share of numbers with a primary source, a secondary source, press, or an assumption.

    One row per scope (``params``, ``data``, ``scenario``, each data file, ``all``); columns
    ``n`` (numbers), the count per class, and ``share_<class>``.
    """
    import pandas as pd

    summ = pedigree_summary(sc, files)
    order = (
        ["params", "data", "scenario"]
        + [k for k in summ if k not in ("params", "data", "scenario", "all")]
        + ["all"]
    )
    rows = []
    for k in order:
        d = summ[k]
        rows.append(
            {
                "scope": k,
                "n": d["n"],
                **{c: d[c] for c in CLASSES},
                **{f"share_{c}": d["shares"][c] for c in CLASSES},
            }
        )
    return pd.DataFrame(rows).set_index("scope")


def _bibliographies(sc: Scenario, files: Sequence[Path]) -> dict[str, list[tuple[str, Source]]]:
    pack = read_toml(PACK_DIR / "sources.toml").get("sources", {})
    out: dict[str, list[tuple[str, Source]]] = defaultdict(list)
    for k, s in sc.sources.items():
        out[k].append(("packs/sources.toml" if k in pack else f"scenario {sc.name}", s))
    for f in files:
        for k, s in file_sources(Path(f)).items():
            out[k].append((Path(f).name, s))
    return out


def sources_table(
    sc: Scenario | str | None = None, files: Sequence[Path] | None = None
) -> pd.DataFrame:
    """Every source in the data and how many numbers cite it.

    Columns: ``kind``, ``title``, ``author``, ``year``, ``url``, ``defined_in`` (files whose
    bibliography defines the key), ``n_params`` and ``n_data`` (the scenario's), one column
    ``n_<file>`` per data file, ``n_total``, and ``conflict`` (the key is defined with
    different kinds in different files; each file's numbers use its own definition).
    Sorted by ``n_total``, most cited first.
    """
    import pandas as pd

    s = _resolve(sc)
    fl = [Path(f) for f in (data_files() if files is None else files)]
    bibs = _bibliographies(s, fl)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for c in citations(s, fl):
        if c.source:
            counts[c.source][c.where] += c.n_numbers
    for key in (s.source, s.plan.source):
        if key:
            counts[key]["data"] += 0  # cited by the scenario as a whole: listed, not counted
    rows = []
    for key in sorted(set(bibs) | set(counts)):
        defs = bibs.get(key, [])
        first = defs[0][1] if defs else None
        kinds = sorted({d[1].kind for d in defs})
        n = counts.get(key, Counter())
        row: dict[str, Any] = {
            "key": key,
            "kind": "/".join(kinds) if kinds else "undefined",
            "title": first.title if first else "",
            "author": first.author if first else "",
            "year": first.year if first else None,
            "url": first.url if first else "",
            "defined_in": ", ".join(d[0] for d in defs),
            "n_params": n.get("params", 0),
            "n_data": n.get("data", 0),
        }
        for f in fl:
            row[f"n_{f.name}"] = n.get(f.name, 0)
        row["n_total"] = sum(n.values())
        row["conflict"] = len(kinds) > 1
        rows.append(row)
    df = pd.DataFrame(rows)
    return df.sort_values(["n_total", "key"], ascending=[False, True]).set_index("key")


def assumptions_table(
    sc: Scenario | str | None = None, files: Sequence[Path] | None = None
) -> pd.DataFrame:
    """Every number that rests on an assumption, with its one-line rationale.

    Columns: ``where`` (``params``, ``data`` or a data file), ``key``, ``value``, ``rationale``.
    """
    import pandas as pd

    rows = [
        {"where": c.where, "key": c.key, "value": c.value, "rationale": c.assumption}
        for c in citations(sc, files)
        if c.pclass == "assumption"
    ]
    return pd.DataFrame(rows, columns=["where", "key", "value", "rationale"])


def _plain(v: Any) -> Any:
    """Python scalars for JSON (pandas hands back NumPy ones)."""
    if hasattr(v, "item") and not isinstance(v, list | dict | str):
        return v.item()
    return v


def sources_document(
    sc: Scenario | str | None = None, files: Sequence[Path] | None = None
) -> dict[str, Any]:
    """Build the ``straitsim sources --json`` document: pedigree, sources, assumptions."""
    s = _resolve(sc)
    fl = [Path(f) for f in (data_files() if files is None else files)]
    st = sources_table(s, fl)
    rows = [{"key": k, **{c: _plain(v) for c, v in r.items()}} for k, r in st.iterrows()]
    return {
        "scenario": s.name,
        "files": [f.name for f in fl],
        "pedigree": pedigree_summary(s, fl),
        "sources": rows,
        "conflicts": [r["key"] for r in rows if r["conflict"]],
        "assumptions": [
            {"where": c.where, "key": c.key, "value": c.value, "rationale": c.assumption}
            for c in citations(s, fl)
            if c.pclass == "assumption"
        ],
        "unresolved": [
            {"where": c.where, "key": c.key, "value": c.value, "source": c.source}
            for c in citations(s, fl)
            if c.pclass == "unresolved"
        ],
    }
