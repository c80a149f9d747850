"""The allocator setting the campaign applies (straitsim.engine.heap): once, harmless."""

from __future__ import annotations

import platform
import sys

import pytest

from straitsim.engine import heap


def test_keep_freed_memory_is_set_once_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRAITSIM_KEEP_HEAP", raising=False)
    first = heap.keep_freed_memory()
    assert heap.keep_freed_memory() is first  # idempotent
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert first


def test_keep_freed_memory_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setenv("STRAITSIM_KEEP_HEAP", "0")
    assert heap.keep_freed_memory() is False


@pytest.mark.parametrize("value", ["nan", "yes", "2", ""])
def test_a_bad_setting_is_refused_naming_the_variable(monkeypatch, value) -> None:
    from straitsim.errors import UserError

    monkeypatch.setenv("STRAITSIM_KEEP_HEAP", value)
    with pytest.raises(UserError, match="STRAITSIM_KEEP_HEAP"):
        heap.keep_freed_memory()
