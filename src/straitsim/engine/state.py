"""Campaign state: a flat mapping of named arrays with a leading (profile, replication) batch.

Persistent fields carry over from day to day and freeze once a replication is decided.
Daily fields (``today_*``) are derived within a day and passed from one module to the next.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import numpy as np

from straitsim.engine.params import Params
from straitsim.engine.random import Streams

Array = Any
State = dict[str, Array]

OUTCOMES = (
    "prc_decisive_defeat",
    "stalemate_against_prc",
    "stalemate",
    "stalemate_toward_prc",
    "prc_victory",
)
UNDECIDED = -1
# True while the campaign loop alone holds the state's arrays (no hook keeps a day's state, no
# freezing pass reads yesterday's): a compiled step may then write its results into its own
# input arrays instead of fresh ones (set by engine.campaign.Campaign.run).
WRITABLE: ContextVar[bool] = ContextVar("straitsim_state_writable", default=False)


def col(x: Any, k: int = 1) -> Any:
    """Append ``k`` trailing axes to a per-replication value so it broadcasts over (P, R, ...)."""
    if isinstance(x, float | int):
        return x
    for _ in range(k):
        x = x[..., None]
    return x


def sample_values(p: Params, rng: Streams) -> dict[str, Any]:
    """Scalar parameters; uncertain ones drawn per replication (shape (1, R)).

    The draw for parameter ``name`` comes from stream ``param:name`` on day 0, so it depends
    only on the seed and the replication index (common across profiles and chunks).
    """
    xp = rng.xp
    out: dict[str, Any] = dict(p.values)
    for name, (kind, lo, hi, mode) in p.dists.items():
        u = rng.uniform("param:" + name, 0, 1)[:, 0]
        if kind == "uniform":
            x = lo + (hi - lo) * u
        elif kind == "loguniform":
            x = xp.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * u)
        else:  # triangular, inverse CDF
            if hi <= lo:
                x = xp.full_like(u, lo)
            else:
                c = (mode - lo) / (hi - lo)
                x = xp.where(
                    u < c,
                    lo + xp.sqrt(u * (hi - lo) * (mode - lo)),
                    hi - xp.sqrt((1 - u) * (hi - lo) * (hi - mode)),
                )
        out[name] = x[None, :]
    return out


def initial_state(p: Params, n_reps: int, xp: Any = np) -> State:
    """State on day 0, before any module runs."""
    P, R, A = p.n_profiles, n_reps, len(p.actors)
    shape = (P, R)

    def full(extra: tuple[int, ...], val: Any) -> Array:
        return xp.broadcast_to(xp.asarray(val, dtype=xp.float64), shape + extra).copy()

    return {
        "n_ac": full((len(p.unit_ids),), p.unit_n0),
        "closed": full((len(p.base_ids),), 0.0),
        "attacked_day": full((A,), np.inf),
        "land_inv": full((len(p.land_classes),), p.land_n0),
        "asbm_inv": full((), p.asbm_n0),
        "ascm_inv": full((), p.ascm_air_n0),
        "stock": full((len(p.stock_n0),), p.stock_n0),
        "ships": full((len(p.group_ids),), p.group_n0),
        "interceptors": full((len(p.group_ids),), p.group_int),
        "bn_pool": full((), p.chn_battalions),
        "bn_ashore": full((), 0.0),
        "bn_landed": full((), 0.0),
        "bn_airborne": full((), 0.0),
        "supply_t": full((), 0.0),
        "roc_active": full((), p.twn_battalions),
        "roc_reserve": full((), p.twn_reserve_battalions),
        "territory": full((), 0.0),
        "port": full((), 0.0),
        "port_tpd": full((), 0.0),
        "port_progress": full((), 0.0),
        "airfield": full((), 0.0),
        "airfield_tpd": full((), 0.0),
        "airfield_progress": full((), 0.0),
        "capital": full((), 0.0),
        "roro_share": full((), 1.0),
        "roc_will": full((), 1.0),
        "roc_mobilised": full((), 0.0),
        "verdict": xp.full(shape, UNDECIDED, dtype=xp.int8),
        "verdict_day": full((), np.nan),
        "settle_ref": full((4,), 0.0),
        "settle_n": full((), 0.0),
        "lift0": full((), 0.0),
        "lost_air": full((len(p.unit_ids),), 0.0),
        "lost_ground": full((len(p.unit_ids),), 0.0),
        "killed": full((A,), 0.0),
        "spent": full((len(p.weapons),), 0.0),
        "missiles_in": full((len(p.base_ids),), 0.0),
        "outcome": xp.full(shape, UNDECIDED, dtype=xp.int8),
        "decided_day": full((), np.nan),
    }


PERSISTENT = (
    "n_ac",
    "closed",
    "attacked_day",
    "land_inv",
    "asbm_inv",
    "ascm_inv",
    "stock",
    "ships",
    "interceptors",
    "bn_pool",
    "bn_ashore",
    "bn_landed",
    "bn_airborne",
    "supply_t",
    "roc_active",
    "roc_reserve",
    "territory",
    "port",
    "port_tpd",
    "port_progress",
    "airfield",
    "airfield_tpd",
    "airfield_progress",
    "capital",
    "roro_share",
    "roc_will",
    "roc_mobilised",
    "verdict",
    "verdict_day",
    "settle_ref",
    "settle_n",
    "lost_air",
    "lost_ground",
    "killed",
    "spent",
    "missiles_in",
)
