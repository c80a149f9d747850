"""Module 7, landing: amphibious and civilian lift, the air bridge, offload, losses at sea."""

from __future__ import annotations

from typing import Any

from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State


def amphib_lift(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day the amphibious fleet afloat moves: ``sum(ships x lift_t) / cycle x scale``."""
    # (a 0/1 mask times the lift per ship first: the same products, one pass fewer)
    per_trip = (s["ships"] * xp.asarray(p.derived.prc_amphib * p.group_lift_t)).sum(-1)
    return per_trip / v["amphib_cycle_days"] * v["prc_lift_scale"]


def roro_lift(s: State, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day the civilian roll-on/roll-off fleet afloat can move.

    It sails only to a working port: ``roro_tpd x roro_share`` while ``port_tpd > 0``.
    """
    return v["roro_tpd"] * s["roro_share"] * (s["port_tpd"] > 0.0)


def lift_capacity(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day the PRC can move across the Strait: amphibious plus civilian lift."""
    return amphib_lift(s, p, v, xp) + roro_lift(s, v, xp)


def offload(s: State, p: Params, v: dict[str, Any], xp: Any) -> tuple[Any, Any]:
    """Tonnes per day landed over the beaches and through the port held.

    Beach: ``min(amphibious lift, beach_offload_tpd)``. Port: civilian lift plus the amphibious
    lift the beaches cannot take, capped by the port's working capacity ``port_tpd``. Both are
    scaled by today's ``sea_state_factor`` (1 on a good day; written by the weather step) and
    by ``pla_amphibious_competence`` and the PRC's campaign shock ``shock_prc``.
    """
    sea = s.get("sea_state_factor", 1.0) * v["pla_amphibious_competence"] * s.get("shock_prc", 1.0)
    amph = amphib_lift(s, p, v, xp)
    beach = xp.minimum(amph, v["beach_offload_tpd"])
    port = xp.minimum(roro_lift(s, v, xp) + (amph - beach), s["port_tpd"])
    return beach * sea, port * sea


def air_landed(s: State, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day flown in through the airfield held: the air bridge.

    ``min(airlift_tpd x (1 - air superiority), airfield_tpd) x air_weather_factor x shock_prc``:
    the transport fleet flies what contested skies allow (allied air superiority shoots down or
    turns back the rest), and the airfield's working capacity caps what lands.
    """
    fly = v["airlift_tpd"] * (1.0 - s["today_air_sup"])
    wx = s.get("air_weather_factor", 1.0) * s.get("shock_prc", 1.0)
    return xp.minimum(fly, s.get("airfield_tpd", 0.0)) * wx


def landing(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Land today's tonnage: sustainment for the lodgement first, then new battalions.

    Troops aboard amphibious ships sunk today (``loaded_share`` of ``troops`` per ship) are
    lost at sea. The civilian fleet, while it sails to a working port, loses
    ``roro_loss_rate x air superiority`` of its ships a day (in transit and alongside), with the
    battalions aboard (``loaded_share`` of the day's civilian lift). Of all troops lost at sea
    ``crew_killed_share`` are killed. Tonnes flown in through the airfield held
    (:func:`air_landed`) add to those landed by sea. Battalions landed over the beaches lose
    ``beach_loss_share`` of their strength on the beach (``ground_killed_share`` of it killed).
    Airborne battalions add ``airborne_bn_per_day x (1 - air superiority)``, up to
    ``airborne_battalions_max`` in all.
    """
    xp = rng.xp
    if day < v["invasion_start_day"]:
        return {}
    air_sup = s["today_air_sup"]
    sunk = s.get("today_amph_sunk", 0.0)
    troops_lost = (sunk * xp.asarray(p.group_troops)).sum(-1) * v["loaded_share"]
    roro_sunk = xp.minimum(v["roro_loss_rate"] * air_sup, 1.0) * (s["port_tpd"] > 0.0)
    roro_bn_lost = roro_lift(s, v, xp) * roro_sunk * v["loaded_share"] / v["t_per_battalion"]
    sea_bn = troops_lost / v["troops_per_battalion"] + roro_bn_lost
    pool = xp.maximum(s["bn_pool"] - sea_bn, 0.0)
    roro_share = s["roro_share"] * (1.0 - roro_sunk)
    s2 = {**s, "roro_share": roro_share}
    beach_t, port_t = offload(s2, p, v, xp)
    delivered = beach_t + port_t + air_landed(s, v, xp)
    need = s["bn_ashore"] * v["t_supply_per_bn_day"]
    supply_in = xp.minimum(delivered, xp.maximum(need - s["supply_t"], 0.0))
    new_bn = xp.minimum((delivered - supply_in) / v["t_per_battalion"], pool)
    pool = pool - new_bn
    beach_share = xp.where(delivered > 0.0, beach_t / xp.where(delivered > 0.0, delivered, 1.0), 0)
    beach_lost = new_bn * beach_share * v["beach_loss_share"]
    air_left = xp.maximum(v["airborne_battalions_max"] - s["bn_airborne"], 0.0)
    air = xp.minimum(xp.minimum(v["airborne_bn_per_day"] * (1.0 - air_sup), pool), air_left)
    pool = pool - air
    landed = new_bn + air
    supply = (
        s["supply_t"] + supply_in + landed * v["t_supply_per_bn_day"] * v["supply_days_carried"]
    )
    troops = v["troops_per_battalion"]
    killed_chn = (
        sea_bn * troops * v["crew_killed_share"] + beach_lost * troops * v["ground_killed_share"]
    )
    A = len(p.actors)
    onehot_chn = xp.asarray([1.0 if a == p.i_chn else 0.0 for a in range(A)])
    out: State = {
        "bn_pool": pool,
        "bn_ashore": s["bn_ashore"] + landed - beach_lost,
        "bn_landed": s["bn_landed"] + landed,
        "bn_airborne": s["bn_airborne"] + air,
        "supply_t": supply,
        "roro_share": roro_share,
        "today_landed": landed,
        "killed": s["killed"] + killed_chn[..., None] * onehot_chn,
    }
    if day == v["invasion_start_day"]:
        out["lift0"] = lift_capacity(s, p, v, xp)
    return out
