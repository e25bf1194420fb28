"""A snapshot of every experiment of a checkout: as written, materialized, with provenance.

Review compares two snapshots. Each is taken in its own process (``python -m
graftlab.repo.snapshot DIR``) so that the patch rules and team code of each revision are
the ones imported: a rule whose code changed between revisions then shows in every
experiment it alters. Values travel as graftlab JSON.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from graftlab.io.config import find_config, load_config
from graftlab.io.errors import FormatError
from graftlab.io.json_format import to_json
from graftlab.io.loader import load_file
from graftlab.patching.provenance import provenances
from graftlab.patching.registry import rules
from graftlab.symbolic.errors import GraftError


def experiment_files(root: Path, experiments: str) -> dict[str, Path]:
    d = root / experiments
    if not d.is_dir():
        return {}
    return {
        p.relative_to(d).with_suffix("").as_posix(): p
        for p in sorted(d.rglob("*.py"))
        if not p.name.startswith("_") and not any(x.startswith(".") for x in p.relative_to(d).parts)
    }


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
    if prov.get("file"):
        try:
            prov["file"] = Path(prov["file"]).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return prov


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
        files = {n: p for n, p in files.items() if n in only}
    for name, path in files.items():
        entry: dict[str, Any] = {"file": path.relative_to(root).as_posix()}
        try:
            written = load_file(path, materialize=False).get("experiment")
            entry["written"] = to_json(written)
        except (GraftError, OSError) as e:
            entry["error"] = _error(e, root)
            out["experiments"][name] = entry
            continue
        try:
            value = load_file(path).get("experiment")
            entry["materialized"] = to_json(value)
            entry["provenance"] = {
                str(p): _relative(prov.to_json(), root) for p, prov in provenances(value).items()
            }
        except (GraftError, OSError) as e:
            entry["error"] = _error(e, root)
        out["experiments"][name] = entry
        if progress is not None:
            progress()
    for rule_name, rule in rules().items():
        fn = rule.__sym_function__
        try:
            source = inspect.getsource(fn)
            file = inspect.getsourcefile(fn) or ""
        except (OSError, TypeError):
            source, file = "", ""
        try:
            rel = Path(file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = None  # a rule from graftlab or an installed package
        out["rules"][rule_name] = {
            "function": f"{fn.__module__}.{fn.__qualname__}",
            "file": rel,
            "hash": hashlib.sha256(source.encode()).hexdigest()[:16],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    json.dump(take(root, only=args[1:] or None), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
