"""Array backend selection: NumPy on the CPU, CuPy on a GPU, behind one namespace ``xp``."""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.errors import UserError


def array_module(device: str) -> Any:
    """Return the array namespace for ``device``: NumPy on ``cpu``, CuPy on ``gpu``."""
    if device == "cpu":
        return np
    if device != "gpu":
        raise UserError("unknown device", key="device", expected="cpu or gpu", found=repr(device))
    try:
        import cupy  # optional heavy dependency: the `gpu` extra
    except ImportError:
        raise UserError(
            "the GPU needs CuPy",
            key="device",
            expected="`pip install straitsim[gpu]` (or the cupy package for your CUDA) and a GPU",
            found="no cupy module",
        ) from None
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA runtime errors have no common public base class
        raise UserError(
            "no usable GPU", key="device", expected="a CUDA GPU", found=str(exc)
        ) from None
    return cupy
