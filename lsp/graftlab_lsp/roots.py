"""One state per graftlab root (the folder of a ``graft.toml``): its index, worker and runs.

A document belongs to the root of the nearest ``graft.toml`` above it, else to the
workspace folder that holds it: a monorepo with repositories in subfolders, or an editor
window with several folders, gets one index per repository. A root is trusted (its worker
runs the loader, which imports the repository's modules) only when the server was told so;
a restricted root has no worker and nothing of it is imported.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graftlab.io.config import CONFIG_NAME
from graftlab_lsp import cancel
from graftlab_lsp.runs import RunErrors
from graftlab_lsp.service import LanguageService
from graftlab_lsp.worker_client import WorkerClient

log = logging.getLogger("graftlab_lsp")


def nearest_root(path: Path, folders: list[Path]) -> Path | None:
    """The folder of the nearest ``graft.toml`` at or above ``path`` (not above every
    workspace folder that holds it), else the innermost workspace folder holding it."""
    holding = [f for f in folders if path == f or f in path.parents]
    stop = min(holding, key=lambda f: len(f.parts)) if holding else None
    for d in path.parents if not path.is_dir() else (path, *path.parents):
        if (d / CONFIG_NAME).is_file():
            return d
        if stop is not None and d == stop:
            break
    if holding:
        return max(holding, key=lambda f: len(f.parts))
    return None


class Root:
    """The index, worker and run records of one root."""

    def __init__(
        self,
        path: Path | None,
        trusted: bool,
        on_ready: Callable[[Root], None] | None = None,
    ) -> None:
        self.path = path
        self.trusted = trusted
        self.index: Any = None
        self.service = LanguageService(None)
        self.worker: WorkerClient | None = WorkerClient(path) if trusted else None
        self.runs = RunErrors(path)
        self.ready = threading.Event()
        self._on_ready = on_ready
        self.stamps: dict[Path, int] = {}  # what the index was built from (see ``poll``)
        self.started = False

    def start(self) -> None:
        """Start building the index in a thread (once; later calls do nothing)."""
        if self.started:
            return
        self.started = True
        threading.Thread(target=self._build, daemon=True, name=f"index {self.path}").start()

    def _build(self) -> None:
        try:
            from graftlab.index import Index
            from graftlab.index.workspace import collector_paused

            if self.path is not None:
                # One pause of the collector over the build and the freeze below: the new
                # index's objects are never walked (see ``collector_paused``).
                with collector_paused():
                    self.index = Index.for_workspace(self.path)
                    self.service.index = self.index
                    self.stamps = self.watched_stamps()
                    # The index is long-lived: keep the collector from walking it on every
                    # full collection (those paused requests by tens of milliseconds). A
                    # build that parsed files leaves garbage to collect first; one from the
                    # cache leaves next to none.
                    if self.index.stats.get("parsed"):
                        gc.collect()
                    gc.freeze()
        except Exception as e:  # a broken workspace must not stop the server
            log.exception("index build failed for %s: %s", self.path, e)
        finally:
            self.ready.set()
            if self._on_ready is not None:
                try:
                    self._on_ready(self)
                except Exception:
                    log.exception("after the index of %s was built", self.path)

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for the index (at most ``timeout``); a cancelled request stops waiting."""
        cancel.wait(self.ready, timeout)

    def code_changed(self, paths: list[Path]) -> None:
        """Files changed on disk: update the index; restart the worker for code changes."""
        if self.index is not None:
            try:
                self.index.update(paths)
            except Exception:
                log.exception("index update failed")
        if self.worker is not None and any(p.suffix in (".py", ".toml") for p in paths):
            self.worker.restart()  # the worker re-imports changed modules

    def watched_stamps(self) -> dict[Path, int]:
        """Modification times of what the index depends on: its files, their folders (a new
        file changes its folder's), the experiments and ``graft.toml``."""
        out: dict[Path, int] = {}
        if self.path is None:
            return out
        paths: set[Path] = {self.path / CONFIG_NAME, self.path}
        index = self.index
        if index is not None:
            files = list(getattr(index, "_files", {}))
            paths.update(files)
            paths.update(p.parent for p in files if p.is_relative_to(self.path))
            exp = index.config.experiments_dir or self.path / "experiments"
            paths.add(exp)
            if exp.is_dir():
                paths.update(exp.glob("*.py"))
        for p in paths:
            try:
                out[p] = p.stat().st_mtime_ns
            except OSError:
                out[p] = -1
        return out

    def poll(self) -> list[Path]:
        """What changed on disk since the last look (for clients that cannot watch files):
        changed files, and the Python files of folders whose listing changed."""
        if not self.ready.is_set() or self.index is None:
            return []
        before, now = self.stamps, self.watched_stamps()
        self.stamps = now
        changed = [p for p in now.keys() | before.keys() if now.get(p) != before.get(p)]
        out: list[Path] = []
        for p in changed:
            if p.is_dir():
                out += [c for c in p.glob("*.py") if c not in before]
            else:
                out.append(p)
        return out

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
