"""What every part of the results store shares: the connection and two query helpers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pandas as pd


class StoreBase:
    """An open DuckDB connection to the results database at ``path``."""

    path: Path
    read_only: bool
    con: duckdb.DuckDBPyConnection

    def _q(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        # DuckDB 2.x: always drain a result with fetchall() so the connection is free again.
        return self.con.execute(sql, list(params or [])).fetchall()

    def _df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, list(params or [])).df()

    def summary(self, run_id: str) -> dict[str, Any]:  # pragma: no cover - see StoreReader
        """Summarise one run (implemented by the reader)."""
        raise NotImplementedError

    def resolve_run(self, ref: str) -> str:  # pragma: no cover - see StoreReader
        """Return the run id with prefix ``ref`` (implemented by the reader)."""
        raise NotImplementedError
