"""Allies' spending paths (% of GDP by year) set against the investment options' costs.

What the extra money by a chosen year would buy: each ally's path from ``economics.toml``
(budgeted, else SIPRI), the US ask, and the options affordable from the difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis.economics import load_economics

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


BASE_YEAR = 2024
ASK_YEAR = 2030


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows in file order, missing figures dropped (so ``"pct_gdp" in row`` tests presence)."""
    out = []
    for r in df.to_dict(orient="records"):
        out.append({k: v for k, v in r.items() if not (isinstance(v, float) and math.isnan(v))})
    return out


def spending_paths(path: str | Path | None = None) -> pd.DataFrame:
    """Every cited % of GDP figure by ally and year: SIPRI actuals, national figures, US asks.

    Read with :func:`straitsim.analysis.burden.load_economics` (default: the built-in
    ``economics.toml``); ``source`` is a key of that file's bibliography.
    """
    import pandas as pd

    econ = load_economics(path)

    def pct_rows(df: pd.DataFrame, fixed: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "ally": r["iso3"],
                "year": int(r["year"]),
                "fiscal_year": r.get("fiscal_year"),
                "basis": r.get("basis", ""),
                "kind": r.get("kind", ""),
                "pct_gdp": float(r["pct_gdp"]),
                "source": r.get("source"),
                "note": r.get("note"),
                **fixed,
            }
            for r in _records(df)
            if "pct_gdp" in r
        ]

    us_ask = {"fiscal_year": None, "basis": "us_ask", "kind": "us_ask"}
    rows = pct_rows(econ.spending, {}) + pct_rows(econ.us_ask, us_ask)
    cols = ["ally", "year", "fiscal_year", "basis", "kind", "pct_gdp", "source", "note"]
    return (
        pd.DataFrame(rows, columns=cols)
        .sort_values(["ally", "basis", "year"], kind="stable")
        .reset_index(drop=True)
    )


def _interp(points: Mapping[int, float], y: int) -> float:
    """Linear between cited points; flat before the first and after the last."""
    ys = sorted(points)
    if y <= ys[0]:
        return points[ys[0]]
    if y >= ys[-1]:
        return points[ys[-1]]
    return float(np.interp(y, ys, [points[k] for k in ys]))


def affordability(
    ranking: pd.DataFrame,
    year: int,
    path: str | Path | None = None,
    base_year: int = BASE_YEAR,
    ask_year: int = ASK_YEAR,
) -> pd.DataFrame:
    """Extra money each ally's spending path gives by ``year``, and the ranked options it buys.

    For each ally the national % of GDP series after ``base_year`` (its last figure for each
    year, linear between figures, flat after the last) starts from its level in ``base_year``
    (national spending actual or budgeted nearest that year; SIPRI's share where the data
    hold no national figure) and is set against that level held flat; each reported
    US ask is a path rising linearly from that level to the ask by ``ask_year``. Extra money
    is the sum over ``base_year + 1 .. year`` of (path - base level) x GDP, with GDP held at its
    ``base_year`` SIPRI-implied value in current US$ (no growth: the data hold no forecasts).
    The ally's own options (ranked, gain positive at 95%, available by ``year``) are bought in rank
    order while the money lasts. National definitions differ from SIPRI's (see economics.toml).
    """
    import pandas as pd

    econ = load_economics(path)
    gdp: dict[str, tuple[int, float]] = {}
    sipri: dict[str, dict[int, float]] = {}
    budgeted: dict[str, dict[int, float]] = {}
    national: dict[str, dict[int, float]] = {}
    srcs: dict[str, set[str]] = {}
    for r in _records(econ.spending):
        c, y = r["iso3"], int(r["year"])
        if (
            r.get("basis") == "sipri"
            and "gdp_usd_bn" in r
            and y <= base_year
            and y >= gdp.get(c, (0, 0.0))[0]
        ):
            gdp[c] = (y, float(r["gdp_usd_bn"]))
        if "pct_gdp" not in r:
            continue
        if r.get("basis") == "sipri":
            sipri.setdefault(c, {})[y] = float(r["pct_gdp"])
        elif r.get("basis") == "national":
            if r.get("kind") in ("actual", "budget"):
                budgeted.setdefault(c, {})[y] = float(r["pct_gdp"])
            if y > base_year:
                national.setdefault(c, {})[y] = float(r["pct_gdp"])
            srcs.setdefault(c, set()).add(str(r.get("source")))
    asks: dict[str, list[tuple[float, str]]] = {}
    for r in _records(econ.us_ask):
        asks.setdefault(r["iso3"], []).append((float(r["pct_gdp"]), str(r.get("source"))))
    rows = []
    payers = set(ranking["actor"]) if not ranking.empty else set()
    for ally in sorted((set(national) | set(asks) | payers) & set(gdp)):
        pts = national.get(ally)
        if not pts or (ally not in budgeted and ally not in sipri):
            rows.append(
                {
                    "ally": ally,
                    "path": "none",
                    "gdp_usd_bn": gdp[ally][1],
                    "gdp_year": gdp[ally][0],
                    "buys": "",
                    "source": "no national % of GDP series in economics.toml",
                }
            )
            continue
        g_year, g = gdp[ally]
        # the base level: national spending (actual or budgeted) nearest the base year, else SIPRI's
        if ally in budgeted:
            base = _interp(budgeted[ally], base_year)
        else:
            base = _interp(sipri[ally], base_year)
            srcs[ally].add("sipri-milex-2025")
        pts = {base_year: base, **pts}
        paths: list[tuple[str, dict[int, float], str]] = [
            ("plan", pts, ", ".join(sorted(srcs[ally])))
        ]
        for pct, src in sorted(asks.get(ally, [])):
            paths.append((f"US ask {pct:g}%", {base_year: base, ask_year: pct}, src))
        for name, points, src in paths:
            extra_bn = sum(
                (_interp(points, y) - base) / 100.0 * g for y in range(base_year + 1, year + 1)
            )
            buys, spent = [], 0.0
            own = (
                ranking[(ranking["actor"] == ally) & (ranking["gain_lo"] > 0)]
                if not ranking.empty
                else ranking
            )
            for oid, row in own.iterrows():
                if spent + row["cost_usd"] <= extra_bn * 1e9 + 1e-6:
                    buys.append(str(oid))
                    spent += float(row["cost_usd"])
            rows.append(
                {
                    "ally": ally,
                    "path": name,
                    "pct_gdp_base": base,
                    "pct_gdp_at_year": _interp(points, year),
                    "gdp_usd_bn": g,
                    "gdp_year": g_year,
                    "extra_usd_bn": extra_bn,
                    "buys": ", ".join(buys),
                    "buys_cost_usd": spent,
                    "source": src,
                }
            )
    cols = [
        "ally",
        "path",
        "pct_gdp_base",
        "pct_gdp_at_year",
        "gdp_usd_bn",
        "gdp_year",
        "extra_usd_bn",
        "buys",
        "buys_cost_usd",
        "source",
    ]
    return (
        pd.DataFrame(rows, columns=cols).set_index(["ally", "path"])
        if rows
        else pd.DataFrame(columns=cols).set_index(["ally", "path"])
    )
