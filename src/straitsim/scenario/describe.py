"""A flat, cited description of a resolved scenario (``straitsim show``, reports, sources)."""

from __future__ import annotations

from typing import Any

from straitsim.scenario.checks import _numeric_fields, iter_records
from straitsim.scenario.domains import param_domain
from straitsim.scenario.schema import Scenario


def _uncertainty(p: Any) -> str | None:
    # the kind (epistemic, aleatory, policy; docs/uncertainty.md) first, then the spread
    kind = f"{p.uncertainty}: " if p.uncertainty else ""
    if p.dist is not None:
        d = p.dist
        if d.kind == "triangular":
            return f"{kind}triangular({d.low:g}, {d.mode:g}, {d.high:g})"
        return f"{kind}{d.kind}({d.low:g}, {d.high:g})"
    if p.range is not None:
        return f"{kind}range [{p.range[0]:g}, {p.range[1]:g}]"
    return None


def _domain(name: str, p: Any) -> dict[str, Any]:
    d = param_domain(name, p.unit, p.domain, p.domain_rationale)
    return {"low": d.lo, "high": d.hi, "above_low": d.positive, "rationale": d.rationale}


def describe(sc: Scenario) -> dict[str, Any]:
    """Roles, parameters and every cited data number, each with its source or assumption."""
    roles = [
        {"ally": code, "rung": sc.roles.get(code, a.default), "rungs": list(a.rungs)}
        for code, a in sc.actors.items()
        if a.rungs and len(a.rungs) > 1
    ]
    params = [
        {
            "key": name,
            "value": p.value,
            "unit": p.unit,
            "doc": p.doc,
            "uncertainty": _uncertainty(p),
            "source": p.source,
            "assumption": p.assumption,
            "domain": _domain(name, p),
        }
        for name, p in sc.params.items()
    ]
    data = []
    for path, rec in iter_records(sc):
        for f in _numeric_fields(rec):
            src = rec.field_sources.get(f, rec.source if f not in rec.assumed else None)
            key = "class" if f == "ship_class" else f
            data.append(
                {
                    "key": f"{path}.{key}",
                    "value": getattr(rec, f),
                    "source": src,
                    "assumption": rec.assumed.get(f),
                }
            )
    return {
        "name": sc.name,
        "title": sc.title,
        "year": sc.year,
        "horizon_days": sc.horizon_days,
        "plan": sc.plan.model_dump(),
        "roles": roles,
        "params": params,
        "data": data,
    }
