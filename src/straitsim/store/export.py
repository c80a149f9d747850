"""Export from the results store: every table (or some runs' rows) as Parquet files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from straitsim.fsio import atomic_dir
from straitsim.store.base import StoreBase
from straitsim.store.schema import ROW_TABLES, in_plan


class StoreExporter(StoreBase):
    """The export part of :class:`~straitsim.store.db.ResultsStore`."""

    def export(
        self, out_dir: str | os.PathLike[str], run_ids: Sequence[str] | None = None
    ) -> list[Path]:
        """Write every table (or the rows of some runs) as Parquet files into ``out_dir``.

        Rows are ordered by their keys, so the same results give the same files. The files
        appear together: they are written to a temporary folder first, then moved.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        ids = [self.resolve_run(r) for r in run_ids] if run_ids else None
        run_filter = ""
        if ids is not None:
            # run ids come from the database (hex digests): safe to inline; COPY takes no parameters
            run_filter = " WHERE r.run_id IN (" + ", ".join(f"'{_sql_str(i)}'" for i in ids) + ")"
        queries = {
            "runs": f"SELECT r.* FROM runs r{run_filter} ORDER BY r.run_id",
            "scenarios": "SELECT * FROM scenarios WHERE scenario_hash IN "
            f"(SELECT r.scenario_hash FROM runs r{run_filter}) ORDER BY scenario_hash",
            "chunks": "SELECT DISTINCT t.* FROM chunks t "
            f"JOIN runs r ON {in_plan('t', 'r')}{run_filter} "
            "ORDER BY t.scenario_hash, t.seed, t.code_version, t.chunk_offset, t.chunk_size",
            "summaries": "SELECT * FROM summaries WHERE run_id IN "
            f"(SELECT r.run_id FROM runs r{run_filter}) ORDER BY run_id",
        }
        for table, order in ROW_TABLES.items():
            cols = ", ".join(f"t.{c}" for c in order)
            queries[table] = (
                f"SELECT DISTINCT t.* FROM {table} t "
                f"JOIN runs r ON {in_plan('t', 'r')}{run_filter} "
                "ORDER BY t.scenario_hash, t.seed, t.code_version, t.chunk_offset, t.chunk_size, "
                f"{cols}"
            )
        with atomic_dir(out) as tmp:
            for name, sql in queries.items():
                f = tmp / f"{name}.parquet"
                self.con.execute(
                    f"COPY ({sql}) TO '{_sql_str(str(f))}' (FORMAT PARQUET)"
                ).fetchall()
        return [out / f"{name}.parquet" for name in queries]


def _sql_str(s: str) -> str:
    return s.replace("'", "''")
