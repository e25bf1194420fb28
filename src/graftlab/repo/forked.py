"""Snapshots of several checkouts at once, each in a forked copy of this process.

A fresh ``python -m graftlab.repo.snapshot`` per revision starts Python and imports graftlab
each time (about a quarter of a second of CPU each). ``graft review`` instead imports the
snapshot code once and forks one child per revision: each child starts from a process that
has imported no code of the repository, puts its own checkout first on ``sys.path`` (and
drops the working tree from it), imports that revision's modules and rules, and writes its
snapshot to a file. Where ``fork`` is missing, or this process has already imported code of
the repository (so a child would see it instead of the revision's), the caller falls back to
fresh processes.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from graftlab.symbolic.errors import GraftError

# Libraries that run threads of their own (not in ``threading``): forking after importing
# them can deadlock the child.
_THREADED = ("jax", "torch", "tensorflow", "ray", "optuna")


def usable(worktree: Path) -> bool:
    """Whether forking gives each child a clean start: ``fork`` exists, only one thread
    runs (and no library that starts its own), and no module of the repository's working
    tree is imported here."""
    if not hasattr(os, "fork") or sys.platform == "win32":
        return False
    import threading

    if threading.active_count() > 1 or any(m in sys.modules for m in _THREADED):
        return False
    top = str(worktree.resolve()) + os.sep
    installed = tuple(
        str(Path(p).resolve()) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}
    )
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name.split(".")[0] in ("graftlab", "graftlab_lsp"):
            continue
        file = os.path.abspath(file)
        if (
            file.startswith(top)
            and not file.startswith(installed)  # a virtual environment inside the repository
            and "site-packages" not in file
        ):
            return False
    return True


def snapshots(
    jobs: list[tuple[Path, list[str] | None, str | None]], worktree: Path, *extra: Path
) -> list[dict[str, Any]]:
    """``(checkout, names or None, label)`` -> each checkout's snapshot, computed at once;
    ``worktree`` and ``extra`` (the repository root) are taken off the children's path."""
    from graftlab.repo import snapshot  # imported before forking: the children share it

    with tempfile.TemporaryDirectory(prefix="graft-snap-") as tmp:
        pids = []
        for i, (directory, only, _label) in enumerate(jobs):
            out, err = Path(tmp) / f"{i}.json", Path(tmp) / f"{i}.err"
            pid = os.fork()
            if pid == 0:  # the child: never returns
                _child(snapshot, directory, only, out, err, worktree, extra)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        results = []
        for i, ((directory, _only, label), code) in enumerate(zip(jobs, codes, strict=True)):
            if code != 0:
                text = (Path(tmp) / f"{i}.err").read_text(errors="replace").strip()
                last = (text.splitlines() or ["the snapshot process failed"])[-1]
                last = last.replace(str(directory) + "/", "").replace(str(directory), ".")
                raise GraftError(f"cannot read the experiments of {label or directory}: {last}")
            results.append(json.loads((Path(tmp) / f"{i}.json").read_text()))
        return results


def _child(
    snapshot: Any,
    directory: Path,
    only: list[str] | None,
    out: Path,
    err: Path,
    worktree: Path,
    extra: tuple[Path, ...],
) -> None:
    code = 1
    try:
        with open(err, "w") as stderr:
            sys.stderr = stderr
            try:
                # the working tree's top and the repository root (``python -m`` puts the
                # current folder first), not the folders below them (a .venv may live there)
                drop = {"", os.getcwd()}
                for folder in (worktree, *extra):
                    drop |= {str(folder), str(folder.resolve())}
                os.chdir(directory)
                sys.path[:] = [str(directory), *(p for p in sys.path if p not in drop)]
                root = directory.resolve()
                text = snapshot.scrub_text(json.dumps(snapshot.take(root, only=only)), root)
                out.write_text(text)
                code = 0
            except BaseException:  # the parent reports the last line
                traceback.print_exc(file=stderr)
            stderr.flush()
    finally:
        os._exit(code)
