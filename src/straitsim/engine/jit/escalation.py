"""Compiled escalation: :func:`straitsim.engine.escalation.escalation` and the weather chain.

The campaign shocks and the PRC's pre-emption choice (drawn on day 0 only) stay NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.escalation import ALWAYS, ATTACKED, US_ENTRY, c2_failure, prc_preempts
from straitsim.engine.jit.common import c64, njit, pr, prs
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State
from straitsim.engine.weather import transition, typhoon


@njit
def _kernel(
    day: float,
    first: bool,
    i_usa: int,
    i_twn: int,
    u: np.ndarray,
    sea_bad: np.ndarray,
    attacked_day: np.ndarray,
    trig: np.ndarray,
    weight: np.ndarray,
    pi: np.ndarray,
    stay: np.ndarray,
    q: np.ndarray,
    offload_factor: np.ndarray,
    sortie_factor: np.ndarray,
    lag: np.ndarray,
    self_defence: np.ndarray,
    entry_delay: np.ndarray,
    paralysis: np.ndarray,
    o_bad: np.ndarray,
    o_sea: np.ndarray,
    o_air: np.ndarray,
    o_at_war: np.ndarray,
    o_effort: np.ndarray,
    o_us: np.ndarray,
) -> None:
    P, R, A = attacked_day.shape
    for p in range(P):
        usa_fights = trig[p, i_usa] != 0
        for r in range(R):
            # the weather chain (weather.weather)
            if first:
                bad = u[r] < pi[p, r]
            elif sea_bad[p, r] > 0.5:
                bad = u[r] < stay[p, r]
            else:
                bad = u[r] < q[p, r]
            b = 1.0 if bad else 0.0
            o_bad[p, r] = b
            o_sea[p, r] = 1.0 - b * (1.0 - offload_factor[p, r])
            o_air[p, r] = 1.0 - b * (1.0 - sortie_factor[p, r])
            # who is at war today, with what effort
            ready_us = day >= attacked_day[p, r, i_usa] + 1.0 + lag[p, r]
            self_def = ready_us and self_defence[p, r] > 0
            us = usa_fights and (day >= entry_delay[p, r] or self_def)
            o_us[p, r] = us
            awake = min(max(day + 1.0 - paralysis[p, r], 0.0), 1.0)
            for a in range(A):
                t = trig[p, a]
                ready = day >= attacked_day[p, r, a] + 1.0 + lag[p, r]
                w = t == ALWAYS or (t == ATTACKED and ready) or (t == US_ENTRY and us)
                e = weight[p, a] if w else 0.0
                if a == i_twn:
                    e = e * awake
                    w = w and not awake <= 0.0
                o_at_war[p, r, a] = w
                o_effort[p, r, a] = e


def escalation(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Run :func:`straitsim.engine.escalation.escalation` compiled (the same flags and effort)."""
    P, R = s["territory"].shape
    A = len(p.actors)
    u = np.ascontiguousarray(rng.uniform("weather", day, 1)[:, 0])
    pi, stay, q = transition(v, np)
    first = "sea_bad" not in s
    out: State = {
        "sea_bad": np.empty((P, R)),
        "sea_state_factor": np.empty((P, R)),
        "air_weather_factor": np.empty((P, R)),
        "at_war": np.empty((P, R, A), dtype=np.bool_),
        "effort": np.empty((P, R, A)),
        "us_at_war": np.empty((P, R), dtype=np.bool_),
    }
    _kernel(
        float(day),
        first,
        int(p.i_usa),
        int(p.i_twn),
        u,
        pr(0.0 if first else s["sea_bad"], P, R),
        c64(s["attacked_day"]),
        np.ascontiguousarray(np.broadcast_to(p.trigger_pa, (P, A)), dtype=np.int64),
        c64(np.broadcast_to(p.weight_pa, (P, A))),
        pr(pi, P, R),
        pr(stay, P, R),
        pr(q, P, R),
        prs(v["bad_weather_offload_factor"], P, R),
        prs(v["bad_weather_sortie_factor"], P, R),
        prs(v["ally_entry_lag_days"], P, R),
        prs(v["us_self_defence"], P, R),
        prs(v["us_entry_delay_days"], P, R),
        prs(v["defender_paralysis_days"], P, R),
        *out.values(),
    )
    out.update(typhoon(s, out["sea_bad"], v, day, rng))  # the typhoon closure, as the reference
    out.update(c2_failure(s, out, p, v, day, rng))  # a command failure, as the reference
    if "shock_prc" not in s:  # day 0: the campaign shocks, as the reference draws them
        z = rng.lognormal("shocks", 0, 2, v["campaign_shock_sigma"])
        out["shock_coalition"] = np.broadcast_to(z[:, 0][None, :], (P, R)) * 1.0
        out["shock_prc"] = np.broadcast_to(z[:, 1][None, :], (P, R)) * 1.0
    if day == 0:
        out["prc_preempt"] = np.broadcast_to(prc_preempts(v, rng), (P, R)) * 1.0
    return out
