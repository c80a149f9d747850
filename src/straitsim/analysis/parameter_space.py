"""The scenario's uncertain parameters as a parameter space: bounds, switches, fixed points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from straitsim.errors import UserError
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


# ---------------------------------------------------------------------------- parameters
def uncertain_params(sc: Scenario, names: Sequence[str] | None = None) -> pd.DataFrame:
    """List the scenario's uncertain parameters and their bounds, one row per parameter.

    Parameters
    ----------
    sc
        A resolved scenario.
    names
        Restrict to these parameters (each must carry a ``range`` or a ``dist``); default:
        every parameter that does.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``name``: ``value``, ``low``, ``high``, ``kind`` (``range`` or
        ``dist:<kind>``), ``unit``, ``doc``.
    """
    import pandas as pd  # optional heavy dependency: loaded on use

    rows = []
    for name, p in sc.params.items():
        if p.range is not None:
            lo, hi, kind = float(p.range[0]), float(p.range[1]), "range"
        elif p.dist is not None:
            lo, hi, kind = float(p.dist.low), float(p.dist.high), f"dist:{p.dist.kind}"
        else:
            continue
        if hi <= lo:
            continue
        rows.append(
            {
                "name": name,
                "value": p.value,
                "low": lo,
                "high": hi,
                "kind": kind,
                "unit": p.unit,
                "doc": p.doc,
            }
        )
    df = pd.DataFrame(
        rows, columns=["name", "value", "low", "high", "kind", "unit", "doc"]
    ).set_index("name")
    if names is None:
        return df
    missing = [n for n in names if n not in df.index]
    if missing:
        bad = missing[0]
        why = (
            "unknown parameter"
            if bad not in sc.params
            else "parameter without a range or distribution"
        )
        raise UserError(
            why,
            key="params",
            expected="uncertain parameters: " + ", ".join(df.index[:8]) + ", ...",
            found=repr(bad),
        )
    if len(set(names)) != len(names):
        raise UserError(
            "parameter listed twice",
            key="params",
            expected="each name once",
            found=", ".join(names),
        )
    return df.loc[list(names)]


def switch_params(sc: Scenario) -> list[str]:
    """Parameters that are on/off switches (unit ``bool``, no range): excursions 0 and 1."""
    return [
        k for k, p in sc.params.items() if p.unit == "bool" and p.range is None and p.dist is None
    ]


def fix_params(sc: Scenario, values: Mapping[str, float]) -> Scenario:
    """Copy ``sc`` with parameters fixed at ``values`` (their distributions removed).

    The same as ``--set NAME=VALUE``; no re-validation is needed since only scalar values
    change.
    """
    params = dict(sc.params)
    for k, v in values.items():
        params[k] = params[k].model_copy(update={"value": float(v), "dist": None})
    return sc.model_copy(update={"params": params})
