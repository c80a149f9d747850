"""Module 1, escalation: who is at war today, and with what share of effort."""

from __future__ import annotations

from typing import Any

from straitsim.engine.params import TRIGGERS, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col

ALWAYS, ATTACKED, US_ENTRY = (
    TRIGGERS.index("always"),
    TRIGGERS.index("attacked"),
    TRIGGERS.index("us_entry"),
)


def escalation(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """At-war flags and effort weights per (profile, replication, actor).

    The US is at war once ``day >= us_entry_delay_days`` if its rung fights. An ally with
    trigger ``always`` fights from day 0; ``attacked`` once PRC missiles have struck its
    territory (US bases there included); ``us_entry`` with the
    US. An ally attacked on day ``d`` fights from day ``d + 1 + ally_entry_lag_days`` (strikes
    come after this module in the daily order). Effort is the rung's weight (theatre 1,
    regional, home, none 0) while at war.
    """
    xp = rng.xp
    trig = xp.asarray(p.trigger_pa)[:, None, :]
    usa_fights = xp.asarray(p.trigger_pa[:, p.i_usa] != 0)[:, None]
    us_at_war = usa_fights & (day >= xp.asarray(v["us_entry_delay_days"]))
    ready = day >= s["attacked_day"] + 1 + col(v["ally_entry_lag_days"])
    at_war = (
        (trig == ALWAYS)
        | ((trig == ATTACKED) & ready)
        | ((trig == US_ENTRY) & us_at_war[..., None])
    )
    effort = at_war * xp.asarray(p.weight_pa)[:, None, :]
    return {"at_war": at_war, "effort": effort, "us_at_war": us_at_war}
