"""Small array helpers shared by the modules."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.params import Params

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


class GroupSum:
    """Sum the last axis of an array into groups, in a fixed order.

    ``groups[i]`` is the group of element ``i``. Elements are gathered in group order and added
    with ``add.reduceat``, so each output is summed in the same sequence whatever the leading
    (profile, replication) shape: results are bit-for-bit independent of chunk sizes, unlike a
    BLAS matrix product whose blocking depends on the number of rows.
    """

    def __init__(self, groups: Any, n_groups: int) -> None:
        g = np.asarray(groups, dtype=np.int64)
        self.n_groups = int(n_groups)
        self.order = np.argsort(g, kind="stable")
        gs = g[self.order]
        self.present = np.unique(gs)
        self.starts = np.searchsorted(gs, self.present)
        self.size = g.size

    def __call__(self, x: Any, xp: Any = np) -> Any:
        """Sum the last axis of ``x`` into the groups: shape ``x.shape[:-1] + (n_groups,)``."""
        out = xp.zeros(
            x.shape[:-1] + (self.n_groups,), dtype=x.dtype if x.dtype.kind == "f" else xp.float64
        )
        if self.size == 0:
            return out
        xs = xp.take(x, xp.asarray(self.order), axis=-1)
        if xp is np:
            out[..., self.present] = xp.add.reduceat(xs, self.starts, axis=-1)
            return out
        # array libraries without `reduceat` (CuPy): one contiguous slice per group
        ends = list(self.starts[1:]) + [self.size]
        for g, a, b in zip(self.present, self.starts, ends, strict=True):
            out[..., int(g)] = xs[..., int(a) : int(b)].sum(-1)
        return out


_GROUPERS: dict[tuple[bytes, int], GroupSum] = {}


def group_sum(x: Any, groups: Any, n_groups: int, xp: Any = np) -> Any:
    """Sum the last axis of ``x`` into ``n_groups`` groups (see :class:`GroupSum`)."""
    g = np.asarray(groups, dtype=np.int64)
    key = (g.tobytes(), int(n_groups))
    grouper = _GROUPERS.get(key)
    if grouper is None:
        grouper = GroupSum(g, n_groups)
        if len(_GROUPERS) > 256:
            _GROUPERS.clear()
        _GROUPERS[key] = grouper
    return grouper(x, xp)


def by_actor(x: Any, owner: Any, n_actors: int, xp: Any = np) -> Any:
    """Sum the last axis of ``x`` into actors: ``owner[i]`` is the actor of element ``i``."""
    return group_sum(x, owner, n_actors, xp)


class UnitBases:
    """Maps between air units and the bases they operate from, per profile, exactly.

    A unit operates from its own base or its fallback depending on the profile's basing
    permissions. Every (unit, base) pair that occurs in some profile is a slot with a 0/1
    weight per profile; sums over a base add the same slots in the same order for every
    profile and batch size.
    """

    def __init__(self, unit_base: Any, n_bases: int, options: Any = None) -> None:
        ub = np.asarray(unit_base, dtype=np.int64)  # (P, U)
        self.unit_base = ub
        # Slots: every base a unit may operate from (its own and its fallback), whatever the
        # profiles in this batch, so per-base sums add the same terms in the same order
        # however profiles are batched.
        opts = np.asarray(options if options is not None else ub, dtype=np.int64)
        pairs = sorted(
            {
                (int(u), int(b))
                for u in range(ub.shape[1])
                for b in np.unique(np.concatenate([opts[:, u], ub[:, u]]))
            }
        )
        self.slot_unit = np.array([u for u, _ in pairs], dtype=np.int64)
        slot_base = np.array([b for _, b in pairs], dtype=np.int64)
        self.weight = np.stack(
            [(ub[p, self.slot_unit] == slot_base).astype(np.float64) for p in range(ub.shape[0])]
        )
        self.grouper = GroupSum(slot_base, n_bases)

    def to_bases(self, x: Any, xp: Any = np) -> Any:
        """(P, R, U) per-unit values -> (P, R, B) per-base sums."""
        xs = xp.take(x, xp.asarray(self.slot_unit), axis=-1) * xp.asarray(self.weight)[:, None, :]
        return self.grouper(xs, xp)

    def to_units(self, xb: Any, xp: Any = np) -> Any:
        """(P, R, B) per-base values -> (P, R, U): each unit sees its operating base's value."""
        P, R = xb.shape[0], xb.shape[1]
        if self.unit_base.shape[0] == 1:
            return xp.take(xb, xp.asarray(self.unit_base[0]), axis=-1)
        idx = xp.broadcast_to(
            xp.asarray(self.unit_base)[:, None, :], (P, R, self.unit_base.shape[1])
        )
        return xp.take_along_axis(xb, idx, axis=-1)


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
    if amph0 <= 0:
        return xp.ones_like(amph)
    return (amph > v["fleet_withdraw_share"] * amph0).astype(np.float64)
