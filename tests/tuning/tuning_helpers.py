"""Helpers of the tuning tests: reading records and processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tune_toy_repo import git, graft_env

from graftlab.tuning.worker import PROCESS_NAME


def run_subjects(root: Path) -> list[str]:
    out = git(root, "for-each-ref", "refs/graft/runs/", "--format=%(contents:subject)")
    return [line for line in out.splitlines() if line]


def processes() -> Iterator[tuple[int, list[str], str, str]]:
    """Every process (/proc): pid, the fields of its ``stat`` after the name, its name and
    its command line (arguments joined by spaces)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        yield int(entry.name), stat.rsplit(")", 1)[1].split(), name, cmd


def children_of(pid: int) -> list[int]:
    """The tune workers among the children of ``pid``: forked ones by their process name,
    started ones by their command line."""
    return [
        p
        for p, fields, name, cmd in processes()
        if int(fields[1]) == pid and (name == PROCESS_NAME or "graftlab.tuning.worker" in cmd)
    ]


def session_processes(sid: int) -> list[tuple[int, str]]:
    """The processes of session ``sid``, with their command lines."""
    return [(p, cmd) for p, fields, _, cmd in processes() if int(fields[3]) == sid]


def start_graft(root: Path, *args: str) -> subprocess.Popen[str]:
    """The real ``graft`` command, started in ``root`` with its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=root,
        env=graft_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
