"""Cross-check of engine/laws.py against independent open implementations.

The reference numbers below were obtained by running the named repositories at the named
commits on the same inputs (docs/validation.md, "Verification", gives the driver and the
full comparison). No code from them is used or copied here: only their outputs.

* szczyglis-dev/python-lanchester @ c2ede5c2e0dfae71f3f9ae6e28186b1dbfe03847 (MIT):
  explicit Euler for the square and linear laws with a fixed step of 1. A step of 1/k is
  obtained by dividing both rates by k and running k times as many steps; outputs for
  k = 1000 and k = 2000 are stored.
* jaesparza/lanchester-sim @ 3cf728c1a71a2eb9f82e6952a8c240f7ebb91b39 (no licence file:
  run for comparison only): closed-form hyperbolic solution of the square law, winner,
  survivors and end time.
* doolanshire/Combat-Models @ b5962f345182c53b19b820760c7e5e62ab11a5fd (MIT):
  salvo/deterministicSalvoNoLeakers.py, Hughes' deterministic salvo model, simultaneous
  salvos, fire scaled by surviving staying power.

Coefficient conventions (ours): square ``dx/dt = -b y, dy/dt = -a x``; linear
``dx/dt = -a x y, dy/dt = -b x y``. Their R is our x, their B our y. Asymmetric rates are
used so that a swapped coefficient would show.
"""

from __future__ import annotations

import numpy as np
import pytest

from straitsim.engine.laws import hughes_losses, linear_step, square_step

# (x0, y0, a, b, T): inputs shared by both implementations.
SQUARE_CASES = [
    (100.0, 80.0, 0.01, 0.01, 50.0),
    (100.0, 80.0, 0.008, 0.012, 30.0),
    (60.0, 90.0, 0.03, 0.01, 20.0),
]
# jaesparza LanchesterSquare(A0=x0, B0=y0, alpha=a, beta=b): hyperbolic solution at T,
# then calculate_battle_outcome() -> survivors of the winner (x wins in all three) and
# calculate_battle_end_time() -> t_end.
JAESPARZA_SQUARE = [
    ((71.07497208113828, 38.100546667135724), 60.0, 109.86122886681098),
    ((75.13467843747763, 59.13385890730265), 20.000000000000007, 233.97032752589243),
    ((45.27397812725771, 58.72988410002382), 30.0, 76.03459963009468),
]
# szczyglis square(x0, y0, a/k, b/k, T*k, 1): last (R, B) for k = 1000 and k = 2000.
SZCZYGLIS_SQUARE = [
    ((71.074794393294, 38.100451414704246), (71.07488323731837, 38.10049904118546)),
    ((75.13457024293726, 59.133773754031054), (75.13462434035904, 59.13381633079544)),
    ((45.27384230435221, 58.729707907919284), (45.273910216048606, 58.729796004585)),
]
LINEAR_CASES = [
    (100.0, 80.0, 0.001, 0.001, 50.0),
    (100.0, 80.0, 0.0008, 0.0012, 20.0),
    (50.0, 70.0, 0.002, 0.0005, 30.0),
]
# szczyglis linear(x0, y0, b/k, a/k, T*k, 1) (its first rate is our b, its second our a).
SZCZYGLIS_LINEAR = [
    ((28.340381108976242, 8.340381108976038), (28.340589232502825, 8.340589232502603)),
    ((56.4975081747009, 14.746262262050697), (56.497885114807445, 14.746827672211356)),
    ((1.310981491334231, 57.82774537283412), (1.311126773239481, 57.8277816933101)),
]

# Hughes cases: A, B ships; alpha, beta missiles per ship; a1, b1 hits to put a ship out of
# action; a3, b3 missiles each ship destroys. doolanshire: Group(Ship(op, dp, sp), units)
# with op = alpha/beta, dp = a3/b3, sp = a1/b1, scouting = readiness = 1, Missiles(1, 1, 1).
HUGHES_CASES = [
    dict(A=10, B=8, alpha=2, beta=3, a1=3, b1=2, a3=1, b3=1),
    dict(A=4, B=12, alpha=8, beta=4, a1=1.5, b1=1, a3=6, b3=2),
    dict(A=6, B=3, alpha=1, beta=3, a1=1, b1=2, a3=1, b3=2),
    dict(A=5, B=7, alpha=6, beta=2, a1=2.5, b1=1.5, a3=0.5, b3=1.5),
]
# doolanshire Battle.salvo() three times: (A, B) after each pulse (total_status()).
DOOLANSHIRE_PULSES = [
    [(5.333333333333333, 2.0), (5.111111111111111, 0.0), (5.111111111111111, 0.0)],
    [(0.0, 4.0), (0.0, 4.0), (0.0, 4.0)],
    [(3.0, 3.0), (0.0, 3.0), (0.0, 3.0)],
    [(0.4, 0.0), (0.4, 0.0), (0.4, 0.0)],
]
# doolanshire's own demonstration battle (attributed there to Cares, scenario VI): 2 against
# 3 frigates, 4 missiles and 4 interceptors each, staying power 2, missile hit probability
# 0.61, interceptor success 0.35; one simultaneous salvo.
DOOLANSHIRE_CARES_VI = (0.0, 2.6599999999999997)

# Tolerances. The closed forms agree to rounding: 1e-9 relative. Euler's global error is
# first order in the step, so the k = 2000 run is off the exact solution by about its
# distance from the k = 1000 run; Richardson extrapolation (2 E_2000 - E_1000) removes the
# first-order term and leaves an error of order 1e-8 of the forces (observed at most 1.3e-8).
TOL_EXACT_REL = 1e-9
TOL_RICHARDSON_ABS = 1e-7
TOL_SALVO_ABS = 1e-12


@pytest.mark.parametrize("case, ref", zip(SQUARE_CASES, JAESPARZA_SQUARE, strict=True))
def test_square_law_matches_jaesparza_closed_form(case, ref):
    x0, y0, a, b, T = case
    (xr, yr), survivors, t_end = ref
    x1, y1 = square_step(np.float64(x0), np.float64(y0), a, b, T)
    assert float(x1) == pytest.approx(xr, rel=TOL_EXACT_REL)
    assert float(y1) == pytest.approx(yr, rel=TOL_EXACT_REL)
    # Whole-day steps reach the same point (the step is exact, not an approximation).
    x, y = np.float64(x0), np.float64(y0)
    for _ in range(int(T)):
        x, y = square_step(x, y, a, b, 1.0)
    assert float(x) == pytest.approx(xr, rel=TOL_EXACT_REL)
    assert float(y) == pytest.approx(yr, rel=TOL_EXACT_REL)
    # End state: the winner keeps sqrt(invariant / a), and the loser is gone just after
    # jaesparza's end time but not just before it.
    xe, ye = square_step(np.float64(x0), np.float64(y0), a, b, 10 * t_end)
    assert float(xe) == pytest.approx(survivors, rel=TOL_EXACT_REL)
    assert float(ye) == 0.0
    _, y_before = square_step(np.float64(x0), np.float64(y0), a, b, t_end * (1 - 1e-6))
    _, y_after = square_step(np.float64(x0), np.float64(y0), a, b, t_end * (1 + 1e-6))
    assert float(y_before) > 0.0
    assert float(y_after) == 0.0


def _euler_check(ours, e1000, e2000):
    for o, p, q in zip(ours, e1000, e2000, strict=True):
        richardson = 2 * q - p
        assert abs(float(o) - richardson) <= TOL_RICHARDSON_ABS
        # Raw k = 2000 output: within (a little more than) its own first-order error.
        assert abs(float(o) - q) <= 1.1 * abs(q - p) + 1e-12


@pytest.mark.parametrize("case, ref", zip(SQUARE_CASES, SZCZYGLIS_SQUARE, strict=True))
def test_square_law_matches_szczyglis_euler(case, ref):
    x0, y0, a, b, T = case
    _euler_check(square_step(np.float64(x0), np.float64(y0), a, b, T), *ref)


@pytest.mark.parametrize("case, ref", zip(LINEAR_CASES, SZCZYGLIS_LINEAR, strict=True))
def test_linear_law_matches_szczyglis_euler(case, ref):
    x0, y0, a, b, T = case
    _euler_check(linear_step(np.float64(x0), np.float64(y0), a, b, T), *ref)
    # And whole-day steps agree with the single step.
    x, y = np.float64(x0), np.float64(y0)
    for _ in range(int(T)):
        x, y = linear_step(x, y, a, b, 1.0)
    one = linear_step(np.float64(x0), np.float64(y0), a, b, T)
    assert float(x) == pytest.approx(float(one[0]), rel=1e-9)
    assert float(y) == pytest.approx(float(one[1]), rel=1e-9)


def _salvos(c, pulses):
    A, B = float(c["A"]), float(c["B"])
    out = []
    for _ in range(pulses):
        dB = hughes_losses(c["alpha"] * A, B, c["b3"], c["b1"])
        dA = hughes_losses(c["beta"] * B, A, c["a3"], c["a1"])
        A, B = A - float(dA), B - float(dB)
        out.append((A, B))
    return out


@pytest.mark.parametrize("case, ref", zip(HUGHES_CASES, DOOLANSHIRE_PULSES, strict=True))
def test_hughes_salvo_matches_doolanshire(case, ref):
    for (a, b), (ra, rb) in zip(_salvos(case, 3), ref, strict=True):
        assert a == pytest.approx(ra, abs=TOL_SALVO_ABS)
        assert b == pytest.approx(rb, abs=TOL_SALVO_ABS)


def test_hughes_salvo_matches_doolanshire_cares_demo():
    # Offence: ships x missiles x hit probability; defence per ship: interceptors x success.
    dB = hughes_losses(2 * 4 * 0.61, 3.0, 4 * 0.35, 2.0)
    dA = hughes_losses(3 * 4 * 0.61, 2.0, 4 * 0.35, 2.0)
    assert 2.0 - float(dA) == pytest.approx(DOOLANSHIRE_CARES_VI[0], abs=TOL_SALVO_ABS)
    assert 3.0 - float(dB) == pytest.approx(DOOLANSHIRE_CARES_VI[1], abs=TOL_SALVO_ABS)
