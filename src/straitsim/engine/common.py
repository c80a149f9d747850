"""Small array helpers shared by the modules."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.groups import GroupSum, UnitBases, by_actor, group_sum
from straitsim.engine.params import Params
from straitsim.engine.state import col

__all__ = [
    "GroupSum",
    "UnitBases",
    "airbase_attack",
    "by_actor",
    "escorts_exposed",
    "group_sum",
    "per_actor",
    "present",
    "safe_div",
]

_EPS = 1e-12


def safe_div(a: Any, b: Any, xp: Any = np, default: float = 0.0) -> Any:
    """Divide ``a`` by ``b`` where ``b > 0``, else ``default`` (one pass, never divides by 0)."""
    a, b = xp.asarray(a, dtype=xp.float64), xp.asarray(b, dtype=xp.float64)
    if xp is not np:  # array libraries without ufunc `where=` (CuPy)
        ok = b > _EPS
        return xp.where(ok, a / xp.where(ok, b, 1.0), default)
    shape = np.broadcast_shapes(a.shape, b.shape)
    out = xp.full(shape, default, dtype=xp.float64)
    return xp.divide(a, b, out=out, where=b > _EPS)


def per_actor(x: Any, owner: Any, xp: Any = np) -> Any:
    """Gather a per-actor array (..., A) into per-element (..., N) with ``owner``."""
    return xp.take(x, xp.asarray(owner), axis=-1)


def present(arrival: Any, day: int, xp: Any = np) -> Any:
    """1.0 where an element has arrived in the theatre by ``day``."""
    return xp.asarray((np.asarray(arrival) <= day).astype(np.float64))


def airbase_attack(
    m: Any,
    n_at_base: Any,
    shelters: Any,
    apron_km2: Any,
    v: dict[str, Any],
    xp: Any = np,
) -> tuple[Any, Any]:
    """Expected-value airbase attack (RAND Scorecard tradition).

    ``m`` missiles arrive at a base holding ``n_at_base`` aircraft. A share
    ``runway_target_share`` goes to runways; the rest splits between aircraft in the open and
    in shelters in proportion to their numbers. Open: each missile's submunitions cover
    ``lethal_area_km2`` of the apron, so the surviving share is ``exp(-m_open * A / apron)``.
    Sheltered: each missile kills one shelter's aircraft with ``p_kill_shelter``, so the
    surviving share is ``exp(-m_shel * p_kill / shelters)``.

    Returns the share of the base's aircraft destroyed and the runway hits.
    """
    rw = col(v["runway_target_share"], m.ndim - 2)
    m_air = m * (1.0 - rw)
    sheltered = xp.minimum(n_at_base, shelters)
    f_open = safe_div(n_at_base - sheltered, n_at_base, xp)
    m_open = m_air * f_open
    m_shel = m_air - m_open
    la = col(v["lethal_area_km2"], m.ndim - 2)
    pk = col(v["p_kill_shelter"], m.ndim - 2)
    kill_open = 1.0 - xp.exp(-m_open * la / apron_km2)
    kill_shel = 1.0 - xp.exp(-m_shel * pk / xp.maximum(shelters, 1.0))
    share = f_open * kill_open + (1.0 - f_open) * kill_shel
    return share, m * rw


def escorts_exposed(s: dict[str, Any], p: Params, v: dict[str, Any], xp: Any = np) -> Any:
    """1.0 while the amphibious fleet is above ``fleet_withdraw_share`` of its size, else 0.0.

    PRC escorts stay at sea to protect the landing; once the lift is nearly gone they
    withdraw under the mainland's umbrella and are no longer exposed to allied strikes.
    """
    prc_amphib = p.derived.prc_amphib
    amph = (s["ships"] * xp.asarray(prc_amphib)).sum(-1)
    amph0 = float((p.group_n0 * prc_amphib).sum())
    if amph0 <= 0:
        return xp.ones_like(amph)
    return (amph > v["fleet_withdraw_share"] * amph0).astype(np.float64)
