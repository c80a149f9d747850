"""Tables of the results database (DuckDB) and the keys that make writes idempotent.

A *chunk* is the unit of work and of writing: replications ``offset .. offset + size - 1`` of
one resolved scenario with one seed, computed by one code version. Its key

    (scenario_hash, seed, chunk_offset, chunk_size, code_version)

is the primary key of ``chunks``; the per-replication rows of a chunk (``replications``,
``losses``, ``munitions``) are written in the same transaction as its ``chunks`` row, so a
crash leaves either the whole chunk or nothing. A *run* is ``n_reps`` replications of one
scenario and seed, cut into chunks of ``chunk_size``; its rows are the chunks of that plan.
"""

from __future__ import annotations

from straitsim.meta import SCHEMA_VERSION
from straitsim.runners.keys import ChunkKey, RunSpec, code_version, digest

# The chunk key, run plan, digest and code version live with the runners that compute by
# them (straitsim.runners.keys); the store keys its rows by them and re-exports them here.
__all__ = [
    "DDL",
    "KEY_COLUMNS",
    "ROW_TABLES",
    "SCHEMA_VERSION",
    "ChunkKey",
    "RunSpec",
    "code_version",
    "digest",
    "in_plan",
]

# Columns of the chunk key (KEY_COLUMNS), and of a per-replication row's key.
_CHUNK_KEY_DDL = """scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        chunk_offset BIGINT NOT NULL,
        chunk_size BIGINT NOT NULL,
        code_version VARCHAR NOT NULL,"""
_ROW_KEY_DDL = f"""{_CHUNK_KEY_DDL}
        replication BIGINT NOT NULL,"""

DDL = (
    """CREATE TABLE IF NOT EXISTS meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        scenario_hash VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        horizon_days INTEGER NOT NULL,
        scenario_json VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        n_reps BIGINT NOT NULL,
        chunk_size BIGINT NOT NULL,
        code_version VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        settings_json VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS sweeps (
        sweep_id VARCHAR PRIMARY KEY,
        scenario VARCHAR NOT NULL,
        grid_json VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        n_reps BIGINT NOT NULL,
        chunk_size BIGINT NOT NULL,
        code_version VARCHAR NOT NULL,
        n_variants BIGINT NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS sweep_runs (
        sweep_id VARCHAR NOT NULL,
        variant BIGINT NOT NULL,
        run_id VARCHAR NOT NULL,
        PRIMARY KEY (sweep_id, variant))""",
    f"""CREATE TABLE IF NOT EXISTS chunks (
        {_CHUNK_KEY_DDL}
        elapsed_s DOUBLE,
        worker VARCHAR,
        written_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (scenario_hash, seed, chunk_offset, chunk_size, code_version))""",
    f"""CREATE TABLE IF NOT EXISTS replications (
        {_ROW_KEY_DDL}
        outcome VARCHAR NOT NULL,
        outcome_code TINYINT NOT NULL,
        decided_day DOUBLE)""",
    f"""CREATE TABLE IF NOT EXISTS losses (
        {_ROW_KEY_DDL}
        country VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        value DOUBLE NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS munitions (
        {_ROW_KEY_DDL}
        weapon VARCHAR NOT NULL,
        fired DOUBLE NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS summaries (
        run_id VARCHAR PRIMARY KEY,
        summary_json VARCHAR NOT NULL)""",
)

# Tables holding per-replication rows, with the columns that order them deterministically.
ROW_TABLES: dict[str, tuple[str, ...]] = {
    "replications": ("replication",),
    "losses": ("replication", "country", "metric"),
    "munitions": ("replication", "weapon"),
}

KEY_COLUMNS = ("scenario_hash", "seed", "chunk_offset", "chunk_size", "code_version")


def in_plan(row: str, run: str) -> str:
    """Return the SQL condition "the chunk of ``row`` belongs to the chunk plan of ``run``".

    The plan of ``n_reps`` replications in chunks of ``chunk_size`` is the chunks at offsets
    ``0, chunk_size, 2 chunk_size, ...``, the last one shorter.
    """
    return (
        f"{row}.scenario_hash = {run}.scenario_hash AND {row}.seed = {run}.seed "
        f"AND {row}.code_version = {run}.code_version "
        f"AND {row}.chunk_offset % {run}.chunk_size = 0 AND {row}.chunk_offset < {run}.n_reps "
        f"AND {row}.chunk_size = least({run}.chunk_size, {run}.n_reps - {row}.chunk_offset)"
    )
