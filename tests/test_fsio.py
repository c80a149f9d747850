"""All-or-nothing writes: fsio.atomic_dir and fsio.atomic_file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from straitsim.fsio import atomic_dir, atomic_file


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p != path)


def test_atomic_dir_moves_every_file_and_keeps_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    (out / "a.json").write_text("stale")
    with atomic_dir(out) as tmp:
        assert tmp.parent == out.parent and tmp != out
        (tmp / "a.json").write_text("new")
        (tmp / "figures").mkdir()
        (tmp / "figures" / "f.png").write_bytes(b"png")
        assert (out / "a.json").read_text() == "stale"  # nothing visible before the end
    assert (out / "a.json").read_text() == "new"
    assert (out / "figures" / "f.png").read_bytes() == b"png"
    assert (out / "old.txt").read_text() == "old"
    assert _siblings(out) == []  # the staging folder is gone


def test_atomic_dir_on_error_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "a.json").write_text("half")
        raise RuntimeError("boom")
    assert not out.exists()
    assert _siblings(out) == []


def test_atomic_dir_moves_the_last_files_last(tmp_path: Path, monkeypatch) -> None:
    order: list[str] = []
    real = os.replace

    def spy(src: str | Path, dst: str | Path) -> None:
        order.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    with atomic_dir(tmp_path / "r", last=["report.html"]) as tmp:
        for name in ("report.html", "a.png", "z.json"):
            (tmp / name).write_text(name)
    assert order == ["a.png", "z.json", "report.html"]


def test_atomic_file(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.txt"
    with atomic_file(target) as tmp:
        tmp.write_text("one")
        assert not target.exists()
    assert target.read_text() == "one"
    with pytest.raises(ValueError), atomic_file(target) as tmp:
        tmp.write_text("two")
        raise ValueError
    assert target.read_text() == "one"
    assert _siblings(target) == []
