"""Writing to the results store: scenarios, runs, sweeps, chunks of rows, summaries.

Every chunk is one transaction, and a chunk with a non-finite number is refused before
anything is written: the store never holds NaN or infinity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.scenario.identity import scenario_hash
from straitsim.store.base import StoreBase
from straitsim.store.schema import ChunkKey, RunSpec, code_version

if TYPE_CHECKING:  # pragma: no cover
    from straitsim.analysis.run import RunResult
    from straitsim.scenario.schema import Scenario


class StoreWriter(StoreBase):
    """The writing half of :class:`~straitsim.store.db.ResultsStore`."""

    def add_scenario(self, sc: Scenario) -> str:
        """Record a resolved scenario (idempotent); returns its hash."""
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
        except BaseException as exc:
            abort(self.con, exc)
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
        check_finite_rows(key, {"replications": reps_tbl, "losses": loss_tbl, "munitions": mun_tbl})
        k = [key.scenario_hash, key.seed, key.chunk_offset, key.chunk_size, key.code_version]
        con = self.con
        try:
            # inside the try: Ctrl-C can land on BEGIN too, and must still read as an interrupt
            con.execute("BEGIN TRANSACTION")
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
        except BaseException as exc:
            abort(con, exc)
            raise
        return True

    def save_summary(self, run_id: str, doc: dict[str, Any]) -> None:
        """Store (or replace) the summary document of a run."""
        try:
            blob = json.dumps(doc, sort_keys=True, allow_nan=False)
        except ValueError:
            raise UserError(
                "refusing to store a summary with non-finite numbers",
                key=f"summaries.{run_id}",
                expected="finite numbers",
                found="NaN or infinity",
            ) from None
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


def abort(con: Any, exc: BaseException) -> None:
    """Roll back the open transaction; an interrupted query becomes a KeyboardInterrupt.

    On Ctrl-C DuckDB stops the running query itself and raises its own error (or a
    RuntimeError from an Arrow scan): it is turned back into the interrupt it was, so the
    command stops with the chunks already committed and exit status 130.
    """
    try:
        con.execute("ROLLBACK")
    except Exception:  # the interrupted transaction may already be gone
        pass
    interrupted = type(exc).__name__ == "InterruptException" or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()
    )
    if interrupted:
        raise KeyboardInterrupt from None


def check_finite_rows(key: ChunkKey, tables: dict[str, Any]) -> None:
    """Refuse a chunk whose rows hold a non-finite number, naming the table and column."""
    for name, tbl in tables.items():
        for col in tbl.column_names:
            a = tbl.column(col).to_numpy(zero_copy_only=False)
            if a.dtype.kind != "f":
                continue
            # an undecided replication has no decided day: NaN there is the stored meaning
            ok = ~np.isinf(a) if (name, col) == ("replications", "decided_day") else np.isfinite(a)
            if not np.all(ok):
                bad = int(np.count_nonzero(~ok))
                raise UserError(
                    "refusing to store non-finite results",
                    key=f"{name}.{col}",
                    expected="finite numbers",
                    found=f"{bad} NaN or infinite value(s) in the chunk at replication "
                    f"{key.chunk_offset} of scenario {key.scenario_hash}",
                )
