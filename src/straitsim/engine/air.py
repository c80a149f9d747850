"""Module 3, air war: sorties, air-to-air attrition (Lanchester square law), air superiority."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import safe_div
from straitsim.engine.laws import square_step
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State, col


def sorties(s: State, p: Params, v: dict[str, Any], day: int, xp: Any) -> Any:
    """Sorties per unit today: aircraft x rate(distance) x open-runway share x effort x weather."""
    runways = xp.asarray(p.base_runways)
    open_share = safe_div(runways - s["closed"], runways, xp)  # (P, R, B)
    open_u = p.derived.ub.to_units(open_share, xp)  # (P, R, U)
    effort_u = xp.take(s["effort"], xp.asarray(p.unit_actor), axis=-1)
    effort_u = xp.where(xp.asarray(p.unit_actor == p.i_chn), 1.0, effort_u)
    here = xp.asarray((p.unit_arrival <= day) * 1.0)
    rate = xp.asarray(p.unit_sortie_rate * p.unit_avail)[:, None, :]
    wx = col(s.get("air_weather_factor", 1.0))  # bad weather over the Strait
    return s["n_ac"] * here * rate * open_u * effort_u * wx


def air_war(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """One day of the air war over the Strait.

    Coalition fighters fly counter-air with the share of their sorties not assigned to
    maritime strike (``fighter_strike_share`` for strike-capable types); PRC fighters all fly
    counter-air. US bomber strike sorties are cut by ``us_bomber_negation`` (long-range
    air-to-air threats). With ``X``, ``Y`` the two sides' counter-air sorties and ``qx``, ``qy``
    their mean quality (``quality_per_generation ** (generation - 4)``, the coalition's times
    ``coalition_air_enabler``, each side's times its campaign shock), the square law
    ``dX/dt = -b Y``, ``dY/dt = -a X`` runs for one day with ``a = k_air qx / qy``,
    ``b = k_air qy / qx`` (each times mean-one lognormal noise). Each side loses the share of
    its sorties the law removes, one aircraft per sortie lost; PRC bombers share the PRC
    fighters' loss rate, and survivors carry their anti-ship missile load to the counter-navy
    module. Air superiority is the coalition's share of quality-weighted sorties
    surviving the day.
    """
    xp = rng.xp
    S = sorties(s, p, v, day, xp)
    chn = xp.asarray(p.unit_actor == p.i_chn)
    fighter = xp.asarray(p.unit_fighter)
    usable = p.weapon_anti_ship | bool(v["us_strikes_mainland"] > 0)
    capable = xp.asarray((p.unit_load * usable).sum(-1) > 0)
    share = col(v["fighter_strike_share"])
    q = xp.asarray(p.unit_quality)
    s_ca = S * (fighter & ~chn) * (1.0 - share * capable)
    s_st = S * ~chn * (fighter * share * capable + (~fighter))
    # US bombers held off by long-range air-to-air threats deliver nothing
    us_bomber = xp.asarray(~p.unit_fighter & (p.unit_actor == p.i_usa))
    s_st = s_st * (1.0 - col(v["us_bomber_negation"]) * us_bomber)
    engaged = col(v["prc_engaged_share"])
    s_prc = S * (fighter & chn) * engaged
    s_h6 = S * (~fighter & chn)
    X, Y = s_ca.sum(-1), s_prc.sum(-1)
    QX, QY = (s_ca * q).sum(-1), (s_prc * q).sum(-1)
    QX = QX * v["coalition_air_enabler"] * s.get("shock_coalition", 1.0)
    QY = QY * s.get("shock_prc", 1.0)
    qx, qy = safe_div(QX, X, xp, 1.0), safe_div(QY, Y, xp, 1.0)
    noise = rng.lognormal("air", day, 2, v["air_sigma"])
    k = v["k_air"]
    a = k * qx / qy * noise[:, 0]
    b = k * qy / qx * noise[:, 1]
    x1, y1 = square_step(X, Y, a, b, 1.0, xp)
    lx, ly = safe_div(X - x1, X, xp), safe_div(Y - y1, Y, xp)
    h6_missiles = ((s_h6 * (1.0 - engaged * col(ly))) * xp.asarray(p.unit_ascm_load)).sum(-1)
    # coalition fighters, PRC fighters and PRC bombers are disjoint sets of units
    engaged_prc = s_prc + s_h6 * engaged
    lost = xp.minimum(s_ca * col(lx) + engaged_prc * col(ly), s["n_ac"])
    QX1, QY1 = QX * (1.0 - lx), QY * (1.0 - ly)
    air_sup = safe_div(QX1, QX1 + QY1, xp, 0.5)
    return {
        "n_ac": s["n_ac"] - lost,
        "lost_air": s["lost_air"] + lost,
        "today_air_sup": air_sup,
        "today_strike_sorties": s_st,
        "today_h6_missiles": h6_missiles,
    }
