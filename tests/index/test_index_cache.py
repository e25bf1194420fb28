"""The disk cache: unchanged files are not parsed again; changed ones are; bad caches ignored."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from graftlab.index import Index, parse_count
from graftlab.index.cache import default_cache_file

Write = Callable[[str, str], Path]

MOD = "import graftlab as gl\n\n@gl.symbolize\nclass A:\n    def __init__(self, x: int = {n}) -> None:\n        pass\n"


def test_second_build_reads_the_cache(write: Write, tmp_path: Path) -> None:
    write("a.py", MOD.format(n=1))
    write("b.py", MOD.replace("class A", "class B").format(n=2))
    cache = tmp_path / "cache"
    first = Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    assert first.stats["parsed"] > 0 and (cache / "index-cache.json").is_file()
    parses = parse_count()
    second = Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    assert parse_count() == parses
    assert second.stats == {"parsed": 0, "cached": first.stats["parsed"] + first.stats["cached"]}
    assert second.classes == first.classes


def test_a_changed_file_is_scanned_again(write: Write, tmp_path: Path) -> None:
    a = write("a.py", MOD.format(n=1))
    write("b.py", MOD.replace("class A", "class B").format(n=2))
    cache = tmp_path / "cache"
    Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    a.write_text(MOD.format(n=12345))
    os.utime(a, ns=(10**9, 10**9))
    parses = parse_count()
    ix = Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    assert parse_count() == parses + 1
    assert ix.stats["parsed"] == 1
    assert ix.classes["a.A"].args[0].default == "12345"


def test_a_corrupted_cache_is_ignored(write: Write, tmp_path: Path) -> None:
    write("a.py", MOD.format(n=1))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "index-cache.json").write_text("{not json")
    ix = Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    assert ix.classes["a.A"].args[0].default == "1"
    data = json.loads((cache / "index-cache.json").read_text())
    assert data["format"] >= 1
    # A well-formed file whose entries are garbage: scanned again, not fatal.
    key = str((tmp_path / "ws" / "a.py").resolve())
    data["files"][key]["scan"] = {"bogus": True}
    (cache / "index-cache.json").write_text(json.dumps(data))
    again = Index.for_workspace(tmp_path / "ws", cache_dir=cache)
    assert again.classes["a.A"].args[0].default == "1"


def test_cache_location(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert default_cache_file(repo) == repo / ".git" / "graft" / "index-cache.json"
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "graftlab" in default_cache_file(plain).parts
    assert default_cache_file(plain, tmp_path / "c") == tmp_path / "c" / "index-cache.json"
