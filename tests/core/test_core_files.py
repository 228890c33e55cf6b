"""Atomic writes: complete files only, no temporary files left, ordinary permissions."""
import os
import stat

import pytest

from teachflow.core.files import atomic_write, write_files


def test_atomic_write_text_and_bytes_leave_nothing_else(tmp_path):
    p = tmp_path / "sub" / "log.csv"
    os.makedirs(p.parent)
    atomic_write(p, "a,b\n1,2\n")
    assert p.read_text() == "a,b\n1,2\n"
    atomic_write(p, b"new")
    assert p.read_bytes() == b"new"
    assert os.listdir(p.parent) == ["log.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o666 & ~umask  # not mkstemp's private 0600


def test_write_files_replaces_all_or_none(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    write_files({a: b"1", b: b"1"})
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # a's backup and a are in place; b's backup fails
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_files({a: b"2", b: b"2"})
    monkeypatch.undo()
    assert (a.read_bytes(), b.read_bytes()) == (b"1", b"1")
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]
