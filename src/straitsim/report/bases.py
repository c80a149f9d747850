"""Where the bases are and what the chosen roles expose them to (the theatre map's data).

The engine reports losses per country, not per base, so the map shows each base's
*exposure* under the chosen role profile, from the same rules the engine applies on day 0:
which aircraft operate from it, whether PRC land-attack missiles reach it, and whether the
PRC plan strikes it (Taiwan's bases always; other hosts' bases when the US flies combat
operations from them or the host is at war, if ``plan.strike_allied_bases``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.engine.params import BASE_KINDS
from straitsim.scenario.compile import compile_params, profile_roles
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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
        ``n_us_aircraft``, ``in_missile_range``, ``struck`` (the PRC plan targets it under
        these roles), ``status`` (a key of :data:`STATUS`) and ``status_label``.
    """
    prof = profile_roles(sc, roles)
    p = compile_params(sc, [prof])
    A = len(p.actors)
    n_unit = p.unit_n0 * p.unit_avail[0]
    onehot = p.base_onehot[0]  # (U, B)
    ac = n_unit @ onehot
    us = (n_unit * (p.unit_actor == p.i_usa) * ~p.unit_carrier) @ onehot
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
    us_war = prof.get("USA", "full") != "none"
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
                "n_us_aircraft": round(float(us[b]), 1),
                "in_missile_range": bool(in_range[b]),
                "struck": struck,
                "status": status,
                "status_label": STATUS[status][0],
            }
        )
    return out


def base_table(sc: Scenario, roles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`base_status` as a DataFrame indexed by base id."""
    import pandas as pd

    return pd.DataFrame(base_status(sc, roles)).set_index("id")
