"""The theatre map's data: where the bases are, what is based there, what happened to them.

:func:`base_status` places each base and counts the aircraft that operate from it under the
chosen role profile, with its day-0 *exposure* by the rules the engine applies: whether PRC
land-attack missiles reach it and whether the PRC plan strikes it (Taiwan's bases always;
other hosts' bases when the US flies combat operations from them or the host is at war, if
``plan.strike_allied_bases``). :func:`base_results` joins those records with what a run
reports per base (the ``bases`` object of ``straitsim run --json``): aircraft destroyed on the
ground and PRC missiles received, as medians and 10-90% ranges over the replications.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.engine.params import BASE_KINDS
from straitsim.scenario.compile import compile_params, profile_roles
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

QUANTILE_KEYS = ("median", "p10", "p90", "mean")
# share of the aircraft based at a base destroyed there: 0 -> 1 (matplotlib's YlOrRd anchors;
# the dashboard's dashboard.js draws the same scale)
LOSS_COLOURS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")

# status -> (label, colour) in the order legends list them
STATUS = {
    "struck": ("PRC strike target, hosts aircraft", "#c0392b"),
    "struck_empty": ("PRC strike target (runways), no aircraft", "#e67e22"),
    "out_of_range": ("in use, beyond PRC missile range", "#2e86c1"),
    "spared": ("in use, not struck under these roles", "#27ae60"),
    "unused": ("not used under these roles", "#95a5a6"),
    "mainland": ("PRC mainland airbases", "#7d3c98"),
    "carrier": ("carrier group at sea", "#1f3a93"),
}


def base_status(sc: Scenario, roles: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Each base's position, aircraft and exposure under ``roles`` (else the scenario's).

    Parameters
    ----------
    sc : Scenario
        A resolved scenario.
    roles : mapping of str to str, optional
        Ally -> rung on top of the scenario's roles.

    Returns
    -------
    list of dict
        One record per base: ``id, name, host, kind, lat, lon, runways, shelters,
        n_aircraft`` (aircraft assigned on day 0 or arriving later, released units only),
        ``n_aircraft_based`` (every aircraft operating from it under these roles, released or
        not: those the PRC can destroy there), ``n_us_aircraft``, ``in_missile_range``,
        ``struck`` (the PRC plan targets it under these roles), ``status`` (a key of
        :data:`STATUS`) and ``status_label``.
    """
    prof = profile_roles(sc, roles)
    p = compile_params(sc, [prof])
    A = len(p.actors)
    n_unit = p.unit_n0 * p.unit_avail[0]
    B = len(p.base_ids)

    def per_base(x: np.ndarray) -> np.ndarray:
        return np.bincount(p.unit_base[0], weights=x, minlength=B)

    ac = per_base(n_unit)
    based = per_base(p.unit_n0)
    us = per_base(n_unit * (p.unit_actor == p.i_usa) * ~p.unit_carrier)
    in_range = np.asarray((p.land_in_range & (p.land_n0 > 0)[:, None]).any(axis=0), dtype=bool)
    # host at war on its own account: forces that fight from day 0 or once attacked
    fights = np.zeros(A, dtype=bool)
    for code, rung in prof.items():
        r = sc.actors[code].rungs[rung]
        fights[p.actors.index(code)] = r.forces != "none" and r.trigger in (
            "always",
            "attacked",
            "us_entry",
        )
    us_war = prof.get(p.actors[p.i_usa], "full") != "none"
    allied = sc.plan.strike_allied_bases
    out = []
    for b, bid in enumerate(p.base_ids):
        base = sc.bases[bid]
        host = int(p.base_host[b])
        kind = BASE_KINDS[int(p.base_kind[b])]
        target = bool(p.base_strikeable[b]) and bool(
            host == p.i_twn or (allied and ((us[b] > 0 and us_war) or fights[host]))
        )
        # the PRC aims at aircraft and open runways: a closed civil field with none draws nothing
        struck = target and bool(in_range[b]) and bool(ac[b] > 0 or p.base_runways[b] > 0)
        if kind == "mainland":
            status = "mainland"
        elif kind == "carrier":
            status = "carrier"
        elif struck:
            status = "struck" if ac[b] > 0 else "struck_empty"
        elif ac[b] <= 0:
            status = "unused"
        elif target:
            status = "out_of_range"
        else:
            status = "spared"
        out.append(
            {
                "id": bid,
                "name": base.name,
                "host": base.host,
                "kind": kind,
                "lat": base.lat,
                "lon": base.lon,
                "runways": base.runways,
                "shelters": base.shelters,
                "n_aircraft": round(float(ac[b]), 1),
                "n_aircraft_based": round(float(based[b]), 1),
                "n_us_aircraft": round(float(us[b]), 1),
                "in_missile_range": bool(in_range[b]),
                "struck": struck,
                "status": status,
                "status_label": STATUS[status][0],
            }
        )
    return out


def base_results(
    bases: Sequence[Mapping[str, Any]], doc: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Join :func:`base_status` records with a run's per-base results.

    Parameters
    ----------
    bases : sequence of dict
        :func:`base_status` records, for the roles and overrides of the run.
    doc : dict
        The run summary (``RunResult.summary()``, the ``straitsim run --json`` document).

    Returns
    -------
    list of dict
        The records with ``aircraft_lost_on_ground`` and ``missiles_received`` (quantile
        dicts: ``median, p10, p90, mean``; aircraft lost on the ground at the base, at
        ``carrier`` embarked aircraft lost with their carriers; PRC land-attack missiles
        arriving after missile defence) and ``share_lost_on_ground`` (the same quantiles as
        shares of ``n_aircraft_based``; ``None`` where no aircraft are based), sorted by median
        aircraft lost, then median missiles received (data-pack order among ties). A base the
        run does not report (a summary written before per-base results) gets ``None`` for all
        three and sorts last.
    """
    per_base = doc.get("bases") or {}
    out = []
    for b in bases:
        rec = dict(b)
        r = per_base.get(b["id"])
        lost = r["aircraft_lost_on_ground"] if r else None
        rec["aircraft_lost_on_ground"] = lost
        rec["missiles_received"] = r["missiles_received"] if r else None
        n = float(b.get("n_aircraft_based", b["n_aircraft"]))
        rec["share_lost_on_ground"] = (
            {k: float(lost[k]) / n for k in QUANTILE_KEYS} if lost and n > 0 else None
        )
        out.append(rec)

    def key(rec: Mapping[str, Any]) -> tuple[float, float]:
        lost, mis = rec["aircraft_lost_on_ground"], rec["missiles_received"]
        return (-lost["median"] if lost else 1.0, -mis["median"] if mis else 1.0)

    return sorted(out, key=key)


def base_table(sc: Scenario, roles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`base_status` as a DataFrame indexed by base id."""
    import pandas as pd

    return pd.DataFrame(base_status(sc, roles)).set_index("id")
