"""What every output document says about the software that made it.

The lowest layer of the package: it imports nothing from straitsim, so every layer may
use it. ``SCHEMA_VERSION`` versions the JSON documents the analyses write (docs/json.md).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("straitsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

SCHEMA_VERSION = 1
