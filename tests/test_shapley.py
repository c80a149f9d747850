"""Shapley mathematics: axioms, textbook games, per-replication errors, the sampled estimator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from straitsim.analysis import shapley as sh
from straitsim.errors import UserError


def table_of(v, n):
    """Game table (2**n,) of a value function on frozensets."""
    return np.array(
        [v(frozenset(np.flatnonzero(m).tolist())) for m in sh.coalition_masks(n)], dtype=float
    )


# --- textbook games with known answers ------------------------------------------------------


def test_glove_game():
    # One left glove (player 0), two right gloves: a pair is worth 1.
    def v(s):
        return float(0 in s and (1 in s or 2 in s))

    np.testing.assert_allclose(sh.shapley(v, 3), [2 / 3, 1 / 6, 1 / 6], atol=1e-15)


def test_majority_game():
    # Any two of three players win.
    np.testing.assert_allclose(sh.shapley(lambda s: float(len(s) >= 2), 3), [1 / 3] * 3, atol=1e-15)


def test_weighted_voting_game():
    # Quota 3, weights (2, 1, 1): player 0 is pivotal in 4 of 6 orders.
    w = [2, 1, 1]
    np.testing.assert_allclose(
        sh.shapley(lambda s: float(sum(w[i] for i in s) >= 3), 3), [2 / 3, 1 / 6, 1 / 6]
    )


def test_airport_game():
    # Littlechild-Owen: each segment's cost is shared equally by the players who need it.
    c = [1.0, 4.0, 10.0]
    expected = [
        c[0] / 3,
        c[0] / 3 + (c[1] - c[0]) / 2,
        c[0] / 3 + (c[1] - c[0]) / 2 + (c[2] - c[1]),
    ]
    np.testing.assert_allclose(
        sh.shapley(lambda s: max((c[i] for i in s), default=0.0), 3), expected
    )


def test_additive_game_gives_each_player_its_own_effect():
    a = np.array([3.0, -1.5, 0.0, 7.25, 2.0])
    t = sh.coalition_masks(5).astype(float) @ a + 11.0  # a constant v(none) changes nothing
    np.testing.assert_allclose(sh.exact_shapley(t), a, atol=1e-12)


def test_additive_game_per_replication():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 50))  # each player's own effect on each replication
    t = sh.coalition_masks(4).astype(float) @ a
    est = sh.exact_with_se(t)
    np.testing.assert_allclose(est.value, a.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(est.se, a.std(axis=1, ddof=1) / np.sqrt(50), atol=1e-12)


def test_brute_force_over_orders_matches():
    # Definition by orders: average marginal contribution over all n! orders.
    rng = np.random.default_rng(2)
    n = 4
    t = rng.normal(size=2**n)
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        k = 0
        for p in order:
            phi[p] += t[k | 1 << p] - t[k]
            k |= 1 << p
    np.testing.assert_allclose(sh.exact_shapley(t), phi / 24, atol=1e-12)
    np.testing.assert_allclose(sh.shapley_matrix(n) @ t, phi / 24, atol=1e-12)


# --- axioms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_efficiency_on_every_replication(n):
    rng = np.random.default_rng(n)
    t = rng.normal(scale=100, size=(2**n, 30))
    phi = sh.exact_shapley(t)
    np.testing.assert_allclose(phi.sum(axis=0), t[-1] - t[0], rtol=0, atol=1e-10)
    est = sh.exact_with_se(t)
    assert est.value.sum() == pytest.approx(est.v_all - est.v_none, abs=1e-10)


def test_symmetry():
    rng = np.random.default_rng(3)
    n = 5
    t = rng.normal(size=2**n)
    # Make players 1 and 3 interchangeable: v(S) = v(S with 1 and 3 swapped).
    masks = sh.coalition_masks(n)
    swapped = masks.copy()
    swapped[:, [1, 3]] = masks[:, [3, 1]]
    sym = (t + t[sh.coalition_index(swapped)]) / 2
    phi = sh.exact_shapley(sym)
    assert phi[1] == pytest.approx(phi[3], abs=1e-12)
    # And swapping two players in any game swaps their values.
    phi_t, phi_s = sh.exact_shapley(t), sh.exact_shapley(t[sh.coalition_index(swapped)])
    np.testing.assert_allclose(phi_s[[3, 1]], phi_t[[1, 3]], atol=1e-12)


def test_null_player_gets_exactly_zero_and_others_are_unchanged():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(2**3, 10))
    # Add player 3 who changes nothing: v(S + 3) = v(S).
    t = np.concatenate([base, base])
    phi = sh.exact_shapley(t)
    assert np.all(phi[3] == 0.0)
    np.testing.assert_allclose(phi[:3], sh.exact_shapley(base), atol=1e-12)


def test_linearity():
    rng = np.random.default_rng(5)
    t1, t2 = rng.normal(size=(2, 2**4))
    np.testing.assert_allclose(
        sh.exact_shapley(2 * t1 - 3 * t2),
        2 * sh.exact_shapley(t1) - 3 * sh.exact_shapley(t2),
        atol=1e-12,
    )


# --- sampled permutations -----------------------------------------------------------------------


def test_permutations_are_antithetic_orders():
    p = sh.sample_permutations(6, 11, seed=0)
    assert p.shape == (12, 6)
    assert all(sorted(r) == list(range(6)) for r in p)
    np.testing.assert_array_equal(p[1::2], p[0::2, ::-1])
    masks = sh.permutation_coalitions(p)
    assert masks.shape == (12, 7, 6)
    np.testing.assert_array_equal(masks.sum(axis=2), np.tile(np.arange(7), (12, 1)))


def test_sampled_estimator_converges_to_exact():
    # A random non-additive 7-player game; tolerance: 4 standard errors, and the errors shrink.
    rng = np.random.default_rng(6)
    n = 7
    t = rng.normal(size=2**n) + sh.coalition_masks(n) @ rng.normal(size=n)
    exact = sh.exact_shapley(t)
    calls = []

    def value(masks):
        calls.append(len(masks))
        return t[sh.coalition_index(masks)]

    small = sh.sampled_shapley(value, n, 100, seed=1)
    big = sh.sampled_shapley(value, n, 4000, seed=2)
    assert big.method == "sampled" and big.n_permutations == 4000
    assert np.all(np.abs(big.value - exact) <= 4 * big.se)
    assert np.all(big.se < small.se)
    assert np.max(big.se) < 0.05
    # Each permutation's contributions add up to v(all) - v(none): efficiency holds exactly.
    assert big.value.sum() == pytest.approx(t[-1] - t[0], abs=1e-10)
    # Every distinct coalition is evaluated once, in one call.
    assert len(calls) == 2 and calls[1] <= 2**n


def test_sampled_estimator_with_replications():
    rng = np.random.default_rng(7)
    n = 5
    t = rng.normal(size=(2**n, 40)) + 3 * sh.coalition_masks(n)[:, :1]
    exact = sh.exact_with_se(t)
    est = sh.sampled_shapley(lambda m: t[sh.coalition_index(m)], n, 3000, seed=3)
    # Same replications, so the two differ only by permutation noise; est.se also counts the
    # replication noise, which makes 4 * se a conservative tolerance.
    assert np.all(np.abs(est.value - exact.value) <= 4 * est.se)
    assert np.all(est.se < 2 * exact.se)
    assert est.v_all == pytest.approx(exact.v_all)


def test_glove_game_sampled():
    t = table_of(lambda s: float(0 in s and (1 in s or 2 in s)), 3)
    est = sh.sampled_shapley(lambda m: t[sh.coalition_index(m)], 3, 2000, seed=4)
    np.testing.assert_allclose(est.value, [2 / 3, 1 / 6, 1 / 6], atol=0.03)


# --- errors -------------------------------------------------------------------------------------


def test_bad_tables_and_sizes():
    with pytest.raises(ValueError, match="2\\*\\*n rows"):
        sh.exact_shapley(np.zeros(6))
    with pytest.raises(UserError, match="too many players"):
        sh.shapley_matrix(sh.MAX_EXACT_PLAYERS + 1)
    with pytest.raises(UserError, match="permutations"):
        sh.sample_permutations(3, 1)
