"""Run records, stored in git under ``refs/graft/runs/<id>``.

A record is a commit whose tree holds ``run.json`` (status, metrics, environment, error),
the materialized experiment (text and JSON), the experiment file as written, the
uncommitted diff when the tree was dirty, ``metrics.jsonl``, ``log.txt`` and artifacts. Its
first parent is the source commit the run started from, so pushing a run carries the code
that produced it. A run writes a complete "running" record when it starts and replaces it
when it ends, each time with one atomic ref update, so no half record is ever visible.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import git

from graftlab.repo import gitio

REF_PREFIX = "refs/graft/runs/"
HEARTBEAT_SECONDS = 30.0  # how often a running run renews its lease
LEASE_SECONDS = 300.0  # a running record not renewed for this long reads as interrupted
# The order in which a run's states follow each other: a later state never goes back.
RANK = {"running": 0, "interrupted": 1, "succeeded": 2, "failed": 2}


@dataclass
class RunRecord:
    """What is known about one run (``run.json``)."""

    id: str
    experiment: str
    file: str
    status: str = "running"  # running | succeeded | failed (interrupted is derived)
    started: float = 0.0
    ended: float | None = None
    commit: str | None = None
    dirty: bool = False
    overrides: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    env: dict[str, Any] = field(default_factory=dict)
    pid: int = 0
    host: str = ""
    heartbeat: float = 0.0  # when the running process last renewed its lease
    lease: float = 0.0  # seconds after the heartbeat the run counts as alive (0: default)
    source: dict[str, Any] = field(default_factory=dict)  # what was loaded: file -> sha256
    resumes: list[dict[str, Any]] = field(default_factory=list)  # each resume: when, how
    decisions: dict[str, Any] | None = None  # the point of a search space this run tried
    tune: str | None = None  # the tuning run this trial belongs to
    trial: int | None = None

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    @property
    def ref(self) -> str:
        return REF_PREFIX + self.id

    def effective_status(self, now: float | None = None) -> str:
        """``interrupted`` for a run that still says running but is gone.

        A run renews a lease while it runs (``heartbeat``); one whose lease ran out is
        interrupted wherever it ran (another host, a container, a preempted machine). On
        this host the process itself says so at once.
        """
        if self.status != "running":
            return self.status
        if self.host == socket.gethostname() and self.pid:
            return "running" if _alive(self.pid) else "interrupted"
        last = max(self.heartbeat, self.started)
        if (now if now is not None else time.time()) - last > (self.lease or LEASE_SECONDS):
            return "interrupted"
        return "running"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["duration"] = self.duration
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def subject(record: RunRecord) -> str:
    """The commit subject: enough for ``graft ls`` to read every run with one git call."""
    return f"graft run {record.id}: {record.experiment} [{record.status}]"


def write_record(
    repo: git.Repo, record: RunRecord, files: dict[str, bytes], previous: str | None
) -> str:
    """Store ``record`` with ``files``; move its ref from ``previous`` (None: create). Returns the commit."""
    tree_files = dict(files)
    tree_files["run.json"] = (
        json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n"
    ).encode()
    tree = gitio.write_tree(repo, tree_files)
    parents = [previous] if previous else ([record.commit] if record.commit else [])
    message = (
        subject(record)
        + "\n\n"
        + json.dumps(
            {"experiment": record.experiment, "status": record.status, "metrics": record.metrics},
            sort_keys=True,
        )
    )
    commit = gitio.write_commit(repo, tree, message, parents)
    try:
        gitio.update_ref(repo, record.ref, commit, previous, f"graft run: {record.status}")
    except gitio.GitWriteError as e:
        if e.reason == "conflict":
            raise gitio.GitWriteError(
                f"run {record.id}: another process updated this run record first "
                "(nothing was written; `graft runs` shows its state)",
                "conflict",
            ) from None
        raise
    return commit


def list_refs(repo: git.Repo) -> list[tuple[str, str, str]]:
    """(run id, commit sha, subject) for every run, newest first (ids sort by start time)."""
    out = repo.git.for_each_ref(
        REF_PREFIX, "--sort=-refname", "--format=%(refname)%00%(objectname)%00%(contents:subject)"
    )
    rows = []
    for line in out.splitlines():
        ref, sha, subj = line.split("\x00", 2)
        rows.append((ref[len(REF_PREFIX) :], sha, subj))
    return rows


def parse_subject(subj: str) -> tuple[str, str] | None:
    """(experiment, status) from a record's subject."""
    if not subj.startswith("graft run ") or "[" not in subj:
        return None
    rest = subj.split(": ", 1)[1] if ": " in subj else ""
    name, _, status = rest.rpartition(" [")
    return name, status.rstrip("]")


def read_records(repo: git.Repo, ids: list[str] | None = None) -> list[RunRecord]:
    """The records (``run.json``) of the given runs (all by default), newest first, in one git call."""
    refs = list_refs(repo)
    if ids is not None:
        wanted = set(ids)
        refs = [r for r in refs if r[0] in wanted]
    return [r for r in read_at(repo, [sha for _, sha, _ in refs]) if r is not None]


def read_at(repo: git.Repo, commits: list[str]) -> list[RunRecord | None]:
    """The record (``run.json``) stored in each of ``commits`` (``None`` where there is none)."""
    if not commits:
        return []
    request = "".join(f"{sha}:run.json\n" for sha in commits).encode()
    with tempfile.TemporaryFile() as f:
        f.write(request)
        f.seek(0)
        raw = repo.git.execute(
            ["git", "cat-file", "--batch"],
            istream=f,
            stdout_as_string=False,
            strip_newline_in_stdout=False,
        )
    out: list[RunRecord | None] = []
    pos = 0
    for _ in commits:
        nl = raw.index(b"\n", pos)
        header = raw[pos:nl].decode()
        pos = nl + 1
        if header.endswith("missing") or header.endswith("ambiguous"):
            out.append(None)
            continue
        size = int(header.split()[2])
        body = raw[pos : pos + size]
        pos += size + 1
        out.append(RunRecord.from_json(json.loads(body)))
    return out


def resolve_run(repo: git.Repo, prefix: str) -> tuple[str, str]:
    """(run id, commit) of the one run whose id starts with ``prefix``."""
    matches = [(rid, sha) for rid, sha, _ in list_refs(repo) if rid.startswith(prefix)]
    if len(matches) == 1:
        return matches[0]
    from graftlab.symbolic.errors import GraftError

    if not matches:
        raise GraftError(f"no run with id {prefix!r} (graft runs lists them)")
    raise GraftError(f"run id {prefix!r} is ambiguous: {', '.join(m[0] for m in matches[:5])}")


def read_file(repo: git.Repo, commit: str, path: str) -> bytes | None:
    """A file of a run record (``None`` if it has no such file)."""
    try:
        return gitio.read_blob(repo, f"{commit}:{path}")
    except git.GitCommandError:
        return None
