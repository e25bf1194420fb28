"""The ``Index`` of a workspace: what to scan, building, incremental updates, queries.

Scope: every module under the workspace root (``src/`` layouts understood; hidden
directories, virtual environments, build outputs and the experiments directory left out),
the ``allowed_modules`` and ``patch_modules`` of ``graft.toml`` wherever they are installed,
and graftlab itself. Installed packages are found with ``importlib.util.find_spec`` of their
top-level name only, which locates files without importing them. Modules outside the scope
that a class needs (a base class, a class symbolized from outside) are scanned on demand.
Nothing is ever imported or executed.

Concurrency: one update at a time (a lock), and readers never lock: every update builds a
new ``_View`` (files, resolver, infos, experiments) aside and publishes it with a single
assignment, so a request served while a watcher-triggered update runs sees the index
wholly before or wholly after it, never half of each.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import hashlib
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graftlab.index import roles as rolesmod
from graftlab.index import snapshot as snap
from graftlab.index.cache import ScanCache, default_cache_file, stamp
from graftlab.index.model import ClassInfo, ExperimentInfo, RuleInfo
from graftlab.index.records import ModuleScan
from graftlab.index.resolve import Resolver, build_infos
from graftlab.io.config import CONFIG_NAME, GraftConfig, load_config
from graftlab.symbolic.registry import module_allowed

_SKIP_DIRS = {
    "__pycache__",
    "node_modules",
    "site-packages",
    "venv",
    "env",
    "build",
    "dist",
}
_MAX_OUTSIDE = 400
# graftlab's own modules that define no components for experiments (the command line's
# demo classes among them): left out, so completion never offers a second ``Conv``
_INTERNAL = ("graftlab.cli",)


def _internal(module: str) -> bool:
    return any(
        module == p or module.startswith(p + ".") for p in _INTERNAL
    )  # modules scanned on demand from outside the scope, at most


@dataclass
class _File:
    """An in-scope source file."""

    path: Path
    module: str
    is_package: bool
    scan: ModuleScan | None = None
    mtime_ns: int = 0
    size: int = -1


def _identifier_parts(parts: Iterable[str]) -> bool:
    return all(p.isidentifier() for p in parts)


def _module_of(rel: Path, prefix: str = "") -> tuple[str, bool] | None:
    """The module name of a file at ``rel`` under a directory holding package ``prefix``."""
    parts = list(rel.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if not _identifier_parts(parts):
        return None
    parts = [*prefix.split("."), *parts] if prefix else parts
    if not parts:
        return None
    return ".".join(parts), is_package


@dataclass(frozen=True)
class _View:
    """One consistent state of the index: built aside by an update, then published whole."""

    config: GraftConfig
    files: dict[Path, _File] = field(default_factory=dict)
    resolver: Resolver | None = None
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    experiments: dict[str, ExperimentInfo] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # file -> why it could not be scanned
    problems: list[str] = field(default_factory=list)  # classes or rules not resolved
    below: dict[str, list[str]] = field(default_factory=dict)
    declared_roles: dict[str, rolesmod.RoleTable] = field(default_factory=dict)
    role_vocabulary: dict[str, tuple[list[str], str]] = field(default_factory=dict)


class Index:
    """The static schema index of a workspace (see the module doc)."""

    def __init__(self, root: Path, config: GraftConfig, cache: ScanCache) -> None:
        self.root = root
        self._cache = cache
        self._lock = threading.RLock()  # held by the one writer (updates, on-demand scans)
        self._view = _View(config)  # what readers see; replaced whole, never mutated
        self.stats = {"parsed": 0, "cached": 0}
        self.from_snapshot = False  # the last full build took the resolved cache's snapshot
        self._errors: dict[str, str] = {}  # the writer's copy of ``errors``
        self._roots: list[tuple[Path, str]] = []  # (directory, module prefix) of the scope
        self._outside: dict[str, ModuleScan | None] = {}
        self._specs: dict[str, tuple[Path, bool] | None] = {}

    # --- the published view (read without locking) ---------------------------------------------

    def snapshot(self) -> Index:
        """A read-only ``Index`` pinned to the current view: a request that asks several
        questions gets answers from one state even if an update lands meanwhile."""
        pinned = copy.copy(self)
        pinned._view = self._view
        return pinned

    @property
    def config(self) -> GraftConfig:
        return self._view.config

    @property
    def allowed_modules(self) -> tuple[str, ...]:
        return self._view.config.all_allowed

    @property
    def classes(self) -> dict[str, ClassInfo]:
        return self._view.classes

    @property
    def rules(self) -> dict[str, RuleInfo]:
        return self._view.rules

    @property
    def experiments(self) -> dict[str, ExperimentInfo]:
        return self._view.experiments

    @property
    def errors(self) -> dict[str, str]:
        return self._view.errors

    @property
    def problems(self) -> list[str]:
        return self._view.problems

    @property
    def role_vocabulary(self) -> dict[str, tuple[list[str], str]]:
        """Role -> (its arguments, its doc)."""
        return self._view.role_vocabulary

    @property
    def _files(self) -> dict[Path, _File]:
        return self._view.files

    @property
    def _resolver(self) -> Resolver | None:
        return self._view.resolver

    # --- building ----------------------------------------------------------------------------

    @classmethod
    def for_workspace(cls, root: Path, *, cache_dir: Path | None = None) -> Index:
        """Scan a workspace (the folder of ``graft.toml``, or any folder), using the cache."""
        root = Path(root).resolve()
        config_file = root / CONFIG_NAME
        config = load_config(config_file) if config_file.is_file() else GraftConfig(root=root)
        with collector_paused():
            index = cls(root, config, ScanCache(default_cache_file(root, cache_dir)))
            with index._lock:
                index._build(config)
        return index

    def _build(self, config: GraftConfig) -> None:
        self._outside = {}
        self._errors = {}
        files: dict[Path, _File] = {}
        for path, (module, is_package) in self._discover(config).items():
            f = _File(path, module, is_package)
            self._scan(f)
            files[path] = f
        experiments: dict[str, ExperimentInfo] = {}
        self._load_experiments(config, experiments)
        key = self._snapshot_key(config, files)
        self.from_snapshot = self._publish_snapshot(config, files, experiments, key)
        if not self.from_snapshot:
            self._publish(config, files, experiments)
            self._cache.set_snapshot(self._take_snapshot(key))
        self._cache.save()

    # --- the resolved snapshot: a warm start without schema resolution -----------------------

    def _snapshot_key(self, config: GraftConfig, files: dict[Path, _File]) -> str:
        """A digest of what resolution reads besides graftlab's code (which the cache checks)
        and the modules loaded from outside the scope (which the snapshot lists): every file
        in scope with its stamp, in discovery order, ``graft.toml`` and graftlab's role table.

        A file scanned from an unsaved buffer has no stamp (0, -1), so a view that includes
        one never matches the disk.
        """
        own = self._locate("graftlab.ml.roles")
        data = [
            str(self.root),
            [[str(p), f.module, f.is_package, f.mtime_ns, f.size] for p, f in files.items()],
            config.raw,
            [str(own[0]), stamp(own[0])] if own is not None else None,
        ]
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _take_snapshot(self, key: str) -> dict[str, object]:
        """The published view's resolved part, for the cache."""
        v = self._view
        outside = []
        for module in self._outside:  # in the order they were loaded
            located = self._locate(module)
            path = located[0] if located is not None else None
            outside.append([module, str(path) if path else None, stamp(path) if path else None])
        return {
            "key": key,
            "outside": outside,
            "classes": {q: snap.encode_class(c) for q, c in v.classes.items()},
            "rules": {n: snap.encode_rule(r) for n, r in v.rules.items()},
            "problems": list(v.problems),
            "below": v.below,
            "roles": v.declared_roles,
        }

    def _publish_snapshot(
        self,
        config: GraftConfig,
        files: dict[Path, _File],
        experiments: dict[str, ExperimentInfo],
        key: str,
    ) -> bool:
        """Publish the cached snapshot if it was resolved from exactly these inputs: the same
        key, and every module it loaded from outside the scope still found at the same place
        with the same stamp (an installed or upgraded package invalidates it)."""
        data = self._cache.snapshot
        if not isinstance(data, dict) or data.get("key") != key:
            return False
        try:
            outside = data["outside"]
            if type(outside) is not list:
                raise snap.SnapshotError("index snapshot: outside: expected a list")
            for row in outside:
                if type(row) is not list or len(row) != 3 or type(row[0]) is not str:
                    raise snap.SnapshotError("index snapshot: outside: expected rows of 3")
                located = self._locate(row[0])
                path = str(located[0]) if located is not None else None
                if path != row[1] or (path is not None and stamp(path) != row[2]):
                    return False
            if type(data["classes"]) is not dict or type(data["rules"]) is not dict:
                raise snap.SnapshotError("index snapshot: expected tables of classes and rules")
            classes = {q: snap.decode_class(c) for q, c in data["classes"].items()}
            rules = {n: snap.decode_rule(r) for n, r in data["rules"].items()}
            problems = snap.decode_lists({"": data["problems"]}, "problems")[""]
            below = snap.decode_lists(data["below"], "subclasses")
            declared = snap.decode_roles(data["roles"])
        except (snap.SnapshotError, KeyError, TypeError, ValueError):
            return False
        modules = {f.module: f.scan for f in files.values() if f.scan is not None}
        resolver = Resolver(dict(modules), self._load_outside)
        for row in outside:  # the same modules from outside the scope, in the same order
            resolver.module(row[0], demand=True)
        self._view = _View(
            config,
            files,
            resolver,
            classes,
            rules,
            experiments,
            dict(self._errors),
            problems,
            below,
            declared,
            rolesmod.vocabulary(config.raw),
        )
        return True

    def _experiments_dir(self, config: GraftConfig | None = None) -> Path:
        config = config or self._view.config
        return config.experiments_dir or self.root / "experiments"

    def _walk(self, top: Path, prefix: str, out: dict[Path, tuple[str, bool]], skip: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            dirnames[:] = [
                d
                for d in dirnames
                if not d.startswith(".")
                and d not in _SKIP_DIRS
                and not d.endswith(".egg-info")
                and (here / d).resolve() != skip
                and not (here / d / "pyvenv.cfg").exists()
            ]
            for name in filenames:
                if not name.endswith(".py"):
                    continue
                path = here / name
                mod = _module_of(path.relative_to(top), prefix)
                if mod is not None:
                    out.setdefault(path, mod)

    def _discover(self, config: GraftConfig) -> dict[Path, tuple[str, bool]]:
        out: dict[Path, tuple[str, bool]] = {}
        skip = self._experiments_dir(config).resolve()
        self._roots = []
        src = self.root / "src"
        if src.is_dir() and not (src / "__init__.py").exists():
            self._roots.append((src, ""))
            self._walk(src, "", out, skip)
        # A workspace that is itself a package: its modules are named from the outermost one.
        top, prefix = self.root, ""
        while (top / "__init__.py").is_file() and top.name.isidentifier():
            prefix = f"{top.name}.{prefix}" if prefix else top.name
            top = top.parent
        self._roots.append((self.root, prefix))
        self._walk(self.root, prefix, out, skip)
        found = {m for m, _ in out.values()}
        wanted = dict.fromkeys((*config.all_allowed, *config.patch_modules))
        for name in wanted:
            if any(m == name or m.startswith(name + ".") for m in found):
                continue
            located = self._locate_top(name.partition(".")[0])
            if located is None:
                continue
            path, is_package = located
            top = name.partition(".")[0]
            if is_package:
                self._roots.append((path.parent, top))  # files under it: top.<rel>
                sub = path.parent.joinpath(*name.split(".")[1:])
                # The package's own __init__ chain carries re-exports; then the subtree.
                for k in range(1, len(name.split("."))):
                    init = path.parent.joinpath(*name.split(".")[1:k], "__init__.py")
                    if init.is_file():
                        out.setdefault(init, (".".join(name.split(".")[:k]), True))
                if sub.is_dir():
                    prefix = name
                    self._walk(sub, prefix, out, skip)
                elif sub.with_suffix(".py").is_file():
                    out.setdefault(sub.with_suffix(".py"), (name, False))
            elif "." not in name:
                self._roots.append((path.parent, ""))
                out.setdefault(path, (name, False))
            found = {m for m, _ in out.values()}
        # One file per module name: the first found (workspace before installed copies).
        seen: set[str] = set()
        unique: dict[Path, tuple[str, bool]] = {}
        for path, (module, is_package) in out.items():
            if module in seen or _internal(module):
                continue
            seen.add(module)
            unique[path] = (module, is_package)
        return unique

    def _locate_top(self, top: str) -> tuple[Path, bool] | None:
        """The file of a top-level module: ``(path of __init__.py or module.py, is_package)``.

        ``find_spec`` of a top-level name runs the import system's finders only; the module
        itself is not imported (``find_spec`` of a dotted name would import its parents).
        """
        if top in self._specs:
            return self._specs[top]
        result: tuple[Path, bool] | None = None
        for base in (self.root, self.root / "src"):
            if (base / top / "__init__.py").is_file():
                result = (base / top / "__init__.py", True)
                break
            if (base / f"{top}.py").is_file():
                result = (base / f"{top}.py", False)
                break
        if result is None and top not in sys.stdlib_module_names:
            try:
                spec = importlib.util.find_spec(top)
            except (ImportError, ValueError, AttributeError):
                spec = None
            if spec is not None:
                locations = list(spec.submodule_search_locations or [])
                if spec.origin and spec.origin.endswith(".py"):
                    result = (Path(spec.origin), bool(locations))
                elif locations:  # a namespace package
                    result = (Path(locations[0]) / "__init__.py", True)
        self._specs[top] = result
        return result

    def _locate(self, module: str) -> tuple[Path, bool] | None:
        parts = module.split(".")
        top = self._locate_top(parts[0])
        if top is None:
            return None
        path, is_package = top
        if len(parts) == 1:
            return (path, is_package) if path.is_file() else None
        if not is_package:
            return None
        base = path.parent.joinpath(*parts[1:])
        if (base / "__init__.py").is_file():
            return base / "__init__.py", True
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py"), False
        return None

    def _load_outside(self, module: str) -> ModuleScan | None:
        """Scan a module outside the scope on demand (a base class's, a re-export's)."""
        with self._lock:
            return self._load_outside_locked(module)

    def _load_outside_locked(self, module: str) -> ModuleScan | None:
        if module in self._outside:
            return self._outside[module]
        scan = None
        if len(self._outside) < _MAX_OUTSIDE:
            located = self._locate(module)
            if located is not None:
                f = _File(located[0], module, located[1])
                self._scan(f)
                scan = f.scan if f.scan is not None and f.scan.error is None else None
        self._outside[module] = scan
        return scan

    def _scan(self, f: _File, text: str | None = None) -> None:
        """Scan one file (from the cache when it is unchanged)."""
        key = str(f.path)
        if text is None:
            try:
                st = f.path.stat()
            except OSError as e:
                f.scan = None
                self._errors[key] = str(e)
                return
            f.mtime_ns, f.size = st.st_mtime_ns, st.st_size
            cached = self._cache.get(key, f.mtime_ns, f.size, f.module)
            if cached is not None and cached.is_package == f.is_package:
                f.scan = cached
                self.stats["cached"] += 1
                self._note_error(key, cached)
                return
            try:
                text = f.path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as e:
                f.scan = ModuleScan(f.module, key, f.is_package, error=f"cannot read: {e}")
                self._note_error(key, f.scan)
                return
            f.scan = _scan_source(text, f.module, key, f.is_package)
            self._cache.put(key, f.mtime_ns, f.size, f.scan)
        else:
            f.scan = _scan_source(text, f.module, key, f.is_package)
        self.stats["parsed"] += 1
        self._note_error(key, f.scan)

    def _note_error(self, key: str, scan: ModuleScan) -> None:
        if scan.error:
            self._errors[key] = scan.error
        else:
            self._errors.pop(key, None)

    def _publish(
        self,
        config: GraftConfig,
        files: dict[Path, _File],
        experiments: dict[str, ExperimentInfo],
        resolve: bool = True,
    ) -> None:
        """Resolve ``files`` (unless only experiments changed) and publish the new view."""
        old = self._view
        if not resolve:
            self._view = _View(
                config,
                files,
                old.resolver,
                old.classes,
                old.rules,
                experiments,
                dict(self._errors),
                old.problems,
                old.below,
                old.declared_roles,
                old.role_vocabulary,
            )
            return
        modules = {f.module: f.scan for f in files.values() if f.scan is not None}
        resolver = Resolver(dict(modules), self._load_outside)
        classes, rules, problems = build_infos(resolver)
        below: dict[str, list[str]] = {}
        for q, info in classes.items():
            node = resolver.nodes.get(q)
            if info.kind != "class" or node is None:
                continue
            for anc in node.mro[1:]:
                below.setdefault(anc, []).append(q)
        own = self._locate("graftlab.ml.roles")
        declared = rolesmod.declarations(
            resolver.modules.values(),
            config.raw,
            rolesmod.own_declarations(own[0]) if own is not None else {},
        )
        self._view = _View(
            config,
            files,
            resolver,
            classes,
            rules,
            experiments,
            dict(self._errors),
            problems,
            below,
            declared,
            rolesmod.vocabulary(config.raw),
        )

    def _load_experiments(
        self, config: GraftConfig, experiments: dict[str, ExperimentInfo]
    ) -> None:
        d = self._experiments_dir(config)
        if not d.is_dir():
            return
        for p in sorted(d.rglob("*.py")):
            if not p.name.startswith("_"):
                self._experiment(p, config, experiments)

    def _experiment(
        self, path: Path, config: GraftConfig, experiments: dict[str, ExperimentInfo]
    ) -> str | None:
        try:
            name = path.relative_to(self._experiments_dir(config)).with_suffix("").as_posix()
        except ValueError:
            return None
        st = stamp(path) if path.is_file() else None
        if st is None:
            experiments.pop(name, None)
            return name
        key = str(path)
        cached = self._cache.experiment(key, st[0], st[1])
        if cached is None:
            from graftlab.repo.static import static_info  # parses: only for changed files

            info = static_info(path)
            cached = info.base, list(info.patches)
            self._cache.put_experiment(key, st[0], st[1], *cached)
        experiments[name] = ExperimentInfo(name, key, cached[0], list(cached[1]))
        return name

    # --- incremental updates -----------------------------------------------------------------

    def _module_for(self, path: Path) -> tuple[str, bool] | None:
        for base, prefix in self._roots:
            try:
                rel = path.relative_to(base)
            except ValueError:
                continue
            if any(p.startswith(".") or p in _SKIP_DIRS for p in rel.parts[:-1]):
                return None
            return _module_of(rel, prefix)
        return None

    def update(
        self, paths: Iterable[Path], *, sources: Mapping[Path, str] | None = None
    ) -> set[str]:
        """Re-scan changed, created or deleted files; return the changed qualified names.

        ``sources`` gives the text of files that differ from disk (unsaved editor buffers).
        The result holds class and function qualnames, rule function qualnames and
        ``experiment:<name>`` for experiments. Safe to call from any thread: updates run
        one at a time and readers see the old view until the new one is complete.
        """
        sources = {Path(p).resolve(): t for p, t in (sources or {}).items()}
        paths = [Path(p).resolve() for p in paths] + list(sources)
        with self._lock:
            before = self._view
            self._update(paths, sources)
            after = self._view
        # Infos are rebuilt, never mutated: the old objects compare with the new ones.
        changed = _diff(before.classes, after.classes)
        changed |= _diff(
            {i.function: i for i in before.rules.values()},
            {i.function: i for i in after.rules.values()},
        )
        changed |= {f"experiment:{n}" for n in _diff(before.experiments, after.experiments)}
        return changed

    def _update(self, paths: list[Path], sources: dict[Path, str]) -> None:
        if any(p.name == CONFIG_NAME and p.parent == self.root for p in paths):
            config_file = self.root / CONFIG_NAME
            config = (
                load_config(config_file) if config_file.is_file() else GraftConfig(root=self.root)
            )
            self._build(config)
            return
        config = self._view.config
        files = dict(self._view.files)
        experiments = dict(self._view.experiments)
        exp_dir = self._experiments_dir(config).resolve()
        rescan = False
        for p in dict.fromkeys(paths):
            if p.suffix != ".py":
                continue
            if p.is_relative_to(exp_dir):
                self._experiment(p, config, experiments)
                continue
            old = files.get(p)
            if old is None:
                mod = self._module_for(p)
                if mod is None:
                    continue
                f = _File(p, *mod)
            else:  # a fresh record: the published view keeps the old one
                f = _File(p, old.module, old.is_package)
            if p in sources:
                self._scan(f, sources[p])
            elif p.is_file():
                self._scan(f)
            else:
                files.pop(p, None)
                self._cache.drop(str(p))
                self._errors.pop(str(p), None)
                rescan = True
                continue
            files[p] = f
            rescan = True
        self._publish(config, files, experiments, resolve=rescan)
        if rescan:
            # The snapshot is of the build: rather than keep one that no longer matches the
            # disk, the next start resolves afresh (and keeps a new one).
            self._cache.set_snapshot(None)
            self._cache.save()

    # --- queries -------------------------------------------------------------------------------

    def module_names(self) -> list[str]:
        """Modules an experiment may import: the allowed ones and their submodules found."""
        v = self._view
        return sorted(
            f.module
            for f in v.files.values()
            if f.module and module_allowed(f.module, v.config.all_allowed)
        )

    def exports(self, module: str) -> dict[str, str]:
        """Names importable from ``module``: qualname of a class/function/enum, or
        ``module:<dotted name>`` for a submodule."""
        v = self._view
        r = v.resolver
        scan = r.modules.get(module) if r is not None else None
        if r is None or scan is None:
            return {}
        out: dict[str, str] = {}
        for name in scan.bindings:
            if name.startswith("_"):
                continue
            ref = r.lookup(f"{module}.{name}")
            if ref.kind == "module":
                out[name] = f"module:{ref.qualname}"
            elif ref.qualname in v.classes:
                out[name] = ref.qualname
        prefix = module + "."
        for f in v.files.values():
            if f.module.startswith(prefix) and "." not in f.module[len(prefix) :]:
                out.setdefault(f.module[len(prefix) :], f"module:{f.module}")
        return out

    def resolve(self, module: str, name: str) -> ClassInfo | None:
        """The class (function, enum) that ``from module import name`` (or ``module.name``)
        gives, following re-exports."""
        v = self._view
        if v.resolver is None:
            return None
        ref = v.resolver.lookup(f"{module}.{name}")
        return v.classes.get(ref.qualname)

    def lookup(self, qualname: str) -> ClassInfo | None:
        """A class by qualified name (a re-exported spelling such as ``graftlab.Derived`` too)."""
        v = self._view
        info = v.classes.get(qualname)
        if info is not None or v.resolver is None:
            return info
        return v.classes.get(v.resolver.lookup(qualname).qualname)

    def symbolic_classes(self) -> list[ClassInfo]:
        """Every symbolic class and symbolized function, by qualified name."""
        return [i for q, i in sorted(self.classes.items()) if i.kind in ("class", "function")]

    def subclasses(self, qualname: str) -> list[ClassInfo]:
        """Symbolic classes derived from ``qualname``, directly or not."""
        v = self._view
        return [v.classes[q] for q in sorted(v.below.get(qualname, []))]

    def roles_of(self, qualname: str) -> rolesmod.RoleTable:
        """The roles a class plays (declared on it or a base, in code or ``graft.toml``),
        each role argument mapped to the class's argument (``None`` where it has none)."""
        v = self._view
        info = v.classes.get(qualname)
        if info is None and v.resolver is not None:
            info = v.classes.get(v.resolver.lookup(qualname).qualname)
        q = info.qualname if info is not None else qualname
        # ``node`` prepares the class (bases, MRO) on first use: a view published from the
        # snapshot has not resolved any.
        node = v.resolver.node(q) if v.resolver is not None else None
        mro = list(node.mro) if node is not None and node.mro else [q]
        names = [a.name for a in info.args] if info is not None else []
        return rolesmod.resolve(v.declared_roles, mro, names, v.role_vocabulary)

    def enums(self) -> list[ClassInfo]:
        """Every enum found."""
        return [i for q, i in sorted(self.classes.items()) if i.kind == "enum"]


_gc_lock = threading.Lock()
_gc_paused = 0  # nesting depth of ``collector_paused``
_gc_restore = False  # whether the collector was enabled when the outermost pause began


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an index is built (from any thread; nested
    pauses are one pause).

    Decoding the cache makes hundreds of thousands of containers, and in a process that
    holds many objects (the language server) the full collections they trigger cost more
    than the decoding. Parsing a file (``_scan_source``) resumes the collector: the parser
    leaves cyclic garbage that must not pile up over a cold build. The language server
    spans the build and its ``gc.freeze()`` with one pause, so the new index is never walked.
    """
    global _gc_paused, _gc_restore
    with _gc_lock:
        if _gc_paused == 0:
            _gc_restore = gc.isenabled()
            gc.disable()
        _gc_paused += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_paused -= 1
            if _gc_paused == 0 and _gc_restore:
                gc.enable()


@contextlib.contextmanager
def _collector_resumed() -> Iterator[None]:
    """The collector as it was before the pause, while a file is parsed."""
    with _gc_lock:
        resume = _gc_paused > 0 and _gc_restore
        if resume:
            gc.enable()
    try:
        yield
    finally:
        with _gc_lock:
            if resume and _gc_paused > 0:
                gc.disable()


def _scan_source(text: str, module: str, path: str, is_package: bool) -> ModuleScan:
    """Parse a file (libcst is loaded on the first parse: a warm start never needs it)."""
    from graftlab.index.scanner import scan_source

    with _collector_resumed():
        return scan_source(text, module, path, is_package)


def _diff(before: Mapping[str, object], after: Mapping[str, object]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
