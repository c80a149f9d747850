"""Worlds in the results database: one row per world with its inputs and headline outputs.

Two tables, created on first use beside the store's own (``CREATE TABLE IF NOT EXISTS``):

- ``world_sets``: one row per set of worlds, keyed by ``set_id``, a digest of what makes
  the worlds and their numbers (scenario hash, seed, method, world count, replications, the
  sampled inputs and the code version);
- ``worlds``: one row per world of a set: ``set_id``, ``world``, ``inputs_json`` (the
  world's parameter values and sampled rungs) and one column per headline output with its
  Monte Carlo standard error (``..._se``).

Writing is idempotent: a set already stored is kept as it is (same key, same numbers).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from straitsim.analysis.worlds import HEADLINES, WorldsResult
from straitsim.errors import UserError
from straitsim.scenario.identity import scenario_hash
from straitsim.store.db import ResultsStore
from straitsim.store.schema import code_version

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OUTPUT_COLUMNS = tuple(c for k in HEADLINES for c in (k, k + "_se"))

DDL = (
    """CREATE TABLE IF NOT EXISTS world_sets (
        set_id VARCHAR PRIMARY KEY,
        scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        method VARCHAR NOT NULL,
        n_worlds BIGINT NOT NULL,
        n_reps BIGINT NOT NULL,
        code_version VARCHAR NOT NULL,
        settings_json VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""",
    "CREATE TABLE IF NOT EXISTS worlds (\n"
    "        set_id VARCHAR NOT NULL,\n"
    "        world BIGINT NOT NULL,\n"
    "        inputs_json VARCHAR NOT NULL,\n"
    + "".join(f"        {c} DOUBLE NOT NULL,\n" for c in OUTPUT_COLUMNS)
    + "        PRIMARY KEY (set_id, world))",
)


def set_id(res: WorldsResult) -> str:
    """Return the key of a set of worlds: a digest of everything its numbers depend on."""
    ident = {
        "scenario_hash": scenario_hash(res.scenario),
        "seed": res.seed,
        "method": res.method,
        "n_worlds": len(res.worlds),
        "reps": res.reps,
        "inputs": res.params,
        "code_version": code_version(),
    }
    blob = json.dumps(ident, sort_keys=True).encode()
    return "w" + hashlib.sha256(blob).hexdigest()[:16]


def _ensure(db: ResultsStore) -> None:
    for stmt in DDL:
        db.con.execute(stmt)


def save_worlds(db: ResultsStore, res: WorldsResult, label: str = "") -> str:
    """Write a set of worlds and their results in one transaction; return its ``set_id``."""
    if db.read_only:
        raise UserError("results database is read-only", file=str(db.path))
    _ensure(db)
    sid = set_id(res)
    h = db.add_scenario(res.scenario)
    settings = {
        "label": label,
        "threshold": res.threshold,
        "roles": res.roles,
        "overrides": res.overrides,
        "inputs": res.params,
    }
    rows = [
        [sid, i, json.dumps(w, sort_keys=True), *[float(o[c]) for c in OUTPUT_COLUMNS]]
        for i, (w, o) in enumerate(zip(res.worlds, res.outputs, strict=True))
    ]
    for i, row in enumerate(rows):
        bad = [
            c
            for c, v in zip(OUTPUT_COLUMNS, row[3:], strict=True)
            if not (isinstance(v, float) and math.isfinite(v))
        ]
        if bad:
            raise UserError(
                "a world's result is not a finite number",
                file=str(db.path),
                key=f"worlds.{bad[0]}",
                expected="finite numbers",
                found=f"world {i}: {row[3 + OUTPUT_COLUMNS.index(bad[0])]}",
            )
    marks = ", ".join("?" for _ in range(3 + len(OUTPUT_COLUMNS)))
    db.con.execute("BEGIN TRANSACTION")
    try:
        db.con.execute(
            "INSERT INTO world_sets (set_id, scenario_hash, seed, method, n_worlds, n_reps, "
            "code_version, settings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [
                sid,
                h,
                res.seed,
                res.method,
                len(res.worlds),
                res.reps,
                code_version(),
                json.dumps(settings, sort_keys=True),
            ],
        )
        db.con.executemany(f"INSERT INTO worlds VALUES ({marks}) ON CONFLICT DO NOTHING", rows)
        db.con.execute("COMMIT")
    except Exception:
        db.con.execute("ROLLBACK")
        raise
    return sid


def world_sets(db: ResultsStore) -> pd.DataFrame:
    """Return one row per stored set of worlds (newest last)."""
    _ensure_readable(db)
    return db._df("SELECT * FROM world_sets ORDER BY created_at, set_id")


def load_worlds(db: ResultsStore, sid: str) -> pd.DataFrame:
    """Return one row per world of a set: ``world``, its inputs, each output and its ``_se``."""
    import pandas as pd  # optional heavy dependency kept lazy

    _ensure_readable(db)
    rows = db._q(
        f"SELECT world, inputs_json, {', '.join(OUTPUT_COLUMNS)} FROM worlds "
        "WHERE set_id = ? ORDER BY world",
        [sid],
    )
    if not rows:
        raise UserError(
            "no such set of worlds",
            file=str(db.path),
            key="set_id",
            expected="a set_id listed by world_sets()",
            found=repr(sid),
        )
    recs = [
        {"world": r[0], **json.loads(r[1]), **dict(zip(OUTPUT_COLUMNS, r[2:], strict=True))}
        for r in rows
    ]
    return pd.DataFrame(recs)


def _ensure_readable(db: ResultsStore) -> None:
    tables = {r[0] for r in db._q("SELECT table_name FROM information_schema.tables")}
    if "worlds" not in tables and not db.read_only:
        _ensure(db)
    elif "worlds" not in tables:
        raise UserError(
            "no worlds in this results database",
            file=str(db.path),
            expected="a database written by `straitsim worlds --db PATH`",
            found="no worlds table",
        )


def export_worlds(db: ResultsStore, out: str | Path) -> list[Path]:
    """Write ``world_sets.parquet`` and ``worlds.parquet`` into ``out``; return their paths."""
    _ensure_readable(db)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, order in (("world_sets", "set_id"), ("worlds", "set_id, world")):
        path = out / f"{name}.parquet"
        db._df(f"SELECT * FROM {name} ORDER BY {order}").to_parquet(path, index=False)
        paths.append(path)
    return paths


def load_worlds_result(db: ResultsStore, sid: str) -> WorldsResult:
    """Rebuild a stored set of worlds as a :class:`WorldsResult` (e.g. to discover on it)."""
    _ensure_readable(db)
    rows = db._q(
        "SELECT scenario_hash, seed, method, n_reps, settings_json FROM world_sets "
        "WHERE set_id = ?",
        [sid],
    )
    if not rows:
        raise UserError(
            "no such set of worlds",
            file=str(db.path),
            key="set_id",
            expected="a set_id listed by world_sets()",
            found=repr(sid),
        )
    h, seed, method, reps, settings = rows[0]
    st = json.loads(settings)
    df = load_worlds(db, sid)
    inputs = list(st["inputs"])
    return WorldsResult(
        scenario=db.scenario(h),
        worlds=[{k: r[k] for k in inputs} for r in df.to_dict("records")],
        outputs=[{c: float(r[c]) for c in OUTPUT_COLUMNS} for r in df.to_dict("records")],
        seed=int(seed),
        reps=int(reps),
        method=str(method),
        threshold=float(st["threshold"]),
        roles=dict(st["roles"]),
        overrides=list(st["overrides"]),
    )
