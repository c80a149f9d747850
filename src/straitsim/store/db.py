"""The results database: an embedded DuckDB file, single writer, one transaction per chunk.

Typical use::

    with ResultsStore("straitsim-results.duckdb") as db:
        db.runs()                    # pandas DataFrame, one row per run
        db.summary(run_id)           # outcome probabilities and loss quantiles of one run
        db.export("results/")        # every table as Parquet

The store is split by job: :mod:`~straitsim.store.write`, :mod:`~straitsim.store.read` and
:mod:`~straitsim.store.export`; this module opens the file and checks who made it. A file
straitsim did not make, or one from a newer schema, is refused before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from straitsim.errors import UserError
from straitsim.limits import check_out_file
from straitsim.store.export import StoreExporter
from straitsim.store.read import StoreReader, sorted_doc
from straitsim.store.schema import DDL, SCHEMA_VERSION
from straitsim.store.write import StoreWriter

__all__ = ["CREATOR", "DEFAULT_DB", "ResultsStore", "check_store", "sorted_doc"]

DEFAULT_DB = "straitsim-results.duckdb"
CREATOR = "straitsim"  # meta.created_by of every database straitsim makes


class ResultsStore(StoreWriter, StoreReader, StoreExporter):
    """A DuckDB results database at ``path`` (created on first write).

    Parameters
    ----------
    path
        Database file; ``straitsim-results.duckdb`` in the working directory by default.
    read_only
        Open for reading only; the file must exist. Several readers may share a file, but
        DuckDB allows one writing process at a time: a second writer gets a clear error.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_DB, read_only: bool = False) -> None:
        import duckdb  # optional heavy dependency (the store extra)

        self.path = Path(path)
        self.read_only = read_only
        if self.path.is_dir():
            raise UserError(
                "results database path is a folder", file=str(self.path), expected="a file"
            )
        if read_only and not self.path.exists():
            raise UserError(
                "no results database",
                file=str(self.path),
                expected="a database written by `straitsim sweep` (or --db PATH)",
                found="no such file",
            )
        if not read_only:
            if self.path.parent.exists() and not self.path.parent.is_dir():
                raise UserError(
                    "cannot create results database",
                    file=str(self.path),
                    expected="a path under a folder",
                    found=f"{self.path.parent} is a file",
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(
                    f"cannot create results database folder: {exc.strerror}",
                    file=str(self.path),
                ) from None
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(
                str(self.path), read_only=read_only
            )
        except duckdb.IOException as exc:
            msg = str(exc)
            if "lock" in msg.lower():
                raise UserError(
                    "results database is in use by another process",
                    file=str(self.path),
                    expected="one writer at a time (wait for the sweep, or use another --db)",
                    found=msg.split("Conflicting lock is held in")[-1].strip()[:80],
                ) from None
            raise UserError(
                f"cannot open results database: {msg.splitlines()[0]}",
                file=str(self.path),
                expected="a DuckDB file written by straitsim",
            ) from None
        except duckdb.Error as exc:
            raise UserError(
                f"cannot open results database: {str(exc).splitlines()[0]}",
                file=str(self.path),
                expected="a DuckDB file written by straitsim",
            ) from None
        try:
            fresh = self._check_owner()
            if not read_only:
                self._create(fresh)
        except BaseException:
            self.con.close()
            raise

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (DuckDB checkpoints the write-ahead log)."""
        self.con.close()

    def _tables(self) -> set[str]:
        rows = self._q("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
        return {str(r[0]) for r in rows}

    def _check_owner(self) -> bool:
        """Check the file is a straitsim database of this schema; True when it is empty."""
        tables = self._tables()
        if not tables:
            if self.read_only:
                raise UserError(
                    "empty results database",
                    file=str(self.path),
                    expected="a database written by `straitsim sweep`",
                    found="no tables",
                )
            return True
        meta: dict[str, str] = {}
        if "meta" in tables:
            try:
                meta = {str(k): str(v) for k, v in self._q("SELECT key, value FROM meta")}
            except Exception:  # a foreign table called meta, with other columns
                meta = {}
        if "schema_version" not in meta or meta.get("created_by", CREATOR) != CREATOR:
            raise UserError(
                "not a straitsim results database (refusing to write into it)",
                file=str(self.path),
                expected="a database made by straitsim (a meta table with its schema version)",
                found="tables " + ", ".join(sorted(tables)[:5]),
            )
        try:
            found = int(meta["schema_version"])
        except ValueError:
            found = -1
        if found != SCHEMA_VERSION:
            newer = found > SCHEMA_VERSION
            raise UserError(
                "results database from a newer straitsim (upgrade straitsim to use it)"
                if newer
                else "unsupported results database schema (re-run into a new --db)",
                file=str(self.path),
                expected=f"schema version {SCHEMA_VERSION}",
                found=str(meta["schema_version"]),
            )
        return False

    def _create(self, fresh: bool) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for stmt in DDL:
                self.con.execute(stmt)
            for key, value in (("schema_version", str(SCHEMA_VERSION)), ("created_by", CREATOR)):
                self.con.execute(
                    "INSERT INTO meta VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value]
                )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise


def check_store(path: str | os.PathLike[str], key: str = "--db") -> None:
    """Refuse, before any work, a results database straitsim could not use.

    A missing file must be creatable; an existing one must be a straitsim database of this
    schema (a foreign DuckDB file or a newer schema is refused here, before a sweep or a
    worlds run computes anything). Nothing is written.
    """
    p = Path(path)
    if not p.exists():
        check_out_file(p, key)
        return
    if p.is_file() and p.stat().st_size == 0:
        return
    try:
        ResultsStore(p, read_only=True).close()
    except UserError as exc:
        if exc.detail != "empty results database":
            raise
