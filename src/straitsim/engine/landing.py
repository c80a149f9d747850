"""Module 7, landing: amphibious lift as tonnage, battalions and supplies ashore."""

from __future__ import annotations

from typing import Any

from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import State


def lift_capacity(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day the PRC can move across the Strait.

    ``sum(ships alive x lift_t) / amphib_cycle_days x prc_lift_scale``, plus civilian
    roll-on/roll-off lift ``roro_tpd`` once a port is held.
    """
    mx = v["_mx"]
    amph = s["ships"] * xp.asarray(mx["prc_amphib"])
    per_trip = (amph * xp.asarray(p.group_lift_t)).sum(-1)
    return per_trip / v["amphib_cycle_days"] * v["prc_lift_scale"] + v["roro_tpd"] * s["port"]


def deliverable(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Tonnes per day that can actually be landed: lift capped by offload capacity.

    Offload: ``beach_offload_tpd`` over open beaches (Normandy, Okinawa), plus
    ``port_offload_tpd`` once a port is held.
    """
    throughput = v["beach_offload_tpd"] + v["port_offload_tpd"] * s["port"]
    return xp.minimum(lift_capacity(s, p, v, xp), throughput)


def landing(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams) -> State:
    """Land today's tonnage: sustainment for the lodgement first, then new battalions.

    Troops aboard amphibious ships sunk today (``loaded_share`` of ``troops`` per ship) are
    lost at sea: ``crew_killed_share`` of them are killed (crews are counted where the ships
    sink), and their battalions leave the pool. Airborne battalions add
    ``airborne_bn_per_day x (1 - air superiority)``, up to ``airborne_battalions_max`` in all.
    """
    xp = rng.xp
    if day < v["invasion_start_day"]:
        return {}
    sunk = s.get("today_amph_sunk", 0.0)
    troops_lost = (sunk * xp.asarray(p.group_troops)).sum(-1) * v["loaded_share"]
    pool = xp.maximum(s["bn_pool"] - troops_lost / v["troops_per_battalion"], 0.0)
    delivered = deliverable(s, p, v, xp)
    need = s["bn_ashore"] * v["t_supply_per_bn_day"]
    supply_in = xp.minimum(delivered, xp.maximum(need - s["supply_t"], 0.0))
    new_bn = xp.minimum((delivered - supply_in) / v["t_per_battalion"], pool)
    pool = pool - new_bn
    air_left = xp.maximum(v["airborne_battalions_max"] - s["bn_airborne"], 0.0)
    air = xp.minimum(
        xp.minimum(v["airborne_bn_per_day"] * (1.0 - s["today_air_sup"]), pool), air_left
    )
    pool = pool - air
    landed = new_bn + air
    supply = (
        s["supply_t"] + supply_in + landed * v["t_supply_per_bn_day"] * v["supply_days_carried"]
    )
    killed = s["killed"]
    killed_chn = troops_lost * v["crew_killed_share"]
    A = len(p.actors)
    onehot_chn = xp.asarray([1.0 if a == p.i_chn else 0.0 for a in range(A)])
    out: State = {
        "bn_pool": pool,
        "bn_ashore": s["bn_ashore"] + landed,
        "bn_landed": s["bn_landed"] + landed,
        "bn_airborne": s["bn_airborne"] + air,
        "supply_t": supply,
        "killed": killed + killed_chn[..., None] * onehot_chn,
    }
    if day == v["invasion_start_day"]:
        out["lift0"] = lift_capacity(s, p, v, xp)
    return out
