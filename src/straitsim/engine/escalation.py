"""Module 1, escalation: the day's conditions, who is at war today, and with what effort."""

from __future__ import annotations

from typing import Any

from straitsim.engine.params import TRIGGERS, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col
from straitsim.engine.weather import weather

ALWAYS, ATTACKED, US_ENTRY = (
    TRIGGERS.index("always"),
    TRIGGERS.index("attacked"),
    TRIGGERS.index("us_entry"),
)


def prc_preempts(v: dict[str, Any], rng: Streams) -> Any:
    """1.0 in replications where the PRC opens by striking US forces abroad, shape (1, R).

    One uniform per replication from stream ``decisions`` (day 0, slot 0), below
    ``prc_preemption_probability``: the same PRC choice in every role profile.
    """
    u = rng.uniform("decisions", 0, 1)[:, 0][None, :]
    return (u < v["prc_preemption_probability"]) * 1.0  # the probability: scalar or (1, R)


def c2_failure(s: State, out: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Draw a rare command-and-control failure that paralyses Taiwan's forces for a day or two.

    On a day with no failure in progress one begins with probability ``c2_failure_rate``
    (one uniform a day, stream ``c2``) and lasts ``c2_failure_days`` days, today included:
    Taiwan's effort is zero on those days (no sorties, missile fire or base defence, as under
    ``defender_paralysis_days``). Returns ``effort`` and the fields ``c2_left`` (failure days
    left after today) and ``c2_failures`` (failures so far), (P, R).
    """
    xp = rng.xp
    shape = s["territory"].shape
    left = s.get("c2_left", xp.zeros(shape))
    u = rng.uniform("c2", day, 1)[:, 0][None, :]
    onset = (left <= 0.0) & (u < v["c2_failure_rate"])
    days = xp.maximum(xp.round(xp.asarray(v["c2_failure_days"], dtype=xp.float64)), 1.0)
    left = xp.where(onset, days, left)
    down = (left > 0.0)[..., None]
    twn = xp.asarray([a == p.i_twn for a in range(len(p.actors))])
    return {
        "effort": xp.where(down & twn, 0.0, out["effort"]),
        "c2_left": xp.maximum(left - 1.0, 0.0) * 1.0,
        "c2_failures": s.get("c2_failures", xp.zeros(shape)) + onset,
    }


def escalation(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Set the day's weather and shocks, at-war flags and effort per (profile, rep, actor).

    Conditions first (:func:`~straitsim.engine.weather.weather`). The US is at war once
    ``day >= us_entry_delay_days`` if its rung fights, or, with ``us_self_defence``, from the
    day after PRC missiles first struck a base US forces fly from. An ally with trigger
    ``always`` fights from day 0; ``attacked`` once PRC missiles have struck its territory
    (US bases there included); ``us_entry`` with the US. An ally attacked on day ``d`` fights
    from day ``d + 1 + ally_entry_lag_days`` (strikes come after this module in the daily
    order). Effort is the rung's weight (theatre 1, regional, home, none 0) while at war.
    Taiwan's forces are paralysed for the first ``defender_paralysis_days``: its effort is
    ``clip(day + 1 - D, 0, 1)`` (a fractional last day), and it counts as at war once positive.
    """
    xp = rng.xp
    out = weather(s, p, v, day, rng)
    trig = xp.asarray(p.trigger_pa)[:, None, :]
    usa_fights = xp.asarray(p.trigger_pa[:, p.i_usa] != 0)[:, None]
    ready = day >= s["attacked_day"] + 1 + col(v["ally_entry_lag_days"])
    self_def = ready[..., p.i_usa] & (v["us_self_defence"] > 0)
    us_at_war = usa_fights & ((day >= xp.asarray(v["us_entry_delay_days"])) | self_def)
    at_war = (
        (trig == ALWAYS)
        | ((trig == ATTACKED) & ready)
        | ((trig == US_ENTRY) & us_at_war[..., None])
    )
    effort = at_war * xp.asarray(p.weight_pa)[:, None, :]
    awake = xp.clip(day + 1.0 - xp.asarray(v["defender_paralysis_days"], dtype=xp.float64), 0, 1)
    if bool((awake < 1.0).any()):
        awake = col(awake)  # a scalar or a sampled (1, R) value
        twn = xp.asarray([a == p.i_twn for a in range(len(p.actors))])
        effort = xp.where(twn, effort * awake, effort)
        at_war = at_war & ~(twn & (awake <= 0.0))
    out.update({"at_war": at_war, "effort": effort, "us_at_war": us_at_war})
    out.update(c2_failure(s, out, p, v, day, rng))
    if day == 0:
        out["prc_preempt"] = xp.broadcast_to(prc_preempts(v, rng), s["territory"].shape) * 1.0
    return out
