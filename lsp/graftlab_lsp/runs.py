"""Failed runs shown in the editor: the error of the last failed run of an experiment, at the
argument (or patch URI) that built the failing object, with the run id."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from graftlab_lsp.service import Diag


class RunErrors:
    """Reads run records from the repository's git refs and maps their errors to files."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._stamp: tuple[Any, ...] | None = None
        self._by_file: dict[Path, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.changed()

    def _git_dir(self) -> Path | None:
        if self.root is None:
            return None
        for d in (self.root, *self.root.parents):
            if (d / ".git").exists():
                return d / ".git"
        return None

    def changed(self) -> bool:
        """Reload the records if the run refs changed since the last look; True if they did."""
        git_dir = self._git_dir()
        if git_dir is None or not git_dir.is_dir():
            return False
        refs = git_dir / "refs" / "graft" / "runs"
        packed = git_dir / "packed-refs"
        stamp = (
            tuple(sorted((p.name, p.stat().st_mtime_ns) for p in refs.iterdir()))
            if refs.is_dir()
            else (),
            packed.stat().st_mtime_ns if packed.exists() else 0,
        )
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self._reload()
        return True

    def _reload(self) -> None:
        try:
            from graftlab.repo.layout import Repo

            repo = Repo(self.root)  # type: ignore[arg-type]
            records = repo.runs()
        except Exception:
            return
        latest: dict[str, Any] = {}
        for r in records:  # newest first
            latest.setdefault(r.experiment, r)
        by_file: dict[Path, dict[str, Any]] = {}
        for r in latest.values():
            if r.status != "failed" or not r.error:
                continue
            err = dict(r.error)
            err["run"] = r.id
            file = err.get("file") or r.file
            by_file[(repo.root / file).resolve()] = err
            # a derived experiment's own file shows it too (the URI may live in another file)
            by_file.setdefault((repo.root / r.file).resolve(), err)
        with self._lock:
            self._by_file = by_file

    def last_error(self, path: Path) -> dict[str, Any] | None:
        with self._lock:
            return self._by_file.get(path.resolve())

    def diagnostics(self, path: Path) -> list[Diag]:
        err = self.last_error(path)
        if err is None or not err.get("line"):
            return []
        if (
            err.get("file")
            and self.root is not None
            and (self.root / err["file"]).resolve() != path.resolve()
        ):
            return []
        line = int(err["line"]) - 1
        col = int(err.get("column", 1)) - 1
        end_line = int(err.get("end_line", err["line"])) - 1
        end_col = int(err.get("end_column", col + 2)) - 1
        where = f" at {err['path']}" if err.get("path") else ""
        return [
            Diag(
                line,
                col,
                end_line,
                max(end_col, col + 1),
                f"run {err['run']} failed{where}: {err.get('type', 'error')}: {err.get('message', '')}",
                severity="error",
                code="run-failed",
                data={"run": err["run"]},
            )
        ]
