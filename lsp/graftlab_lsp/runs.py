"""Failed runs shown in the editor: the error of the last failed run of an experiment, at the
argument (or patch URI) that built the failing object, with the run id."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from graftlab_lsp.lazy import LazyModule
from graftlab_lsp.model import Diag

anchors = LazyModule("graftlab_lsp.anchors")  # the parser: loaded once a run is shown


class RunErrors:
    """Reads run records from the repository's git refs and maps their errors to files."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._stamp: tuple[Any, ...] | None = None
        self._by_file: dict[Path, dict[str, Any]] = {}
        self._latest: dict[Path, dict[str, Any]] = {}  # the newest run of each file
        self._lock = threading.Lock()
        # Records are read by the server's poller (``changed``), never during ``initialize``:
        # reading them imports GitPython, which would delay the first answer.

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
        first = self._stamp is None
        self._stamp = stamp
        self._reload()
        # The first look only matters if there are records to show: republishing every open
        # document a second after start, for nothing, would publish a version twice.
        return not first or bool(self._latest)

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
        newest: dict[Path, dict[str, Any]] = {}
        for r in latest.values():
            newest[(repo.root / r.file).resolve()] = {
                "id": r.id,
                "experiment": r.experiment,
                "status": r.status,
                "started": r.started,
                "ended": r.ended,
                "metrics": dict(r.metrics),
                "error": dict(r.error) if r.error else None,
            }
            if r.status != "failed" or not r.error:
                continue
            err = dict(r.error)
            err["run"] = r.id
            err["ran"] = r.file
            # Shown in the file that ran, never in a base that only supplied the value.
            by_file[(repo.root / r.file).resolve()] = err
        with self._lock:
            self._by_file = by_file
            self._latest = newest

    def last_run(self, path: Path) -> dict[str, Any] | None:
        """A summary of the newest run of the experiment in ``path`` (any status), or None."""
        with self._lock:
            return self._latest.get(path.resolve())

    def last_error(self, path: Path) -> dict[str, Any] | None:
        with self._lock:
            return self._by_file.get(path.resolve())

    def _base_position(self, text: str, path: str) -> list[tuple[str, int, int, str]]:
        """Where the base experiment of a derived ``text`` writes the object at ``path``."""
        base = anchors.base_name(text)
        if base is None or self.root is None:
            return []
        file = (self.root / "experiments" / base).with_suffix(".py")
        try:
            base_text = file.read_text(encoding="utf-8")
        except OSError:
            return []
        span = anchors.keypath_span(base_text, path)
        if span is None:
            return []
        return [(str(file), span[0], span[1], f"the failing object is built here (base {base!r})")]

    def diagnostics(
        self, path: Path, text: str | None = None, derived: dict[str, Any] | None = None
    ) -> list[Diag]:
        """The last failed run of the experiment in ``path``, placed in its current text.

        Where it goes, first that applies: the patch URI that wrote the failing value (the
        record's, or the check's provenance for the key path), with the base position as
        related information; the object at the key path in the current text (so it follows
        edits); the recorded position when the error is in this file; the experiment's name.
        """
        err = self.last_error(path)
        if err is None:
            return []
        where = f" at {err['path']}" if err.get("path") else ""
        message = (
            f"run {err['run']} failed{where}: {err.get('type', 'error')}: {err.get('message', '')}"
        )
        related: list[tuple[str, int, int, str]] = []
        recorded_here = False
        if err.get("file") and err.get("line") and self.root is not None:
            file = (self.root / err["file"]).resolve()
            recorded_here = file == path.resolve()
            if not recorded_here:
                related.append(
                    (
                        str(file),
                        int(err["line"]) - 1,
                        max(0, int(err.get("column", 1)) - 1),
                        "the failing object was written here (a base experiment)",
                    )
                )
        if not related and text is not None and err.get("path") is not None:
            related = self._base_position(text, str(err["path"]))
        span = None
        if text is not None:
            uri = err.get("uri") or _uri_for(err.get("path"), derived)
            if uri:
                span = anchors.uri_span(text, uri)
            if span is None and err.get("path") is not None and (recorded_here or not related):
                span = anchors.keypath_span(text, str(err["path"]))
            if span is None and not recorded_here:
                span = anchors.name_span(text, "experiment")
        if span is None and recorded_here and err.get("line"):
            line = int(err["line"]) - 1
            col = int(err.get("column", 1)) - 1
            end_line = int(err.get("end_line", err["line"])) - 1
            end_col = int(err.get("end_column", col + 2)) - 1
            span = (line, col, end_line, max(end_col, col + 1))
        if span is None:
            return []
        line, col, end_line, end_col = span
        return [
            Diag(
                line,
                col,
                end_line,
                end_col,
                message,
                severity="error",
                code="run-failed",
                data={"run": err["run"]},
                related=related,
            )
        ]


def _uri_for(path: str | None, derived: dict[str, Any] | None) -> str | None:
    """The URI of the chain that wrote the value at ``path`` (or inside it, or above it)."""
    if path is None or not derived:
        return None
    written: dict[str, Any] = derived.get("provenance", {})
    if path in written:
        return str(written[path].get("uri"))
    below = [p for p in written if p.startswith(path + ".") or p.startswith(path + "[")]
    if below:
        return str(written[sorted(below)[0]].get("uri"))
    above = [p for p in written if path.startswith(p + ".") or path.startswith(p + "[") or not p]
    if above:
        return str(written[max(above, key=len)].get("uri"))
    return None
