"""Known answers for the combat laws (engine/laws.py)."""

from __future__ import annotations

import numpy as np
import pytest

from straitsim.engine.laws import hughes_losses, linear_step, square_law_closed_form, square_step


def test_square_law_matches_closed_form_at_whole_days():
    x, y = np.array(100.0), np.array(80.0)
    for _ in range(50):
        x, y = square_step(x, y, 0.01, 0.01, 1.0)
    # Closed form x = x0 cosh(rt) - y0 sinh(rt), r = sqrt(ab) = 0.01, t = 50.
    assert float(x) == pytest.approx(71.0749720811, abs=1e-8)
    assert float(y) == pytest.approx(38.1005466671, abs=1e-8)


def test_square_law_invariant_and_survivor():
    a, b = 0.02, 0.01
    x, y = np.array(100.0), np.array(120.0)
    inv0 = a * 100.0**2 - b * 120.0**2
    for _ in range(400):
        x1, y1 = square_step(x, y, a, b, 1.0)
        if float(x1) > 0 and float(y1) > 0:
            assert a * float(x1) ** 2 - b * float(y1) ** 2 == pytest.approx(inv0, rel=1e-9)
        x, y = x1, y1
    # x wins (a x0^2 > b y0^2): y is annihilated and x keeps sqrt(invariant / a).
    assert float(y) == 0.0
    assert float(x) == pytest.approx(np.sqrt(inv0 / a), rel=1e-9)


def test_square_step_vectorised_matches_scalar():
    xs = np.array([50.0, 100.0, 150.0])
    ys = np.array([60.0, 80.0, 10.0])
    vx, vy = square_step(xs, ys, 0.015, 0.012, 1.0)
    for i in range(3):
        sx, sy = square_step(np.array(xs[i]), np.array(ys[i]), 0.015, 0.012, 1.0)
        assert vx[i] == pytest.approx(float(sx)) and vy[i] == pytest.approx(float(sy))


def _linear_euler(x, y, a, b, t, n=200_000):
    dt = t / n
    for _ in range(n):
        x, y = x - a * x * y * dt, y - b * x * y * dt
    return x, y


@pytest.mark.parametrize(
    "x0,y0,a,b",
    [(150.0, 10.0, 0.0065, 0.00033), (40.0, 60.0, 0.002, 0.003), (50.0, 25.0, 0.001, 0.002)],
)
def test_linear_law_matches_fine_integration(x0, y0, a, b):
    x, y = np.array(x0), np.array(y0)
    for _ in range(10):
        x, y = linear_step(x, y, a, b, 1.0)
    ex, ey = _linear_euler(x0, y0, a, b, 10.0)
    assert float(x) == pytest.approx(ex, rel=1e-4)
    assert float(y) == pytest.approx(ey, rel=1e-4)
    # invariant b x - a y
    assert b * float(x) - a * float(y) == pytest.approx(b * x0 - a * y0, rel=1e-9, abs=1e-12)


def test_linear_law_equal_invariant_case():
    # b x0 = a y0: the C = 0 branch, x(t) = x0 / (1 + b x0 t)
    x, y = linear_step(np.array(30.0), np.array(60.0), 0.001, 0.002, 5.0)
    assert float(x) == pytest.approx(30.0 / (1 + 0.002 * 30.0 * 5.0), rel=1e-9)


def test_hughes_salvo_equation():
    # Hughes: dB = (alpha A - b3 B) / b1, capped at B and floored at 0.
    assert hughes_losses(np.array(20.0), np.array(8.0), 1.0, 2.0) == pytest.approx(6.0)
    assert hughes_losses(np.array(5.0), np.array(8.0), 1.0, 2.0) == pytest.approx(0.0)
    assert hughes_losses(np.array(100.0), np.array(8.0), 1.0, 2.0) == pytest.approx(8.0)
    # Classic homogeneous example: A=10 ships x 4 missiles, B=8 ships defending 2 each,
    # 3 hits to kill.
    assert hughes_losses(np.array(40.0), np.array(8.0), 2.0, 3.0) == pytest.approx((40 - 16) / 3)


def test_closed_form_helper_consistent():
    x, y = square_law_closed_form(100, 80, 0.01, 0.01, 50)
    assert x == pytest.approx(71.0749720811, abs=1e-8) and y == pytest.approx(
        38.1005466671, abs=1e-8
    )
