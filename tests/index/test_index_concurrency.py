"""Index updates on one thread while requests read it on others: never a half-updated index."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graftlab.index import Index

Write = Callable[[str, str], Path]

BASE = """
import graftlab as gl


@gl.symbolize
class Base:
    def __init__(self, width: int = 1) -> None:
        self.width = width
"""

# Two versions of one module: each defines a different subclass of Base.
VERSIONS = [
    "from team.base import Base\n\n\nclass Alpha(Base):\n    pass\n",
    "from team.base import Base\n\n\nclass Beta(Base):\n    pass\n",
]


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads often, so that readers land inside an update's every step."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def test_reads_during_updates_see_a_whole_index(
    write: Write, tmp_path: Path, fast_switching: None
) -> None:
    write("graft.toml", '[graft]\nallowed_modules = ["team"]\n')
    write("team/__init__.py", "")
    write("team/base.py", BASE)
    for i in range(6):
        write(f"team/extra{i}.py", f"X{i} = {i}\n")
    mod = write("team/mod.py", VERSIONS[0])
    config = tmp_path / "ws" / "graft.toml"
    ix = Index.for_workspace(tmp_path / "ws", cache_dir=tmp_path / "cache")
    modules = ix.module_names()
    assert "team.mod" in modules and "team.extra5" in modules

    stop = threading.Event()
    seen: list[str] = []  # what the readers observed that a whole index never shows
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                s = ix.snapshot()  # one request: its questions answered from one state
                names = s.module_names()
                if names != modules:
                    seen.append(f"module_names: {names}")
                subs = [i.qualname for i in s.subclasses("team.base.Base")]
                if len(subs) != 1:
                    seen.append(f"subclasses: {subs}")
                for q in subs:
                    short = q.rpartition(".")[2]
                    if s.resolve("team.mod", short) is None:
                        seen.append(f"resolve(team.mod, {short}) is None beside {subs}")
                exported = set(s.exports("team.mod")) - {"Base"}
                if len(exported) != 1:
                    seen.append(f"exports: {sorted(exported)}")
            except Exception as e:  # a KeyError from a half-replaced table, say
                seen.append(f"{type(e).__name__}: {e}")
            reads[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(24):
            mod.write_text(VERSIONS[(i + 1) % 2], encoding="utf-8")
            ix.update([mod])
            if i % 8 == 0:  # a graft.toml change rebuilds everything
                config.write_text(config.read_text() + "\n", encoding="utf-8")
                ix.update([config])
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert reads[0] > 24
    assert seen == []
    assert [i.qualname for i in ix.subclasses("team.base.Base")] == ["team.mod.Alpha"]


def test_concurrent_updates_run_one_at_a_time(write: Write, tmp_path: Path) -> None:
    write("graft.toml", '[graft]\nallowed_modules = ["team"]\n')
    write("team/__init__.py", "")
    write("team/base.py", BASE)
    paths = [write(f"team/sub{i}.py", VERSIONS[0].replace("Alpha", f"S{i}")) for i in range(8)]
    ix = Index.for_workspace(tmp_path / "ws", cache_dir=tmp_path / "cache")
    for p in paths:
        p.write_text(VERSIONS[1].replace("Beta", f"T{p.stem}"), encoding="utf-8")
    errors: list[BaseException] = []

    def one(p: Path) -> None:
        try:
            ix.update([p])
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=one, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    # No update lost another's file: every new class is there, no old one is.
    subs = sorted(i.qualname.rpartition(".")[2] for i in ix.subclasses("team.base.Base"))
    assert subs == sorted(f"Tsub{i}" for i in range(8))
