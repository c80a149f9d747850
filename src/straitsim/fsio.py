"""Write files all or nothing: stage them in a temporary sibling, then rename into place.

The bottom layer of the package (it imports nothing from straitsim), so every layer that
writes output files uses these two helpers instead of its own copy of the pattern:

- :func:`atomic_file` for one file: write to a temporary file beside it, then rename it
  over the target in one step, so a reader sees the old file or the new one, never half.
- :func:`atomic_dir` for a folder of outputs: write them into a temporary folder beside
  ``out``; when the block finishes, each file is renamed into ``out`` (files already in
  ``out`` that were not written stay). If the block raises, nothing in ``out`` changes and
  the temporary folder is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    Parameters
    ----------
    path
        The file to write. Its folder is created if missing.

    Yields
    ------
    Path
        Where to write the file's content. On error it is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_dir(out: str | Path, last: Sequence[str] = ()) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success move every file in it into ``out``.

    Parameters
    ----------
    out
        The output folder; created (with its parents) if missing.
    last
        Paths (relative to ``out``) to move after all the others, e.g. an HTML page that
        links to the figures, so that a reader who finds it also finds what it links to.

    Yields
    ------
    Path
        The staging folder; write the outputs there under their final relative paths.
    """
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield staging
        files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        late = {Path(x) for x in last}
        files = [f for f in files if f not in late] + [f for f in files if f in late]
        target.mkdir(parents=True, exist_ok=True)
        for rel in files:
            dst = target / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
