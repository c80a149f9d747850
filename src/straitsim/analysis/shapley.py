"""Shapley values of cooperative games: exact, per replication, and by sampled permutations.

Generic mathematics, independent of the campaign model. A game on ``n`` players is given
either as a *table* (an array whose first axis has length ``2**n``: row ``k`` holds the value
of the coalition whose members are the set bits of ``k``, player ``i`` being bit ``i``) or as
a *value function* evaluated on boolean coalition masks. Trailing axes of a table (for
example replications) are carried through, so the value of every replication is computed
at once and the standard error is that of the mean across replications.

The Shapley value of player ``i`` is

    phi_i = sum over S not containing i of  |S|! (n - |S| - 1)! / n!  * (v(S + i) - v(S)),

a fixed linear combination of the coalition values: ``phi = W @ table`` with ``W`` from
:func:`shapley_matrix`. Its rows sum to ``e_all - e_none``, so efficiency
(``sum_i phi_i = v(all) - v(none)``) holds replication by replication.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import factorial

import numpy as np

from straitsim.errors import UserError

MAX_EXACT_PLAYERS = 16

ValueBatch = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ShapleyEstimate:
    """Shapley values with standard errors.

    Attributes
    ----------
    value : numpy.ndarray
        (n,) Shapley value of each player (mean over replications where there are any).
    se : numpy.ndarray
        (n,) standard error of ``value``: across replications for the exact method; across
        permutations (plus replications where there are any) for the sampled method.
    v_all, v_none : float
        Value of the grand coalition and of the empty coalition.
    se_all_minus_none : float
        Standard error of ``v_all - v_none`` (paired, across replications).
    method : str
        ``"exact"`` or ``"sampled"``.
    n_permutations : int
        Permutations drawn (0 for the exact method).
    """

    value: np.ndarray
    se: np.ndarray
    v_all: float
    v_none: float
    se_all_minus_none: float
    method: str
    n_permutations: int = 0


def coalition_masks(n_players: int) -> np.ndarray:
    """Boolean (2**n, n) array: row ``k`` marks the members of coalition ``k`` (bit i = i)."""
    k = np.arange(2**n_players)[:, None]
    return ((k >> np.arange(n_players)[None, :]) & 1).astype(bool)


def coalition_index(mask: np.ndarray) -> np.ndarray:
    """Table row of each boolean coalition mask (last axis = players)."""
    m = np.asarray(mask, dtype=bool)
    out: np.ndarray = (m.astype(np.int64) << np.arange(m.shape[-1], dtype=np.int64)).sum(axis=-1)
    return out


def shapley_matrix(n_players: int) -> np.ndarray:
    """Weights ``W`` (n, 2**n) with ``phi = W @ table`` for every game on ``n`` players.

    Parameters
    ----------
    n_players : int
        Number of players, 1 to :data:`MAX_EXACT_PLAYERS`.

    Returns
    -------
    numpy.ndarray
        ``W[i, k]`` is the weight of coalition ``k`` in player ``i``'s Shapley value:
        ``+w(|k|-1)`` if ``i`` is in ``k``, ``-w(|k|)`` otherwise, with
        ``w(s) = s! (n-s-1)! / n!``.
    """
    _check_n(n_players)
    n = n_players
    masks = coalition_masks(n)
    size = masks.sum(axis=1)
    w = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    out = np.empty((n, 2**n))
    for i in range(n):
        member = masks[:, i]
        out[i] = np.where(member, w[np.maximum(size - 1, 0)], -w[np.minimum(size, n - 1)])
    return out


def exact_shapley(table: np.ndarray) -> np.ndarray:
    """Exact Shapley values of a game table, for every trailing index.

    Computed from the marginal differences ``v(S + i) - v(S)``, so a player whose presence
    never changes a value gets exactly 0 (not a rounding residue); the result equals
    ``shapley_matrix(n) @ table`` up to floating-point rounding.

    Parameters
    ----------
    table : numpy.ndarray
        (2**n, ...) coalition values (row convention in the module docstring).

    Returns
    -------
    numpy.ndarray
        (n, ...) Shapley value of each player for each trailing index.
    """
    t = np.asarray(table, dtype=float)
    n = _n_from_rows(t.shape[0])
    rows = np.arange(2**n)
    size = coalition_masks(n).sum(axis=1)
    w = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    out = np.empty((n, *t.shape[1:]))
    for i in range(n):
        without = rows[(rows >> i) & 1 == 0]
        diff = t[without | (1 << i)] - t[without]
        out[i] = np.tensordot(w[size[without]], diff, axes=(0, 0))
    return out


def exact_with_se(table: np.ndarray) -> ShapleyEstimate:
    """Exact Shapley values of per-replication coalition values, with paired standard errors.

    Parameters
    ----------
    table : numpy.ndarray
        (2**n, R) values of every coalition on each of R replications that share their
        random numbers (common random numbers). A 1-D table is one replication.

    Returns
    -------
    ShapleyEstimate
        Mean over replications of the per-replication Shapley values; ``se`` is the
        standard error of that mean (0 with a single replication).
    """
    t = np.asarray(table, dtype=float)
    if t.ndim == 1:
        t = t[:, None]
    if t.ndim != 2:
        raise ValueError("table must be (2**n,) or (2**n, R)")
    phi = exact_shapley(t)  # (n, R)
    diff = t[-1] - t[0]
    return ShapleyEstimate(
        value=phi.mean(axis=1),
        se=_sem(phi, axis=1),
        v_all=float(t[-1].mean()),
        v_none=float(t[0].mean()),
        se_all_minus_none=float(_sem(diff[None, :], axis=1)[0]),
        method="exact",
    )


def shapley(value: Callable[[frozenset[int]], float], n_players: int) -> np.ndarray:
    """Exact Shapley values of a game given as a function of a coalition (a frozenset of players).

    Parameters
    ----------
    value : callable
        ``value(frozenset({0, 2}))`` -> the worth of the coalition {0, 2}.
    n_players : int
        Number of players (0 .. n-1).

    Returns
    -------
    numpy.ndarray
        (n,) Shapley values.
    """
    _check_n(n_players)
    masks = coalition_masks(n_players)
    table = np.array([float(value(frozenset(np.flatnonzero(m).tolist()))) for m in masks])
    return exact_shapley(table)


def sample_permutations(
    n_players: int, n_permutations: int, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Random orders of the players, in antithetic pairs (each order followed by its reverse).

    Parameters
    ----------
    n_players : int
        Number of players.
    n_permutations : int
        Orders to draw, rounded up to an even number.
    seed : int or numpy.random.Generator
        Seed of the draw.

    Returns
    -------
    numpy.ndarray
        (m, n) integer array; rows ``2j`` and ``2j+1`` are reverses of each other.
    """
    if n_permutations < 2:
        raise UserError(
            "too few permutations",
            key="permutations",
            expected="at least 2",
            found=str(n_permutations),
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    half = (n_permutations + 1) // 2
    fwd = np.argsort(rng.random((half, n_players)), axis=1)
    out = np.empty((2 * half, n_players), dtype=np.int64)
    out[0::2] = fwd
    out[1::2] = fwd[:, ::-1]
    return out


def permutation_coalitions(perms: np.ndarray) -> np.ndarray:
    """Coalitions visited along each order: (m, n+1, n) boolean; step ``j``: first ``j`` in."""
    m, n = perms.shape
    pos = np.empty_like(perms)
    rows = np.arange(m)[:, None]
    pos[rows, perms] = np.arange(n)[None, :]
    steps = np.arange(n + 1)[None, :, None]
    return pos[:, None, :] < steps


def sampled_from_values(perms: np.ndarray, values: np.ndarray) -> ShapleyEstimate:
    """Estimate Shapley values from the coalitions visited by the orders ``perms``.

    Parameters
    ----------
    perms : numpy.ndarray
        (m, n) orders from :func:`sample_permutations` (antithetic pairs).
    values : numpy.ndarray
        (m, n+1) or (m, n+1, R): value of the coalition after each step of each order,
        optionally per replication.

    Returns
    -------
    ShapleyEstimate
        ``value`` is the mean marginal contribution of each player. ``se`` combines the
        spread across antithetic pairs of orders and, with replications, the spread across
        replications: ``sqrt(se_perm**2 + se_rep**2)``, a conservative figure because the
        two sources of noise are estimated separately.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 2:
        v = v[..., None]
    m, n = perms.shape
    delta = np.diff(v, axis=1)  # (m, n, R): marginal contribution of the player added at step j
    contrib = np.empty_like(delta)
    rows = np.arange(m)[:, None]
    contrib[rows, perms] = delta  # reorder by player
    per_perm = contrib.mean(axis=2)  # (m, n)
    pairs = per_perm.reshape(m // 2, 2, n).mean(axis=1) if m % 2 == 0 else per_perm
    se_perm = _sem(pairs.T, axis=1)
    per_rep = contrib.mean(axis=0)  # (n, R)
    se_rep = _sem(per_rep, axis=1)
    diff = v[0, -1] - v[0, 0]
    return ShapleyEstimate(
        value=per_perm.mean(axis=0),
        se=np.sqrt(se_perm**2 + se_rep**2),
        v_all=float(v[:, -1].mean()),
        v_none=float(v[:, 0].mean()),
        se_all_minus_none=float(_sem(diff[None, :], axis=1)[0]),
        method="sampled",
        n_permutations=m,
    )


def sampled_shapley(
    value: ValueBatch,
    n_players: int,
    n_permutations: int = 200,
    seed: int | np.random.Generator = 0,
) -> ShapleyEstimate:
    """Shapley values estimated from random orders of the players (for many players).

    Each distinct coalition is evaluated once, in one call of ``value``.

    Parameters
    ----------
    value : callable
        ``value(masks)`` with ``masks`` a boolean (k, n) array returns (k,) values, or (k, R)
        values on R replications with common random numbers.
    n_players : int
        Number of players.
    n_permutations : int
        Orders to draw (antithetic pairs; rounded up to even).
    seed : int or numpy.random.Generator
        Seed of the orders.

    Returns
    -------
    ShapleyEstimate
        See :func:`sampled_from_values`. The estimate is unbiased; its error shrinks as
        ``1/sqrt(n_permutations)``.
    """
    perms = sample_permutations(n_players, n_permutations, seed)
    masks = permutation_coalitions(perms)  # (m, n+1, n)
    flat = masks.reshape(-1, n_players)
    keys = coalition_index(flat) if n_players < 63 else None
    if keys is not None:
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        vals = np.asarray(value(flat[first]), dtype=float)
        vals = vals[inverse]
    else:  # pragma: no cover - more than 62 players
        vals = np.asarray(value(flat), dtype=float)
    vals = vals.reshape(masks.shape[0], n_players + 1, *vals.shape[1:])
    return sampled_from_values(perms, vals)


def _sem(a: np.ndarray, axis: int) -> np.ndarray:
    k = a.shape[axis]
    if k < 2:
        return np.zeros(np.delete(a.shape, axis))
    out: np.ndarray = a.std(axis=axis, ddof=1) / np.sqrt(k)
    return out


def _n_from_rows(rows: int) -> int:
    n = int(rows).bit_length() - 1
    if rows < 2 or 2**n != rows:
        raise ValueError(f"a game table needs 2**n rows (n >= 1); got {rows}")
    _check_n(n)
    return n


def _check_n(n: int) -> None:
    if not 1 <= n <= MAX_EXACT_PLAYERS:
        raise UserError(
            "too many players for exact Shapley values",
            key="allies",
            expected=f"1 to {MAX_EXACT_PLAYERS} players (use the sampled estimator beyond)",
            found=str(n),
        )
