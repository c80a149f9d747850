"""Compile a validated scenario and a list of role profiles into engine arrays."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from straitsim.engine.params import BASE_KINDS, SHIP_CLASSES, TRIGGERS, Params
from straitsim.errors import UserError
from straitsim.scenario.schema import AirUnit, Scenario

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def sortie_rate(dist_km: float, radius_km: float, v: Mapping[str, float]) -> float:
    """Sorties per aircraft-day from a base ``dist_km`` from the fight.

    ``min(max_rate, hours_per_day / (turnaround + 2 d / v))``, times the tanker factor beyond
    the aircraft's unrefuelled combat radius.
    """
    cycle_h = v["turnaround_h"] + 2.0 * dist_km / v["cruise_kmh"]
    rate = min(v["sortie_rate_max"], v["sortie_hours_per_day"] / cycle_h)
    if dist_km > radius_km:
        rate *= v["tanker_factor"]
    return rate


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def launch_weather(sc: Scenario) -> tuple[float, float, float]:
    """Climatology of the scenario's launch month.

    Returns the share of bad-weather days, the mean bad spell (days) and the typhoon chance as
    a multiple of July's (``typhoon_rate``). Calm seas and no typhoons when the scenario names
    no ``launch_month`` or has no climatology for it.
    """
    m = sc.weather.get(MONTHS[sc.launch_month - 1]) if sc.launch_month else None
    if m is None:
        return 0.0, 1.0, 0.0
    return float(m.bad_day_share), float(m.bad_spell_days), float(m.typhoon_factor)


def profile_roles(sc: Scenario, roles: Mapping[str, str] | None) -> dict[str, str]:
    """Roles of every actor with a ladder: the scenario's, then ``roles`` on top."""
    out = {}
    for code, actor in sc.actors.items():
        if not actor.rungs:
            continue
        out[code] = sc.roles.get(code, actor.default or next(iter(actor.rungs)))
    for code, rung in (roles or {}).items():
        if code not in sc.actors or not sc.actors[code].rungs:
            raise UserError(
                "unknown ally in a role profile",
                key=f"roles.{code}",
                expected="one of " + ", ".join(sorted(out)),
                found=repr(code),
            )
        if rung not in sc.actors[code].rungs:
            raise UserError(
                "unknown rung",
                key=f"roles.{code}",
                expected="one of " + ", ".join(sc.actors[code].rungs),
                found=repr(rung),
            )
        out[code] = rung
    return out


def check_profiles(profiles: object) -> None:
    """Refuse role profiles that are not a list of ``{ALLY: RUNG}`` mappings (one line)."""
    ok = profiles is None or (
        isinstance(profiles, Sequence)
        and not isinstance(profiles, str | bytes)
        and all(isinstance(p, Mapping) for p in profiles)
    )
    if not ok:
        shown = repr(profiles)
        raise UserError(
            "bad role profiles",
            key="profiles",
            expected='a list of mappings such as [{"JPN": "full"}]',
            found=shown if len(shown) <= 40 else shown[:37] + "...",
        )


def compile_params(
    sc: Scenario, profiles: Sequence[Mapping[str, str]] | None = None, days: int | None = None
) -> Params:
    """Turn ``sc`` into :class:`Params` for the given role profiles (default: the scenario's)."""
    check_profiles(profiles)
    profs = [profile_roles(sc, p) for p in (profiles or [{}])]
    v = {k: p.value for k, p in sc.params.items()}
    v["strike_allied_bases"] = float(sc.plan.strike_allied_bases)
    v["weather_bad_day_share"], v["weather_bad_spell_days"], typhoons = launch_weather(sc)
    if "typhoon_rate" in v:
        v["typhoon_rate"] = min(v["typhoon_rate"] * typhoons, 1.0)
    dists: dict[str, tuple[str, float, float, float]] = {
        k: (p.dist.kind, p.dist.low, p.dist.high, p.dist.mode if p.dist.mode is not None else 0.0)
        for k, p in sc.params.items()
        if p.dist is not None
    }
    actors = tuple(sc.actors)
    aidx = {a: i for i, a in enumerate(actors)}
    chn, twn, usa = (sc.actor_playing(x) for x in ("aggressor", "defender", "principal"))
    P, A = len(profs), len(actors)

    # ---- profiles x actors
    weight_of = {
        "none": 0.0,
        "home": v["weight_home"],
        "regional": v["weight_regional"],
        "theatre": 1.0,
    }
    weight_pa = np.zeros((P, A))
    trigger_pa = np.zeros((P, A), dtype=np.int8)
    us_basing_pa = np.zeros((P, A), dtype=bool)
    release_pa = np.zeros((P, A), dtype=bool)
    for p, prof in enumerate(profs):
        for code, rung_name in prof.items():
            rung = sc.actors[code].rungs[rung_name]
            a = aidx[code]
            weight_pa[p, a] = weight_of[rung.forces]
            trigger_pa[p, a] = TRIGGERS.index(rung.trigger) if rung.forces != "none" else 0
            us_basing_pa[p, a] = rung.us_basing
            if rung.release:
                release_pa[p, aidx[rung.release]] = True
        # hosts without a ladder (the US itself, the PRC) allow US basing of their own bases
        for code, actor in sc.actors.items():
            if not actor.rungs:
                us_basing_pa[p, aidx[code]] = code != chn
    us_basing_pa[:, aidx[usa]] = True  # the principal's own territory

    # ---- bases
    th = sc.theatre
    base_ids = list(sc.bases)
    civil_ok = bool(v["civil_airports_access"])
    B = len(base_ids)
    bidx = {b: i for i, b in enumerate(base_ids)}
    base_host = np.array([aidx[sc.bases[b].host] for b in base_ids])
    base_kind = np.array([BASE_KINDS.index(sc.bases[b].kind) for b in base_ids])
    base_runways = np.array([float(sc.bases[b].runways) for b in base_ids])
    base_shelters = np.array([float(sc.bases[b].shelters) for b in base_ids])
    base_apron = np.array([max(sc.bases[b].apron_area_km2, 1e-3) for b in base_ids])
    dist = np.array(
        [
            haversine_km(sc.bases[b].lat, sc.bases[b].lon, th.center_lat, th.center_lon)
            for b in base_ids
        ]
    )
    launch_dist = np.array(
        [
            haversine_km(sc.bases[b].lat, sc.bases[b].lon, th.launch_lat, th.launch_lon)
            for b in base_ids
        ]
    )
    strike_hosts = {aidx[h] for h in sc.plan.strike_hosts if h in aidx}
    base_strikeable = np.array(
        [
            base_host[i] in strike_hosts and base_kind[i] in (0, 1) and base_host[i] != aidx[chn]
            for i in range(B)
        ]
    )
    if not civil_ok:
        base_runways = np.where(base_kind == 1, 0.0, base_runways)
    land_classes = tuple(k for k, m in sc.missile_classes.items() if m.role == "land")
    scale = v["prc_missile_inventory_scale"]
    land_in_range = np.array(
        [[launch_dist[i] <= sc.missile_classes[c].range_km for i in range(B)] for c in land_classes]
    )
    land_n0 = np.array(
        [sc.missiles[c].n * scale if c in sc.missiles else 0.0 for c in land_classes]
    )
    asbm_n0 = (
        sum(
            sc.missiles[c].n
            for c, m in sc.missile_classes.items()
            if m.role == "ship" and c in sc.missiles and c != "ascm_air"
        )
        * scale
    )
    ascm_air_n0 = (sc.missiles["ascm_air"].n if "ascm_air" in sc.missiles else 0.0) * scale

    # ---- air units (civil dispersal splits units at hosts with civil fields)
    civil_by_host: dict[int, list[int]] = {}
    for i in range(B):
        if base_kind[i] == 1:
            civil_by_host.setdefault(int(base_host[i]), []).append(i)
    units: list[tuple[str, AirUnit, str, str, float]] = []
    for uid, u in sc.air_units.items():
        host = aidx[sc.bases[u.base].host]
        if civil_ok and host in civil_by_host and sc.bases[u.base].kind == "air" and not u.carrier:
            share = v["dispersal_share"]
            civ = civil_by_host[host]
            units.append((uid, u, u.base, u.fallback, u.n * (1 - share)))
            for ci in civ:
                units.append(
                    (f"{uid}@{base_ids[ci]}", u, base_ids[ci], u.fallback, u.n * share / len(civ))
                )
        else:
            units.append((uid, u, u.base, u.fallback, float(u.n)))
    U = len(units)
    weapons = tuple(sc.weapons)
    widx = {w: i for i, w in enumerate(weapons)}
    W = len(weapons)
    qpg = v["quality_per_generation"]
    unit_actor = np.array([aidx[u.actor] for _, u, *_ in units])
    unit_fighter = np.array([sc.aircraft_types[u.type].role == "fighter" for _, u, *_ in units])
    unit_bomber = ~unit_fighter
    unit_carrier = np.array([u.carrier for _, u, *_ in units])
    unit_quality = np.array(
        [qpg ** (sc.aircraft_types[u.type].generation - 4.0) for _, u, *_ in units]
    )
    unit_n0 = np.array([n for *_, n in units])
    unit_arrival = np.array([u.arrival_day for _, u, *_ in units])
    unit_ascm_load = np.array(
        [float(sc.aircraft_types[u.type].anti_ship.get("ascm_air", 0)) for _, u, *_ in units]
    )
    unit_load = np.zeros((U, W))
    for k, (_, u, *_) in enumerate(units):
        for w, n in sc.aircraft_types[u.type].anti_ship.items():
            if w in widx:
                unit_load[k, widx[w]] = n
    unit_base = np.zeros((P, U), dtype=np.int64)
    unit_avail = np.ones((P, U), dtype=bool)
    unit_rate = np.zeros((P, U))
    for p in range(P):
        for k, (_, u, base, fallback, _) in enumerate(units):
            host = aidx[sc.bases[base].host]
            own = u.actor == sc.bases[base].host
            ok = own or (u.actor == usa and us_basing_pa[p, host])
            if u.actor != usa and not own:
                ok = us_basing_pa[p, host]  # allies abroad follow the same host permission
            b = bidx[base] if ok else bidx[fallback]
            unit_base[p, k] = b
            if u.release:
                unit_avail[p, k] = bool(release_pa[p, aidx[u.release]])
            radius = sc.aircraft_types[u.type].combat_radius_km
            d = v["prc_base_distance_km"] if u.actor == chn else dist[b]
            rate = sortie_rate(float(d), radius, v)
            if sc.aircraft_types[u.type].role == "bomber":
                cap = v["h6_sortie_rate"] if u.actor == chn else v["bomber_sortie_rate_max"]
                rate = min(rate, cap)
            unit_rate[p, k] = rate

    # extra hardened shelters: at bases in Japan and Guam, in proportion to the US aircraft
    # the data base there on day 0 (their own bases, whatever a profile's rungs: shelters are
    # built before the war, so every profile of a batch gets the same ones)
    extra = v["extra_shelters"]
    if extra > 0:
        usa_ac = np.zeros(B)
        for _, u, base, _, n_based in units:
            if u.actor == usa and u.arrival_day == 0 and not u.carrier:
                usa_ac[bidx[base]] += n_based
        host_ok = np.isin(base_host, [aidx[c] for c, a in sc.actors.items() if a.shelter_host]) & (
            base_kind == 0
        )
        wgt = usa_ac * host_ok
        if wgt.sum() > 0:
            base_shelters = base_shelters + extra * wgt / wgt.sum()

    # ---- weapons and stocks
    weapon_supersonic = np.array([sc.weapons[w].speed == "supersonic" for w in weapons])
    weapon_anti_ship = np.ones(W, dtype=bool)
    if "jassm_er" in widx and not v["jassm_er_maritime"]:
        weapon_anti_ship[widx["jassm_er"]] = False
    stock_keys: dict[tuple[int, int], int] = {}
    stock_n0: list[float] = []
    for m in sc.munitions.values():
        key = (aidx[m.actor], widx[m.weapon])
        if key not in stock_keys:
            stock_keys[key] = len(stock_n0)
            stock_n0.append(0.0)
        stock_n0[stock_keys[key]] += m.n
    stock_actor = np.array([k[0] for k in stock_keys], dtype=np.int64)
    stock_weapon = np.array([k[1] for k in stock_keys], dtype=np.int64)
    lau = list(sc.launchers.values())
    launcher_stock = np.array(
        [stock_keys.get((aidx[x.actor], widx[x.weapon]), -1) for x in lau], dtype=np.int64
    )
    launcher_actor = np.array([aidx[x.actor] for x in lau], dtype=np.int64)
    launcher_host = np.array([aidx[x.host] for x in lau], dtype=np.int64)
    launcher_rate = np.array([x.n * x.shots_per_day * x.in_range_share for x in lau])

    # ---- ship groups
    gids = list(sc.ships)
    G = len(gids)
    group_actor = np.array([aidx[sc.ships[g].actor] for g in gids], dtype=np.int64)
    group_class = np.array(
        [SHIP_CLASSES.index(sc.ships[g].ship_class) for g in gids], dtype=np.int64
    )
    group_n0 = np.array([float(sc.ships[g].n) for g in gids])
    group_arrival = np.array([sc.ships[g].arrival_day for g in gids])
    group_eng = np.array([sc.ships[g].engagements_per_day for g in gids])
    group_int = np.array([sc.ships[g].interceptors for g in gids])
    sc_of = [sc.ship_classes[sc.ships[g].ship_class] for g in gids]
    group_htk = np.array([c.hits_to_kill for c in sc_of])
    group_crew = np.array([float(c.crew) for c in sc_of])
    group_troops = np.array([float(c.troops) for c in sc_of])
    group_lift = np.array([c.lift_t for c in sc_of])
    group_asm = np.zeros((G, W))
    group_stock = -np.ones((G, W), dtype=np.int64)
    for gi, g in enumerate(gids):
        for w, rate in sc.ships[g].anti_ship.items():
            group_asm[gi, widx[w]] = rate
            group_stock[gi, widx[w]] = stock_keys.get((group_actor[gi], widx[w]), -1)

    gr = sc.ground
    return Params(
        n_days=int(days if days is not None else sc.horizon_days),
        actors=actors,
        i_chn=aidx[chn],
        i_twn=aidx[twn],
        i_usa=aidx[usa],
        profiles=tuple(profs),
        weight_pa=weight_pa,
        trigger_pa=trigger_pa,
        us_basing_pa=us_basing_pa,
        base_ids=tuple(base_ids),
        base_host=base_host,
        base_kind=base_kind,
        base_runways=base_runways,
        base_shelters=base_shelters,
        base_apron_km2=base_apron,
        base_strikeable=base_strikeable,
        land_classes=land_classes,
        land_in_range=land_in_range,
        land_n0=land_n0,
        asbm_n0=float(asbm_n0),
        ascm_air_n0=float(ascm_air_n0),
        unit_ids=tuple(x[0] for x in units),
        unit_actor=unit_actor,
        unit_fighter=unit_fighter,
        unit_bomber=unit_bomber,
        unit_carrier=unit_carrier,
        unit_quality=unit_quality,
        unit_n0=unit_n0,
        unit_arrival=unit_arrival,
        unit_base=unit_base,
        unit_base_options=np.array(
            [[bidx[x[2]] for x in units], [bidx[x[3]] for x in units]], dtype=np.int64
        ),
        unit_avail=unit_avail,
        unit_sortie_rate=unit_rate,
        unit_load=unit_load,
        unit_ascm_load=unit_ascm_load,
        weapons=weapons,
        weapon_supersonic=weapon_supersonic,
        weapon_anti_ship=weapon_anti_ship,
        weapon_land_attack=np.array([sc.weapons[w].land_attack for w in weapons], dtype=bool),
        stock_actor=stock_actor,
        stock_weapon=stock_weapon,
        stock_n0=np.array(stock_n0),
        launcher_stock=launcher_stock,
        launcher_actor=launcher_actor,
        launcher_host=launcher_host,
        launcher_rate=launcher_rate,
        group_ids=tuple(gids),
        group_actor=group_actor,
        group_class=group_class,
        group_n0=group_n0,
        group_arrival=group_arrival,
        group_eng=group_eng,
        group_int=group_int,
        group_htk=group_htk,
        group_crew=group_crew,
        group_troops=group_troops,
        group_lift_t=group_lift,
        group_asm=group_asm,
        group_stock=group_stock,
        chn_battalions=gr[chn].battalions if chn in gr else 0.0,
        twn_battalions=gr[twn].battalions if twn in gr else 0.0,
        twn_reserve_battalions=gr[twn].reserve_battalions if twn in gr else 0.0,
        values=v,
        dists=dists,
        scenario=sc.name,
    )
