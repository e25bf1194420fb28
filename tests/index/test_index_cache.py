"""The disk cache: unchanged files are not parsed again; changed ones are; bad caches ignored."""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from graftlab.index import Index, parse_count
from graftlab.index.cache import ScanCache, default_cache_file

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


# --- the resolved snapshot: a warm start skips resolution, and only when nothing changed ----

RULE = '\nimport graftlab as gl\n\n@gl.patcher("widen")\ndef widen(net, factor: float = 2.0):\n    return {}\n'
SUB = "from a import A\n\nclass SubA(A):\n    pass\n"


_SEED: list[bytes] = []


def _build(root: Path, cache: Path) -> Index:
    """Build with ``cache``; a new cache starts with the scans of graftlab's own files (keyed
    by their paths, so any workspace can use them): each test parses only its own files."""
    file = cache / "index-cache.json"
    if not file.exists():
        if not _SEED:
            seed = root.parent / "seed"
            seed.mkdir()
            Index.for_workspace(seed, cache_dir=seed / "cache")
            _SEED.append((seed / "cache" / "index-cache.json").read_bytes())
        cache.mkdir(parents=True, exist_ok=True)
        file.write_bytes(_SEED[0])
    return Index.for_workspace(root, cache_dir=cache)


def test_a_warm_start_takes_the_snapshot_and_answers_alike(write: Write, tmp_path: Path) -> None:
    write("a.py", MOD.format(n=1))
    write("sub.py", SUB)
    write("rules.py", RULE)
    write("experiments/base.py", "from a import A\n\nexperiment = A(x=2)\n")
    root, cache = tmp_path / "ws", tmp_path / "cache"
    cold = _build(root, cache)
    warm = _build(root, cache)
    assert (cold.from_snapshot, warm.from_snapshot) == (False, True)
    assert warm.classes == cold.classes and warm.rules == cold.rules
    assert warm.experiments == cold.experiments
    assert [c.qualname for c in warm.subclasses("a.A")] == ["sub.SubA"]
    assert warm.roles_of("sub.SubA") == cold.roles_of("sub.SubA")
    assert warm.resolve("sub", "A") == cold.classes["a.A"]
    assert warm.exports("a") == cold.exports("a")


def test_the_snapshot_is_not_used_after_files_change(write: Write, tmp_path: Path) -> None:
    a = write("a.py", MOD.format(n=1))
    b = write("b.py", MOD.replace("class A", "class B").format(n=2))
    root, cache = tmp_path / "ws", tmp_path / "cache"
    _build(root, cache)
    assert _build(root, cache).from_snapshot
    write("c.py", MOD.replace("class A", "class C").format(n=3))  # added
    ix = _build(root, cache)
    assert not ix.from_snapshot and "c.C" in ix.classes
    b.unlink()  # removed
    ix = _build(root, cache)
    assert not ix.from_snapshot and "b.B" not in ix.classes
    a.write_text(MOD.format(n=77))  # edited (a new mtime even on a coarse clock)
    os.utime(a, ns=(10**9, 10**9))
    ix = _build(root, cache)
    assert not ix.from_snapshot and ix.classes["a.A"].args[0].default == "77"
    again = _build(root, cache)
    assert again.from_snapshot and again.classes == ix.classes
    write("graft.toml", '[graft]\nallowed_modules = ["a"]\n')  # the configuration
    assert not _build(root, cache).from_snapshot


def test_an_update_drops_the_snapshot(write: Write, tmp_path: Path) -> None:
    a = write("a.py", MOD.format(n=1))
    root, cache = tmp_path / "ws", tmp_path / "cache"
    ix = _build(root, cache)
    a.write_text(MOD.format(n=5))
    ix.update([a])
    assert ix.classes["a.A"].args[0].default == "5"
    after = _build(root, cache)
    assert not after.from_snapshot and after.classes["a.A"].args[0].default == "5"


BASE = (
    "import graftlab as gl\n\n@gl.symbolize\nclass Base:\n"
    "    def __init__(self, {arg}: int = 1) -> None:\n        pass\n"
)
MINE = (
    "import graftlab as gl\nfrom extpkg.base import Base\n\n@gl.symbolize\nclass Mine(Base):\n"
    "    def __init__(self, b: int = 2, **kwargs) -> None:\n        super().__init__(**kwargs)\n"
)


def test_the_snapshot_follows_installed_packages(
    write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base class from an installed package (outside the scope): installing, changing or
    removing the package between starts is seen."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    write("mine.py", MINE)
    root, cache = tmp_path / "ws", tmp_path / "cache"

    def args() -> list[str]:
        importlib.invalidate_caches()
        ix = _build(root, cache)
        args.warm = ix.from_snapshot  # type: ignore[attr-defined]
        return [a.name for a in ix.classes["mine.Mine"].args]

    assert args() == ["b"]  # extpkg is not installed
    assert args() == ["b"] and args.warm  # type: ignore[attr-defined]
    (site / "extpkg").mkdir()
    (site / "extpkg" / "__init__.py").write_text("")
    (site / "extpkg" / "base.py").write_text(BASE.format(arg="a"))
    assert args() == ["b", "a"] and not args.warm  # type: ignore[attr-defined]
    assert args() == ["b", "a"] and args.warm  # type: ignore[attr-defined]
    (site / "extpkg" / "base.py").write_text(BASE.format(arg="width"))
    os.utime(site / "extpkg" / "base.py", ns=(10**9, 10**9))
    assert args() == ["b", "width"] and not args.warm  # type: ignore[attr-defined]
    shutil.rmtree(site / "extpkg")
    assert args() == ["b"] and not args.warm  # type: ignore[attr-defined]


def test_a_damaged_snapshot_is_not_trusted(write: Write, tmp_path: Path) -> None:
    write("a.py", MOD.format(n=1))
    root, cache = tmp_path / "ws", tmp_path / "cache"
    cold = _build(root, cache)
    file = cache / "index-cache.json"
    data = json.loads(file.read_text())
    for damage in (
        lambda s: s["classes"]["a.A"].__setitem__(6, "not a list of arguments"),
        lambda s: s["classes"]["a.A"][6][0].__setitem__(3, "yes"),  # required: not a bool
        lambda s: s.__setitem__("outside", {"x": 1}),
        lambda s: s.__setitem__("roles", [1, 2]),
    ):
        damaged = json.loads(json.dumps(data))
        damage(damaged["snapshot"])
        file.write_text(json.dumps(damaged))
        ix = _build(root, cache)
        assert not ix.from_snapshot and ix.classes == cold.classes


def test_a_cache_written_by_other_code_is_ignored(write: Write, tmp_path: Path) -> None:
    """graftlab upgraded, or the index's code edited: scans and snapshot are redone."""
    write("a.py", MOD.format(n=1))
    root, cache = tmp_path / "ws", tmp_path / "cache"
    _build(root, cache)
    file = cache / "index-cache.json"
    data = json.loads(file.read_text())
    scanner = next(f for f in data["code"] if f.endswith("scanner.py"))
    assert ScanCache(file).entries and ScanCache(file).snapshot
    data["code"][scanner] = [1, 2]
    file.write_text(json.dumps(data))
    stale = ScanCache(file)
    assert (stale.entries, stale.experiments, stale.snapshot) == ({}, {}, None)


def test_experiments_are_read_again_only_when_changed(write: Write, tmp_path: Path) -> None:
    write("a.py", MOD.format(n=1))
    write("experiments/base.py", "from a import A\n\nexperiment = A(x=2)\n")
    d = write(
        "experiments/wide.py",
        'from graftlab import Derived\n\nexperiment = Derived(base="base", patches=["p"])\n',
    )
    root, cache = tmp_path / "ws", tmp_path / "cache"
    first = _build(root, cache)
    assert first.experiments["wide"].base == "base"
    data = json.loads((cache / "index-cache.json").read_text())
    assert data["experiments"][str(d.resolve())][2:] == ["base", ["p"]]
    d.write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="other", patches=["q", "r"])\n'
    )
    os.utime(d, ns=(10**9, 10**9))
    second = _build(root, cache)
    assert (second.experiments["wide"].base, second.experiments["wide"].patches) == (
        "other",
        ["q", "r"],
    )


def test_the_collector_is_paused_for_decoding_and_resumed_for_parsing() -> None:
    """Nested pauses are one; parsing runs with the collector as it was (the parser leaves
    cyclic garbage); the state before the pause comes back, an application's choice too."""
    from graftlab.index.workspace import _collector_resumed, collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            with _collector_resumed():
                assert gc.isenabled()
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused(), _collector_resumed():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
