"""Objectives ashore: the port complex, the airfield, the capital, and Taiwan's will.

Called by :func:`straitsim.engine.ground.ground_war` after the day's combat, with its force
ratio. Pure array code: ``state, values, force ratio -> state``.
"""

from __future__ import annotations

from typing import Any

from straitsim.engine.state import State

# An objective with a capacity (the port, the airfield): its state fields and its values.
PORT = ("port_progress", "port", "port_tpd")
AIRFIELD = ("airfield_progress", "airfield", "airfield_tpd")


def _capacity_objective(
    s: State, fields: tuple[str, str, str], knobs: tuple[Any, ...], ratio: Any, alive: Any, xp: Any
) -> State:
    """Assault, capture, demolition, repair and strikes of an objective with a capacity.

    ``fields`` are its (progress, held, capacity) state fields; ``knobs`` its full capacity,
    assault days, demolition share, repair days and strike rate. Assault progress ``pi`` moves by
    ``tanh(f - 1) / assault days`` a day (``f`` the force ratio ashore), clipped to [0, 1]; it
    falls when the lodgement is outfought. The objective is taken when ``pi`` reaches 1 and
    lost again when it falls to ``1/2`` (or the lodgement is gone). The defender demolishes it
    as it falls: capacity on capture is ``full x (1 - demolition)``. Held capacity is repaired
    by ``full / repair days`` a day and allied strikes knock out ``strike rate x air
    superiority`` of the working capacity a day.
    """
    f_prog, f_held, f_cap = fields
    full, days, demolition, repair, strike = knobs
    step = xp.tanh(ratio - 1.0) / days
    prog = xp.where(alive, xp.clip(s[f_prog] + step, 0.0, 1.0), 0.0)
    held0 = s[f_held] > 0.5
    taken = ~held0 & (prog >= 1.0)
    held = xp.where(held0, prog > 0.5, taken) & alive
    cap = xp.where(taken, full * (1.0 - demolition), s[f_cap])
    cap = xp.minimum(cap + xp.where(held0, full / repair, 0.0), full)
    cap = cap * (1.0 - xp.minimum(strike * s["today_air_sup"], 1.0))
    return {f_prog: prog, f_held: held.astype(float), f_cap: xp.where(held, cap, 0.0)}


def port_objective(s: State, v: dict[str, Any], ratio: Any, alive: Any, xp: Any) -> State:
    """Fight for the port complex (:func:`_capacity_objective`).

    Full capacity ``port_offload_tpd``, ``port_assault_days``, ``port_demolition_share``,
    ``port_repair_days``, ``port_strike_rate``.
    """
    knobs = (
        v["port_offload_tpd"],
        v["port_assault_days"],
        v["port_demolition_share"],
        v["port_repair_days"],
        v["port_strike_rate"],
    )
    return _capacity_objective(s, PORT, knobs, ratio, alive, xp)


def airfield_objective(s: State, v: dict[str, Any], ratio: Any, alive: Any, xp: Any) -> State:
    """Fight for the airfield behind the beaches, with its own pace and damage.

    :func:`_capacity_objective` with full capacity ``airlift_tpd`` (what the transports can
    fly in), ``airfield_assault_days``,
    ``airfield_demolition_share`` (cratered runways, wrecked fuel and ramps),
    ``airfield_repair_days``; struck at ``port_strike_rate`` as the port.
    """
    knobs = (
        v["airlift_tpd"],
        v["airfield_assault_days"],
        v["airfield_demolition_share"],
        v["airfield_repair_days"],
        v["port_strike_rate"],
    )
    return _capacity_objective(s, AIRFIELD, knobs, ratio, alive, xp)


def capital_objective(
    s: State, v: dict[str, Any], attack: Any, garrison: Any, alive: Any, xp: Any
) -> State:
    """Assault on Taipei, the capital, by a lodgement standing at its approaches.

    ``attack`` is the lodgement's fire ``a P`` and ``garrison`` the defence's ``b G`` with ``G``
    the ROC strength not engaged against the lodgement (it holds the capital). While territory
    is at least ``capital_approach_share`` progress ``kappa`` moves by
    ``tanh(attack / garrison - 1) / capital_assault_days`` a day; below it the lodgement is
    thrown back from the approaches (``-1 / capital_assault_days``). Clipped to [0, 1], 0 once
    the lodgement is gone; the capital falls when ``kappa`` reaches 1 (judged in ``outcome``).
    """
    f = xp.minimum(
        xp.where(garrison > 0, attack / xp.where(garrison > 0, garrison, 1.0), 10.0), 10.0
    )
    near = s["territory"] >= v["capital_approach_share"]
    step = xp.where(near, xp.tanh(f - 1.0), -1.0) / v["capital_assault_days"]
    kappa = xp.where(alive, xp.clip(s["capital"] + step, 0.0, 1.0), 0.0)
    return {"capital": kappa}


def will_to_resist(s: State, v: dict[str, Any], roc_lost_share: Any, xp: Any) -> Any:
    """Taiwan's will to resist today.

    ``W = roc_will_to_resist - will_loss_weight x (share of ROC ground strength lost)
    - will_capital_weight x threat + will_ally_weight x (US at war)``, floored at 0, with the
    capital's threat ``max(min(territory / victory_territory_share, 1), capital)`` (``capital``
    the assault's progress on Taipei). At or below ``capitulation_will``
    Taiwan capitulates (judged in ``outcome``).
    """
    us = s["us_at_war"].astype(float) if "us_at_war" in s else 0.0
    threat = xp.minimum(s["territory"] / v["victory_territory_share"], 1.0)
    threat = xp.maximum(threat, s.get("capital", 0.0))
    w = (
        v["roc_will_to_resist"]
        - v["will_loss_weight"] * roc_lost_share
        - v["will_capital_weight"] * threat
        + v["will_ally_weight"] * us
    )
    return xp.maximum(w, 0.0)
