"""One checking path for numbers and resources that users pass in, at every door.

The bottom layer (it imports only :mod:`straitsim.errors`): the CLI, the Python API, the web
API and the analyses call these checks, so a replication count, a seed, a threshold, a
budget, a year or an output folder is judged the same way wherever it enters. Each failure
is one :class:`~straitsim.errors.UserError`. docs/limits.md lists the bounds.
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
from pathlib import Path
from typing import Any

from straitsim.errors import DomainError, UserError

# Replications of one role profile in one call. Results are held in memory (about
# BYTES_PER_REP_DAY per replication-day and profile), so the bound on memory below refuses
# large requests first; this is the hard ceiling.
MAX_REPS = 10_000_000
MAX_SEED = 2**63 - 1  # stored as a signed 64-bit integer
BYTES_PER_REP_DAY = 64  # daily traces of one replication (held: ~2.6 KB at 70 days, x2 on join)
BYTES_PER_REP = 1024  # outcome, losses and munitions of one replication
ENGINE_BYTES_PER_REP_DAY = 256  # engine working set while a chunk runs: ~12 KB at 70 days
MAX_GRID_VARIANTS = 100_000  # scenario variants in one sweep, role lattice or world sample
YEARS = (2020, 2050)  # outlook and spending years the data covers, with margin
MONEY_USD_MAX = 1e13  # ten trillion dollars: more than any defence budget in the world
MEMORY_ENV = "STRAITSIM_MAX_MEMORY_GB"


def check_number(
    value: Any,
    key: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    integer: bool = False,
    positive: bool = False,
    why: str | None = None,
) -> Any:
    """Return ``value`` if it is a finite number in ``[lo, hi]``; else raise a UserError.

    Booleans and strings are refused; ``integer`` also refuses fractions (``2.5``) and
    returns an ``int``; ``positive`` excludes ``lo`` itself.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if integer:
        ok = ok and (isinstance(value, numbers.Integral) or float(value).is_integer())
    x = float(value) if ok else float("nan")
    finite = ok and math.isfinite(x)
    inside = finite and (lo is None or x >= lo) and (hi is None or x <= hi)
    if inside and positive and lo is not None and x <= lo:
        inside = False
    if inside:
        return int(value) if integer else value
    kind = "an integer" if integer else "a finite number"

    def fmt(v: float) -> str:
        return f"{int(v)}" if integer else f"{v:g}"

    if lo is not None and hi is not None:
        rng = f" > {fmt(lo)} and <= {fmt(hi)}" if positive else f" in [{fmt(lo)}, {fmt(hi)}]"
    elif lo is not None:
        rng = f" {'>' if positive else '>='} {fmt(lo)}"
    elif hi is not None:
        rng = f" <= {fmt(hi)}"
    else:
        rng = ""
    raise DomainError(
        "invalid value",
        key=key,
        expected=kind + rng + (f" ({why})" if why else ""),
        found=_show(value),
    )


def _show(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 40 else r[:37] + "..."


def check_reps(reps: Any, key: str = "reps") -> int:
    """Return ``reps`` if it is an integer from 1 to :data:`MAX_REPS`."""
    return int(check_number(reps, key, 1, MAX_REPS, integer=True))


def check_seed(seed: Any, key: str = "seed") -> int:
    """Return ``seed`` if it is an integer from 0 to 2**63 - 1."""
    return int(check_number(seed, key, 0, MAX_SEED, integer=True))


def check_share(value: Any, key: str) -> float:
    """Return a probability, share or threshold if it lies in [0, 1]."""
    return float(check_number(value, key, 0.0, 1.0))


def check_year(value: Any, key: str = "year") -> int:
    """Return a calendar year if it lies within the span the data covers."""
    return int(check_number(value, key, *YEARS, integer=True, why="years the data covers"))


def check_money(value: Any, key: str) -> float:
    """Return a sum of US dollars if finite, >= 0 and at most ten trillion."""
    return float(check_number(value, key, 0.0, MONEY_USD_MAX, why="US dollars"))


def memory_limit_bytes() -> int:
    """Bytes a run may hold: ``$STRAITSIM_MAX_MEMORY_GB``, else half the machine's memory."""
    env = os.environ.get(MEMORY_ENV)
    if env:
        try:
            gb = float(env)
        except ValueError:
            gb = float("nan")
        check_number(gb, MEMORY_ENV, 0.0, 1e6, positive=True)
        return int(gb * 2**30)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 8 * 2**30
    return int(total // 2)


def result_bytes(reps: int, profiles: int = 1, days: int = 70) -> int:
    """Estimated bytes of the per-replication results of a run held in memory."""
    return int(reps) * max(1, int(profiles)) * (BYTES_PER_REP + BYTES_PER_REP_DAY * int(days))


def engine_bytes(chunk: int, profiles: int = 1, days: int = 70) -> int:
    """Estimated working memory of the engine while it runs one chunk of replications."""
    return int(chunk) * max(1, int(profiles)) * ENGINE_BYTES_PER_REP_DAY * int(days)


def check_memory(
    reps: int, profiles: int = 1, days: int = 70, key: str = "reps", chunk: int | None = None
) -> None:
    """Refuse at once a run whose results (and one engine chunk) would not fit in memory.

    ``chunk`` is the number of replications per engine call (default: all of them).
    """
    need = result_bytes(reps, profiles, days)
    need += engine_bytes(reps if chunk is None else min(chunk, reps), profiles, days)
    limit = memory_limit_bytes()
    if need > limit:
        raise UserError(
            "run too large for memory",
            key=key,
            expected=f"memory under {_gib(limit)} (set {MEMORY_ENV} to change; "
            "or use `straitsim sweep`, which stores chunks as it goes)",
            found=f"{reps} replications x {profiles} profile(s) x {days} days need about "
            f"{_gib(need)}",
        )


def check_grid_size(
    n: int, key: str | None = None, limit: int = MAX_GRID_VARIANTS, file: str | None = None
) -> None:
    """Refuse a grid of more than ``limit`` variants, before expanding it."""
    if n > limit:
        raise UserError(
            "grid too large",
            file=file,
            key=key,
            expected=f"at most {limit} variants",
            found=f"{n} variants",
        )


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_out_dir(path: str | os.PathLike[str], key: str = "--out") -> Path:
    """Check, before any work, that ``path`` is (or can be made) a writable folder."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserError(
            "output path is a file", key=key, expected="a folder", found=f"{str(p)!r} is a file"
        )
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(
            "cannot create output folder",
            key=key,
            expected="a path under a folder",
            found=f"{str(probe)!r} is a file",
        )
    try:  # really try: permissions, read-only file systems and /proc all say no here
        tempfile.TemporaryDirectory(prefix=".straitsim-probe-", dir=probe).cleanup()
    except OSError as exc:
        raise UserError(
            "output folder not writable",
            key=key,
            expected="a folder you can write to",
            found=f"{str(probe)!r}: {exc.strerror or exc}",
        ) from None
    return p


def check_out_file(path: str | os.PathLike[str], key: str = "--out") -> Path:
    """Check, before any work, that a file can be written at ``path``."""
    p = Path(path)
    if p.is_dir():
        raise UserError("output path is a folder", key=key, expected="a file path", found=str(p))
    check_out_dir(p.parent if str(p.parent) else ".", key)
    return p
