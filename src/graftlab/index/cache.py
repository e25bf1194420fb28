"""The index's disk cache: per-file scans keyed by (path, mtime_ns, size), as one JSON file.

Kept at ``<root>/.git/graft/index-cache.json`` in a git repository (never committed, never
seen by ``git status``), else under the user's cache directory. A cache that cannot be read,
is corrupted or was written by another format version is ignored (and rewritten).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from graftlab.index.records import ModuleScan

FORMAT = 4  # bump when the scan's data layout changes


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


class ScanCache:
    """Scans by file, valid while the file's mtime and size are unchanged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        if path is not None:
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        files = data.get("files")
        if isinstance(files, dict):
            self.entries = files

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

    def drop(self, file: str) -> None:
        """Forget a deleted file."""
        if self.entries.pop(file, None) is not None:
            self.dirty = True

    def save(self) -> None:
        """Write the cache (atomically) if anything changed; failures are not fatal."""
        if self.path is None or not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".index-cache-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                # dumps (the C encoder) is several times faster than dump's streaming one.
                f.write(
                    json.dumps({"format": FORMAT, "files": self.entries}, separators=(",", ":"))
                )
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
