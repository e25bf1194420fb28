"""``graft gc``: remove run work folders (``.git/graft/runs/<id>``) nobody needs any more.

A run keeps its checkpoints in a work folder outside the working tree so that ``--resume``
can continue it. The folder of a run that succeeded, or whose record is gone, is useless;
one of a failed or interrupted run is kept for ``--older-than`` days (it may be resumed).
A running run's folder is never touched.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import git

from graftlab.repo import records

DAY = 86400.0


@dataclass(frozen=True)
class Removed:
    """A removed work folder: its run, its size in bytes and why it could go."""

    run_id: str
    size: int
    why: str


def workdirs(repo: git.Repo) -> Path:
    return Path(repo.common_dir) / "graft" / "runs"


def collect(
    repo: git.Repo, older_than_days: float = 7.0, *, dry_run: bool = False, now: float | None = None
) -> list[Removed]:
    """Remove (or with ``dry_run`` list) the work folders that are no longer needed."""
    base = workdirs(repo)
    if not base.is_dir():
        return []
    now = time.time() if now is None else now
    recs = {r.id: r for r in records.read_records(repo)}
    out = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        rec = recs.get(folder.name)
        if rec is None:
            why = "no run record"
        else:
            state = rec.effective_status()
            if state == "running":
                continue
            if state == "succeeded":
                why = "succeeded"
            else:
                last = rec.ended or max(rec.heartbeat, rec.started)
                age = (now - last) / DAY
                if age < older_than_days:
                    continue
                why = f"{state} {age:.0f} days ago"
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        if not dry_run:
            shutil.rmtree(folder, ignore_errors=True)
        out.append(Removed(folder.name, size, why))
    return out
