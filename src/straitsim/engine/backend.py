"""Array backend selection: NumPy on the CPU, CuPy on a GPU, behind one namespace ``xp``.

Devices: ``cpu`` (NumPy, the reference), ``numba`` (NumPy arrays, with the costliest daily
steps compiled by numba: :mod:`straitsim.engine.jit`; same model, same random numbers) and
``gpu`` (CuPy).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from straitsim.errors import UserError

DEVICES = ("cpu", "numba", "gpu")


def array_module(device: str) -> Any:
    """Return the array namespace for ``device``: NumPy on ``cpu`` and ``numba``, CuPy on ``gpu``.

    Raises a :class:`~straitsim.errors.UserError` when the device is unknown or unusable here
    (numba or CuPy not installed, no GPU).
    """
    if device == "cpu":
        return np
    if device == "numba":
        check_numba()
        return np
    if device != "gpu":
        raise UserError(
            "unknown device", key="device", expected="cpu, numba or gpu", found=repr(device)
        )
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


def check_numba() -> None:
    """Raise a clear :class:`~straitsim.errors.UserError` when numba cannot be imported."""
    try:
        import numba  # optional heavy dependency: the `fast` extra
    except ImportError:
        raise UserError(
            "the numba device needs numba",
            key="device",
            expected="`pip install straitsim[fast]`",
            found="no numba module",
        ) from None
    del numba
