"""Sharing run records: ``graft push`` and ``graft pull`` with a merge rule.

A run's record only moves forward. ``pull`` fetches the remote's records into
``refs/graft/incoming/<remote>/`` and merges each into ``refs/graft/runs/<id>``:

* absent here, or the remote's record descends from ours: take it (fast-forward);
* ours descends from the remote's: keep ours (the remote is behind);
* both changed (diverged): the later state wins — running < interrupted < finished
  (succeeded or failed) — and a merge commit (the winner's files, both records as parents)
  keeps the other side reachable, so the next push is a fast-forward;
* both changed to the same state: a conflict; ours is kept, theirs stays at the incoming
  ref, and the conflict is reported.

Nothing is ever rewound, and every run ref keeps a reflog. ``push`` never forces: a record
that changed on the remote since the last pull is refused with one line saying to pull.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

import git

from graftlab.repo import gitio, records
from graftlab.symbolic.errors import GraftError

INCOMING = "refs/graft/incoming/"


@dataclass
class PullReport:
    """What a pull did to each run record."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # diverged, the later state won
    kept: list[str] = field(default_factory=list)  # ours is ahead or won
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # id, ours, theirs


def _git(repo: git.Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", f"--git-dir={repo.git_dir}", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        check=False,
    )


def _refs(repo: git.Repo, prefix: str) -> dict[str, str]:
    out = _git(repo, "for-each-ref", "--format=%(refname) %(objectname)", prefix).stdout
    return {
        ref[len(prefix) :]: sha for ref, sha in (line.split() for line in out.splitlines() if line)
    }


def _is_ancestor(repo: git.Repo, a: str, b: str) -> bool:
    return _git(repo, "merge-base", "--is-ancestor", a, b).returncode == 0


def _slug(remote: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", remote).strip("._") or "remote"


def rank(record: records.RunRecord | None) -> int:
    """How far a record's run got: running 0, interrupted 1, finished 2."""
    if record is None:
        return -1
    return records.RANK.get(record.effective_status(), 0)


def _fetch(repo: git.Repo, remote: str, command: str) -> tuple[dict[str, str], dict[str, str]]:
    """Fetch ``remote``'s run records into ``refs/graft/incoming/<remote>/``; returns our
    records and theirs (run id -> commit). A failed fetch says which ``graft`` command."""
    staging = f"{INCOMING}{_slug(remote)}/"
    proc = _git(
        repo,
        "fetch",
        "--quiet",
        "--prune",
        "--no-write-fetch-head",
        remote,
        f"+{records.REF_PREFIX}*:{staging}*",
    )
    if proc.returncode != 0:
        raise GraftError(f"graft {command} {remote}: {gitio.failure(proc.stderr)[1]}")
    return _refs(repo, records.REF_PREFIX), _refs(repo, staging)


def pull(repo: git.Repo, remote: str) -> PullReport:
    """Fetch ``remote``'s run records and merge them into ours (see the module docstring)."""
    ours, theirs = _fetch(repo, remote, "pull")
    report = PullReport()
    updates: list[tuple[str, str, str | None]] = []
    diverged: list[str] = []
    for rid, sha in sorted(theirs.items()):
        mine = ours.get(rid)
        if mine is None:
            updates.append((records.REF_PREFIX + rid, sha, None))
            report.new.append(rid)
        elif mine == sha:
            continue
        elif _is_ancestor(repo, mine, sha):
            updates.append((records.REF_PREFIX + rid, sha, mine))
            report.updated.append(rid)
        elif _is_ancestor(repo, sha, mine):
            report.kept.append(rid)
        else:
            diverged.append(rid)
    if diverged:
        states = records.read_at(repo, [c for rid in diverged for c in (ours[rid], theirs[rid])])
        for i, rid in enumerate(diverged):
            mine_rec, their_rec = states[2 * i], states[2 * i + 1]
            a, b = rank(mine_rec), rank(their_rec)
            if a == b:
                report.conflicts.append((rid, _state(mine_rec), _state(their_rec)))
                continue
            winner, loser = (ours[rid], theirs[rid]) if a > b else (theirs[rid], ours[rid])
            merged = _merge_commit(repo, winner, loser)
            updates.append((records.REF_PREFIX + rid, merged, ours[rid]))
            (report.merged if b > a else report.kept).append(rid)
    try:
        gitio.update_refs(repo, updates, f"graft pull {remote}")
    except gitio.GitWriteError as e:
        raise GraftError(f"graft pull {remote}: {e} (run graft pull again)") from None
    return report


def _state(record: records.RunRecord | None) -> str:
    return record.effective_status() if record is not None else "unreadable"


def _merge_commit(repo: git.Repo, winner: str, loser: str) -> str:
    """A commit with the winner's record and both histories as parents (nothing rewound)."""
    body = _git(repo, "cat-file", "commit", winner).stdout
    header, _, message = body.partition("\n\n")
    tree = header.splitlines()[0].split()[1]
    return gitio.write_commit(
        repo, tree, message.rstrip("\n") + f"\n\nGraft-Merged: {loser}\n", [winner, loser]
    )


def push(repo: git.Repo, remote: str) -> list[str]:
    """Push the run records the remote lacks or has older (never forced); returns the ids
    whose record changed on the remote since the last pull (those need a pull first)."""
    ours, theirs = _fetch(repo, remote, "push")
    send, rejected = [], []
    for rid, sha in sorted(ours.items()):
        there = theirs.get(rid)
        if there is None or _is_ancestor(repo, there, sha):
            if there != sha:
                send.append(rid)
        elif not _is_ancestor(repo, sha, there):  # diverged: a pull merges it first
            rejected.append(rid)
    if send:
        specs = [f"{records.REF_PREFIX}{rid}:{records.REF_PREFIX}{rid}" for rid in send]
        proc = _git(repo, "push", "--porcelain", remote, *specs)
        for line in proc.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0] == "!" and parts[1].startswith(records.REF_PREFIX):
                rejected.append(parts[1].split(":", 1)[0][len(records.REF_PREFIX) :])
        if proc.returncode != 0 and not rejected:
            raise GraftError(f"graft push {remote}: {gitio.failure(proc.stderr)[1]}")
    return sorted(set(rejected))
