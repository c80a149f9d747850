"""The ``straitsim`` command line: thin wrappers that parse, call the Python API and print.

Each command group lives in its own module and registers itself on :data:`app`.
User errors print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import sys

from straitsim.cli.app import app, main

# Command modules register themselves on import (keep one line per module).
from straitsim.cli import run as _run  # noqa: E402,F401
from straitsim.cli import invest as _invest  # noqa: E402,F401
from straitsim.cli import results as _results, sensitivity as _sensitivity, sweep as _sweep  # noqa: E402,F401
from straitsim.cli import roles as _roles  # noqa: E402,F401
from straitsim.cli import deter as _deter  # noqa: E402,F401
from straitsim.cli import validate as _validate  # noqa: E402,F401
from straitsim.cli import serve as _serve, report as _report  # noqa: E402,F401
from straitsim.cli import worlds as _worlds, discover as _discover  # noqa: E402,F401
from straitsim.cli import outlook as _outlook  # noqa: E402,F401

__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
