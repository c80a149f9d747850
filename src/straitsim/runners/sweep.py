"""Sweeps: many variants of one scenario, chunked, resumable, local or on a Dask cluster.

A grid file (TOML) lists what varies::

    [roles]                       # each ally's rungs to try
    JPN = ["neutral", "bases", "full"]

    [set]                         # any `--set` key and the values to try
    us_entry_delay_days = [0, 7, 14]
    "munitions.usa-lrasm.n" = [450, 900]

    [lhs]                         # optional Latin hypercube over continuous knobs
    n = 8
    prc_missile_inventory_scale = [0.75, 1.5]

Every combination of the ``[roles]`` and ``[set]`` values (times each Latin-hypercube point)
is a *variant*: a resolved scenario with its own hash. Each variant's replications are cut
into chunks; a chunk is computed anywhere (here, in local processes, on a Dask cluster) and
written by this process in one transaction, keyed by (scenario hash, seed, chunk offset,
chunk size, code version). Chunks already in the database are skipped, so rerunning a sweep
after a crash or a kill finishes the rest, with no row lost or duplicated, and the same
numbers as an uninterrupted run: replication ``i`` depends only on (scenario, seed, ``i``).
"""

from __future__ import annotations

import itertools
import math
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from straitsim.errors import UserError
from straitsim.store.schema import SCHEMA_VERSION, ChunkKey, RunSpec, digest

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from straitsim.scenario.schema import Scenario

DEFAULT_CHUNK_SIZE = 250
MAX_VARIANTS = 10_000
MAX_LHS_POINTS = 10_000

Progress = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class Grid:
    """What a sweep varies: rungs per ally, values per ``--set`` key, a Latin hypercube."""

    roles: dict[str, list[str]] = field(default_factory=dict)
    sets: dict[str, list[Any]] = field(default_factory=dict)
    lhs_n: int = 0
    lhs: dict[str, tuple[float, float]] = field(default_factory=dict)
    source: str = "<grid>"

    def to_dict(self) -> dict[str, Any]:
        """Canonical form (part of the sweep's identity)."""
        doc: dict[str, Any] = {"roles": self.roles, "set": self.sets}
        if self.lhs_n:
            doc["lhs"] = {"n": self.lhs_n, **{k: list(v) for k, v in self.lhs.items()}}
        return doc


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def parse_grid(doc: Mapping[str, Any], source: str = "<grid>") -> Grid:
    """Check a parsed grid document; every problem is a :class:`UserError` naming the key."""

    def bad(key: str, what: str, expected: str, found: Any) -> UserError:
        r = repr(found)
        return UserError(
            what,
            file=source,
            key=key,
            expected=expected,
            found=r if len(r) <= 60 else r[:57] + "...",
        )

    for top, val in doc.items():
        if top not in ("roles", "set", "lhs"):
            raise bad(top, "unknown table", "one of [roles], [set], [lhs]", top)
        if not isinstance(val, dict):
            raise bad(top, "not a table", f"a [{top}] table", val)
    roles: dict[str, list[str]] = {}
    for ally, rungs in doc.get("roles", {}).items():
        key = f"roles.{ally}"
        if not isinstance(rungs, list) or not rungs:
            raise bad(key, "bad rung list", "a non-empty list of rung names", rungs)
        if not all(isinstance(r, str) for r in rungs):
            raise bad(key, "bad rung list", "rung names (strings)", rungs)
        if len(set(rungs)) != len(rungs):
            raise bad(key, "repeated rung", "each rung once", rungs)
        if ally.upper() in roles:
            raise bad(key, "ally listed twice", "each ally once", ally)
        roles[ally.upper()] = list(rungs)
    sets: dict[str, list[Any]] = {}
    for k, values in doc.get("set", {}).items():
        key = f"set.{k}"
        if not isinstance(values, list) or not values:
            raise bad(key, "bad value list", "a non-empty list of values", values)
        for v in values:
            if not isinstance(v, int | float | str | bool):
                raise bad(key, "bad value", "numbers, true/false or strings", v)
        if len({repr(v) for v in values}) != len(values):
            raise bad(key, "repeated value", "each value once", values)
        if k in ("roles",) or k.startswith("roles."):
            raise bad(key, "roles belong in [roles]", "a [roles] table: ALLY = [rungs]", k)
        sets[k] = list(values)
    lhs_n = 0
    lhs: dict[str, tuple[float, float]] = {}
    if "lhs" in doc:
        table = dict(doc["lhs"])
        n = table.pop("n", None)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_LHS_POINTS:
            raise bad("lhs.n", "bad sample count", f"an integer from 1 to {MAX_LHS_POINTS}", n)
        if not table:
            raise bad("lhs", "no ranges", 'at least one "key" = [low, high]', "only n")
        for k, bounds in table.items():
            key = f"lhs.{k}"
            if not (
                isinstance(bounds, list) and len(bounds) == 2 and all(_is_number(b) for b in bounds)
            ):
                raise bad(key, "bad range", "[low, high] (two numbers)", bounds)
            lo, hi = bounds
            if not lo < hi:
                raise bad(key, "empty range", "low < high", bounds)
            if k in sets:
                raise bad(key, "key in both [set] and [lhs]", "each key in one table", k)
            lhs[k] = (lo, hi)
        lhs_n = n
    return Grid(roles=roles, sets=sets, lhs_n=lhs_n, lhs=lhs, source=source)


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file (TOML)."""
    from straitsim.scenario.load import read_toml

    p = Path(path)
    return parse_grid(read_toml(p, str(p)), str(p))


def lhs_points(grid: Grid, seed: int) -> list[dict[str, float | int]]:
    """Draw the Latin-hypercube points of ``grid`` (seeded; integer bounds give integers)."""
    if not grid.lhs_n:
        return [{}]
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"straitsim-lhs")]))
    u = qmc.LatinHypercube(d=len(grid.lhs), rng=rng).random(grid.lhs_n)
    points = []
    for row in u:
        pt: dict[str, float | int] = {}
        for j, (k, (lo, hi)) in enumerate(grid.lhs.items()):
            if isinstance(lo, int) and isinstance(hi, int):
                pt[k] = int(min(hi, lo + math.floor(row[j] * (hi - lo + 1))))
            else:
                pt[k] = float(lo + row[j] * (hi - lo))
        points.append(pt)
    return points


@dataclass(frozen=True)
class Variant:
    """One resolved scenario of a sweep."""

    index: int
    label: str
    roles: dict[str, str]
    sets: dict[str, Any]
    scenario: Scenario
    scenario_hash: str


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def expand(
    scenario: str | Path,
    grid: Grid,
    seed: int = 0,
    days: int | None = None,
) -> list[Variant]:
    """Every variant of ``scenario`` that ``grid`` describes, resolved and hashed, in grid order.

    ``days`` sets the horizon (``horizon_days``) of every variant, so it is part of each
    variant's scenario hash.
    """
    from straitsim.scenario.identity import scenario_hash
    from straitsim.scenario.load import load_scenario

    base = load_scenario(scenario)
    for ally, rungs in grid.roles.items():
        actor = base.actors.get(ally)
        if actor is None or len(actor.rungs) < 2:
            choices = ", ".join(c for c, a in base.actors.items() if len(a.rungs) > 1)
            raise UserError(
                "unknown ally",
                file=grid.source,
                key=f"roles.{ally}",
                expected="one of " + choices,
                found=repr(ally),
            )
        for r in rungs:
            if r not in actor.rungs:
                raise UserError(
                    "unknown rung",
                    file=grid.source,
                    key=f"roles.{ally}",
                    expected="one of " + ", ".join(actor.rungs),
                    found=repr(r),
                )
    extra: dict[str, Any] = {}
    if days is not None:
        if not 1 <= days <= 365:
            raise UserError("bad horizon", key="days", expected="1 to 365", found=str(days))
        if "horizon_days" in grid.sets or "horizon_days" in grid.lhs:
            raise UserError(
                "horizon set twice",
                file=grid.source,
                key="set.horizon_days",
                expected="either --days or horizon_days in the grid",
                found="both",
            )
        extra["horizon_days"] = days
    # Check each [set] and [lhs] key on its own first, so an error names the grid key.
    probes = [(f"set.{k}", k, v) for k, vs in grid.sets.items() for v in vs]
    probes += [(f"lhs.{k}", k, b) for k, bs in grid.lhs.items() for b in bs]
    for gkey, k, v in probes:
        try:
            load_scenario(scenario, sets={**extra, k: v})
        except UserError as exc:
            raise UserError(
                exc.detail, file=grid.source, key=gkey, expected=exc.expected, found=exc.found
            ) from None
    role_combos = list(itertools.product(*grid.roles.values())) if grid.roles else [()]
    set_combos = list(itertools.product(*grid.sets.values())) if grid.sets else [()]
    points = lhs_points(grid, seed)
    n = len(role_combos) * len(set_combos) * len(points)
    if n > MAX_VARIANTS:
        raise UserError(
            "grid too large",
            file=grid.source,
            expected=f"at most {MAX_VARIANTS} variants",
            found=f"{n} variants",
        )
    out: list[Variant] = []
    for rc, scombo, pt in itertools.product(role_combos, set_combos, points):
        roles = dict(zip(grid.roles, rc, strict=True))
        sets = {**dict(zip(grid.sets, scombo, strict=True)), **pt}
        try:
            sc = load_scenario(scenario, roles=roles, sets={**sets, **extra})
        except UserError as exc:
            raise UserError(
                exc.detail, file=grid.source, key=exc.key, expected=exc.expected, found=exc.found
            ) from None
        parts = [f"{a}={r}" for a, r in roles.items()] + [f"{k}={_fmt(v)}" for k, v in sets.items()]
        out.append(
            Variant(len(out), ", ".join(parts) or "base", roles, sets, sc, scenario_hash(sc))
        )
    return out


@dataclass
class SweepResult:
    """What a sweep did and what it found, one row per variant in :attr:`variants`."""

    sweep_id: str
    scenario: str
    db: str
    seed: int
    reps: int
    chunk_size: int
    code_version: str
    runner: str
    n_workers: int
    chunks_total: int
    chunks_stored_before: int
    chunks_computed: int
    elapsed_s: float
    variants: list[dict[str, Any]]

    @property
    def reps_per_s(self) -> float:
        """Replications computed per second of wall time (chunks skipped do not count)."""
        return self.reps_computed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def reps_computed(self) -> int:
        """Replications computed in this call."""
        return int(sum(v["reps_computed"] for v in self.variants))

    def table(self) -> pd.DataFrame:
        """One row per variant: settings, run id and headline outcome probabilities."""
        import pandas as pd

        rows = []
        for v in self.variants:
            row = {"variant": v["variant"], "label": v["label"], "run_id": v["run_id"]}
            row.update({f"role.{a}": r for a, r in v["roles"].items()})
            row.update({f"set.{k}": x for k, x in v["sets"].items()})
            dp = v.get("defence_prevails") or {}
            row["defence_prevails"] = dp.get("p")
            row["defence_prevails_lo"] = dp.get("lo")
            row["defence_prevails_hi"] = dp.get("hi")
            row["prc_victory"] = (v.get("outcome") or {}).get("prc_victory", {}).get("p")
            rows.append(row)
        return pd.DataFrame(rows).set_index("variant")

    def to_dict(self) -> dict[str, Any]:
        """Return the ``straitsim sweep --json`` document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "sweep_id": self.sweep_id,
            "scenario": self.scenario,
            "db": self.db,
            "seed": self.seed,
            "reps": self.reps,
            "chunk_size": self.chunk_size,
            "code_version": self.code_version,
            "runner": {"kind": self.runner, "workers": self.n_workers},
            "chunks": {
                "total": self.chunks_total,
                "stored_before": self.chunks_stored_before,
                "computed": self.chunks_computed,
            },
            "elapsed_s": round(self.elapsed_s, 3),
            "reps_per_s": round(self.reps_per_s, 1),
            "variants": self.variants,
        }


def sweep(
    scenario: str | Path,
    grid: Grid | str | Path,
    reps: int = 1000,
    seed: int = 0,
    db: str | Path | None = None,
    chunk_size: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    days: int | None = None,
    progress: Progress | None = None,
    connect_timeout_s: float = 10.0,
) -> SweepResult:
    """Run (or finish) a sweep and store every chunk in the results database.

    Parameters
    ----------
    scenario
        Built-in scenario name or TOML path.
    grid
        A :class:`Grid` or the path of a grid file.
    reps, seed
        Replications per variant and the seed (the same for every variant: common random
        numbers across variants).
    db
        Results database (default ``straitsim-results.duckdb``).
    chunk_size
        Replications per chunk (default 250). Part of each chunk's key: rerun with the same
        value to resume.
    workers
        Local worker processes (default: compute in this process).
    cluster
        ``tcp://HOST:PORT`` of a Dask scheduler; chunks then run on its workers.
    days
        Horizon of every variant (default: the scenario's).
    progress
        Called as ``progress(chunks_done, chunks_total, reps_done, reps_total)`` once before
        work starts and after each chunk is written (counts cover this call's chunks).
    connect_timeout_s
        How long to wait for the Dask scheduler and its first worker.

    Returns
    -------
    SweepResult
        Counts, timing and one summary per variant.
    """
    from straitsim.runners.pool import code_version
    from straitsim.scenario.compile import compile_params
    from straitsim.store.db import DEFAULT_DB, ResultsStore

    if reps < 1:
        raise UserError(
            "bad replication count", key="reps", expected="an integer >= 1", found=str(reps)
        )
    if chunk_size is not None and chunk_size < 1:
        raise UserError(
            "bad chunk size", key="chunk-size", expected="an integer >= 1", found=str(chunk_size)
        )
    if workers is not None and workers < 1:
        raise UserError(
            "bad worker count", key="workers", expected="an integer >= 1", found=str(workers)
        )
    if cluster is not None and workers not in (None, 1):
        raise UserError(
            "choose one runner",
            key="--workers",
            expected="--workers or --cluster, not both",
            found=f"--workers {workers} and --cluster {cluster}",
        )
    g = grid if isinstance(grid, Grid) else load_grid(grid)
    variants = expand(scenario, g, seed, days)
    version = code_version()
    cs = int(chunk_size or DEFAULT_CHUNK_SIZE)
    sweep_id = digest(str(scenario), [v.scenario_hash for v in variants], seed, reps, cs, version)
    specs = [
        RunSpec(
            v.scenario_hash, seed, reps, cs, version, v.label, {"roles": v.roles, "sets": v.sets}
        )
        for v in variants
    ]
    runner = _runner(workers, cluster, connect_timeout_s)
    t0 = time.perf_counter()
    try:
        with ResultsStore(db or DEFAULT_DB) as store:
            for v in variants:
                store.add_scenario(v.scenario)
            for s in specs:
                store.add_run(s)
            store.add_sweep(
                sweep_id,
                str(scenario),
                g.to_dict(),
                seed,
                reps,
                cs,
                version,
                [s.run_id for s in specs],
            )
            done = store.done_chunks({v.scenario_hash for v in variants})
            wanted: dict[ChunkKey, int] = {}
            for i, s in enumerate(specs):
                for k in s.chunk_keys():
                    wanted.setdefault(k, i)
            todo = [k for k in wanted if k not in done]
            stored_before = len(wanted) - len(todo)
            params = {}
            for k in todo:
                i = wanted[k]
                if variants[i].scenario_hash not in params:
                    params[variants[i].scenario_hash] = compile_params(variants[i].scenario)
            total_reps = sum(k.chunk_size for k in todo)
            n_done = reps_done = 0
            computed: dict[str, int] = {}
            if progress is not None:
                progress(0, len(todo), 0, total_reps)
            jobs = ((k, params[k.scenario_hash]) for k in todo)
            for key, traj, info in runner.imap(jobs):
                store.write_chunk(key, traj, info.get("elapsed_s"), info.get("worker"))
                n_done += 1
                reps_done += key.chunk_size
                computed[key.scenario_hash] = computed.get(key.scenario_hash, 0) + key.chunk_size
                if progress is not None:
                    progress(n_done, len(todo), reps_done, total_reps)
            elapsed = time.perf_counter() - t0
            n_workers = runner.n_workers
            out = []
            for v, s in zip(variants, specs, strict=True):
                doc = store.summary(s.run_id)
                if doc["complete"]:
                    store.save_summary(s.run_id, doc)
                out.append(
                    {
                        "variant": v.index,
                        "label": v.label,
                        "roles": v.roles,
                        "sets": v.sets,
                        "scenario_hash": v.scenario_hash,
                        "run_id": s.run_id,
                        "complete": doc["complete"],
                        "reps_computed": computed.get(v.scenario_hash, 0),
                        "outcome": doc.get("outcome"),
                        "defence_prevails": doc.get("defence_prevails"),
                    }
                )
    finally:
        runner.close()
    return SweepResult(
        sweep_id=sweep_id,
        scenario=str(scenario),
        db=str(db or DEFAULT_DB),
        seed=seed,
        reps=reps,
        chunk_size=cs,
        code_version=version,
        runner=runner.name,
        n_workers=n_workers,
        chunks_total=len(wanted),
        chunks_stored_before=stored_before,
        chunks_computed=n_done,
        elapsed_s=elapsed,
        variants=out,
    )


def _runner(workers: int | None, cluster: str | None, timeout_s: float) -> Any:
    if cluster is not None:
        from straitsim.runners.dask import DaskRunner

        return DaskRunner(cluster, timeout_s=timeout_s)
    from straitsim.runners.pool import local_runner

    return local_runner(workers)


def variants_table(variants: Sequence[Variant]) -> pd.DataFrame:
    """Variants as a DataFrame: label, roles, sets and scenario hash (for a dry run)."""
    import pandas as pd

    rows = []
    for v in variants:
        row: dict[str, Any] = {
            "variant": v.index,
            "label": v.label,
            "scenario_hash": v.scenario_hash,
        }
        row.update({f"role.{a}": r for a, r in v.roles.items()})
        row.update({f"set.{k}": x for k, x in v.sets.items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("variant")
