"""A scenario's identity: the hash that keys results to the exact inputs that made them."""

from __future__ import annotations

import hashlib
import json

from straitsim.scenario.schema import Scenario


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON (first 16 hex digits)."""
    blob = json.dumps(
        sc.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
