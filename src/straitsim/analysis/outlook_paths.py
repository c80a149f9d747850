"""Force paths and spending paths by year: the data behind :func:`straitsim.outlook`.

*Force paths* (``scenario/data/paths.toml``) say how the forces the model uses change by
year on each side; a year's forces are ``--set KEY=VALUE`` overrides, so an outlook year is
a plain run with those overrides. *Spending paths* say each ally's defence spending (% of
GDP) by year: ``plan`` (the national series of ``economics.toml``), ``flat`` (the 2024
level held), ``Npct`` or ``Npct@YEAR`` (linear to N% by 2030 or YEAR), the named paths of
``economics.toml`` (``[[spending_path]]``) and paths from a user's TOML file. Money above
the plan buys the ally's investment options (``investments.toml``) in file order, each in
force from its funding year plus its lead time: a higher path adds forces in later years,
never earlier ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from straitsim.analysis.economics import ECONOMICS_PATH, Economics, load_economics
from straitsim.analysis.investment_options import InvestmentOption, OptionSet
from straitsim.analysis.spending import ASK_YEAR, BASE_YEAR
from straitsim.errors import UserError
from straitsim.scenario.load import DATA_DIR, read_toml

PATHS_PATH = DATA_DIR / "paths.toml"
PACK_SOURCES = DATA_DIR / "packs" / "sources.toml"
LADDERS_PATH = DATA_DIR / "packs" / "ladders.toml"
FIRST_YEAR, LAST_YEAR = 2026, 2035
# The year the options file's ``year_available`` counts from ("if funded now").
FUNDED_NOW = 2026


@dataclass(frozen=True)
class ForcePath:
    """One series: a ``--set`` key's value by year (central, low, high) and its pedigree."""

    id: str
    side: str
    key: str
    what: str
    value: dict[int, float]
    low: dict[int, float]
    high: dict[int, float]
    source: str
    assumed: str = ""

    def at(self, year: int, pace: float | None = None) -> float | int:
        """Value in ``year``: central, or ``low + pace (high - low)`` for a pace in [0, 1]."""
        v = interp(self.value, year)
        if pace is not None:
            lo, hi = interp(self.low, year), interp(self.high, year)
            v = lo + pace * (hi - lo)
        return int(round(v)) if self.key.endswith(".n") else float(v)


@dataclass(frozen=True)
class PathSet:
    """Every force path of a file, with the bibliography its rows cite."""

    forces: dict[str, ForcePath]
    sources: dict[str, dict[str, Any]]
    path: str

    def sets(self, year: int, pace: float | None = None) -> dict[str, float | int]:
        """Return a year's forces as ``--set`` overrides ``{key: value}``, in file order."""
        return {f.key: f.at(year, pace) for f in self.forces.values()}


def interp(points: Mapping[int, float], year: int) -> float:
    """Linear between the years given; flat before the first and after the last."""
    ys = sorted(points)
    return float(np.interp(year, ys, [points[y] for y in ys]))


def _err(label: str, key: str, expected: str, found: Any, what: str = "bad value") -> UserError:
    return UserError(what, file=label, key=key, expected=expected, found=repr(found))


def _series(raw: Any, label: str, key: str) -> dict[int, float]:
    if not isinstance(raw, dict) or not raw:
        raise _err(label, key, "a table { YEAR = VALUE, ... }", raw)
    out = {}
    for y, v in raw.items():
        if not str(y).isdigit() or not 1990 <= int(y) <= 2100:
            raise _err(label, f"{key}.{y}", "a year 1990-2100", y)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise _err(label, f"{key}.{y}", "a finite number >= 0", v)
        out[int(y)] = float(v)
    return out


def load_paths(path: str | Path | None = None) -> PathSet:
    """Read and check a force-paths file (default: the built-in ``paths.toml``).

    Parameters
    ----------
    path : str or Path, optional
        A file with the layout of ``scenario/data/paths.toml``.

    Returns
    -------
    PathSet

    Raises
    ------
    UserError
        Bad TOML, a series without a side, key, value table or source, a year outside
        1990-2100, a negative or non-finite value, or an unknown source key.
    """
    if path is None:
        return _builtin()
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=1)
def _builtin() -> PathSet:
    return _load(str(PATHS_PATH.resolve()))


def _load(path: str) -> PathSet:
    label = "<built-in paths.toml>" if Path(path) == PATHS_PATH.resolve() else path
    d = read_toml(Path(path), label)
    known = dict(read_toml(PACK_SOURCES, "<built-in sources.toml>").get("sources", {}))
    known.update(d.get("sources", {}))
    forces = d.get("forces")
    if not isinstance(forces, dict) or not forces:
        raise _err(label, "forces", "[forces.ID] tables", forces, "no force paths")
    out = {}
    for fid, f in forces.items():
        where = f"forces.{fid}"
        if not isinstance(f, dict):
            raise _err(label, where, "a table", f)
        for k in ("side", "key", "value", "source"):
            if k not in f:
                raise _err(label, f"{where}.{k}", "a value", None, "missing field")
        sides = tuple(read_toml(LADDERS_PATH)["actors"])  # the bundled actors
        if f["side"] not in sides:
            raise _err(label, f"{where}.side", "one of " + ", ".join(sides), f["side"])
        if f["source"] not in known:
            raise _err(
                label, f"{where}.source", "a key of [sources]", f["source"], "unknown source"
            )
        value = _series(f["value"], label, f"{where}.value")
        low = _series(f.get("low", f["value"]), label, f"{where}.low")
        high = _series(f.get("high", f["value"]), label, f"{where}.high")
        for y in range(FIRST_YEAR, LAST_YEAR + 1):
            lo, v, hi = interp(low, y), interp(value, y), interp(high, y)
            if not lo <= v <= hi:
                raise _err(label, where, f"low <= value <= high in {y}", (lo, v, hi), "bad range")
        out[fid] = ForcePath(
            fid, f["side"], str(f["key"]), str(f.get("what", "")), value, low, high,
            f["source"], str(f.get("assumed", "")),
        )  # fmt: skip
    cited = {f.source for f in out.values()}
    return PathSet(out, {k: dict(v) for k, v in known.items() if k in cited}, label)


def parse_years(text: str | Sequence[int] | range) -> list[int]:
    """``"2026:2035"``, ``"2027"``, ``"2026,2030"`` or a sequence -> sorted years in 2026-2035."""
    if isinstance(text, str):
        m = re.fullmatch(r"\s*(\d{4})\s*:\s*(\d{4})\s*", text)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                raise _err("", "years", "FIRST:LAST with FIRST <= LAST", text)
            years = list(range(a, b + 1))
        elif re.fullmatch(r"\s*\d{4}(\s*,\s*\d{4})*\s*", text):
            years = [int(y) for y in text.split(",")]
        else:
            raise UserError(
                "bad years", key="years", expected="FIRST:LAST, e.g. 2026:2035", found=repr(text)
            )
    else:
        years = list(text)
    if not years or any(
        isinstance(y, bool) or not isinstance(y, int) or not FIRST_YEAR <= y <= LAST_YEAR
        for y in years
    ):
        raise UserError(
            "bad years",
            key="years",
            expected=f"years from {FIRST_YEAR} to {LAST_YEAR}",
            found=repr(text),
        )
    return sorted(set(years))


# ================================ spending paths ==========================================
@dataclass
class SpendingPath:
    """One ally's % of GDP by year under a named path, and explicit purchases."""

    ally: str
    name: str
    points: dict[int, float]
    source: str
    buys: list[tuple[str, int]] = field(default_factory=list)

    def pct(self, year: int) -> float:
        """% of GDP in ``year``."""
        return interp(self.points, year)


def _base_and_plan(econ: Economics, ally: str) -> tuple[float, dict[int, float], float, str]:
    """(2024 level, national points after 2024, GDP US$bn, sources) as the invest analysis."""
    sp = econ.spending[econ.spending["iso3"] == ally]
    sipri = sp[(sp["basis"] == "sipri") & (sp["year"] <= BASE_YEAR)].dropna(subset=["gdp_usd_bn"])
    if sipri.empty:
        raise UserError(
            "no spending data", key="path", expected="an ally in economics.toml", found=repr(ally)
        )
    gdp = float(sipri.sort_values("year").iloc[-1]["gdp_usd_bn"])
    nat = sp[(sp["basis"] == "national")].dropna(subset=["pct_gdp"])
    budgeted = nat[nat["kind"].isin(["actual", "budget"])]
    if len(budgeted):
        base = interp(dict(zip(budgeted["year"], budgeted["pct_gdp"], strict=True)), BASE_YEAR)
    else:
        s = sp[sp["basis"] == "sipri"].dropna(subset=["pct_gdp"])
        base = interp(dict(zip(s["year"], s["pct_gdp"], strict=True)), BASE_YEAR)
    later = nat[nat["year"] > BASE_YEAR]
    plan = {int(y): float(p) for y, p in zip(later["year"], later["pct_gdp"], strict=True)}
    srcs = ", ".join(sorted(set(later["source"]) | {"sipri-milex-2025"}))
    return base, plan, gdp, srcs


def gdp_usd_bn(ally: str, econ: Economics | None = None) -> float:
    """Return an ally's GDP (US$ bn, its latest SIPRI-implied value up to 2024; held flat)."""
    return _base_and_plan(econ or load_economics(), ally)[2]


def spending_path(
    ally: str,
    name: str,
    econ: Economics | None = None,
    user: Mapping[str, Mapping[str, Any]] | None = None,
) -> SpendingPath:
    """Resolve ``name`` for ``ally``: plan, flat, Npct[@YEAR], a named or a user path.

    Raises
    ------
    UserError
        An ally without spending data, or a name that is none of these (the error lists them).
    """
    econ = econ or load_economics()
    ally = ally.upper()
    base, plan, _, srcs = _base_and_plan(econ, ally)
    start = {BASE_YEAR: base}
    if user and name in user.get(ally, {}):
        u = user[ally][name]
        return SpendingPath(
            ally, name, {**start, **u["points"]}, u.get("source", "user"), list(u.get("buys", []))
        )
    if name == "plan":
        return SpendingPath(ally, name, {**start, **plan}, srcs)
    if name == "flat":
        return SpendingPath(ally, name, dict(start), "sipri-milex-2025")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)pct(?:@(\d{4}))?", name)
    if m:
        pct, by = float(m.group(1)), int(m.group(2) or ASK_YEAR)
        if not 0 < pct <= 10 or not BASE_YEAR < by <= 2100:
            raise UserError(
                "bad spending path", key="path", expected="Npct with 0 < N <= 10, by a year "
                "after 2024", found=repr(name),
            )  # fmt: skip
        return SpendingPath(ally, name, {**start, by: pct}, "user: " + name)
    named = _named_paths(econ.path)
    if (ally, name) in named:
        pts, src = named[(ally, name)]
        return SpendingPath(ally, name, {**start, **pts}, src)
    choices = ["plan", "flat", "Npct", "Npct@YEAR"] + sorted(n for a, n in named if a == ally)
    choices += sorted((user or {}).get(ally, {}))
    raise UserError(
        "unknown spending path", key="path", expected=f"for {ally}: " + ", ".join(choices),
        found=repr(name),
    )  # fmt: skip


@lru_cache(maxsize=4)
def _named_paths(econ_label: str) -> dict[tuple[str, str], tuple[dict[int, float], str]]:
    p = ECONOMICS_PATH if econ_label.startswith("<built-in") else Path(econ_label)
    d = read_toml(p, econ_label)
    out = {}
    for i, r in enumerate(d.get("spending_path", [])):
        key = f"spending_path[{i}]"
        pts = _series(r.get("points"), econ_label, key + ".points")
        out[(str(r.get("iso3")), str(r.get("name")))] = (pts, str(r.get("source", "")))
    return out


def load_user_paths(path: str | Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Read user-defined spending paths: ``[paths.ALLY.NAME]`` with ``points`` and ``buys``.

    ``points = { 2027 = 2.0, 2030 = 3.0 }`` (% of GDP); optional
    ``buys = [{ option = "ID", year = 2028 }]`` funds investment options outright in that year;
    optional ``source`` or ``note``.
    """
    label = str(path)
    d = read_toml(Path(path), label)
    paths = d.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise _err(label, "paths", "[paths.ALLY.NAME] tables", paths, "no spending paths")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for ally, named in paths.items():
        if not isinstance(named, dict):
            raise _err(label, f"paths.{ally}", "tables [paths.ALLY.NAME]", named)
        for name, p in named.items():
            where = f"paths.{ally}.{name}"
            pts = _series(p.get("points") if isinstance(p, dict) else p, label, where + ".points")
            for y, v in pts.items():
                if v > 10:
                    raise _err(label, f"{where}.points.{y}", "a % of GDP in [0, 10]", v)
            buys = []
            for i, b in enumerate(p.get("buys", [])):
                yr = b.get("year") if isinstance(b, dict) else None
                if not isinstance(yr, int) or isinstance(yr, bool) or not 2000 <= yr <= 2100:
                    raise _err(label, f"{where}.buys[{i}].year", "a year", yr)
                buys.append((str(b.get("option")), yr))
            src = str(p.get("source", p.get("note", "user file " + label)))
            out.setdefault(ally.upper(), {})[name] = {"points": pts, "buys": buys, "source": src}
    return out


# ================================ purchases ===============================================
@dataclass(frozen=True)
class Purchase:
    """An option bought by a spending path: funded in one year, in force from a later one."""

    ally: str
    path: str
    option: str
    funded_year: int
    in_force_year: int
    cost_usd: float


def lead_time(o: InvestmentOption) -> int:
    """Years from funding to the force: ``year_available - 2026``, at least one."""
    return max(1, int(o.year_available) - FUNDED_NOW)


def purchases(
    sp: SpendingPath,
    plan: SpendingPath,
    options: OptionSet,
    gdp_bn: float,
    years: Sequence[int],
    path_keys: Sequence[str] = (),
) -> list[Purchase]:
    """List what ``sp`` buys above ``plan``: its explicit buys, then options as money allows.

    Extra money in year t is (sp - plan) x GDP; cumulated from the first year it buys the
    ally's modelled options in file order, each once, as soon as the money funds it. Money
    below the plan buys nothing (cuts to forces are not modelled). Options that set
    (``value =``) a key the force paths already carry by year (``path_keys``) are contracted
    programmes the force paths hold and are not bought again.
    """
    bought: list[Purchase] = []
    for oid, fy in sp.buys:
        o = options.options.get(oid)
        if o is None or not o.modelled:
            raise UserError(
                "unknown option", key=f"paths.{sp.ally}.{sp.name}.buys",
                expected="a modelled option of investments.toml", found=repr(oid),
            )  # fmt: skip
        bought.append(Purchase(sp.ally, sp.name, oid, fy, fy + lead_time(o), o.cost_usd))
    own = [
        o for o in options.options.values()
        if o.actor == sp.ally and o.modelled and o.id not in {b.option for b in bought}
        and not any(ch.value is not None and ch.key in path_keys for ch in o.changes)
    ]  # fmt: skip
    money = 0.0
    for y in range(min(years), max(years) + 1):
        money += max(0.0, sp.pct(y) - plan.pct(y)) / 100.0 * gdp_bn * 1e9
        for o in list(own):
            if o.cost_usd <= money + 1e-6:
                money -= o.cost_usd
                own.remove(o)
                bought.append(Purchase(sp.ally, sp.name, o.id, y, y + lead_time(o), o.cost_usd))
    return bought
