"""Module 9, outcome: CSIS's five categories, decided early or judged at the horizon."""

from __future__ import annotations

from typing import Any

from straitsim.engine.common import safe_div
from straitsim.engine.landing import deliverable
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import UNDECIDED, State

DEFEAT, AGAINST, STALEMATE, TOWARD, VICTORY = range(5)


def sustain_ratio(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Deliverable tonnage over the lodgement's daily need (large when nothing is ashore)."""
    need = s["bn_ashore"] * v["t_supply_per_bn_day"]
    return safe_div(deliverable(s, p, v, xp), need, xp, 1e6)


def outcome(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams, last: bool) -> State:
    """Decide replications.

    Early: PRC victory once territory reaches ``victory_territory_share``; decisive PRC defeat once,
    two days after the landing began, fewer than half a battalion is ashore and the lift left cannot
    land one battalion a day; also once, ``judge_after_days`` after the landing, the lodgement is
    both cut off and outfought (below). At the horizon, an undecided replication is judged by its
    trend: with ``s`` the sustainment ratio and ``f`` the force ratio ashore, decisive defeat if
    ``s < sustain_cut`` and ``f < 1`` (cut off and outfought); stalemate trending against the PRC if
    either holds; trending toward the PRC if ``s >= 1`` and ``f >= 1``; otherwise indeterminate.
    """
    xp = rng.xp
    out = s["outcome"]
    und = out == UNDECIDED
    start = v["invasion_start_day"]
    ashore = s["bn_ashore"]
    new = xp.where(und & (s["territory"] >= v["victory_territory_share"]), VICTORY, UNDECIDED)
    if day >= start + 2:
        no_lift = deliverable(s, p, v, xp) < v["t_per_battalion"]
        new = xp.where(und & (new == UNDECIDED) & (ashore < 0.5) & no_lift, DEFEAT, new)
    sr = sustain_ratio(s, p, v, xp)
    fr = s.get("today_force_ratio", xp.zeros_like(ashore))
    cut, weak = sr < v["sustain_cut"], fr < 1.0
    if day >= start + v["judge_after_days"]:
        new = xp.where(und & (new == UNDECIDED) & cut & weak, DEFEAT, new)
    if last:
        judged = xp.where(
            ashore < 0.5,
            DEFEAT,
            xp.where(
                cut & weak,
                DEFEAT,
                xp.where(cut | weak, AGAINST, xp.where(sr >= 1.0, TOWARD, STALEMATE)),
            ),
        )
        new = xp.where(und & (new == UNDECIDED), judged, new)
    decided = und & (new != UNDECIDED)
    return {
        "outcome": xp.where(decided, new, out).astype(xp.int8),
        "decided_day": xp.where(decided, float(day), s["decided_day"]),
    }
