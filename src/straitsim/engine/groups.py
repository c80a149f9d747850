"""Exact group sums: per-actor and per-base totals that do not depend on the batch size."""

from __future__ import annotations

from typing import Any

import numpy as np


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
