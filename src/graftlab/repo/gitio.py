"""Low-level git plumbing through GitPython: objects, trees, commits and refs.

Everything here writes objects first and moves a ref last, in one atomic ``update-ref``:
a process killed at any moment leaves at most unreferenced objects (which ``git gc``
removes), never a half-written record, and it never touches the working tree or the index.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

import git

DEFAULT_IDENTITY = ("graft", "graft@localhost")


def identity_env(repo: git.Repo) -> dict[str, str]:
    """Author/committer variables: the user's git identity, or a neutral fallback."""
    env = dict(os.environ)
    reader = repo.config_reader()
    try:
        name = reader.get_value("user", "name")
        email = reader.get_value("user", "email")
    except Exception:
        name, email = DEFAULT_IDENTITY
    for role in ("AUTHOR", "COMMITTER"):
        env.setdefault(f"GIT_{role}_NAME", str(name))
        env.setdefault(f"GIT_{role}_EMAIL", str(email))
    return env


def _git_stdin(repo: git.Repo, data: bytes, *args: str) -> str:
    """Run a git plumbing command with ``data`` on its standard input."""
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        f.seek(0)
        return str(repo.git.execute(["git", *args], istream=f)).strip()


def write_blob(repo: git.Repo, data: bytes) -> str:
    """Store bytes as a blob; returns its sha."""
    return _git_stdin(repo, data, "hash-object", "-w", "--stdin")


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
    lines = []
    for name in sorted(node):
        value = node[name]
        if isinstance(value, dict):
            lines.append(f"040000 tree {_tree(repo, value)}\t{name}")
        else:
            lines.append(f"100644 blob {write_blob(repo, value)}\t{name}")
    text = ("\n".join(lines) + "\n").encode() if lines else b""
    return _git_stdin(repo, text, "mktree")


def write_commit(repo: git.Repo, tree: str, message: str, parents: list[str]) -> str:
    """A commit of ``tree`` with ``parents``; returns its sha."""
    args: list[str] = [tree]
    for p in parents:
        args += ["-p", p]
    args += ["-m", message]
    return str(repo.git.commit_tree(*args, env=identity_env(repo)))


def update_ref(repo: git.Repo, ref: str, new: str, old: str | None) -> None:
    """Move ``ref`` to ``new`` only if it is still at ``old`` (``None``: only if it is absent)."""
    repo.git.update_ref(ref, new, old if old is not None else "0" * 40)


def read_blob(repo: git.Repo, rev_path: str) -> bytes:
    """The bytes of ``REV:path``."""
    return repo.git.cat_file(  # type: ignore[no-any-return]
        "blob", rev_path, stdout_as_string=False, strip_newline_in_stdout=False
    )
