"""Module 9, outcome: CSIS's five categories, judged from the campaign's state once it settles.

CSIS (2023) judged each game at its end from the state of the campaign: PRC victory when its
forces ashore outnumber the defenders and it holds enough ports and airfields to bring the bulk
of its forces over; decisive defeat when the amphibious fleet is mostly destroyed and only
small forces are confined ashore; stalemates in between, trending by the ports held working and
the amphibious losses. Here each replication gets that *verdict* on the day its state settles,
and its campaign (and its losses ledger) runs on for ``war_end_days`` more days before it ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.engine.common import safe_div
from straitsim.engine.params import Params
from straitsim.engine.random import Streams
from straitsim.engine.state import UNDECIDED, State

DEFEAT, AGAINST, STALEMATE, TOWARD, VICTORY = range(5)


def fleet_sunk_share(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Share of the PRC amphibious fleet sunk so far."""
    amph = xp.asarray(p.derived.prc_amphib)
    n0 = float((np.asarray(p.group_n0) * p.derived.prc_amphib).sum())
    left = (s["ships"] * amph).sum(-1)
    return 1.0 - safe_div(left, n0, xp, 1.0) if n0 > 0 else xp.zeros_like(s["bn_ashore"])


def defenders(s: State, v: dict[str, Any]) -> Any:
    """ROC battalion-equivalents: active plus mobilised reserves (quality-weighted)."""
    return s["roc_active"] + v["roc_reserve_quality"] * s["roc_reserve"] * s["roc_mobilised"]


def port_share(s: State, v: dict[str, Any]) -> Any:
    """Working port-and-airfield capacity held, as a share of one complex's full capacity."""
    return s["port_tpd"] / v["port_offload_tpd"]


def judge(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Outcome category of each replication from its state today (CSIS's criteria, in order).

    1. Victory: forces ashore above ``victory_force_ratio`` x defenders and working port
       capacity ``port_tpd`` at least ``victory_port_tpd`` (tonnes a day: enough to bring the
       bulk of its forces over, however large the complex was before it fell).
    2. Decisive defeat: at least ``defeat_fleet_sunk_share`` of the amphibious fleet sunk, forces
       ashore at most ``defeat_force_ratio`` x defenders, and no port working at that capacity.
    3. Trending toward the PRC: a port working at that capacity, or outnumbering the defenders.
    4. Trending against: at least ``against_fleet_sunk_share`` of the fleet sunk.
    5. Otherwise indeterminate.
    """
    sunk = fleet_sunk_share(s, p, v, xp)
    P, R = s["bn_ashore"], defenders(s, v)
    ports = s["port_tpd"] >= v["victory_port_tpd"]
    outnumber = P > v["victory_force_ratio"] * R
    confined = P <= v["defeat_force_ratio"] * R
    return xp.where(
        outnumber & ports,
        VICTORY,
        xp.where(
            (sunk >= v["defeat_fleet_sunk_share"]) & confined & ~ports,
            DEFEAT,
            xp.where(
                ports | outnumber,
                TOWARD,
                xp.where(sunk >= v["against_fleet_sunk_share"], AGAINST, STALEMATE),
            ),
        ),
    )


def deciding(s: State, p: Params, v: dict[str, Any], xp: Any) -> Any:
    """Stack the deciding quantities, all shares, on a last axis (P, R, 4).

    Fleet sunk share, force balance ``P / (P + R)``, working port share (capped at 1), territory.
    """
    P, R = s["bn_ashore"], defenders(s, v)
    bal = safe_div(P, P + R, xp, 0.0)
    q = (fleet_sunk_share(s, p, v, xp), bal, xp.minimum(port_share(s, v), 1.0), s["territory"])
    return xp.stack(q, axis=-1)


def outcome(s: State, p: Params, v: dict[str, Any], day: int, rng: Streams, last: bool) -> State:
    """Give each replication its verdict once its state settles; end its campaign later.

    A verdict is given (and ``decided_day`` set) on the first day from ``invasion_start_day + 1``
    on that (a) Taiwan capitulates (``roc_will`` at or below ``capitulation_will``) or the PRC
    holds ``victory_territory_share`` of Taiwan or takes the capital (``capital`` reaches 1):
    PRC victory; or (b) the
    lift is exhausted or withdrawn (the amphibious fleet below ``fleet_withdraw_share`` of its
    size and no working port) or every PRC battalion has landed and is gone; or (c) the deciding
    quantities (:func:`deciding`) have stayed within ``settle_tol`` of their values
    ``settle_days`` days ago. In (b) and (c) the category is :func:`judge`'s. The campaign of a
    replication with a verdict runs ``war_end_days`` more days (its losses keep counting), then
    its ``outcome`` is set and its state freezes. At the horizon every replication ends; one
    still without a verdict is judged as it stands.
    """
    xp = rng.xp
    start = v["invasion_start_day"]
    if day < start and not last:
        return {}
    verdict, vday = s["verdict"], s["verdict_day"]
    open_ = verdict == UNDECIDED
    q = deciding(s, p, v, xp)
    moved = xp.abs(q - s["settle_ref"]).max(-1) > v["settle_tol"]
    count = xp.where(moved, 0.0, s["settle_n"] + 1.0)
    ref = xp.where(moved[..., None], q, s["settle_ref"])
    if day >= start + 1 or last:
        won = (
            (s["roc_will"] <= v["capitulation_will"])
            | (s["territory"] >= v["victory_territory_share"])
            | (s["capital"] >= 1.0)
        )
        sunk = fleet_sunk_share(s, p, v, xp)
        no_port = s["port_tpd"] <= 0.0
        lift_out = ((1.0 - sunk) < v["fleet_withdraw_share"]) & no_port
        gone = (s["bn_pool"] < 0.5) & (s["bn_ashore"] < 0.5)
        settled = lift_out | gone | (count >= v["settle_days"])
        new = xp.where(won, VICTORY, xp.where(settled, judge(s, p, v, xp), UNDECIDED))
        if last:
            new = xp.where(new == UNDECIDED, judge(s, p, v, xp), new)
        give = open_ & (new != UNDECIDED)
        verdict = xp.where(give, new, verdict).astype(xp.int8)
        vday = xp.where(give, float(day), vday)
    ends = (verdict != UNDECIDED) & ((day - vday >= v["war_end_days"]) | last)
    out = s["outcome"]
    end_now = (out == UNDECIDED) & ends
    return {
        "verdict": verdict,
        "verdict_day": vday,
        "settle_ref": ref,
        "settle_n": count,
        "outcome": xp.where(end_now, verdict, out).astype(xp.int8),
        "decided_day": xp.where(end_now, vday, s["decided_day"]),
    }
