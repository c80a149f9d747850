"""Helpers shared by the sweep tests (local runners and the Dask cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from straitsim.store import ResultsStore

ROW_TABLES = ("replications", "losses", "munitions")
# two roles of one ally by two entry delays: four variants
GRID = """
[roles]
JPN = ["neutral", "bases"]

[set]
us_entry_delay_days = [0, 7]
"""


def write_grid(directory: Path, text: str = GRID) -> Path:
    """Write a grid file ``grid.toml`` into ``directory`` and return its path."""
    p = directory / "grid.toml"
    p.write_text(text)
    return p


def sweep_args(grid: Path, *flags: str, scenario: str = "csis-2026", **options: Any) -> list[str]:
    """Arguments of ``straitsim sweep``: the grid, then ``--name value`` per option, then flags.

    An option's underscores become dashes (``chunk_size=10`` -> ``--chunk-size 10``).
    """
    args = ["sweep", scenario, "--grid", str(grid)]
    for name, value in options.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    return [*args, *flags]


def stored_rows(db_path: Path) -> dict[str, Any]:
    """Every per-replication row and run, without wall-clock columns."""
    with ResultsStore(db_path, read_only=True) as db:
        out: dict[str, Any] = {t: db.table(t) for t in ROW_TABLES}
        out["chunks"] = db.table("chunks").drop(columns=["elapsed_s", "worker", "written_at"])
        out["runs"] = db.table("runs").drop(columns=["created_at"])
        out["summary"] = json.dumps(db.summaries(), sort_keys=True)
    return out


def chunk_workers(db_path: Path) -> list[str]:
    """The worker recorded for each stored chunk."""
    with ResultsStore(db_path, read_only=True) as db:
        return list(db.table("chunks")["worker"])


def assert_same_rows(
    a: dict[str, Any], b: dict[str, Any], tables: tuple[str, ...] = (*ROW_TABLES, "chunks", "runs")
) -> None:
    """Assert two :func:`stored_rows` results hold the same ``tables`` and summaries."""
    for t in tables:
        assert a[t].equals(b[t]), t
    assert a["summary"] == b["summary"]
