"""Module 5, submarine war: allied submarines against PRC shipping (Lanchester linear law)."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import escorts_exposed, present, safe_div
from straitsim.engine.laws import linear_step
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col


def submarine_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Random search: ``dx/dt = -a x y`` (ships sunk), ``dy/dt = -b x y`` (submarines lost).

    ``x`` is the PRC invasion fleet (amphibious ships and escorts), ``y`` the allied submarines on
    station (``sub_on_station_share`` of boats, weighted by their owners' effort),
    ``a = sub_kill_rate``, ``b = sub_loss_rate`` (CSIS: about four ships per boat per 3.5-day turn,
    20% squadron attrition per turn). A share ``sub_amphib_share`` of the ships sunk are amphibious,
    the rest escorts.
    """
    xp = rng.xp
    mx = p.derived
    if day < v["invasion_start_day"]:
        return {}
    ships = s["ships"]
    amph_m, esc_m, sub_m = (xp.asarray(m) for m in (mx.prc_amphib, mx.prc_escort, mx.allied_sub))
    eff_g = xp.take(s["effort"], xp.asarray(p.group_actor), axis=-1)
    on_station = col(v["sub_on_station_share"])
    subs_g = ships * sub_m * present(p.group_arrival, day, xp) * eff_g * on_station
    y = subs_g.sum(-1)
    amph, esc = ships * amph_m, ships * esc_m * col(escorts_exposed(s, p, v, xp))
    n_amph, n_esc = amph.sum(-1), esc.sum(-1)
    x = n_amph + n_esc
    if not bool(((x > 0) & (y > 0)).any()):
        return {}
    noise = rng.lognormal("submarines", day, 1, v["salvo_sigma"])[:, 0]
    x1, y1 = linear_step(x, y, v["sub_kill_rate"] * noise, v["sub_loss_rate"], 1.0, xp)
    engaged = (x > 0) & (y > 0)
    dx, dy = xp.where(engaged, x - x1, 0.0), xp.where(engaged, y - y1, 0.0)
    d_amph = xp.minimum(dx * v["sub_amphib_share"], n_amph)
    d_amph = xp.where(n_esc > 0, d_amph, xp.minimum(dx, n_amph))
    d_esc = xp.minimum(dx - d_amph, n_esc)
    sunk = col(d_amph) * safe_div(amph, col(n_amph), xp) + col(d_esc) * safe_div(
        esc, col(n_esc), xp
    )
    sub_lost = col(dy) * safe_div(subs_g, col(y), xp)
    sunk_amph = sunk * amph_m
    return {
        "ships": ships - sunk - sub_lost,
        "today_amph_sunk": s.get("today_amph_sunk", 0.0) + sunk_amph,
    }
