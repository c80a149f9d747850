"""Reading the results store: runs, summaries, replications and whole tables.

A store written by an older straitsim may hold NaN or infinity (newer ones refuse them):
summaries show such values as null and say how many there were, instead of failing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.analysis import summary as sm
from straitsim.analysis.metrics import metric
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.scenario.schema import Scenario
from straitsim.store.base import StoreBase
from straitsim.store.schema import ROW_TABLES, SCHEMA_VERSION, in_plan

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class StoreReader(StoreBase):
    """The reading half of :class:`~straitsim.store.db.ResultsStore`."""

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
        return _finite_summary(doc)

    def summaries(
        self, run_ids: Sequence[str] | None = None, metrics: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Summaries of several runs (default: all), ordered by scenario, label and run id.

        ``metrics`` adds, per run, the mean of each named metric
        (:mod:`straitsim.analysis.metrics`) with its standard error.
        """
        fns = {m: metric(m) for m in metrics}
        ids = [self.resolve_run(r) for r in run_ids] if run_ids else list(self.runs()["run_id"])
        out = []
        for rid in ids:
            doc = self.summary(rid)
            if fns:
                traj = self.load(rid)
                doc["metrics"] = {m: _mean_se(f(traj)[0]) for m, f in fns.items()}
            out.append(sorted_doc(doc))
        stored_bad = sum(int(d.get("non_finite_values", 0)) for d in out)
        return _finite_summary({"schema_version": SCHEMA_VERSION, "runs": out}, stored_bad)

    def replications(self, run_id: str) -> pd.DataFrame:
        """Tabulate a run's stored replications: outcome, decided day, ``COUNTRY.metric``."""
        import pandas as pd  # optional heavy dependency

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


def _finite_summary(doc: dict[str, Any], already: int = 0) -> dict[str, Any]:
    clean, bad = finite_doc(doc)
    bad += already
    if bad:
        clean["non_finite_values"] = bad
        clean["warning"] = (
            f"{bad} stored value(s) are NaN or infinite (written by an older straitsim) and are "
            "shown as null; rerun the affected runs into a new database"
        )
    result: dict[str, Any] = sorted_doc(clean)
    return result


def finite_doc(doc: Any) -> tuple[Any, int]:
    """Copy ``doc`` with every non-finite float replaced by None; return it and the count."""
    if isinstance(doc, dict):
        pairs = [(k, finite_doc(v)) for k, v in doc.items()]
        return {k: v for k, (v, _) in pairs}, sum(n for _, (_, n) in pairs)
    if isinstance(doc, list | tuple):
        items = [finite_doc(x) for x in doc]
        return [v for v, _ in items], sum(n for _, n in items)
    if isinstance(doc, np.generic):
        doc = doc.item()
    if isinstance(doc, float) and not math.isfinite(doc):
        return None, 1
    return doc, 0
