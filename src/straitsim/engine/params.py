"""Plain-array parameters of one compiled scenario: what the engine receives.

Built by :func:`straitsim.scenario.compile.compile_params` from a validated scenario and a
list of role profiles. Arrays with a leading ``P`` axis differ by profile; everything else is
shared. Nothing here is validated again: the scenario layer already did that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from straitsim.engine.groups import UnitBases
from straitsim.errors import UserError

# Scalar parameter values of one run: fixed ones as floats, uncertain ones drawn per
# replication as (1, R) arrays (see state.sample_values).
Values = dict[str, Any]

# force posture codes (rung `forces`)
FORCES = ("none", "home", "regional", "theatre")
# trigger codes (rung `trigger`)
TRIGGERS = ("never", "always", "attacked", "us_entry")
# base kinds
BASE_KINDS = ("air", "civil", "carrier", "mainland")
# ship class codes, in the order the ledger reports them
SHIP_CLASSES = (
    "carrier",
    "surface_combatant",
    "amphibious_large",
    "amphibious_medium",
    "amphibious_small",
    "submarine",
)
AMPHIB = tuple(SHIP_CLASSES.index(c) for c in SHIP_CLASSES if c.startswith("amphibious"))
CARRIER = SHIP_CLASSES.index("carrier")
SURFACE_COMBATANT = SHIP_CLASSES.index("surface_combatant")
SUBMARINE = SHIP_CLASSES.index("submarine")
MAINLAND = BASE_KINDS.index("mainland")


# Parameters that cannot vary per replication: the scenario compiler reads them to build the
# arrays below, or the daily loop branches on them. A ``dist`` on one is refused
# (:func:`check_fixed`); every other parameter may carry one (tests/test_conformance.py).
FIXED_ONLY = frozenset(
    {
        # read by straitsim.scenario.compile
        "bomber_sortie_rate_max",
        "civil_airports_access",
        "cruise_kmh",
        "dispersal_share",
        "extra_shelters",
        "h6_sortie_rate",
        "jassm_er_maritime",
        "prc_base_distance_km",
        "prc_missile_inventory_scale",
        "quality_per_generation",
        "sortie_hours_per_day",
        "sortie_rate_max",
        "strike_allied_bases",
        "tanker_factor",
        "turnaround_h",
        "weight_home",
        "weight_regional",
        # the calendar and the plan: the loop branches on them
        "invasion_start_day",
        "us_strikes_mainland",
        "mainland_strike_share",
    }
)


@dataclass(frozen=True)
class Params:
    """Everything the daily loop needs, as arrays (see docs/model.md for meanings)."""

    n_days: int
    actors: tuple[str, ...]
    i_chn: int
    i_twn: int
    i_usa: int
    profiles: tuple[dict[str, str], ...]
    # profile x actor
    weight_pa: np.ndarray  # effort weight while at war (0, w_home, w_regional, 1)
    trigger_pa: np.ndarray  # TRIGGERS code
    us_basing_pa: np.ndarray  # bool
    # bases
    base_ids: tuple[str, ...]
    base_host: np.ndarray
    base_kind: np.ndarray
    base_runways: np.ndarray
    base_shelters: np.ndarray
    base_apron_km2: np.ndarray
    base_strikeable: np.ndarray  # host in plan.strike_hosts and kind air/civil
    land_classes: tuple[str, ...]
    land_in_range: np.ndarray  # (C, B) bool
    land_n0: np.ndarray  # (C,) missiles
    asbm_n0: float
    ascm_air_n0: float
    # air units
    unit_ids: tuple[str, ...]
    unit_actor: np.ndarray
    unit_fighter: np.ndarray
    unit_bomber: np.ndarray
    unit_carrier: np.ndarray
    unit_quality: np.ndarray
    unit_n0: np.ndarray
    unit_arrival: np.ndarray
    unit_base: np.ndarray  # (P, U) operating base index
    unit_base_options: np.ndarray  # (2, U) the unit's own base and its fallback
    unit_avail: np.ndarray  # (P, U) bool: released / allowed to fight
    unit_sortie_rate: np.ndarray  # (P, U) sorties per aircraft-day
    unit_load: np.ndarray  # (U, W) anti-ship missiles per strike sortie, by weapon
    unit_ascm_load: np.ndarray  # (U,) PRC air-launched anti-ship missiles per bomber sortie
    # weapons and stocks
    weapons: tuple[str, ...]
    weapon_supersonic: np.ndarray  # (W,) bool
    weapon_anti_ship: np.ndarray  # (W,) bool: may strike ships (JASSM-ER knob)
    weapon_land_attack: np.ndarray  # (W,) bool: may strike mainland airbases (catalogue data)
    stock_actor: np.ndarray  # (M,)
    stock_weapon: np.ndarray  # (M,)
    stock_n0: np.ndarray  # (M,)
    launcher_stock: np.ndarray  # (L,) stock index
    launcher_actor: np.ndarray  # (L,)
    launcher_host: np.ndarray  # (L,)
    launcher_rate: np.ndarray  # (L,) missiles per day in range
    # ship groups
    group_ids: tuple[str, ...]
    group_actor: np.ndarray
    group_class: np.ndarray
    group_n0: np.ndarray
    group_arrival: np.ndarray
    group_eng: np.ndarray  # engagements per ship-day
    group_int: np.ndarray  # interceptors per ship
    group_htk: np.ndarray
    group_crew: np.ndarray
    group_troops: np.ndarray
    group_lift_t: np.ndarray
    group_asm: np.ndarray  # (G, W) ship-launched anti-ship missiles per ship-day
    group_stock: np.ndarray  # (G, W) stock index for those launches (-1 none)
    # ground
    chn_battalions: float
    twn_battalions: float
    twn_reserve_battalions: float
    # scalar parameters: fixed values and distributions of uncertain ones
    values: dict[str, float] = field(default_factory=dict)
    dists: dict[str, tuple[str, float, float, float]] = field(default_factory=dict)
    scenario: str = ""  # the scenario's name, for messages

    @cached_property
    def derived(self) -> Derived:
        """Index lists and masks computed once from these parameters (never per day)."""
        return derive(self)

    @property
    def n_profiles(self) -> int:
        """Number of role profiles (the leading batch axis)."""
        return len(self.profiles)

    def summary(self) -> dict[str, Any]:
        """Small description for logs and tests."""
        return {
            "profiles": self.n_profiles,
            "bases": len(self.base_ids),
            "units": len(self.unit_ids),
            "groups": len(self.group_ids),
            "days": self.n_days,
        }


@dataclass(frozen=True)
class Derived:
    """Index lists and masks derived from :class:`Params` once per run.

    Pure functions of the parameters, kept apart from the sampled values. No matrix products
    (see :class:`~straitsim.engine.groups.GroupSum`).
    """

    ub: UnitBases  # units <-> operating bases
    air_lists: tuple[tuple[np.ndarray, np.ndarray], ...]  # per weapon: (units, their stocks)
    ship_pairs: tuple[np.ndarray, np.ndarray, np.ndarray]  # ship-launched (group, stock, rate)
    launcher_ok: np.ndarray  # (L,) bool: the launcher has a stock to draw on
    prc_escort: np.ndarray  # (G,) 1.0 for PRC surface combatants
    prc_amphib: np.ndarray  # (G,) 1.0 for PRC amphibious ships
    prc_sub: np.ndarray  # (G,) 1.0 for PRC submarines
    allied_sub: np.ndarray  # (G,) 1.0 for allied submarines
    allied_surface: np.ndarray  # (G,) 1.0 for allied carriers and surface combatants
    surface_idx: np.ndarray  # indices of the allied surface groups
    carrier: np.ndarray  # (G,) 1.0 for carriers
    mainland: np.ndarray  # (B,) 1.0 for mainland bases


def derive(p: Params) -> Derived:
    """Compute the :class:`Derived` index lists and masks of ``p``."""
    W = len(p.weapons)
    U, G, L = len(p.unit_ids), len(p.group_ids), len(p.launcher_rate)
    stock_of = {
        (int(a), int(w)): m
        for m, (a, w) in enumerate(zip(p.stock_actor, p.stock_weapon, strict=True))
    }
    air_lists = []
    for w in range(W):
        units = [
            u for u in range(U) if p.unit_load[u, w] > 0 and (int(p.unit_actor[u]), w) in stock_of
        ]
        air_lists.append(
            (
                np.array(units, dtype=np.int64),
                np.array([stock_of[(int(p.unit_actor[u]), w)] for u in units], dtype=np.int64),
            )
        )
    pair_g, pair_m, pair_rate = [], [], []
    for g in range(G):
        for w in range(W):
            m = int(p.group_stock[g, w])
            if m >= 0 and p.group_asm[g, w] > 0:
                pair_g.append(g)
                pair_m.append(m)
                pair_rate.append(p.group_asm[g, w])
    cls = p.group_class
    prc = p.group_actor == p.i_chn
    surface = np.isin(cls, (CARRIER, SURFACE_COMBATANT))
    return Derived(
        ub=UnitBases(p.unit_base, len(p.base_ids), p.unit_base_options),
        air_lists=tuple(air_lists),
        ship_pairs=(
            np.array(pair_g, dtype=np.int64),
            np.array(pair_m, dtype=np.int64),
            np.array(pair_rate),
        ),
        launcher_ok=np.array([int(p.launcher_stock[i]) >= 0 for i in range(L)], dtype=bool),
        prc_escort=(prc & (cls == SURFACE_COMBATANT)).astype(float),
        prc_amphib=(prc & np.isin(cls, AMPHIB)).astype(float),
        prc_sub=(prc & (cls == SUBMARINE)).astype(float),
        allied_sub=(~prc & (cls == SUBMARINE)).astype(float),
        allied_surface=(~prc & surface).astype(float),
        surface_idx=np.flatnonzero(~prc & surface),
        carrier=(cls == CARRIER).astype(float),
        mainland=(p.base_kind == MAINLAND).astype(float),
    )


def check_fixed(p: Params) -> None:
    """Refuse a distribution on a parameter that must hold one value (:data:`FIXED_ONLY`)."""
    bad = sorted(FIXED_ONLY & set(p.dists))
    if bad:
        raise UserError(
            "this parameter cannot vary per replication (it shapes the campaign's structure)",
            file=p.scenario or None,
            key=", ".join(f"params.{k}.dist" for k in bad),
            expected="a fixed value (use a range and `straitsim worlds` to explore it)",
            found="a distribution",
        )
