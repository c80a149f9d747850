"""One scenario run as a result object: the ``straitsim run`` job, its tables, save and load.

A saved result (:meth:`RunResult.save`, read back by :func:`load_result`) is a folder:

- ``result.json``: what made it (format and version, scenario name, title, year and hash,
  seed, replications, days, roles, ``--set`` overrides, straitsim version, code version,
  when it was written) and the shape and type of every array;
- ``scenario.json``: the resolved scenario, overrides applied (its hash is checked on load);
- ``arrays.npz``: every array of the trajectory, exactly (NumPy ``.npz``, no pickles);
- ``replications.parquet`` and ``traces.parquet``: :meth:`RunResult.replications` and
  :meth:`RunResult.traces` as Parquet, for DuckDB, pandas, polars or R.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pydantic

from straitsim.analysis import summary
from straitsim.analysis.summary import document_header
from straitsim.engine.state import OUTCOMES
from straitsim.engine.trajectory import Trajectory
from straitsim.errors import UserError
from straitsim.fsio import atomic_dir
from straitsim.meta import __version__
from straitsim.runners.keys import code_version
from straitsim.runners.local import simulate
from straitsim.scenario.compile import profile_roles
from straitsim.scenario.identity import scenario_hash
from straitsim.scenario.load import load_scenario, set_strings
from straitsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

RESULT_FORMAT = "straitsim-run-result"
RESULT_FORMAT_VERSION = 1
"""Version of the saved-result folder layout; :func:`load_result` refuses a newer one."""
META_FILE, SCENARIO_FILE, ARRAYS_FILE = "result.json", "scenario.json", "arrays.npz"


@dataclass
class RunResult:
    """One scenario run: the trajectory plus how it was made, with tables and plots."""

    scenario: Scenario
    trajectory: Trajectory
    seed: int
    reps: int
    days: int
    roles: dict[str, str]
    overrides: list[str] = field(default_factory=list)

    def summary(self, traces: bool = True) -> dict[str, Any]:
        """Build the ``straitsim run --json`` document (schema in docs/json.md)."""
        doc = document_header(self.scenario)
        doc["scenario"]["actors"] = {
            code: {"name": a.name, "side": a.side} for code, a in self.scenario.actors.items()
        }
        doc.update(
            {
                "roles": self.roles,
                "overrides": self.overrides,
                "seed": self.seed,
                "reps": self.reps,
                "days": self.days,
            }
        )
        doc.update(summary.summarize(self.trajectory, 0, traces=traces))
        return doc

    def outcomes(self) -> pd.DataFrame:
        """Outcome probabilities with 95% intervals, one row per category."""
        import pandas as pd

        rows = [
            {"outcome": k, **v} for k, v in summary.outcome_probabilities(self.trajectory).items()
        ]
        return pd.DataFrame(rows).set_index("outcome")

    def losses(self) -> pd.DataFrame:
        """Loss quantiles: rows (country, metric), columns median, p10, p90, mean."""
        import pandas as pd

        rows = [
            {"country": c, "metric": m, **q}
            for c, ms in summary.loss_quantiles(self.trajectory).items()
            for m, q in ms.items()
        ]
        return pd.DataFrame(rows).set_index(["country", "metric"])

    def replications(self) -> pd.DataFrame:
        """One row per replication: outcome and every loss metric (columns ``COUNTRY.metric``)."""
        import pandas as pd

        t = self.trajectory
        data: dict[str, Any] = {
            "replication": np.arange(t.n_reps) + t.rep_offset,
            "outcome": [OUTCOMES[k] for k in t.outcome[0]],
            "decided_day": t.decided_day[0],
        }
        for c, ms in t.losses.items():
            for m, a in ms.items():
                data[f"{c}.{m}"] = a[0]
        return pd.DataFrame(data)

    def traces(self) -> pd.DataFrame:
        """Daily medians and 10-90% bands of the traces over the replications, long format.

        Columns: ``trace`` (``lift_share``: amphibious lift capacity over its value on the
        landing day, 1 before it; ``battalions_ashore``: PRC battalions ashore;
        ``air_superiority``: coalition air superiority over the Strait, 0 to 1;
        ``allied_munitions_share``: allied anti-ship stocks over their initial total;
        ``prc_missiles_share``: PRC land-attack and anti-ship ballistic missile inventories
        over their initial total; ``territory_share``: share of Taiwan held by the PRC),
        ``day`` (0 .. days - 1, the state at the end of the day), ``median``, ``p10``,
        ``p90``. A decided replication keeps its last value to the end. Every replication's
        values: :meth:`traces_dataset` or
        ``trajectory.traces``. Definitions: docs/model.md section 6.
        """
        import pandas as pd

        rows = []
        for name, band in summary.trace_bands(self.trajectory).items():
            for d, (m, lo, hi) in enumerate(
                zip(band["median"], band["p10"], band["p90"], strict=True)
            ):
                rows.append({"trace": name, "day": d, "median": m, "p10": lo, "p90": hi})
        return pd.DataFrame(rows)

    def traces_dataset(self) -> xr.Dataset:
        """Every replication's daily traces as an xarray Dataset (needs ``xarray``).

        One variable per trace (the names of :meth:`traces`), dimensions ``(day,
        replication)``; ``outcome`` and ``decided_day`` per replication; the run's
        description (scenario, hash, seed, roles, overrides, versions) in ``attrs``.
        """
        try:
            import xarray as xr
        except ImportError as e:
            raise UserError(
                "traces_dataset needs the xarray package",
                expected="xarray installed (pip install xarray)",
                found="no module named xarray",
            ) from e
        t = self.trajectory
        days = np.arange(next(iter(t.traces.values())).shape[1])
        reps = np.arange(t.n_reps) + t.rep_offset
        data: dict[str, tuple[tuple[str, ...], Any]] = {
            k: (("day", "replication"), a[0]) for k, a in t.traces.items()
        }
        data["outcome"] = (("replication",), np.array([OUTCOMES[k] for k in t.outcome[0]]))
        data["decided_day"] = (("replication",), t.decided_day[0])
        meta = self._meta()
        attrs = {
            "scenario": self.scenario.name,
            "scenario_hash": meta["scenario"]["hash"],
            "seed": self.seed,
            "reps": self.reps,
            "days": self.days,
            "roles": json.dumps(self.roles),
            "overrides": json.dumps(self.overrides),
            "straitsim_version": __version__,
            "code_version": meta["code_version"],
        }
        return xr.Dataset(data, coords={"day": days, "replication": reps}, attrs=attrs)

    def __eq__(self, other: object) -> bool:
        """Equal when made the same way and every array of the trajectory is equal."""
        if not isinstance(other, RunResult):
            return NotImplemented
        a, b = self.trajectory, other.trajectory
        same = (
            (self.seed, self.reps, self.days, self.roles, self.overrides)
            == (other.seed, other.reps, other.days, other.roles, other.overrides)
            and scenario_hash(self.scenario) == scenario_hash(other.scenario)
            and (a.weapons, a.profiles, a.rep_offset) == (b.weapons, b.profiles, b.rep_offset)
            and _plain_extra(a) == _plain_extra(b)
        )
        xa, xb = _arrays(a), _arrays(b)
        return (
            same
            and xa.keys() == xb.keys()
            and all(
                xa[k].dtype == xb[k].dtype and np.array_equal(xa[k], xb[k], equal_nan=True)
                for k in xa
            )
        )

    __hash__ = None  # type: ignore[assignment]

    def _meta(self) -> dict[str, Any]:
        t = self.trajectory
        return {
            "format": RESULT_FORMAT,
            "format_version": RESULT_FORMAT_VERSION,
            "straitsim_version": __version__,
            "code_version": code_version(),
            "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "year": self.scenario.year,
                "hash": scenario_hash(self.scenario),
            },
            "seed": self.seed,
            "reps": self.reps,
            "days": self.days,
            "roles": self.roles,
            "overrides": self.overrides,
            "trajectory": {
                "weapons": list(t.weapons),
                "profiles": list(t.profiles),
                "rep_offset": t.rep_offset,
                "extra": _plain_extra(t),
                "arrays": {
                    k: {"shape": list(a.shape), "dtype": a.dtype.str} for k, a in _arrays(t).items()
                },
            },
            "files": {
                SCENARIO_FILE: "the resolved scenario, overrides applied",
                ARRAYS_FILE: "every trajectory array, exactly (NumPy npz)",
                "replications.parquet": "one row per replication: outcome and losses",
                "traces.parquet": "daily median and 10-90% band of each trace",
            },
        }

    def save(self, path: str | Path) -> Path:
        """Write this result into the folder ``path``, all or nothing; return the folder.

        The folder holds ``result.json`` (what made the result: scenario name and hash,
        seed, replications, days, roles, overrides, straitsim and code versions),
        ``scenario.json``, ``arrays.npz`` (the trajectory, exactly) and Parquet copies of
        :meth:`replications` and :meth:`traces`. :func:`load_result` reads it back.
        A folder that holds other files and no ``result.json`` is refused.
        """
        out = Path(path)
        if out.exists() and not out.is_dir():
            raise UserError(
                "cannot save a result there", file=str(out), expected="a folder", found="a file"
            )
        if out.is_dir() and any(out.iterdir()) and not (out / META_FILE).is_file():
            raise UserError(
                "refusing to save a result into a folder that holds other files",
                file=str(out),
                expected="a new or empty folder, or a saved result to replace",
            )
        meta = self._meta()
        try:
            with atomic_dir(out, last=[META_FILE]) as tmp:
                (tmp / SCENARIO_FILE).write_text(
                    self.scenario.model_dump_json(by_alias=True, indent=1), encoding="utf-8"
                )
                with open(tmp / ARRAYS_FILE, "wb") as f:
                    arrays: dict[str, Any] = _arrays(self.trajectory)
                    np.savez_compressed(f, **arrays)
                self.replications().to_parquet(tmp / "replications.parquet", index=False)
                self.traces().to_parquet(tmp / "traces.parquet", index=False)
                (tmp / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        except OSError as e:
            raise UserError(
                "cannot save the result there; nothing was written",
                file=str(out),
                found=e.strerror or str(e),
            ) from e
        return out


def _arrays(t: Trajectory) -> dict[str, np.ndarray]:
    """Every array of a trajectory under a flat name (``losses.CHN.aircraft``, ...)."""
    out = {"outcome": t.outcome, "decided_day": t.decided_day, "spent": t.spent}
    for c, ms in t.losses.items():
        out.update({f"losses.{c}.{m}": np.asarray(a) for m, a in ms.items()})
    out.update({f"traces.{k}": np.asarray(a) for k, a in t.traces.items()})
    out.update({f"extra.{k}": a for k, a in t.extra.items() if isinstance(a, np.ndarray)})
    return {k: np.asarray(a) for k, a in out.items()}


def _plain_extra(t: Trajectory) -> dict[str, Any]:
    """Return the trajectory's extras that are not arrays (``base_ids``) as JSON values."""
    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in t.extra.items()
        if not isinstance(v, np.ndarray)
    }


def _bad(path: Path, why: str, expected: str | None = None, found: str | None = None) -> UserError:
    return UserError(
        f"not a saved straitsim result: {why}", file=str(path), expected=expected, found=found
    )


def load_result(path: str | Path) -> RunResult:
    """Read a result written by :meth:`RunResult.save`; it equals the one saved.

    Raises :class:`~straitsim.errors.UserError` (one line) when ``path`` is not such a
    folder, a file in it is missing or damaged, the scenario does not match the hash
    recorded, or the folder was written by a newer straitsim (a newer format version).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise _bad(folder, "no such folder", "a folder written by RunResult.save")
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        raise _bad(folder, f"no {META_FILE} in it", "a folder written by RunResult.save")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _bad(meta_path, "unreadable metadata", "JSON", type(e).__name__) from e
    if not isinstance(meta, dict) or meta.get("format") != RESULT_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise _bad(meta_path, "another kind of document", f"format {RESULT_FORMAT!r}", repr(found))
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(meta_path, "no valid format_version", "a positive integer", repr(version))
    if version > RESULT_FORMAT_VERSION:
        raise UserError(
            "this result was written by a newer straitsim; upgrade straitsim to read it",
            file=str(meta_path),
            key="format_version",
            expected=f"at most {RESULT_FORMAT_VERSION}",
            found=f"{version} (straitsim {meta.get('straitsim_version', '?')})",
        )
    try:
        sc = Scenario.model_validate_json((folder / SCENARIO_FILE).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except OSError as e:
        raise _bad(folder, "a file is missing or unreadable", found=str(e)) from e
    except pydantic.ValidationError as e:
        raise _bad(
            folder / SCENARIO_FILE,
            "the scenario does not validate",
            found=str(e.errors()[0]["msg"]),
        ) from e
    except ValueError as e:
        raise _bad(folder / ARRAYS_FILE, "damaged arrays", found=str(e)) from e
    try:
        return _rebuild(folder, meta, sc, arrays)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise _bad(meta_path, "a field is missing or malformed", found=repr(e)) from e


def _rebuild(
    folder: Path, meta: dict[str, Any], sc: Scenario, arrays: dict[str, np.ndarray]
) -> RunResult:
    """Check the files against the metadata and assemble the result."""
    if scenario_hash(sc) != meta["scenario"]["hash"]:
        raise _bad(
            folder / SCENARIO_FILE,
            "the scenario does not match the hash recorded",
            meta["scenario"]["hash"],
            scenario_hash(sc),
        )
    tmeta = meta["trajectory"]
    for k, d in tmeta["arrays"].items():
        a = arrays.get(k)
        if a is None or list(a.shape) != d["shape"] or a.dtype.str != d["dtype"]:
            found = "missing" if a is None else f"shape {list(a.shape)}, dtype {a.dtype.str}"
            raise _bad(folder / ARRAYS_FILE, f"array {k} is not as recorded", str(d), found)
    reps, days = int(meta["reps"]), int(meta["days"])
    n_days = arrays["traces.lift_share"].shape[1]
    if arrays["outcome"].shape[1] != reps or n_days != days:
        raise _bad(
            folder / ARRAYS_FILE,
            "the arrays do not match the replications and days recorded",
            f"{reps} replications, {days} days",
            f"{arrays['outcome'].shape[1]} replications, {n_days} days",
        )
    losses: dict[str, dict[str, np.ndarray]] = {}
    traces: dict[str, np.ndarray] = {}
    extra: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in tmeta["extra"].items()
    }
    for k in tmeta["arrays"]:
        kind, _, rest = k.partition(".")
        if kind == "losses":
            c, _, m = rest.partition(".")
            losses.setdefault(c, {})[m] = arrays[k]
        elif kind == "traces":
            traces[rest] = arrays[k]
        elif kind == "extra":
            extra[rest] = arrays[k]
    traj = Trajectory(
        outcome=arrays["outcome"],
        losses=losses,
        traces=traces,
        decided_day=arrays["decided_day"],
        spent=arrays["spent"],
        weapons=tuple(tmeta["weapons"]),
        profiles=tuple(dict(x) for x in tmeta["profiles"]),
        rep_offset=int(tmeta["rep_offset"]),
        extra=extra,
    )
    return RunResult(
        scenario=sc,
        trajectory=traj,
        seed=int(meta["seed"]),
        reps=reps,
        days=days,
        roles=dict(meta["roles"]),
        overrides=list(meta["overrides"]),
    )


def run(
    scenario: str | Path | Scenario,
    reps: int = 1000,
    seed: int = 0,
    roles: Mapping[str, str] | Iterable[str] | None = None,
    sets: Iterable[str] | Mapping[str, Any] = (),
    days: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
    workers: int | str | None = None,
) -> RunResult:
    """Load (or take) a scenario, apply overrides, and run it: the ``straitsim run`` job.

    ``workers``: ``"auto"`` (every core), an integer (1: in this process) or None (the
    current default); the numbers do not depend on it.
    """
    sc = load_scenario(scenario, roles, sets)
    traj = simulate(sc, reps, seed, None, days, chunk_size, progress, device, workers)
    return RunResult(
        scenario=sc,
        trajectory=traj,
        seed=seed,
        reps=reps,
        days=days or sc.horizon_days,
        roles=profile_roles(sc, None),
        overrides=set_strings(sets),
    )
