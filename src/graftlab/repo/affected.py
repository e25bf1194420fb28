"""Which experiments a change can alter, found from the files alone (nothing is imported).

Review materializes an experiment at both revisions only if one of its inputs changed; an
experiment whose inputs are all the same files at both revisions materializes the same, so
it is left unloaded. The inputs of an experiment file are over-approximated (loading more
than needed costs time, never correctness):

- the file itself and ``graft.toml`` (a changed ``graft.toml`` makes every experiment an
  input of the change);
- its bases: every string in the file that names a file under the experiments folder, and
  those files' inputs in turn;
- the repository's own modules it imports, and theirs, transitively (imports anywhere in a
  module, relative ones resolved);
- the patch modules and theirs, if the file holds a string (a URI) or imports a module from
  outside the repository (patch modules are imported first and may symbolize its classes);
- if the file holds any string (a patch URI, a search space over chains), all of the
  repository's code: a rule named in a URI may come from any module;
- if one of those modules imports dynamically (``importlib``, ``__import__``, ``exec``,
  ``sys.path``, ``__file__``), all of the repository's code;
- if it reaches any module of the repository, every changed file that is not Python (data a
  module may read). Documentation (``.md``, ``.rst``) and dot-folders are nobody's input.

Paths are relative to the repository root (the folder of ``graft.toml``), with ``/``.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from graftlab.io.config import CONFIG_NAME

DOC_SUFFIXES = frozenset({".md", ".rst"})
_DYNAMIC_MODULES = frozenset({"importlib", "pkgutil", "runpy", "imp", "zipimport"})
_DYNAMIC_NAMES = frozenset({"__import__", "exec", "eval", "compile", "__file__", "__path__"})


@dataclass
class _Scan:
    """What a Python file refers to: modules it imports, strings it holds, dynamic imports."""

    imports: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    dynamic: bool = False


def experiment_files(root: Path, experiments: str) -> dict[str, Path]:
    """The experiments of a checkout: name (``a/b`` for ``a/b.py``) -> file; files starting
    with ``_`` and dot-folders are not experiments."""
    d = root / experiments
    if not d.is_dir():
        return {}
    found: list[tuple[str, ...]] = []
    for dirpath, dirnames, filenames in os.walk(d):  # symbolic links to folders not followed
        rel = os.path.relpath(dirpath, d)
        parts = () if rel == "." else tuple(Path(rel).parts)
        dirnames[:] = [x for x in dirnames if not x.startswith(".")]
        found += [(*parts, f) for f in filenames if f.endswith(".py") and not f.startswith("_")]
    found.sort()
    return {"/".join(p)[: -len(".py")]: d.joinpath(*p) for p in found}


_STRING = re.compile(r"""[rRbBuUfF]{0,2}(?:"([^"\n]*)"|'([^'\n]*)')""")
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+([^\n]*)|import[ \t]+([^\n]*))$", re.M
)
_DYNAMIC_WORD = re.compile(
    r"\b(?:__import__|exec|eval|compile|__file__|__path__)\b|\bsys\s*\.\s*path\b"
)
_NOT_SIMPLE = ("\\", '"""', "'''", "#", ";")


def _scan(data: bytes, module: str, is_package: bool) -> _Scan:
    """Imports, strings and dynamic imports of a file: by a line scan when the text is simple
    (no comments, escapes, triple quotes or semicolons: every string is on one line and no
    quote stands outside one), else from its syntax tree."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not any(m in text for m in _NOT_SIMPLE):
        quick = _line_scan(text, module, is_package)
        if quick is not None:
            return quick
    return _tree_scan(data, module, is_package)


def _line_scan(text: str, module: str, is_package: bool) -> _Scan | None:
    out = _Scan()
    for m in _STRING.finditer(text):
        out.strings.add(m.group(1) if m.group(1) is not None else m.group(2))
    for m in _IMPORT.finditer(text):
        if m.group(3) is not None:
            for part in m.group(3).split(","):
                name = part.split(" as ")[0].strip()
                if not name or not all(p.isidentifier() for p in name.split(".")):
                    return None  # not the simple form: let the parser decide
                out.imports.add(name)
            continue
        target, names = m.group(1), m.group(2)
        if "(" in names or ")" in names:
            return None
        base = _absolute(target, module, is_package)
        if base is None:
            continue
        if base:
            out.imports.add(base)
        for part in names.split(","):
            name = part.split(" as ")[0].strip()
            if name == "*":
                continue
            if not name.isidentifier():
                return None
            out.imports.add(f"{base}.{name}" if base else name)
    code = _STRING.sub('""', text)
    out.dynamic = bool(_DYNAMIC_WORD.search(code)) or any(
        m.split(".")[0] in _DYNAMIC_MODULES for m in out.imports
    )
    return out


def _absolute(target: str, module: str, is_package: bool) -> str | None:
    """The module ``from TARGET import`` names (relative targets resolved), or None."""
    level = len(target) - len(target.lstrip("."))
    rest = target[level:]
    if not level:
        return rest
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    up = level - 1
    if up > len(parts):
        return None
    return ".".join(parts[: len(parts) - up] + ([rest] if rest else []))


def _tree_scan(data: bytes, module: str, is_package: bool) -> _Scan:
    out = _Scan()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return out  # it fails to load the same way at both revisions unless it changed
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                out.strings.add(node.value)
        elif isinstance(node, ast.Import):
            out.imports.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute("." * node.level + (node.module or ""), module, is_package)
            if base is None:
                continue
            if base:
                out.imports.add(base)
            out.imports.update(
                f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"
            )
        elif (isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMES) or (
            isinstance(node, ast.Attribute)
            and node.attr == "path"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            out.dynamic = True
    if any(m.split(".")[0] in _DYNAMIC_MODULES for m in out.imports):
        out.dynamic = True
    return out


def _module_files(name: str) -> list[str]:
    """The files that importing ``name`` may run: each package on the way, then the module."""
    parts = name.split(".")
    out = []
    for i in range(1, len(parts) + 1):
        stem = "/".join(parts[:i])
        out += [f"{stem}/__init__.py", f"{stem}.py"]
    return out


def _module_name(path: str) -> tuple[str, bool]:
    p = PurePosixPath(path)
    if p.name == "__init__.py":
        return ".".join(p.parent.parts), True
    return ".".join(p.with_suffix("").parts), False


class _Revision:
    """One checkout's files, scanned on demand (scans shared between revisions by content)."""

    def __init__(self, root: Path, experiments: str, scans: dict[tuple[bytes, str], _Scan]):
        self.root = root
        self.experiments = experiments.strip("/")
        self.scans = scans
        self.seen: dict[str, _Scan | None] = {}
        self.closures: dict[frozenset[str], tuple[set[str], bool]] = {}

    def scan(self, path: str) -> _Scan | None:
        if path in self.seen:
            return self.seen[path]
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            self.seen[path] = None
            return None
        module, is_package = _module_name(path)
        key = (data, path)
        hit = self.scans.get(key)
        if hit is None:
            hit = self.scans[key] = _scan(data, module, is_package)
        self.seen[path] = hit
        return hit

    def closure(self, names: set[str]) -> tuple[set[str], bool]:
        """The repository files that importing ``names`` runs, and whether any imports
        dynamically."""
        key = frozenset(names)
        if key in self.closures:
            return self.closures[key]
        files: set[str] = set()
        dynamic = False
        todo = [f for n in names for f in _module_files(n)]
        while todo:
            f = todo.pop()
            if f in files:
                continue
            files.add(f)
            s = self.scan(f)
            if s is None:
                continue  # not a file of this revision (or not ours): nothing to follow
            dynamic = dynamic or s.dynamic
            todo += [g for n in s.imports for g in _module_files(n)]
        self.closures[key] = files, dynamic
        return files, dynamic

    def foreign(self, names: set[str]) -> bool:
        """Whether some of ``names`` come from outside the repository (and graftlab): the
        patch modules may register (symbolize) such classes."""
        for n in names:
            top = n.split(".")[0]
            if top != "graftlab" and all(self.scan(f) is None for f in _module_files(top)):
                return True
        return False

    def base_files(self, strings: set[str]) -> list[str]:
        """Files under the experiments folder that a string may name as a base."""
        out = []
        for s in strings:
            if not s or len(s) > 300 or "\n" in s or ".." in s or s.startswith("/"):
                continue
            name = s if s.endswith(".py") else f"{s}.py"
            out.append(f"{self.experiments}/{name}")
        return out


def affected(
    roots: list[Path],
    experiments: str,
    patch_modules: tuple[str, ...],
    names: dict[str, str],
    changed: list[str],
) -> set[str] | None:
    """The names of experiments (``names``: name -> file) that the change may alter, or None
    when every experiment may (``graft.toml`` changed). ``roots``: the repository root at
    each revision; ``changed``: the changed files, relative to the root."""
    changed_set = {c for c in changed if not _ignored(c)}
    if CONFIG_NAME in changed_set:
        return None
    exp_files = set(names.values())
    scans: dict[tuple[bytes, str], _Scan] = {}
    out: set[str] = set()
    for root in roots:
        check = _Check(_Revision(root, experiments, scans), changed_set, exp_files)
        check.patch_modules(patch_modules)
        for name, file in names.items():
            if name not in out and (root / file).exists() and check.hit(file):
                out.add(name)
    return out


class _Check:
    """Whether an experiment file's inputs at one revision include a changed file."""

    def __init__(self, rev: _Revision, changed: set[str], exp_files: set[str]) -> None:
        self.rev = rev
        self.changed = changed
        self.code_changed = any(c not in exp_files for c in changed)
        self.data_changed = any(not c.endswith(".py") for c in changed)
        self.patch_hit = False
        self.memo: dict[str, bool] = {}

    def patch_modules(self, names: tuple[str, ...]) -> None:
        files, dynamic = self.rev.closure(set(names))
        self.patch_hit = bool(files & self.changed) or (dynamic and self.code_changed)

    def hit(self, path: str, stack: tuple[str, ...] = ()) -> bool:
        if path in self.memo:
            return self.memo[path]
        if path in self.changed:
            self.memo[path] = True
            return True
        if path in stack:
            return False  # a cycle: the loader reports it the same way at both revisions
        rev = self.rev
        s = rev.scan(path)
        if s is None:
            self.memo[path] = False
            return False
        files, dynamic = rev.closure(s.imports)
        found = (
            (self.patch_hit and (bool(s.strings) or rev.foreign(s.imports)))
            or bool(files & self.changed)
            or ((dynamic or bool(s.strings)) and self.code_changed)
            or (self.data_changed and bool(_existing(rev, files)))
            or any(self.hit(b, (*stack, path)) for b in rev.base_files(s.strings))
        )
        self.memo[path] = found
        return found


def _existing(rev: _Revision, files: set[str]) -> set[str]:
    return {f for f in files if rev.scan(f) is not None}


def _ignored(path: str) -> bool:
    p = PurePosixPath(path)
    return p.suffix.lower() in DOC_SUFFIXES or any(part.startswith(".") for part in p.parts)
