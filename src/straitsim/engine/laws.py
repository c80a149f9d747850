"""Closed-form combat laws used by the daily modules.

* Lanchester's square law (aimed fire): ``dx/dt = -b y``, ``dy/dt = -a x``.
* Lanchester's linear law (area fire, random search): ``dx/dt = -a x y``, ``dy/dt = -b x y``.
* Hughes' salvo equation: ``dB = (alpha A - b3 B) / b1`` for missiles that get through.

Each step integrates its law exactly over ``dt``, so a module run in deterministic mode
reproduces the closed-form solutions at whole days, not an Euler approximation of them.
All functions are elementwise over arrays of any (broadcastable) shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_EPS = 1e-12


def square_step(x: Any, y: Any, a: Any, b: Any, dt: float = 1.0, xp: Any = np) -> tuple[Any, Any]:
    """Advance the square law by ``dt``: ``dx/dt = -b y``, ``dy/dt = -a x``.

    ``a`` is the x side's kill rate per unit of x, ``b`` the y side's per unit of y. The
    invariant ``a x^2 - b y^2`` is conserved; when one side reaches zero inside the step the
    survivor keeps ``sqrt`` of the invariant and the fight stops.
    """
    a = xp.maximum(a, _EPS)
    b = xp.maximum(b, _EPS)
    r = xp.minimum(xp.sqrt(a * b) * dt, 50.0)  # beyond this one side is gone either way
    ch, sh = xp.cosh(r), xp.sinh(r)
    x1 = x * ch - y * xp.sqrt(b / a) * sh
    y1 = y * ch - x * xp.sqrt(a / b) * sh
    inv = a * x * x - b * y * y
    x_wins = y1 <= 0
    y_wins = x1 <= 0
    x_end = xp.where(x_wins, xp.sqrt(xp.maximum(inv, 0.0) / a), x1)
    y_end = xp.where(y_wins, xp.sqrt(xp.maximum(-inv, 0.0) / b), y1)
    x_end = xp.where(y_wins, 0.0, x_end)
    y_end = xp.where(x_wins, 0.0, y_end)
    return xp.clip(x_end, 0.0, x), xp.clip(y_end, 0.0, y)


def linear_step(x: Any, y: Any, a: Any, b: Any, dt: float = 1.0, xp: Any = np) -> tuple[Any, Any]:
    """Advance the linear law by ``dt``: ``dx/dt = -a x y``, ``dy/dt = -b x y``.

    The invariant ``b x - a y = C`` gives the logistic solution
    ``x(t) = C x0 / (b x0 - (b x0 - C) exp(-C t))`` (and ``x0 / (1 + b x0 t)`` when ``C = 0``);
    ``y = (b x - C) / a``.
    """
    a = xp.maximum(a, _EPS)
    b = xp.maximum(b, _EPS)
    c = b * x - a * y
    small = xp.abs(c) < 1e-9 * (b * x + a * y + _EPS)
    c_safe = xp.where(small, 1.0, c)
    e = xp.exp(xp.clip(-c_safe * dt, -700.0, 700.0))
    den = b * x - (b * x - c_safe) * e
    x_gen = xp.where(xp.abs(den) > _EPS, c_safe * x / xp.where(den == 0, 1.0, den), 0.0)
    x_zero = x / (1.0 + b * x * dt)
    x1 = xp.where(small, x_zero, x_gen)
    x1 = xp.clip(x1, 0.0, x)
    y1 = xp.where(small, x1 * b / a, (b * x1 - c) / a)
    return x1, xp.clip(y1, 0.0, y)


def hughes_losses(
    arriving: Any, defenders: Any, defence_per_ship: Any, staying_power: Any, xp: Any = np
) -> Any:
    """Hughes (1995): ships put out of action by one salvo, capped at the defenders present.

    ``arriving`` is alpha*A (offensive missiles that arrive), ``defence_per_ship`` is b3 (missiles
    each defender destroys), ``staying_power`` is b1 (hits to put one defender out of action).
    """
    hits = xp.maximum(arriving - defence_per_ship * defenders, 0.0)
    return xp.minimum(hits / staying_power, defenders)


def square_law_closed_form(
    x0: float, y0: float, a: float, b: float, t: float
) -> tuple[float, float]:
    """Solve the square law in closed form at time ``t`` (reference; no truncation at zero)."""
    r = float(np.sqrt(a * b)) * t
    return (
        x0 * float(np.cosh(r)) - y0 * float(np.sqrt(b / a)) * float(np.sinh(r)),
        y0 * float(np.cosh(r)) - x0 * float(np.sqrt(a / b)) * float(np.sinh(r)),
    )
