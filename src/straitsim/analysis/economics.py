"""Defence spending and GDP by country and year, with their sources (``economics.toml``).

The figures burden sharing and the investment analysis set against each ally's
contribution: SIPRI actuals, national budgets, plans and targets, and the US asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.errors import UserError
from straitsim.scenario.load import DATA_DIR, read_toml

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


ECONOMICS_PATH = DATA_DIR / "economics.toml"
# Preference among national rows of the same year when no SIPRI figure exists.
KIND_ORDER = ("actual", "budget", "request", "plan", "target")
SPENDING_FIELDS = (
    "iso3",
    "year",
    "fiscal_year",
    "kind",
    "basis",
    "milex_usd_bn",
    "pct_gdp",
    "gdp_usd_bn",
    "lcu_bn",
    "currency",
    "note",
    "source",
)


@dataclass(frozen=True)
class Economics:
    """Cited defence-spending data: tables as pandas DataFrames and the bibliography."""

    spending: pd.DataFrame
    plan_total: pd.DataFrame
    us_ask: pd.DataFrame
    sources: dict[str, dict[str, Any]]
    path: str

    def cite(self, key: str) -> str:
        """Short citation of a source key: ``publisher (year): title``."""
        s = self.sources[key]
        return f"{s.get('publisher', s.get('author', ''))} ({s.get('year', 'n.d.')}): {s['title']}"


def load_economics(path: str | Path | None = None) -> Economics:
    """Read and check the economics data (default: the built-in ``economics.toml``).

    Parameters
    ----------
    path : str or Path, optional
        Another file with the same layout (``[[spending]]``, ``[[plan_total]]``,
        ``[[us_ask]]`` and ``[sources.KEY]`` tables).

    Returns
    -------
    Economics
        The tables, each row with a ``source`` key present in ``sources``.

    Raises
    ------
    UserError
        A missing file, bad TOML, a row without ``iso3``/``year``/``source``, a source key
        missing from the bibliography, or a non-numeric figure.
    """
    if path is None:
        return _load_builtin()
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=1)
def _load_builtin() -> Economics:
    return _load(str(ECONOMICS_PATH.resolve()))


def _load(path: str) -> Economics:
    import pandas as pd

    label = "<built-in economics.toml>" if Path(path) == ECONOMICS_PATH.resolve() else path
    d = read_toml(Path(path), label)
    sources = d.get("sources", {})
    if not isinstance(sources, dict) or not sources:
        raise UserError(
            "no bibliography", file=label, key="sources", expected="[sources.KEY] tables"
        )
    for key, s in sources.items():
        if (
            not isinstance(s, dict)
            or "title" not in s
            or s.get("kind") not in ("primary", "secondary", "press")
        ):
            raise UserError(
                "bad source entry",
                file=label,
                key=f"sources.{key}",
                expected="a table with title and kind = primary|secondary|press",
                found=repr(s),
            )
    tables = {}
    for name in ("spending", "plan_total", "us_ask"):
        rows = d.get(name, [])
        if not isinstance(rows, list):
            raise UserError(
                "bad table", file=label, key=name, expected="an array of tables", found=repr(rows)
            )
        for i, r in enumerate(rows):
            where = f"{name}[{i}]"
            for k in ("iso3", "source") + (("year",) if name != "plan_total" else ()):
                if k not in r:
                    raise UserError(
                        "missing field", file=label, key=f"{where}.{k}", expected="a value"
                    )
            if r["source"] not in sources:
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"{where}.source",
                    expected="a key of [sources]",
                    found=repr(r["source"]),
                )
            for k in ("milex_usd_bn", "pct_gdp", "gdp_usd_bn", "lcu_bn", "usd_bn"):
                if k in r and (isinstance(r[k], bool) or not isinstance(r[k], int | float)):
                    raise UserError(
                        "not a number",
                        file=label,
                        key=f"{where}.{k}",
                        expected="a number",
                        found=repr(r[k]),
                    )
        tables[name] = pd.DataFrame(rows)
    sp = tables["spending"].reindex(columns=list(SPENDING_FIELDS))
    for k in ("milex_usd_bn", "pct_gdp", "gdp_usd_bn", "lcu_bn"):
        sp[k] = sp[k].astype(float)
    return Economics(sp, tables["plan_total"], tables["us_ask"], sources, label)


def spending_table(iso3: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
    """Return the spending rows (optionally for some countries and one year), with sources."""
    sp = load_economics().spending
    if iso3 is not None:
        sp = sp[sp["iso3"].isin([c.upper() for c in iso3])]
    if year is not None:
        sp = sp[sp["year"] == year]
    return sp.reset_index(drop=True)


def latest_common_year(econ: Economics, countries: Sequence[str]) -> int:
    """Latest year with a SIPRI (comparable) figure for every country."""
    sp = econ.spending[econ.spending["basis"] == "sipri"]
    years: set[int] | None = None
    for c in countries:
        ys = {int(y) for y in sp.loc[sp["iso3"] == c, "year"]}
        if not ys:
            raise UserError(
                "no spending data",
                key="allies",
                expected="a country in economics.toml",
                found=repr(c),
            )
        years = ys if years is None else years & ys
    if not years:
        raise UserError("no common year of spending data", key="year", found=", ".join(countries))
    return max(years)


def spending_for(econ: Economics, iso3: str, year: int) -> dict[str, Any]:
    """One country's defence spending and GDP for ``year``.

    The SIPRI figure for that year is preferred (comparable across countries); failing that,
    the national figure for the year (actual, then budget, request, plan, target). GDP comes
    from the SIPRI row of that year, or the latest earlier SIPRI year (``gdp_year`` says which).
    Missing figures are NaN; ``note`` says why.
    """
    sp = econ.spending[econ.spending["iso3"] == iso3]
    sipri = sp[sp["basis"] == "sipri"].sort_values("year")
    same = sipri[sipri["year"] == year]
    out: dict[str, Any] = {
        "milex_usd_bn": np.nan,
        "pct_gdp": np.nan,
        "spending_basis": None,
        "spending_source": None,
    }
    notes = []
    if len(same):
        r = same.iloc[0]
        out.update(
            milex_usd_bn=r["milex_usd_bn"],
            pct_gdp=r["pct_gdp"],
            spending_basis="sipri",
            spending_source=r["source"],
        )
    else:
        nat = sp[(sp["basis"] == "national") & (sp["year"] == year)].copy()
        if len(nat):
            nat["rank"] = nat["kind"].map({k: i for i, k in enumerate(KIND_ORDER)})
            r = nat.sort_values("rank").iloc[0]
            out.update(
                milex_usd_bn=r["milex_usd_bn"],
                pct_gdp=r["pct_gdp"],
                spending_basis=f"national {r['kind']}",
                spending_source=r["source"],
            )
            notes.append(
                f"{iso3} {year}: national {r['kind']} figure ({r['note']}); "
                "not comparable with SIPRI"
            )
        else:
            notes.append(f"{iso3}: no spending figure for {year}")
    earlier = sipri[sipri["year"] <= year]
    if len(earlier):
        g = earlier.iloc[-1]
        out.update(gdp_usd_bn=g["gdp_usd_bn"], gdp_year=int(g["year"]), gdp_source=g["source"])
        if int(g["year"]) != year:
            notes.append(f"{iso3}: GDP of {int(g['year'])} (latest SIPRI year) used for {year}")
    else:
        out.update(gdp_usd_bn=np.nan, gdp_year=None, gdp_source=None)
        notes.append(f"{iso3}: no GDP figure for {year} or earlier")
    asks = econ.us_ask[econ.us_ask["iso3"] == iso3] if len(econ.us_ask) else econ.us_ask
    if len(asks):
        a = asks.sort_values(["year", "pct_gdp"]).iloc[-1]
        out.update(us_ask_pct_gdp=float(a["pct_gdp"]), us_ask_source=a["source"])
        if "weak" in str(econ.sources[a["source"]].get("note", "")):
            notes.append(f"{iso3}: the US ask of {a['pct_gdp']:g}% of GDP cites a weak source")
    else:
        out.update(us_ask_pct_gdp=np.nan, us_ask_source=None)
    out["notes"] = notes
    return out
