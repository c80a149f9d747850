"""Small array helpers shared by the modules."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.params import Params

_EPS = 1e-12


def safe_div(a: Any, b: Any, xp: Any = np, default: float = 0.0) -> Any:
    """``a / b`` where ``b > 0``, else ``default``."""
    ok = b > _EPS
    return xp.where(ok, a / xp.where(ok, b, 1.0), default)


def by_actor(x: Any, owner: Any, n_actors: int, xp: Any = np) -> Any:
    """Sum the last axis of ``x`` into actors: ``owner[i]`` is the actor of element ``i``."""
    onehot = xp.asarray(np.eye(n_actors)[np.asarray(owner)])
    return x @ onehot


def per_actor(x: Any, owner: Any, xp: Any = np) -> Any:
    """Gather a per-actor array (..., A) into per-element (..., N) with ``owner``."""
    return xp.take(x, xp.asarray(owner), axis=-1)


def present(arrival: Any, day: int) -> Any:
    """1.0 where an element has arrived in the theatre by ``day``."""
    return (np.asarray(arrival) <= day).astype(np.float64)


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
    from straitsim.engine.state import col

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


def _noop(p: Params) -> None:  # pragma: no cover - keeps Params import used for typing tools
    return None


def escorts_exposed(s: dict[str, Any], p: Params, v: dict[str, Any], xp: Any = np) -> Any:
    """1.0 while the amphibious fleet is above ``fleet_withdraw_share`` of its size, else 0.0.

    PRC escorts stay at sea to protect the landing; once the lift is nearly gone they
    withdraw under the mainland's umbrella and are no longer exposed to allied strikes.
    """
    mx = v["_mx"]
    amph = (s["ships"] * xp.asarray(mx["prc_amphib"])).sum(-1)
    amph0 = float((p.group_n0 * mx["prc_amphib"]).sum())
    return (amph > v["fleet_withdraw_share"] * amph0).astype(np.float64)
