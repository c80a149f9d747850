"""Module 2, missile strikes: PRC ballistic and cruise missiles against airbases."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.common import airbase_attack, by_actor, safe_div
from straitsim.engine.params import BASE_KINDS, Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col

CIVIL = BASE_KINDS.index("civil")


def launch_share(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Share of PRC launch capacity left after allied strikes on the mainland, (P, R).

    ``exp(-launcher_suppression_per_missile x M)``, with ``M`` the allied missiles that have
    arrived at mainland bases so far (launchers, reloads, garrisons and command posts hit).
    """
    mainland = xp.asarray(p.derived.mainland)
    m = (s["missiles_in"] * mainland).sum(-1)
    return xp.exp(-v["launcher_suppression_per_missile"] * m)


def missile_strikes(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Fire the day's land-attack missiles at the bases the PRC plan allows, in range.

    Fire per class: ``prc_opening_salvo_share`` of the inventory on day 0, then the rest
    evenly over ``prc_missile_days_to_expend`` days, while stocks last; all classes together
    capped by ``prc_land_launchers x prc_launcher_salvos_per_day`` and scaled by the launch
    capacity left after mainland strikes (:func:`launch_share`). Targets: Taiwan's bases
    always; other bases on ``strike_hosts`` territory if the US flies combat operations from
    them, the host is at war, or the PRC chose to strike first (``prc_preempt``) and US
    aircraft are there (when ``strike_allied_bases``). The PRC aims at what it finds: every
    aircraft at military bases, ``civil_find_share`` of those dispersed to civilian airports.
    Each class's missiles split over targets in range in proportion to aircraft found plus
    ``runway_aim_weight`` per open runway; allotments under ``min_salvo_per_base`` are dropped
    and re-split. Arrivals: ``missile_reliability`` times one minus ``base_missile_defence``
    where the host is at war or the US flies from the base (its own batteries), times mean-one
    lognormal salvo luck and the PRC's campaign shock. Damage: :func:`airbase_attack` on the
    aircraft found. Closed runways reopen at rate ``1 / dur_runway_repair_days``. A strike on a
    base US aircraft fly from also marks the United States as attacked (self-defence).
    """
    xp = rng.xp
    n_ac = s["n_ac"]
    ub = p.derived.ub
    on_ground = xp.asarray((p.unit_arrival <= day) & ~p.unit_carrier, dtype=xp.float64)
    ac_at_base = ub.to_bases(n_ac * on_ground, xp)  # (P, R, B)
    at_war = s["at_war"]
    host = xp.asarray(p.base_host)
    host_war = xp.take(at_war, host, axis=-1)
    us_units = (p.unit_actor == p.i_usa) & (p.unit_arrival <= day) & ~p.unit_carrier
    us_present = (
        ub.to_bases(xp.asarray(p.unit_avail * us_units, dtype=xp.float64)[:, None, :], xp) > 0
    )
    us_ops = us_present & s["us_at_war"][..., None]
    is_twn = xp.asarray(p.base_host == p.i_twn)
    allied = bool(v.get("strike_allied_bases", 1.0))
    preempt = s.get("prc_preempt", xp.zeros(at_war.shape[:2]))[..., None] > 0.5
    targetable = is_twn | (allied & (us_ops | host_war | (us_present & preempt)))
    targetable = targetable & xp.asarray(p.base_strikeable)
    runways_open = xp.asarray(p.base_runways) - s["closed"]
    # what PRC surveillance finds: aircraft at main bases, a share of those dispersed
    find = xp.asarray(np.where(p.base_kind == CIVIL, 1.0, 0.0))
    find = 1.0 - find * (1.0 - col(v["civil_find_share"]))  # (., ., B)
    found = ac_at_base * find
    weight = (found + col(v["runway_aim_weight"]) * runways_open) * targetable  # (P, R, B)

    n0 = xp.asarray(p.land_n0)
    if day == 0:
        want = n0 * col(v["prc_opening_salvo_share"], 1)
    else:
        want = (
            n0
            * (1.0 - col(v["prc_opening_salvo_share"], 1))
            / col(v["prc_missile_days_to_expend"], 1)
        )
    fire = xp.minimum(want, s["land_inv"])  # (P, R, C)
    # launcher limit: launchers x salvos a day, less the share suppressed by mainland strikes
    left = launch_share(s, p, v, xp)
    cap = v["prc_land_launchers"] * v["prc_launcher_salvos_per_day"]
    fire = fire * col(xp.minimum(1.0, safe_div(cap, fire.sum(-1), xp, 1.0)) * left)
    runways = xp.asarray(p.base_runways)
    repair = xp.exp(-1.0 / col(v["dur_runway_repair_days"], 1))
    if not bool((fire > 0).any()):
        return {"closed": s["closed"] * repair}
    in_range = np.asarray(p.land_in_range, dtype=np.float64)  # (C, B)
    sent = xp.zeros_like(weight)
    fired = xp.zeros_like(fire)
    min_salvo = col(v["min_salvo_per_base"])
    for c in range(in_range.shape[0]):
        w_c = weight * xp.asarray(in_range[c])
        tot = w_c.sum(-1)
        f_c = xp.where(tot > 0, fire[..., c], 0.0)
        fired[..., c] = f_c
        m_c = w_c * safe_div(f_c, tot, xp)[..., None]
        # no aim point gets less than a minimum salvo: drop those, re-split over the rest
        w2 = w_c * (m_c >= min_salvo)
        tot2 = w2.sum(-1)
        m2 = w2 * safe_div(f_c, tot2, xp)[..., None]
        sent = sent + xp.where(col(tot2) > 0, m2, m_c)
    fire = fired
    defended = (host_war | us_ops).astype(xp.float64)
    arrive = (
        sent * col(v["missile_reliability"], 1) * (1.0 - col(v["base_missile_defence"]) * defended)
    )
    # salvo luck for the bases that can ever be struck (a fixed set: chunk-invariant draws)
    reach = np.flatnonzero(p.base_strikeable & p.land_in_range.any(axis=0))
    luck = xp.ones(arrive.shape[-2:])
    if reach.size:
        luck[:, reach] = rng.lognormal("missiles", day, int(reach.size), v["salvo_sigma"])
    arrive = arrive * luck * col(s.get("shock_prc", 1.0))

    shelters = xp.asarray(p.base_shelters)
    apron = xp.asarray(p.base_apron_km2)
    # only aircraft the PRC found can be hit: the found share of the base's aircraft
    kill_found, rw_hits = airbase_attack(arrive, found, shelters, apron, v, xp)
    kill_share = kill_found * find
    closed = xp.minimum(runways, s["closed"] + rw_hits / col(v["missiles_per_runway_cut"]))
    closed = closed * repair

    kill_u = ub.to_units(kill_share, xp) * on_ground  # (P, R, U)
    lost = n_ac * kill_u
    hit = (sent > 0).astype(xp.float64)
    struck = by_actor(hit, np.asarray(p.base_host), len(p.actors), xp) > 0
    # US forces struck abroad count as an attack on the United States (self-defence)
    us_hit = (hit * us_present).sum(-1) > 0
    us_col = xp.asarray([a == p.i_usa for a in range(len(p.actors))])
    struck = struck | (us_col & us_hit[..., None])
    attacked_day = xp.where(struck & xp.isinf(s["attacked_day"]), float(day), s["attacked_day"])
    return {
        "n_ac": n_ac - lost,
        "lost_ground": s["lost_ground"] + lost,
        "closed": closed,
        "land_inv": s["land_inv"] - fire,
        "missiles_in": s["missiles_in"] + arrive,
        "attacked_day": attacked_day,
    }
