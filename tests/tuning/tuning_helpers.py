"""Helpers of the tuning tests: reading records and processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tune_toy_repo import git

from graftlab.tuning.worker import PROCESS_NAME


def run_subjects(root: Path) -> list[str]:
    out = git(root, "for-each-ref", "refs/graft/runs/", "--format=%(contents:subject)")
    return [line for line in out.splitlines() if line]


def children_of(pid: int) -> list[int]:
    """The tune workers among the children of ``pid`` (/proc): forked ones by their process
    name, started ones by their command line."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if ppid == pid and (name == PROCESS_NAME or "graftlab.tuning.worker" in cmdline):
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def tune_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])
