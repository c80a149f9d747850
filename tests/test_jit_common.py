"""The compiled kernels' shared helpers (straitsim.engine.jit.common)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from straitsim.engine.jit import common  # noqa: E402


def test_pack_puts_values_side_by_side_and_reuses_them() -> None:
    sampled = np.arange(6.0).reshape(1, 6)  # a sampled value's (1, R)
    out = common.pack((0.5, sampled, 2), 2, 6)
    assert out.shape == (2, 6, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out[..., 0], 0.5)
    np.testing.assert_array_equal(out[..., 1], np.broadcast_to(sampled, (2, 6)))
    np.testing.assert_array_equal(out[..., 2], 2.0)
    assert common.pack((0.5, sampled, 2), 2, 6) is out  # the same values: made once
    other = sampled.copy()
    assert common.pack((0.5, other, 2), 2, 6) is not out  # another array: packed anew


def test_pack_keeps_only_the_latest_packs() -> None:
    for i in range(common._PACKED_MAX + 3):
        common.pack((float(i),), 1, 4)
    assert len(common._PACKED) <= common._PACKED_MAX
