"""A snapshot of every experiment of a checkout: as written, materialized, with provenance.

Review compares two snapshots. Each is taken in its own process (``python -m
graftlab.repo.snapshot DIR``) so that the patch rules and team code of each revision are
the ones imported: a rule whose code changed between revisions then shows in every
experiment it alters. Values travel as graftlab JSON.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from graftlab.io.config import find_config, load_config
from graftlab.io.errors import FormatError
from graftlab.io.json_format import to_json
from graftlab.io.load_cache import load_cache
from graftlab.io.loader import load_file
from graftlab.patching.derived import load_experiment
from graftlab.patching.provenance import provenances
from graftlab.patching.registry import ENTRY_POINT_GROUP, registered_rules
from graftlab.repo.affected import experiment_files
from graftlab.symbolic.errors import GraftError


def _error(e: BaseException, root: Path) -> dict[str, Any]:
    first = getattr(e, "errors", [e])[0] if isinstance(e, FormatError) else e
    out: dict[str, Any] = {
        "message": getattr(first, "message", str(first)),
        "type": type(e).__name__,
    }
    if isinstance(first, FormatError) and first.span is not None:
        try:
            out["file"] = Path(first.file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            out["file"] = first.file
        out["line"], out["column"] = first.line, first.column + 1
    return out


def _relative(prov: dict[str, Any], root: Path) -> dict[str, Any]:
    """A provenance entry whose file is relative to the checkout (not a temporary path)."""
    file = prov.get("file")
    if file:
        for prefix in _prefixes(root):
            if file.startswith(prefix):
                prov["file"] = file[len(prefix) :]
                return prov
        try:
            prov["file"] = Path(file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return prov


_PREFIXES: dict[Path, tuple[str, ...]] = {}


def _prefixes(root: Path) -> tuple[str, ...]:
    """``root/`` as written and resolved (computed once: resolving paths is costly)."""
    if root not in _PREFIXES:
        _PREFIXES[root] = tuple(dict.fromkeys((f"{root}/", f"{root.resolve()}/")))
    return _PREFIXES[root]


def take(root: Path, progress: Any = None, only: list[str] | None = None) -> dict[str, Any]:
    """Snapshot of the checkout at ``root`` (which holds ``graft.toml``); ``only`` picks names."""
    config_path = find_config(root)
    if config_path is None:
        raise GraftError(f"{root}: no graft.toml")
    config = load_config(config_path)
    root = config_path.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    for m in config.patch_modules:
        try:
            importlib.import_module(m)
        except Exception as e:  # reported, and every derived experiment will say why it fails
            print(f"warning: cannot import patch module {m!r}: {e}", file=sys.stderr)
    out: dict[str, Any] = {"experiments": {}, "rules": {}}
    files = experiment_files(root, config.experiments)
    if only is not None:
        wanted = set(only)
        files = {n: p for n, p in files.items() if n in wanted}
    with load_cache():  # each file parsed once, each base materialized once
        for name, path in files.items():
            out["experiments"][name] = _entry(path, root, config)
            if progress is not None:
                progress()
    _load_local_entry_points(root)
    resolved_root = root.resolve()
    for rule_name, rule in registered_rules().items():
        fn = rule.__sym_function__
        try:
            file = inspect.getsourcefile(fn) or ""
            rel = Path(file).resolve().relative_to(resolved_root).as_posix()
        except (OSError, TypeError, ValueError):
            # a rule of graftlab or of an installed package: the same code at every revision
            continue
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = ""
        out["rules"][rule_name] = {
            "function": f"{fn.__module__}.{fn.__qualname__}",
            "file": rel,
            "hash": hashlib.sha256(source.encode()).hexdigest()[:16],
            "source": source,
            "deps": dependencies(fn, root),
        }
    return out


def _load_local_entry_points(root: Path) -> None:
    """Import the rule modules that installed packages publish from this checkout (a team's
    repository installed as a package): those rules are the revision's own. Rules of other
    packages are the same at every revision; they load when an experiment names one."""
    from importlib import metadata

    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        top = ep.value.split(":")[0].split(".")[0]
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        origin = getattr(spec, "origin", None) or ""
        locations = list(getattr(spec, "submodule_search_locations", None) or [])
        if any(_inside(Path(p), root) for p in [origin, *locations] if p):
            try:
                ep.load()
            except Exception as e:  # as for a patch module: reported, the review goes on
                print(f"warning: cannot load rules {ep.value!r}: {e}", file=sys.stderr)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def _entry(path: Path, root: Path, config: Any) -> dict[str, Any]:
    """One experiment as written and materialized, with provenance (or why it fails)."""
    entry: dict[str, Any] = {"file": path.relative_to(root).as_posix()}
    try:
        written = load_file(path, materialize=False, config=config).get("experiment")
        entry["written"] = to_json(written)
    except (GraftError, OSError) as e:
        entry["error"] = _error(e, root)
        return entry
    try:
        # a file without a derivation materializes to what it says: load it once
        derived = "patching.derived.Derived" in json.dumps(entry["written"])
        value = load_experiment(path, config=config) if derived else written
        entry["materialized"] = to_json(value)
        seen: dict[int, dict[str, Any]] = {}  # one rule application sets many values
        entry["provenance"] = {
            str(p): seen.get(id(prov)) or seen.setdefault(id(prov), _relative(prov.to_json(), root))
            for p, prov in provenances(value).items()
        }
    except (GraftError, OSError) as e:
        entry["error"] = _error(e, root)
    return entry


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _names(code: Any) -> set[str]:
    """Global names a function's code (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def _local_file(obj: Any, root: Path) -> str | None:
    """The file of a module, class or function, relative to ``root`` (None outside it)."""
    try:
        file = inspect.getsourcefile(obj) or ""
    except (TypeError, OSError):
        return None
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def dependencies(fn: Any, root: Path) -> dict[str, str]:
    """The repository's own code a rule runs besides its body, with digests: helpers it names
    in its own module (``file:name``) and whole modules of the repository it reaches through
    imports, transitively (``file``). A change there changes what the rule does."""
    deps: dict[str, str] = {}
    module = sys.modules.get(fn.__module__)
    own = _local_file(module, root) if module is not None else None
    todo: list[Any] = []
    for name in sorted(_names(fn.__code__)):
        obj = getattr(module, name, None)
        if obj is None or obj is fn:
            continue
        if inspect.ismodule(obj):
            todo.append(obj)
        elif inspect.isfunction(obj) or inspect.isclass(obj):
            file = _local_file(obj, root)
            if file is None:
                continue
            if file == own:
                try:
                    deps[f"{file}:{name}"] = _digest(inspect.getsource(obj))
                except (OSError, TypeError):
                    continue
            else:
                todo.append(sys.modules.get(obj.__module__))
    seen: set[str] = set()
    while todo:
        mod = todo.pop()
        file = _local_file(mod, root) if mod is not None else None
        if file is None or file in seen or file == own:
            continue
        seen.add(file)
        try:
            deps[file] = _digest((root / file).read_text(encoding="utf-8"))
        except OSError:
            continue
        for value in vars(mod).values():
            if inspect.ismodule(value):
                todo.append(value)
            elif inspect.isfunction(value) or inspect.isclass(value):
                todo.append(sys.modules.get(getattr(value, "__module__", "") or ""))
    return deps


def scrub(value: Any, root: Path) -> Any:
    """``value`` with the checkout's own directory removed from every string, so that an
    error read from a temporary extraction reads the same at every revision."""
    prefixes = sorted({str(root), str(root.resolve())}, key=len, reverse=True)

    def clean(v: Any) -> Any:
        if isinstance(v, str):
            for p in prefixes:
                v = v.replace(p + "/", "").replace(p, ".")
            return v
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(value)


def scrub_text(text: str, root: Path) -> str:
    """``scrub`` on JSON text: the checkout's directory removed from every string at once
    (no walk over the values); names and key paths never hold it."""
    for p in sorted({str(root), str(root.resolve())}, key=len, reverse=True):
        escaped = json.dumps(p)[1:-1]
        text = text.replace(escaped + "/", "").replace(escaped, ".")
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    names = args[1:]
    only = names[1:] if names[:1] == ["--only"] else (names or None)  # --only: maybe none
    sys.stdout.write(scrub_text(json.dumps(take(root, only=only)), root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
