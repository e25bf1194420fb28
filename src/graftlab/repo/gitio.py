"""Low-level git plumbing: objects, trees, commits and refs.

Everything here writes objects first and moves a ref last, in one atomic ``update-ref``:
a process killed at any moment leaves at most unreferenced objects (which ``git gc``
removes), never a half-written record, and it never touches the working tree or the index.

Objects are written as loose objects by this process (zlib, written to a temporary file
and renamed into place, as git does), so recording a run costs one git process (the ref
update) instead of one per file; repositories that are not plain SHA-1 object stores fall
back to git's own plumbing. Failures become one-line ``GitWriteError``s that say why (disk
full, read-only ``.git``, another writer moved the ref first).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import git

from graftlab.symbolic.errors import GraftError

DEFAULT_IDENTITY = ("graft", "graft@localhost")
ZERO = "0" * 40


class GitWriteError(GraftError):
    """Writing to the repository failed; ``reason`` is short: ``disk full``, ``read-only``,
    ``conflict`` (another writer moved the ref) or ``git``."""

    def __init__(self, message: str, reason: str = "git") -> None:
        super().__init__(message)
        self.reason = reason


def failure(stderr: str) -> tuple[str, str]:
    """(reason, one-line explanation) for git's (or the OS's) error text."""
    text = stderr.strip().removeprefix("stderr:").strip().strip("'").strip()
    low = text.lower()
    if "no space left" in low or "enospc" in low or "disk quota" in low:
        return "disk full", "the disk is full (No space left on device)"
    if "read-only file system" in low:
        return "read-only", "the repository's .git is read-only (Read-only file system)"
    if "permission denied" in low:
        return "read-only", "no permission to write to the repository's .git (Permission denied)"
    if "but expected" in low or "reference already exists" in low or "is at " in low:
        return "conflict", "another process updated the same run record first"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[-1] if lines else "git failed"
    return "git", first.removeprefix("fatal: ").removeprefix("error: ")


def identity_env(repo: git.Repo) -> dict[str, str]:
    """Author/committer variables: the user's git identity, or a neutral fallback."""
    env = dict(os.environ)
    name, email = identity(repo)
    for role in ("AUTHOR", "COMMITTER"):
        env.setdefault(f"GIT_{role}_NAME", str(name))
        env.setdefault(f"GIT_{role}_EMAIL", str(email))
    return env


def identity(repo: git.Repo) -> tuple[str, str]:
    """The configured ``user.name``/``user.email`` (cached per repository object)."""
    cached = getattr(repo, "_graft_identity", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    reader = repo.config_reader()
    try:
        found = (str(reader.get_value("user", "name")), str(reader.get_value("user", "email")))
    except Exception:
        found = DEFAULT_IDENTITY
    repo._graft_identity = found  # type: ignore[attr-defined]
    return found


def _run_git(
    repo: git.Repo, args: list[str], data: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    """A git command in ``repo``; a failure raises a one-line ``GitWriteError``."""
    try:
        proc = subprocess.run(
            ["git", f"--git-dir={repo.git_dir}", *args],
            input=data,
            capture_output=True,
            env=env if env is not None else {**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            check=False,
        )
    except OSError as e:
        reason, line = failure(str(e))
        raise GitWriteError(line, reason) from None
    if proc.returncode != 0:
        reason, line = failure(proc.stderr.decode(errors="replace"))
        raise GitWriteError(line, reason)
    return proc.stdout


class ObjectStore:
    """Writes loose objects of a SHA-1 repository directly (git's own format)."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.objects = Path(
            os.environ.get("GIT_OBJECT_DIRECTORY") or Path(repo.git_dir) / "objects"
        )
        if not self.objects.is_dir():  # a worktree: objects live in the common directory
            self.objects = Path(repo.common_dir) / "objects"
        fmt = _config(repo, "extensions", "objectformat")
        self.native = fmt in (None, "sha1")

    def write(self, kind: str, data: bytes) -> str:
        if not self.native:
            return (
                _run_git(self.repo, ["hash-object", "-w", "-t", kind, "--stdin"], data)
                .decode()
                .strip()
            )
        raw = f"{kind} {len(data)}".encode() + b"\0" + data
        sha = hashlib.sha1(raw).hexdigest()
        folder = self.objects / sha[:2]
        path = folder / sha[2:]
        if path.exists():
            return sha
        try:
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix="tmp_obj_", dir=self.objects)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(zlib.compress(raw, 1))
                os.chmod(tmp, 0o444)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            reason, line = failure(f"{e.strerror or e}")
            raise GitWriteError(line, reason) from None
        return sha


def _config(repo: git.Repo, section: str, key: str) -> str | None:
    try:
        return str(repo.config_reader("repository").get_value(section, key)).lower()
    except Exception:
        return None


def _store(repo: git.Repo) -> ObjectStore:
    store = getattr(repo, "_graft_store", None)
    if store is None:
        store = ObjectStore(repo)
        repo._graft_store = store  # type: ignore[attr-defined]
    return store


def write_blob(repo: git.Repo, data: bytes) -> str:
    """Store bytes as a blob; returns its sha."""
    return _store(repo).write("blob", data)


def write_tree(repo: git.Repo, files: Mapping[str, bytes]) -> str:
    """A tree (with sub-trees) holding ``files`` by slash-separated path; returns its sha."""
    root: dict[str, Any] = {}
    for path, data in files.items():
        parts = path.split("/")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = data
    return _tree(repo, root)


def _tree(repo: git.Repo, node: dict[str, Any]) -> str:
    entries = []
    for name, value in node.items():
        if isinstance(value, dict):
            # git sorts tree entries as if directory names ended with "/"
            entries.append((name.encode() + b"/", b"40000 " + name.encode(), _tree(repo, value)))
        else:
            entries.append((name.encode(), b"100644 " + name.encode(), write_blob(repo, value)))
    entries.sort(key=lambda e: e[0])
    data = b"".join(mode_name + b"\0" + bytes.fromhex(sha) for _k, mode_name, sha in entries)
    return _store(repo).write("tree", data)


def write_commit(
    repo: git.Repo, tree: str, message: str, parents: list[str], when: float | None = None
) -> str:
    """A commit of ``tree`` with ``parents``; returns its sha."""
    env = identity_env(repo)
    now = int(when if when is not None else time.time())
    offset = -time.altzone if time.localtime(now).tm_isdst > 0 else -time.timezone
    tz = f"{'+' if offset >= 0 else '-'}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
    author = f"{env['GIT_AUTHOR_NAME']} <{env['GIT_AUTHOR_EMAIL']}> {now} {tz}"
    committer = f"{env['GIT_COMMITTER_NAME']} <{env['GIT_COMMITTER_EMAIL']}> {now} {tz}"
    lines = [
        f"tree {tree}",
        *(f"parent {p}" for p in parents),
        f"author {author}",
        f"committer {committer}",
        "",
        message.rstrip("\n") + "\n",
    ]
    return _store(repo).write("commit", "\n".join(lines).encode())


def update_ref(repo: git.Repo, ref: str, new: str, old: str | None, message: str = "graft") -> None:
    """Move ``ref`` to ``new`` only if it is still at ``old`` (``None``: only if it is absent).

    The ref keeps a reflog, so no state a run record ever had is lost to an update.
    """
    _run_git(repo, ["update-ref", "--create-reflog", "-m", message, ref, new, old or ZERO])


def update_refs(repo: git.Repo, updates: list[tuple[str, str, str | None]], message: str) -> None:
    """Several compare-and-swap ref updates in one transaction (all or none)."""
    if not updates:
        return
    script = "".join(f"update {ref} {new} {old or ZERO}\n" for ref, new, old in updates)
    _run_git(repo, ["update-ref", "--create-reflog", "-m", message, "--stdin"], script.encode())


def read_blob(repo: git.Repo, rev_path: str) -> bytes:
    """The bytes of ``REV:path``."""
    return repo.git.cat_file(  # type: ignore[no-any-return]
        "blob", rev_path, stdout_as_string=False, strip_newline_in_stdout=False
    )
