"""Running the codemod over files: discovery, parallelism, diffs and atomic writes."""

from __future__ import annotations

import concurrent.futures
import difflib
import io
import os
import sys
import time
import tokenize
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from graftlab.annotate.codemod import annotate_source
from graftlab.annotate.errors import AnnotateError, UsageError
from graftlab.annotate.report import FileResult, Report
from graftlab.annotate.selection import AnnotateConfig
from graftlab.io.atomic import atomic_write_bytes

Mode = Literal["write", "diff", "check"]
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
#: Below this many files, worker processes cost more than they save.
SEQUENTIAL_BELOW = 8


def discover(paths: Sequence[str], config: AnnotateConfig) -> list[str]:
    """Expand files and directories into the sorted list of ``.py`` files to process.

    Directories are walked recursively, skipping hidden directories, ``__pycache__`` and
    virtual environments; ``exclude_paths`` globs apply to walked files. A path that does not
    exist is a :class:`UsageError`.
    """
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if not os.path.exists(given):
            raise UsageError(f"no such file or directory: {given}")
        if os.path.isfile(given):
            candidates: Iterable[str] = [given]
        else:
            candidates = _walk(given, config)
        for path in candidates:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                found.append(path)
    return sorted(found)


def _walk(root: str, config: AnnotateConfig) -> Iterable[str]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
            and not config.path_excluded(os.path.join(directory, d))
        )
        for name in filenames:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                if not config.path_excluded(path):
                    yield path


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path``'s content atomically (``graftlab.io.atomic``, without a disk sync):
    the file mode is preserved; a symbolic link is followed and its target replaced."""
    atomic_write_bytes(os.path.realpath(path), data, sync=False)


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A unified diff of two versions of a file (``a/`` and ``b/`` prefixed, like git)."""
    lines = difflib.unified_diff(
        _decode(before).splitlines(keepends=True),
        _decode(after).splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def process_file(path: str, config: AnnotateConfig, mode: Mode) -> FileResult:
    """Annotate one file: write it (``write``), or compute its diff (``diff``), or neither."""
    result = FileResult(path)
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        outcome = annotate_source(source, config, path)
    except AnnotateError as exc:
        result.error = exc.to_dict()
        return result
    except OSError as exc:
        result.error = AnnotateError(f"cannot read: {exc.strerror}", path).to_dict()
        return result
    result.annotations = outcome.annotations
    result.skips = outcome.skips
    result.changed = outcome.changed
    if not outcome.changed:
        return result
    if mode == "diff":
        result.diff = unified_diff(path, source, outcome.code)
    elif mode == "write":
        try:
            atomic_write(path, outcome.code)
            result.written = True
        except OSError as exc:
            result.error = AnnotateError(f"cannot write: {exc.strerror}", path).to_dict()
    return result


def _process_star(item: tuple[str, AnnotateConfig, Mode]) -> FileResult:
    return process_file(*item)


def run(
    paths: Sequence[str],
    config: AnnotateConfig,
    mode: Mode = "write",
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Annotate every Python file under ``paths`` and return the report.

    ``jobs`` worker processes are used (default: one per CPU); runs stay sequential for one
    job or a handful of files. ``progress(done, total)`` is called after each file.
    """
    start = time.perf_counter()
    files = discover(paths, config)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    results: list[FileResult] = []
    total = len(files)
    if jobs == 1 or total < SEQUENTIAL_BELOW:
        for path in files:
            results.append(process_file(path, config, mode))
            if progress is not None:
                progress(len(results), total)
    else:
        items = [(path, config, mode) for path in files]
        chunksize = max(1, min(16, total // (jobs * 4)))
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
            for result in pool.map(_process_star, items, chunksize=chunksize):
                results.append(result)
                if progress is not None:
                    progress(len(results), total)
    return Report(results, time.perf_counter() - start, mode)


def stderr_is_tty() -> bool:
    """Tell whether a progress bar makes sense (stderr is a terminal)."""
    return sys.stderr.isatty()
