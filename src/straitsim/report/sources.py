"""The bibliography a report cites: the scenario's sources that its numbers actually use."""

from __future__ import annotations

from collections import Counter
from typing import Any

from straitsim.scenario.describe import describe
from straitsim.scenario.schema import Scenario


def cited_sources(sc: Scenario) -> tuple[list[dict[str, Any]], int]:
    """List the sources the scenario's numbers cite, and count its assumptions.

    Parameters
    ----------
    sc : Scenario
        A resolved scenario.

    Returns
    -------
    list of dict
        One entry per cited source key, most cited first: ``key, title, author,
        publisher, year, url, kind, n_values`` (how many numbers cite it; the scenario's
        and the PRC plan's own ``source`` count once each).
    int
        How many numbers rest on an explicit assumption instead of a source.
    """
    doc = describe(sc)
    items = doc["params"] + doc["data"]
    counts = Counter(x["source"] for x in items if x["source"])
    for key in (sc.source, sc.plan.source):
        if key:
            counts[key] += 1
    n_assumed = sum(1 for x in items if not x["source"])
    out = []
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        s = sc.sources.get(key)
        if s is None:  # pragma: no cover - validation guarantees every key resolves
            continue
        out.append({"key": key, **s.model_dump(), "n_values": n})
    return out, n_assumed
