"""The DuckDB results store: round trip, idempotent and atomic chunk writes, export, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import straitsim as ss
from straitsim.cli import app
from straitsim.engine.campaign import simulate
from straitsim.scenario.compile import compile_params
from straitsim.store import ChunkKey, ResultsStore, RunSpec, code_version

cli = CliRunner()
DAYS = 20


@pytest.fixture(scope="module")
def small_run():
    return ss.run("csis-2026", reps=40, seed=7, days=DAYS)


@pytest.fixture()
def db_path(tmp_path):
    return tmp_path / "results.duckdb"


def _chunk(sc, key):
    p = compile_params(sc)
    traj = simulate(p, key.chunk_size, key.seed, rep_offset=key.chunk_offset)
    traj.traces = {}
    return traj


def test_round_trip_reproduces_run_summary_exactly(small_run, db_path):
    with ResultsStore(db_path) as db:
        run_id = db.save_run(small_run)
        doc = db.summary(run_id)
        stored = db.load(run_id)
    ref = json.loads(json.dumps(small_run.summary(traces=False)))
    for key in ("outcome", "defence_prevails", "losses", "munitions_spent", "decided_day"):
        assert doc[key] == ref[key], key
    assert doc["complete"] and doc["reps_stored"] == 40 and doc["seed"] == 7
    assert doc["code_version"] == code_version() and code_version().startswith(
        ss.__version__ + "+src."
    )
    # the stored scenario carries the horizon actually run, so its hash says what was run
    assert doc["days"] == DAYS
    np.testing.assert_array_equal(stored.outcome, small_run.trajectory.outcome)
    for c, ms in small_run.trajectory.losses.items():
        for m, a in ms.items():
            np.testing.assert_array_equal(stored.losses[c][m], a)


def test_chunk_writes_are_idempotent_and_complete_a_run(csis, db_path):
    sc = csis.model_copy(update={"horizon_days": DAYS})
    with ResultsStore(db_path) as db:
        h = db.add_scenario(sc)
        spec = RunSpec(h, 3, 50, 20, code_version(), "test")
        db.add_run(spec)
        keys = spec.chunk_keys()
        assert [(k.chunk_offset, k.chunk_size) for k in keys] == [(0, 20), (20, 20), (40, 10)]
        assert db.write_chunk(keys[0], _chunk(sc, keys[0]))
        assert not db.write_chunk(keys[0], _chunk(sc, keys[0]))  # already stored: nothing written
        runs = db.runs()
        assert runs.loc[0, "chunks_done"] == 1 and not runs.loc[0, "complete"]
        assert db.summary(spec.run_id)["reps_stored"] == 20
        for k in keys[1:]:
            assert db.write_chunk(k, _chunk(sc, k))
        assert bool(db.runs().loc[0, "complete"])
        reps = db.table("replications")
        n_pairs = sum(len(m) for m in _chunk(sc, keys[2]).losses.values())
        assert len(reps) == 50 and reps["replication"].is_unique
        assert len(db.table("losses")) == 50 * n_pairs
        # chunked storage equals one engine call over all 50 replications
        whole = simulate(compile_params(sc), 50, 3)
        np.testing.assert_array_equal(db.load(spec.run_id).outcome, whole.outcome)


def test_a_failure_inside_a_chunk_write_leaves_nothing(csis, db_path, monkeypatch):
    sc = csis.model_copy(update={"horizon_days": DAYS})
    key = ChunkKey(ss.scenario_hash(sc), 1, 0, 15, code_version())
    traj = _chunk(sc, key)
    with ResultsStore(db_path) as db:
        db.add_scenario(sc)
        real = db.con.register
        calls = {"n": 0}

        def flaky(name, obj):
            calls["n"] += 1
            if calls["n"] == 3:  # after the chunk row, replications and losses went in
                raise RuntimeError("disk full")
            return real(name, obj)

        monkeypatch.setattr(db, "con", _Proxy(db.con, register=flaky))
        with pytest.raises(RuntimeError):
            db.write_chunk(key, traj)
        monkeypatch.undo()
        for t in ("chunks", "replications", "losses", "munitions"):
            assert len(db.table(t)) == 0, t
        assert db.write_chunk(key, traj)
        assert len(db.table("replications")) == 15


class _Proxy:
    """A connection whose ``register`` can be replaced (DuckDB's own attributes are read-only)."""

    def __init__(self, con, **over):
        self._con, self._over = con, over

    def __getattr__(self, name):
        return self._over.get(name) or getattr(self._con, name)


def test_export_writes_parquet_in_key_order(small_run, db_path, tmp_path):
    with ResultsStore(db_path) as db:
        run_id = db.save_run(small_run)
        paths = db.export(tmp_path / "out")
        again = db.export(tmp_path / "out2", [run_id[:6]])
    names = {p.name for p in paths}
    assert {"runs.parquet", "replications.parquet", "losses.parquet", "munitions.parquet"} <= names
    reps = pd.read_parquet(tmp_path / "out" / "replications.parquet")
    assert list(reps["replication"]) == list(range(40))
    losses = pd.read_parquet(tmp_path / "out" / "losses.parquet")
    direct = small_run.replications()
    got = losses[(losses.country == "CHN") & (losses.metric == "ships")]["value"].to_numpy()
    np.testing.assert_array_equal(got, direct["CHN.ships"].to_numpy())
    for p in again:
        pd.testing.assert_frame_equal(
            pd.read_parquet(p), pd.read_parquet(tmp_path / "out" / p.name)
        )
    assert not list((tmp_path / "out").glob(".straitsim-export-*"))  # no temporary folder left


def test_results_cli_list_show_summary_export(small_run, db_path, tmp_path):
    with ResultsStore(db_path) as db:
        run_id = db.save_run(small_run, label="base")
    r = cli.invoke(app, ["results", "list", "--db", str(db_path), "--json"])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)["runs"]
    assert row["run_id"] == run_id and row["complete"] and row["n_reps"] == 40
    r = cli.invoke(app, ["results", "show", run_id[:8], "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "Defence prevails" in r.stdout and run_id in r.stdout
    a = cli.invoke(
        app, ["results", "summary", "--db", str(db_path), "--json", "-m", "prc_ships_sunk"]
    )
    b = cli.invoke(
        app, ["results", "summary", "--db", str(db_path), "--json", "-m", "prc_ships_sunk"]
    )
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout  # deterministic: same results, same bytes
    doc = json.loads(a.stdout)
    assert (
        list(doc) == sorted(doc) and "created_at" not in a.stdout and "written_at" not in a.stdout
    )
    mean = doc["runs"][0]["metrics"]["prc_ships_sunk"]["mean"]
    assert mean == pytest.approx(small_run.trajectory.losses["CHN"]["ships"].mean(), rel=1e-12)
    r = cli.invoke(
        app, ["results", "export", "--db", str(db_path), "--out", str(tmp_path / "x"), "--json"]
    )
    assert r.exit_code == 0 and len(json.loads(r.stdout)["files"]) == 7


@pytest.mark.parametrize(
    "args, needle",
    [
        (["results", "list"], "no results database"),
        (["results", "show", "ffff"], "no results database"),
    ],
)
def test_results_cli_missing_db_is_one_line_exit_2(args, needle, tmp_path):
    r = cli.invoke(app, [*args, "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_results_cli_unknown_run_and_not_a_database(small_run, db_path, tmp_path):
    with ResultsStore(db_path) as db:
        db.save_run(small_run)
    r = cli.invoke(app, ["results", "show", "zz", "--db", str(db_path)])
    assert r.exit_code == 2 and "unknown run" in r.stderr
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    r = cli.invoke(app, ["results", "list", "--db", str(junk)])
    assert r.exit_code == 2 and "cannot open results database" in r.stderr


def test_second_writer_gets_a_clear_error(db_path):
    with ResultsStore(db_path):
        code = (
            "import sys\nfrom straitsim.store import ResultsStore\n"
            "from straitsim.errors import UserError\n"
            f"try:\n    ResultsStore({str(db_path)!r})\n"
            "except UserError as e:\n    print(e); sys.exit(2)\n"
        )
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert "in use by another process" in p.stdout


# ---------------------------------------------------------------- issue 15: no poisoned store
def test_a_chunk_with_non_finite_numbers_is_refused_before_writing(csis, db_path):
    from straitsim.errors import UserError

    sc = csis.model_copy(update={"horizon_days": DAYS})
    key = ChunkKey(ss.scenario_hash(sc), 1, 0, 6, code_version())
    traj = _chunk(sc, key)
    c, m = next((c, m) for c in traj.losses for m in traj.losses[c])
    traj.losses[c][m] = traj.losses[c][m].astype(float).copy()
    traj.losses[c][m][0, 2] = np.nan
    with ResultsStore(db_path) as db:
        db.add_scenario(sc)
        with pytest.raises(UserError, match="non-finite") as e:
            db.write_chunk(key, traj)
        assert "losses.value" in str(e.value)
        assert db.done_chunks() == set() and len(db.table("losses")) == 0
        with pytest.raises(UserError, match="non-finite"):
            db.save_summary("r", {"x": float("inf")})


def test_a_store_poisoned_by_an_old_version_still_reads(small_run, db_path):
    with ResultsStore(db_path) as db:
        run_id = db.save_run(small_run)
        # what an older straitsim could write: NaN and infinity among the stored values
        db.con.execute("UPDATE losses SET value = 'nan'::DOUBLE WHERE replication = 3")
        db.con.execute("UPDATE munitions SET fired = 'inf'::DOUBLE WHERE replication = 4")
    for args in (["results", "summary", "--json"], ["results", "list"], ["results", "summary"]):
        r = cli.invoke(app, [*args, "--db", str(db_path)])
        assert r.exit_code == 0, r.output
        assert "Traceback" not in r.output
    for args in (["summary", run_id[:8]], ["show", run_id[:8]]):
        r = cli.invoke(app, ["results", *args, "--json", "--db", str(db_path)])
        assert r.exit_code == 0, r.output

        def no_constants(name):
            raise AssertionError(f"non-finite token {name} in the JSON")

        doc = json.loads(r.stdout, parse_constant=no_constants)  # strict JSON
        assert doc.get("non_finite_values", 0) > 0 and "warning" in doc


def test_a_foreign_duckdb_file_is_refused_before_anything_is_written(tmp_path):
    import duckdb

    from straitsim.errors import UserError

    f = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(f))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'a')")
    con.close()
    for ro in (False, True):
        with pytest.raises(UserError, match="not a straitsim results database"):
            ResultsStore(f, read_only=ro)
    con = duckdb.connect(str(f), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert tables == {"customers"}
    r = cli.invoke(app, ["results", "list", "--db", str(f)])
    assert r.exit_code == 2 and "not a straitsim results database" in r.output
    # not a database at all
    g = tmp_path / "notes.duckdb"
    g.write_text("hello")
    with pytest.raises(UserError, match="cannot open results database"):
        ResultsStore(g)
    assert g.read_text() == "hello"


def test_a_newer_schema_is_refused(db_path):
    from straitsim.errors import UserError

    with ResultsStore(db_path) as db:
        db.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        assert dict(db._q("SELECT key, value FROM meta"))["created_by"] == "straitsim"
    for ro in (False, True):
        with pytest.raises(UserError, match="newer straitsim"):
            ResultsStore(db_path, read_only=ro)


def test_a_foreign_db_is_refused_before_a_worlds_run_computes(tmp_path, monkeypatch):
    import duckdb

    import straitsim.cli.worlds as cli_worlds

    def boom(*a, **kw):
        raise AssertionError("computed before checking --db")

    monkeypatch.setattr(cli_worlds, "run_worlds", boom)
    f = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(f))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    r = cli.invoke(app, ["worlds", "csis-2026", "--reps", "5", "--db", str(f)])
    assert r.exit_code == 2 and "not a straitsim results database" in r.output
    # a folder where the file should be
    r = cli.invoke(app, ["worlds", "csis-2026", "--reps", "5", "--db", str(tmp_path)])
    assert r.exit_code == 2 and "is a folder" in r.output


@pytest.mark.parametrize("kind", ["duckdb", "arrow"])
def test_ctrl_c_inside_a_chunk_write_is_an_interrupt_and_leaves_nothing(
    csis, db_path, kind, monkeypatch
):
    import duckdb

    sc = csis.model_copy(update={"horizon_days": DAYS})
    key = ChunkKey(ss.scenario_hash(sc), 1, 0, 5, code_version())
    traj = _chunk(sc, key)
    with ResultsStore(db_path) as db:
        db.add_scenario(sc)
        real = db.con.register
        calls = {"n": 0}

        def interrupted(name, obj):
            calls["n"] += 1
            if calls["n"] == 2:  # DuckDB stops the query itself on SIGINT
                if kind == "duckdb":
                    raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
                raise RuntimeError("Query interrupted")
            return real(name, obj)

        monkeypatch.setattr(db, "con", _Proxy(db.con, register=interrupted))
        with pytest.raises(KeyboardInterrupt):
            db.write_chunk(key, traj)
        monkeypatch.undo()
        assert db.done_chunks() == set() and len(db.table("replications")) == 0
        assert db.write_chunk(key, traj)  # the connection is usable again
