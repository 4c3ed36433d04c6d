"""Whole-or-nothing writes and folder swaps (ner/files.py); zips and staging folders are in test_public.py."""

from __future__ import annotations

import os

import pytest

from ner import files
from ner.files import atomic_write, replace_dir


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- atomic_write -------------------------------------------------------------------------


def test_atomic_write_writes_text_as_utf8_and_bytes_as_they_are(tmp_path):
    atomic_write(tmp_path / "a.txt", "El niño tose.\n")
    atomic_write(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "El niño tose.\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert _names(tmp_path) == ["a.txt", "b.bin"]  # no temporary file left


def test_atomic_write_replaces_a_file_and_gives_plain_open_permissions(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "a.txt").write_text("old")
    atomic_write(tmp_path / "a.txt", "new")
    assert (tmp_path / "a.txt").read_text() == "new"
    assert (tmp_path / "a.txt").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode
    assert _names(tmp_path) == ["a.txt", "plain.txt"]


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(tmp_path / "a.txt", "new")
    monkeypatch.undo()
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "a.txt", 12)  # type: ignore[arg-type]
    assert (tmp_path / "a.txt").read_text() == "old"
    assert _names(tmp_path) == ["a.txt"]


def test_atomic_write_into_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "a.txt", "x")
    assert _names(tmp_path) == []


# --- replace_dir --------------------------------------------------------------------------


def _folder(path, **contents):
    path.mkdir()
    for name, text in contents.items():
        (path / name).write_text(text)
    return path


def test_replace_dir_renames_into_an_absent_target(tmp_path):
    new = _folder(tmp_path / ".new", model="nuevo")
    replace_dir(new, tmp_path / "out")
    assert (tmp_path / "out" / "model").read_text() == "nuevo"
    assert _names(tmp_path) == ["out"]


@pytest.mark.parametrize("old", [{"model": "viejo", "extra": "x"}, {}], ids=["full", "empty"])
def test_replace_dir_replaces_an_existing_target_and_removes_the_old_one(tmp_path, old):
    _folder(tmp_path / "out", **old)
    new = _folder(tmp_path / ".new", model="nuevo")
    replace_dir(new, tmp_path / "out")
    assert _names(tmp_path / "out") == ["model"]
    assert (tmp_path / "out" / "model").read_text() == "nuevo"
    assert _names(tmp_path) == ["out"]  # neither the old folder nor its hiding place is left


def test_replace_dir_replaces_a_file(tmp_path):
    (tmp_path / "out").write_text("a file in the way")
    replace_dir(_folder(tmp_path / ".new", model="nuevo"), tmp_path / "out")
    assert (tmp_path / "out" / "model").read_text() == "nuevo"
    assert _names(tmp_path) == ["out"]


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    _folder(tmp_path / "out", model="viejo")
    new = _folder(tmp_path / ".new", model="nuevo")
    real_replace = os.replace

    def refuse_new(src, dst):
        if os.fspath(src) == os.fspath(new):
            raise OSError("rename refused")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", refuse_new)
    with pytest.raises(OSError, match="rename refused"):
        replace_dir(new, tmp_path / "out")
    assert (tmp_path / "out" / "model").read_text() == "viejo"
    assert (new / "model").read_text() == "nuevo"  # left for the caller to remove
    assert _names(tmp_path) == [".new", "out"]
