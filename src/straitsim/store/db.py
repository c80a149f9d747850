"""The results database: an embedded DuckDB file, single writer, one transaction per chunk.

Typical use::

    with ResultsStore("straitsim-results.duckdb") as db:
        db.runs()                    # pandas DataFrame, one row per run
        db.summary(run_id)           # outcome probabilities and loss quantiles of one run
        db.export("results/")        # every table as Parquet
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.store.schema import DDL, ROW_TABLES, SCHEMA_VERSION, ChunkKey, RunSpec, in_plan

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pandas as pd

    from straitsim.analysis.run import RunResult
    from straitsim.scenario.schema import Scenario

DEFAULT_DB = "straitsim-results.duckdb"

_RUN_COLUMNS = (
    "run_id",
    "scenario_hash",
    "seed",
    "n_reps",
    "chunk_size",
    "code_version",
    "label",
    "settings_json",
)


class ResultsStore:
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
        import duckdb

        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise UserError(
                "no results database",
                file=str(self.path),
                expected="a database written by `straitsim sweep` (or --db PATH)",
                found="no such file",
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
                f"cannot open results database: {msg.splitlines()[0]}", file=str(self.path)
            ) from None
        except duckdb.Error as exc:
            raise UserError(
                f"cannot open results database: {str(exc).splitlines()[0]}", file=str(self.path)
            ) from None
        if read_only:
            self._check_schema()
        else:
            self._create()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (DuckDB checkpoints the write-ahead log)."""
        self.con.close()

    def _q(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        # DuckDB 2.x: always drain a result with fetchall() so the connection is free again.
        return self.con.execute(sql, list(params or [])).fetchall()

    def _df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, list(params or [])).df()

    def _create(self) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for stmt in DDL:
                self.con.execute(stmt)
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        self._check_schema()

    def _check_schema(self) -> None:
        try:
            rows = self._q("SELECT value FROM meta WHERE key = 'schema_version'")
        except Exception:
            raise UserError(
                "not a straitsim results database",
                file=str(self.path),
                expected="tables written by straitsim",
            ) from None
        found = int(rows[0][0]) if rows else None
        if found != SCHEMA_VERSION:
            raise UserError(
                "unsupported results database schema",
                file=str(self.path),
                expected=f"schema version {SCHEMA_VERSION}",
                found=str(found),
            )

    # ------------------------------------------------------------------ writing
    def add_scenario(self, sc: Scenario) -> str:
        """Record a resolved scenario (idempotent); returns its hash."""
        from straitsim.scenario.identity import scenario_hash

        h = scenario_hash(sc)
        blob = json.dumps(
            sc.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
        )
        self._q(
            "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [h, sc.name, sc.title, sc.year, sc.horizon_days, blob],
        )
        return h

    def add_run(self, spec: RunSpec) -> str:
        """Record a run (idempotent: a run with the same identity keeps its first label)."""
        self._q(
            "INSERT INTO runs (run_id, scenario_hash, seed, n_reps, chunk_size, code_version, "
            "label, settings_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                spec.run_id,
                spec.scenario_hash,
                spec.seed,
                spec.n_reps,
                spec.chunk_size,
                spec.code_version,
                spec.label,
                json.dumps(spec.settings, sort_keys=True),
            ],
        )
        return spec.run_id

    def add_sweep(
        self,
        sweep_id: str,
        scenario: str,
        grid: dict[str, Any],
        seed: int,
        n_reps: int,
        chunk_size: int,
        code_version: str,
        run_ids: Sequence[str],
    ) -> None:
        """Record a sweep and its variants' runs, in one transaction (idempotent)."""
        import pyarrow as pa

        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                "INSERT INTO sweeps (sweep_id, scenario, grid_json, seed, n_reps, chunk_size, "
                "code_version, "
                "n_variants) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    sweep_id,
                    scenario,
                    json.dumps(grid, sort_keys=True),
                    seed,
                    n_reps,
                    chunk_size,
                    code_version,
                    len(run_ids),
                ],
            )
            if run_ids:
                tbl = pa.table(
                    {"variant": np.arange(len(run_ids), dtype=np.int64), "run_id": list(run_ids)}
                )
                self.con.register("_sweep_runs", tbl)
                try:
                    self.con.execute(
                        "INSERT INTO sweep_runs SELECT ?, variant, run_id FROM _sweep_runs "
                        "ON CONFLICT DO NOTHING",
                        [sweep_id],
                    )
                finally:
                    self.con.unregister("_sweep_runs")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def done_chunks(self, scenario_hashes: Iterable[str] | None = None) -> set[ChunkKey]:
        """Keys of the chunks already stored (for some scenarios, or all)."""
        sql = "SELECT scenario_hash, seed, chunk_offset, chunk_size, code_version FROM chunks"
        params: list[Any] = []
        if scenario_hashes is not None:
            hs = sorted(set(scenario_hashes))
            if not hs:
                return set()
            sql += " WHERE scenario_hash IN (" + ", ".join("?" for _ in hs) + ")"
            params = hs
        return {
            ChunkKey(str(a), int(b), int(c), int(d), str(e))
            for a, b, c, d, e in self._q(sql, params)
        }

    def write_chunk(
        self,
        key: ChunkKey,
        traj: Trajectory,
        elapsed_s: float | None = None,
        worker: str | None = None,
    ) -> bool:
        """Write one chunk's per-replication rows in a single transaction.

        Returns False (and writes nothing) when the chunk is already stored, so writing is
        idempotent. ``traj`` must hold one profile and ``key.chunk_size`` replications.
        """
        import pyarrow as pa

        if traj.n_profiles != 1:
            raise ValueError("a stored chunk holds one role profile")
        if traj.n_reps != key.chunk_size:
            raise ValueError(f"chunk {key} holds {traj.n_reps} replications")
        rep = np.arange(key.chunk_offset, key.chunk_offset + key.chunk_size, dtype=np.int64)
        codes = traj.outcome[0].astype(np.int8)
        reps_tbl = pa.table(
            {
                "replication": rep,
                "outcome": np.asarray(OUTCOMES, dtype=object)[codes.astype(np.int64)],
                "outcome_code": codes,
                "decided_day": np.asarray(traj.decided_day[0], dtype=np.float64),
            }
        )
        pairs = [(c, m) for c in traj.losses for m in traj.losses[c]]
        n = key.chunk_size
        loss_tbl = pa.table(
            {
                "replication": np.tile(rep, len(pairs)),
                "country": np.repeat(np.asarray([c for c, _ in pairs], dtype=object), n),
                "metric": np.repeat(np.asarray([m for _, m in pairs], dtype=object), n),
                "value": np.concatenate(
                    [np.asarray(traj.losses[c][m][0], dtype=np.float64) for c, m in pairs]
                )
                if pairs
                else np.zeros(0),
            }
        )
        W = len(traj.weapons)
        mun_tbl = pa.table(
            {
                "replication": np.tile(rep, W),
                "weapon": np.repeat(np.asarray(traj.weapons, dtype=object), n),
                "fired": np.asarray(traj.spent[0], dtype=np.float64).T.reshape(-1),
            }
        )
        k = [key.scenario_hash, key.seed, key.chunk_offset, key.chunk_size, key.code_version]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            exists = con.execute(
                "SELECT count(*) FROM chunks WHERE scenario_hash = ? AND seed = ? "
                "AND chunk_offset = ? "
                "AND chunk_size = ? AND code_version = ?",
                k,
            ).fetchall()[0][0]
            if exists:
                con.execute("ROLLBACK")
                return False
            con.execute(
                "INSERT INTO chunks (scenario_hash, seed, chunk_offset, chunk_size, code_version, "
                "elapsed_s, worker) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                k + [elapsed_s, worker],
            )
            for name, tbl in (
                ("replications", reps_tbl),
                ("losses", loss_tbl),
                ("munitions", mun_tbl),
            ):
                con.register("_chunk_rows", tbl)
                try:
                    cols = ", ".join(tbl.column_names)
                    con.execute(
                        f"INSERT INTO {name} SELECT ?, ?, ?, ?, ?, {cols} FROM _chunk_rows", k
                    )
                finally:
                    con.unregister("_chunk_rows")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return True

    def save_summary(self, run_id: str, doc: dict[str, Any]) -> None:
        """Store (or replace) the summary document of a run."""
        blob = json.dumps(doc, sort_keys=True, allow_nan=False)
        self._q(
            "INSERT INTO summaries VALUES (?, ?) "
            "ON CONFLICT (run_id) DO UPDATE SET summary_json = excluded.summary_json",
            [run_id, blob],
        )

    def save_run(self, res: RunResult, label: str | None = None) -> str:
        """Store a finished :class:`~straitsim.api.RunResult` as one run of one chunk.

        Returns the run id. A run made with ``days`` shorter than the scenario's horizon is
        stored with that horizon in its resolved scenario, so its hash says what was run.
        """
        from straitsim.store.schema import code_version

        sc = res.scenario
        if res.days != sc.horizon_days:
            sc = sc.model_copy(update={"horizon_days": res.days})
        h = self.add_scenario(sc)
        spec = RunSpec(
            h,
            res.seed,
            res.reps,
            res.reps,
            code_version(),
            label or sc.name,
            {"roles": res.roles, "sets": list(res.overrides)},
        )
        self.add_run(spec)
        (key,) = spec.chunk_keys()
        self.write_chunk(key, res.trajectory.select([0]))
        self.save_summary(spec.run_id, self.summary(spec.run_id))
        return spec.run_id

    # ------------------------------------------------------------------ reading
    def runs(self) -> pd.DataFrame:
        """One row per run: identity, label, chunks stored out of planned, and completeness."""
        df = self._df(
            f"""
            SELECT r.run_id, r.label, s.name AS scenario, r.scenario_hash, r.seed, r.n_reps,
                   r.chunk_size,
                   r.code_version, r.settings_json,
                   CAST(ceil(r.n_reps / r.chunk_size) AS BIGINT) AS chunks_total,
                   count(c.chunk_offset) AS chunks_done
            FROM runs r
            JOIN scenarios s USING (scenario_hash)
            LEFT JOIN chunks c ON {in_plan("c", "r")}
            GROUP BY ALL
            ORDER BY s.name, r.label, r.run_id
            """
        )
        df["complete"] = df["chunks_done"] == df["chunks_total"]
        return df

    def resolve_run(self, ref: str) -> str:
        """Return the run id starting with ``ref`` (a unique prefix is enough)."""
        rows = self._q(
            "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [ref]
        )
        if len(rows) != 1:
            raise UserError(
                "unknown run" if not rows else "ambiguous run id",
                file=str(self.path),
                key="run",
                expected="a run id (or unique prefix) listed by `straitsim results list`",
                found=repr(ref) + ("" if not rows else f" matches {len(rows)} runs"),
            )
        return str(rows[0][0])

    def run_info(self, run_id: str) -> dict[str, Any]:
        """Identity, label, settings, scenario and completeness of one run."""
        run_id = self.resolve_run(run_id)
        runs = self.runs()
        row = runs[runs["run_id"] == run_id].iloc[0]
        sc = self._q(
            "SELECT name, title, year, horizon_days FROM scenarios WHERE scenario_hash = ?",
            [row["scenario_hash"]],
        )[0]
        return {
            "run_id": run_id,
            "label": str(row["label"]),
            "scenario": {
                "hash": str(row["scenario_hash"]),
                "name": sc[0],
                "title": sc[1],
                "year": int(sc[2]),
            },
            "days": int(sc[3]),
            "settings": json.loads(row["settings_json"]),
            "seed": int(row["seed"]),
            "reps": int(row["n_reps"]),
            "chunk_size": int(row["chunk_size"]),
            "code_version": str(row["code_version"]),
            "chunks_done": int(row["chunks_done"]),
            "chunks_total": int(row["chunks_total"]),
            "complete": bool(row["complete"]),
        }

    def scenario(self, scenario_hash: str) -> Scenario:
        """Return the resolved scenario stored under ``scenario_hash``."""
        from straitsim.scenario.schema import Scenario

        rows = self._q(
            "SELECT scenario_json FROM scenarios WHERE scenario_hash = ?", [scenario_hash]
        )
        if not rows:
            raise UserError("unknown scenario hash", file=str(self.path), found=repr(scenario_hash))
        return Scenario.model_validate(json.loads(rows[0][0]))

    def _run_rows(self, table: str, run_id: str, columns: str) -> pd.DataFrame:
        order = ", ".join(f"t.{c}" for c in ROW_TABLES[table])
        return self._df(
            f"SELECT {columns} FROM {table} t JOIN runs r ON {in_plan('t', 'r')} "
            f"WHERE r.run_id = ? ORDER BY {order}",
            [run_id],
        )

    def load(self, run_id: str) -> Trajectory:
        """Load the stored replications of a run as a :class:`Trajectory` (no traces).

        Metric functions (:mod:`straitsim.analysis.metrics`) and summaries accept it. Only the
        stored chunks are included: an incomplete run gives fewer replications.
        """
        run_id = self.resolve_run(run_id)
        reps = self._run_rows(
            "replications", run_id, "t.replication, t.outcome_code, t.decided_day"
        )
        R = len(reps)
        losses_df = self._run_rows("losses", run_id, "t.country, t.metric, t.value")
        losses: dict[str, dict[str, np.ndarray]] = {}
        if R:
            # rows are ordered by (replication, country, metric): reshape to (R, pairs)
            pairs = list(dict.fromkeys(zip(losses_df["country"], losses_df["metric"], strict=True)))
            vals = losses_df["value"].to_numpy(dtype=np.float64).reshape(R, len(pairs))
            for j, (c, m) in enumerate(pairs):
                losses.setdefault(str(c), {})[str(m)] = vals[:, j][None, :]
        mun = self._run_rows("munitions", run_id, "t.weapon, t.fired")
        weapons = tuple(dict.fromkeys(mun["weapon"])) if R else ()
        spent = (
            mun["fired"].to_numpy(dtype=np.float64).reshape(R, len(weapons))[None]
            if R
            else np.zeros((1, 0, 0))
        )
        return Trajectory(
            outcome=reps["outcome_code"].to_numpy(dtype=np.int8)[None, :],
            losses=losses,
            traces={},
            decided_day=reps["decided_day"].to_numpy(dtype=np.float64)[None, :],
            spent=spent,
            weapons=weapons,
            profiles=({},),
            rep_offset=0,
        )

    def summary(self, run_id: str) -> dict[str, Any]:
        """Summary of one run: identity and settings, outcome probabilities, loss quantiles.

        The same numbers as ``straitsim run --json`` for the same scenario, seed and
        replications (without traces, which are not stored). No timestamps: the document
        depends only on the stored results.
        """
        from straitsim.analysis import summary as sm

        info = self.run_info(run_id)
        traj = self.load(info["run_id"])
        doc: dict[str, Any] = dict(info)
        doc["reps_stored"] = traj.n_reps
        if traj.n_reps:
            doc["outcome"] = sm.outcome_probabilities(traj)
            doc["defence_prevails"] = sm.defence_prevails(traj)
            doc["losses"] = sm.loss_quantiles(traj)
            doc["munitions_spent"] = {
                w: sm.quantiles(traj.spent[0][:, i]) for i, w in enumerate(traj.weapons)
            }
            doc["decided_day"] = sm.quantiles(
                np.nan_to_num(traj.decided_day[0], nan=info["days"] - 1)
            )
        result: dict[str, Any] = sorted_doc(doc)
        return result

    def summaries(
        self, run_ids: Sequence[str] | None = None, metrics: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Summaries of several runs (default: all), ordered by scenario, label and run id.

        ``metrics`` adds, per run, the mean of each named metric
        (:mod:`straitsim.analysis.metrics`) with its standard error.
        """
        from straitsim.analysis.metrics import metric

        fns = {m: metric(m) for m in metrics}
        ids = [self.resolve_run(r) for r in run_ids] if run_ids else list(self.runs()["run_id"])
        out = []
        for rid in ids:
            doc = self.summary(rid)
            if fns:
                traj = self.load(rid)
                doc["metrics"] = {m: _mean_se(f(traj)[0]) for m, f in fns.items()}
            out.append(sorted_doc(doc))
        result: dict[str, Any] = sorted_doc({"schema_version": SCHEMA_VERSION, "runs": out})
        return result

    def replications(self, run_id: str) -> pd.DataFrame:
        """Tabulate a run's stored replications: outcome, decided day, ``COUNTRY.metric``."""
        import pandas as pd

        traj = self.load(run_id)
        data: dict[str, Any] = {
            "replication": np.arange(traj.n_reps),
            "outcome": [OUTCOMES[k] for k in traj.outcome[0]],
            "decided_day": traj.decided_day[0],
        }
        for c, ms in traj.losses.items():
            for m, a in ms.items():
                data[f"{c}.{m}"] = a[0]
        return pd.DataFrame(data)

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
        tmp = Path(tempfile.mkdtemp(prefix=".straitsim-export-", dir=out))
        written = []
        try:
            for name, sql in queries.items():
                f = tmp / f"{name}.parquet"
                self.con.execute(
                    f"COPY ({sql}) TO '{_sql_str(str(f))}' (FORMAT PARQUET)"
                ).fetchall()
                written.append(name)
            paths = []
            for name in written:
                dst = out / f"{name}.parquet"
                os.replace(tmp / f"{name}.parquet", dst)
                paths.append(dst)
            return paths
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def table(self, name: str) -> pd.DataFrame:
        """Return a whole table as a DataFrame, ordered by its key columns."""
        allowed = {
            "meta",
            "scenarios",
            "runs",
            "sweeps",
            "sweep_runs",
            "chunks",
            "summaries",
            *ROW_TABLES,
        }
        if name not in allowed:
            raise UserError(
                "unknown table",
                key="table",
                expected="one of " + ", ".join(sorted(allowed)),
                found=repr(name),
            )
        keys = {
            "meta": "key",
            "scenarios": "scenario_hash",
            "runs": "run_id",
            "sweeps": "sweep_id",
            "sweep_runs": "sweep_id, variant",
            "summaries": "run_id",
            "chunks": "scenario_hash, seed, code_version, chunk_offset, chunk_size",
        }
        order = keys.get(name) or (
            "scenario_hash, seed, code_version, chunk_offset, chunk_size, "
            + ", ".join(ROW_TABLES[name])
        )
        return self._df(f"SELECT * FROM {name} ORDER BY {order}")


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def _mean_se(a: np.ndarray) -> dict[str, float]:
    a = np.asarray(a, dtype=np.float64)
    n = a.size
    se = float(a.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return {"mean": float(a.mean()) if n else 0.0, "se": se}


def sorted_doc(doc: Any) -> Any:
    """Copy a JSON-like document with every mapping's keys sorted (deterministic output)."""
    if isinstance(doc, dict):
        return {str(k): sorted_doc(doc[k]) for k in sorted(doc, key=str)}
    if isinstance(doc, list | tuple):
        return [sorted_doc(x) for x in doc]
    if isinstance(doc, np.generic):
        return doc.item()
    return doc
