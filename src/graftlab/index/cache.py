"""The index's disk cache, one JSON file per workspace root: per-file scans and experiment
summaries keyed by (path, mtime_ns, size), and a snapshot of the resolved index.

Kept at ``<root>/.git/graft/index-cache.json`` in a git repository (never committed, never
seen by ``git status``), else under the user's cache directory. JSON, because a file in a
repository's ``.git`` can come from a stranger: reading it must never run code (no pickle).
A cache that cannot be read, is corrupted, was written by another format version or by other
graftlab code (the stamps of graftlab's own modules differ: an upgrade, or an edit of the
index's code in a development checkout) is ignored and rewritten.

The snapshot (the resolved classes, rules and roles) is only as good as its key, which the
index computes from everything resolution reads (see ``graftlab.index.workspace``); the
cache merely stores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from graftlab.index.records import ModuleScan

FORMAT = 5  # bump when the data layout changes
_PACKAGE = Path(__file__).resolve().parents[1]  # graftlab/


def default_cache_file(root: Path, cache_dir: Path | None = None) -> Path:
    """Where the cache of workspace ``root`` lives."""
    if cache_dir is not None:
        return cache_dir / "index-cache.json"
    git = root / ".git"
    if git.is_file():  # a worktree: ".git" names the real git directory
        with contextlib.suppress(OSError):
            text = git.read_text(encoding="utf-8").strip()
            if text.startswith("gitdir:"):
                git = (root / text.partition(":")[2].strip()).resolve()
    if git.is_dir():
        return git / "graft" / "index-cache.json"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
    return base / "graftlab" / "index" / f"{digest}.json"


def stamp(path: Path | str) -> list[int] | None:
    """``[mtime_ns, size]`` of a file, ``None`` when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def code_stamps() -> dict[str, list[int] | None]:
    """Stamps of graftlab's code that decides what the cache holds: every module of the index
    package and every graftlab module loaded now (what scanning and resolution used)."""
    files = {str(p) for p in (_PACKAGE / "index").glob("*.py")}
    for name, module in list(sys.modules.items()):
        if name == "graftlab" or name.startswith("graftlab."):
            f = getattr(module, "__file__", None)
            if isinstance(f, str) and f.endswith(".py"):
                files.add(f)
    return {f: stamp(f) for f in sorted(files)}


def _same_code(recorded: Any) -> bool:
    """Whether the graftlab code that wrote a cache is the code running now."""
    if not isinstance(recorded, dict):
        return False
    here = {str(p) for p in (_PACKAGE / "index").glob("*.py")}
    if not here <= recorded.keys():
        return False
    return all(stamp(f) == s for f, s in recorded.items())


class ScanCache:
    """Scans by file, valid while the file's mtime and size are unchanged; experiment
    summaries likewise; and the last resolved snapshot (see the module doc)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.experiments: dict[str, list[Any]] = {}  # file -> [mtime_ns, size, base, patches]
        self.snapshot: dict[str, Any] | None = None
        self.dirty = False
        if path is not None:
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        if not _same_code(data.get("code")):
            return
        files, experiments, snapshot = (
            data.get("files"),
            data.get("experiments"),
            data.get("snapshot"),
        )
        if isinstance(files, dict):
            self.entries = files
        if isinstance(experiments, dict):
            self.experiments = experiments
        if isinstance(snapshot, dict):
            self.snapshot = snapshot

    def get(self, file: str, mtime_ns: int, size: int, module: str) -> ModuleScan | None:
        """The cached scan of ``file`` if it is still current."""
        e = self.entries.get(file)
        if (
            not isinstance(e, dict)
            or e.get("mtime_ns") != mtime_ns
            or e.get("size") != size
            or e.get("module") != module
        ):
            return None
        try:
            return ModuleScan.from_json(e["scan"])
        except Exception:  # a corrupted entry: scan again
            self.entries.pop(file, None)
            return None

    def put(self, file: str, mtime_ns: int, size: int, scan: ModuleScan) -> None:
        """Remember a fresh scan."""
        self.entries[file] = {
            "mtime_ns": mtime_ns,
            "size": size,
            "module": scan.module,
            "scan": scan.to_json(),
        }
        self.dirty = True

    def experiment(
        self, file: str, mtime_ns: int, size: int
    ) -> tuple[str | None, list[str]] | None:
        """The cached ``(base, patches)`` of an experiment file if it is still current."""
        e = self.experiments.get(file)
        if (
            isinstance(e, list)
            and len(e) == 4
            and e[0] == mtime_ns
            and e[1] == size
            and (e[2] is None or isinstance(e[2], str))
            and isinstance(e[3], list)
            and all(isinstance(p, str) for p in e[3])
        ):
            return e[2], list(e[3])
        return None

    def put_experiment(
        self, file: str, mtime_ns: int, size: int, base: str | None, patches: list[str]
    ) -> None:
        """Remember what an experiment file derives from."""
        self.experiments[file] = [mtime_ns, size, base, list(patches)]
        self.dirty = True

    def set_snapshot(self, snapshot: dict[str, Any] | None) -> None:
        """Replace the resolved snapshot (``None``: forget it)."""
        if snapshot is None and self.snapshot is None:
            return
        self.snapshot = snapshot
        self.dirty = True

    def drop(self, file: str) -> None:
        """Forget a deleted file."""
        if self.entries.pop(file, None) is not None:
            self.dirty = True
        if self.experiments.pop(file, None) is not None:
            self.dirty = True

    def save(self) -> None:
        """Write the cache (atomically) if anything changed; failures are not fatal."""
        if self.path is None or not self.dirty:
            return
        data = {
            "format": FORMAT,
            "code": code_stamps(),
            "files": self.entries,
            "experiments": self.experiments,
            "snapshot": self.snapshot,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".index-cache-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                # dumps (the C encoder) is several times faster than dump's streaming one.
                f.write(json.dumps(data, separators=(",", ":")))
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
