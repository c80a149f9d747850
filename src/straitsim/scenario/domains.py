"""The physical domain of every model parameter: one table by unit, each with its rationale.

A parameter's value (and its distribution's support) must lie in its domain. The domain
comes from the parameter's ``domain = [lo, hi]`` field when the data gives one (with a
``domain_rationale``), else from its unit below. Every domain is finite: no parameter may be
infinite or NaN. docs/limits.md lists the same table.
"""

from __future__ import annotations

from typing import NamedTuple


class Domain(NamedTuple):
    """A closed interval ``[lo, hi]`` (``lo`` excluded when ``positive``) and why."""

    lo: float
    hi: float
    rationale: str
    positive: bool = False


_SHARE = "a share or probability of a whole"
UNIT_DOMAINS: dict[str, Domain] = {
    "probability": Domain(0.0, 1.0, "a probability"),
    "probability per day": Domain(0.0, 1.0, "a daily probability"),
    "share": Domain(0.0, 1.0, _SHARE),
    "share per day": Domain(0.0, 1.0, "a daily rate above one would remove more than the whole"),
    "share of territory": Domain(0.0, 1.0, _SHARE),
    "share of territory per battalion": Domain(0.0, 1.0, _SHARE),
    "per day": Domain(0.0, 1.0, "a daily rate above one would remove more than the whole"),
    "bool": Domain(0.0, 1.0, "a switch: 0 (off) or 1 (on)"),
    "will": Domain(0.0, 1.0, "Taiwan's will to resist runs from 0 (collapse) to 1 (full)"),
    "will per share lost": Domain(0.0, 10.0, "above 10, a 10% loss would end all will at once"),
    "will per unit threat": Domain(0.0, 10.0, "above 10, a tenth of the threat ends all will"),
    "log-sd": Domain(0.0, 3.0, "a log-normal spread of 3 already spans a factor of 400 (2 sd)"),
    "days": Domain(0.0, 365.0, "a day count within the longest horizon the model runs (365)"),
    "day": Domain(0.0, 365.0, "a day within the longest horizon the model runs (365)"),
    "hours": Domain(0.0, 24.0, "hours in one day"),
    "factor": Domain(
        0.0,
        100.0,
        "a multiplier on a sourced baseline; published excursions stay"
        " within 0.5-3, so 100 is far beyond any study",
    ),
    "ratio": Domain(0.0, 100.0, "a force ratio; 100:1 is beyond any decision the model judges"),
    "km": Domain(0.0, 20_037.0, "half the Earth's circumference"),
    "km/h": Domain(0.0, 4_000.0, "faster than any combat aircraft's cruise (about Mach 3.3)"),
    "km2 per missile": Domain(0.0, 10.0, "a conventional warhead's lethal area is under 1 km2"),
    "sorties/day": Domain(0.0, 24.0, "one-hour sorties around the clock"),
    "kills per opposing sortie-day": Domain(0.0, 1.0, "above one, one sortie kills a whole force"),
    "ships per submarine-day per ship present": Domain(0.0, 1.0, "a daily rate per ship"),
    "submarines per submarine-day per ship present": Domain(0.0, 1.0, "a daily rate per boat"),
    "missiles per submarine-day": Domain(0.0, 100.0, "more than any submarine's tube load"),
    "missiles": Domain(0.0, 1_000.0, "missiles per aim point; 1000 is a whole brigade's load"),
    "count": Domain(0.0, 100.0, "interceptors per threat; 100 exceeds any ship's magazine"),
    "shelters": Domain(0.0, 100_000.0, "more than every hardened shelter in the region"),
    "aircraft-equivalents per open runway": Domain(0.0, 1_000.0, "a targeting weight"),
    "tonnes": Domain(0.0, 1_000_000.0, "a whole division's equipment is about 10^5 tonnes"),
    "tonnes per battalion-day": Domain(0.0, 100_000.0, "far above any supply consumption"),
    "tonnes/day": Domain(0.0, 10_000_000.0, "over 100 times Normandy's peak offload rate"),
    "battalions": Domain(0.0, 1_000.0, "more than the PLA's whole ground force"),
    "battalions/day": Domain(0.0, 100.0, "more than any airborne lift"),
    "launchers": Domain(0.0, 100_000.0, "more launchers than any rocket force fields"),
    "missiles per launcher-day": Domain(0.0, 24.0, "one reload an hour around the clock"),
    "share per missile": Domain(0.0, 1.0, "one missile cannot remove more than the whole"),
    "people": Domain(0.0, 100_000.0, "per battalion or per loss; above any unit's strength"),
}
# Units a scenario may use that the table does not know: still finite, still non-negative.
FALLBACK = Domain(0.0, 1e9, "a non-negative magnitude (unit without a listed domain)")

# Parameters the engine divides by, or that scale every force, must be strictly positive.
POSITIVE = frozenset(
    {
        "prc_missile_days_to_expend",
        "dur_runway_repair_days",
        "prc_asbm_days_to_expend",
        "amphib_cycle_days",
        "roc_mobilisation_days",
        "cruise_kmh",
        "missiles_per_runway_cut",
        "coalition_air_enabler",
        "quality_per_generation",
        "roc_reserve_quality",
        "t_per_battalion",
        "sortie_hours_per_day",
        "troops_per_battalion",
        "interceptors_per_missile",
        "sortie_rate_max",
        "bomber_sortie_rate_max",
        "port_offload_tpd",
        "port_repair_days",
        "port_assault_days",
        "airfield_repair_days",
        "airfield_assault_days",
        "capital_assault_days",
        "victory_territory_share",
    }
)


def param_domain(
    name: str, unit: str, domain: tuple[float, float] | None = None, rationale: str | None = None
) -> Domain:
    """Return the domain of ``name``: its own ``domain`` field, else its unit's."""
    base = UNIT_DOMAINS.get(unit, FALLBACK)
    if domain is not None:
        base = Domain(float(domain[0]), float(domain[1]), rationale or base.rationale)
    return base._replace(positive=name in POSITIVE)


def describe_domain(d: Domain) -> str:
    """Describe ``d`` for a message: ``a finite number in [0, 1] (why)``."""
    if d.positive:
        return f"a finite number > {d.lo:g} and <= {d.hi:g} ({d.rationale})"
    return f"a finite number in [{d.lo:g}, {d.hi:g}] ({d.rationale})"


def in_domain(x: float, d: Domain) -> bool:
    """Return True when ``x`` is finite and inside ``d``."""
    if x != x or not d.lo <= x <= d.hi:
        return False
    return not (d.positive and x <= d.lo)
