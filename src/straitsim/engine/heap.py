"""Keep freed memory in the process, so each day's arrays do not fault fresh pages in.

Every simulated day allocates the day's state arrays (megabytes each at 10,000 replications)
and frees the day before's. glibc's malloc by default hands such blocks back to the kernel
(blocks above a threshold are mapped on their own, the threshold adapting up to the largest
block freed, and the heap's top is trimmed once twice that is free), so the next day's arrays
fault zeroed pages in again: about 30,000 page faults and a tenth of the time of a
10,000-replication run. Fixed thresholds (:func:`keep_freed_memory`) let malloc reuse the
memory instead; the process then keeps up to :data:`TRIM` bytes of freed heap for later use.
Only the allocator's bookkeeping changes, never a number. Elsewhere than glibc, a no-op;
``STRAITSIM_KEEP_HEAP=0`` turns it off (``1``, the default, on; anything else is refused).
"""

from __future__ import annotations

import ctypes
import os
import sys

from straitsim.errors import UserError

MMAP = 32 << 20  # blocks up to this size come from the heap (glibc's largest setting)
TRIM = 512 << 20  # free heap kept before any is returned to the kernel
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = False


def keep_freed_memory() -> bool:
    """Set glibc's malloc thresholds once per process; return True where they are set."""
    global _done
    raw = os.environ.get("STRAITSIM_KEEP_HEAP", "1")
    if raw.strip() not in ("0", "1"):
        raise UserError(
            "bad STRAITSIM_KEEP_HEAP",
            key="STRAITSIM_KEEP_HEAP",
            expected="0 (off) or 1 (on, the default)",
            found=repr(raw),
        )
    if _done:
        return True
    if not sys.platform.startswith("linux") or raw.strip() == "0":
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM))
    return _done
