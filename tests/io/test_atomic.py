"""Saving is atomic: a failure leaves the old file intact, no temporary files, same mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import format_classes as fc
import pytest
from format_classes import ALLOWED

import graftlab as gl
from graftlab.io import atomic
from graftlab.io.atomic import atomic_write_bytes, atomic_write_text

OLD = "experiment = 1\n"


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    path = tmp_path / "exp.py"
    path.write_text(OLD, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_save_writes_canonical_text(tmp_path: Path) -> None:
    path = tmp_path / "exp.py"
    exp = fc.Model(layers=[fc.Conv(3)])
    gl.save(exp, path)
    assert path.read_text(encoding="utf-8") == gl.dumps(exp)
    assert gl.eq(gl.load(path, allowed_modules=ALLOWED), exp)
    gl.save(exp, str(path), docstring="Doc.", include_defaults=True)
    assert path.read_text(encoding="utf-8") == gl.dumps(
        exp, docstring="Doc.", include_defaults=True
    )
    assert os.listdir(tmp_path) == ["exp.py"]


def test_save_replaces_and_keeps_the_mode(existing: Path) -> None:
    gl.save(fc.Conv(2), existing)
    assert existing.read_text(encoding="utf-8") == gl.dumps(fc.Conv(2))
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert sorted(os.listdir(existing.parent)) == ["exp.py"]


def test_new_files_get_the_usual_mode(tmp_path: Path) -> None:
    old_mask = os.umask(0o022)
    try:
        gl.save(fc.Conv(2), tmp_path / "new.py")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o644


def test_failure_in_replace_leaves_the_old_file(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        gl.save(fc.Conv(2), existing)
    assert existing.read_text(encoding="utf-8") == OLD
    assert os.listdir(existing.parent) == ["exp.py"]
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640


def test_failure_mid_write_leaves_the_old_file(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise KeyboardInterrupt  # even an interrupt cleans up

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(KeyboardInterrupt):
        gl.save(fc.Conv(2), existing)
    assert existing.read_text(encoding="utf-8") == OLD
    assert os.listdir(existing.parent) == ["exp.py"]


def test_partial_write_is_never_visible(existing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        # while the new text is being written, the target still holds the old text
        seen.append(existing.read_text(encoding="utf-8"))
        real_fsync(fd)
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", spy)
    with pytest.raises(OSError, match="power cut"):
        atomic_write_text(existing, "experiment = 2\n" * 1000)
    assert seen == [OLD]
    assert existing.read_text(encoding="utf-8") == OLD
    assert os.listdir(existing.parent) == ["exp.py"]


def test_unwritable_value_touches_nothing(existing: Path) -> None:
    with pytest.raises(gl.WriteError, match=r"experiment\.value: a object cannot be written"):
        gl.save(fc.Node(value=object()), existing)
    assert existing.read_text(encoding="utf-8") == OLD
    assert os.listdir(existing.parent) == ["exp.py"]
    with pytest.raises(gl.WriteError):
        gl.save([b"bytes"], existing.parent / "new.py")
    assert os.listdir(existing.parent) == ["exp.py"]


def test_temporary_file_is_in_the_same_directory(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moves: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        moves.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_bytes(existing, b"x = 1\n")
    [(src, dst)] = moves
    assert Path(src).parent == existing.parent
    assert Path(src).name.startswith(".exp.py.") and src.endswith(".tmp")
    assert dst == str(existing)
    assert existing.read_bytes() == b"x = 1\n"


def test_text_is_utf8(tmp_path: Path) -> None:
    path = tmp_path / "u.py"
    atomic_write_text(path, 'x = "é🙂"\n')
    assert path.read_bytes() == 'x = "é🙂"\n'.encode()


def test_missing_directory_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "nope" / "x.py", "x = 1\n")
    assert os.listdir(tmp_path) == []


def test_umask_is_restored() -> None:
    old = os.umask(0o027)
    try:
        assert atomic._umask() == 0o027
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(old)


def test_sync_flushes_to_disk_unless_told_not_to(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    atomic_write_bytes(existing, b"x = 1\n")
    assert len(synced) == 1
    atomic_write_bytes(existing, b"x = 2\n", sync=False)  # graft annotate's writes
    assert len(synced) == 1
    assert existing.read_bytes() == b"x = 2\n"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert os.listdir(existing.parent) == ["exp.py"]
