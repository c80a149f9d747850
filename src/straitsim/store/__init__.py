"""Results store: embedded DuckDB keyed by scenario hash, seed, chunk and code version."""

from straitsim.store.db import DEFAULT_DB, ResultsStore, sorted_doc
from straitsim.store.schema import SCHEMA_VERSION, ChunkKey, RunSpec, code_version

__all__ = [
    "DEFAULT_DB",
    "SCHEMA_VERSION",
    "ChunkKey",
    "ResultsStore",
    "RunSpec",
    "code_version",
    "sorted_doc",
]
