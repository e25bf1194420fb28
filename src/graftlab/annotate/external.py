"""Non-invasive mode: symbolize classes of an installed package from the outside.

``graft annotate --external PKG --output FILE.py`` reads the package's source statically
(found with :func:`importlib.util.find_spec` on the top-level name, then by walking its
directories; nothing of the package is imported), applies the same selection rules as the
codemod, and writes a module of ``Foo = gl.symbolize(pkg.mod.Foo)`` lines.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import os
from pathlib import Path

from graftlab.annotate.codemod import Annotation, Skip, annotate_source
from graftlab.annotate.errors import AnnotateError, UsageError
from graftlab.annotate.report import FileResult
from graftlab.annotate.selection import AnnotateConfig

_TEST_DIRS = frozenset({"test", "tests", "testing", "_test", "_tests"})


@dataclasses.dataclass
class ExternalResult:
    """The generated module's text and the per-file decisions behind it."""

    package: str
    code: str
    files: list[FileResult]
    entries: list[tuple[str, str, Annotation]]


def _locate(name: str) -> tuple[Path | None, list[Path]]:
    """Return (module file, package directories) of a dotted module name, statically."""
    if not name or any(not part.isidentifier() for part in name.split(".")):
        raise UsageError(f"not a module name: {name!r}")
    top, _, rest = name.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"cannot find package {top!r}: {exc}") from None
    if spec is None:
        raise UsageError(f"no installed package or module named {top!r}")
    dirs = [Path(p) for p in (spec.submodule_search_locations or [])]
    origin = Path(spec.origin) if spec.origin and spec.has_location else None
    if dirs:
        origin = None
    for part in rest.split(".") if rest else []:
        next_dirs: list[Path] = []
        next_origin: Path | None = None
        for directory in dirs:
            if (directory / part / "__init__.py").is_file():
                next_dirs = [directory / part]
                break
            if (directory / f"{part}.py").is_file():
                next_origin = directory / f"{part}.py"
                break
            if (directory / part).is_dir():
                next_dirs.append(directory / part)
        if not next_dirs and next_origin is None:
            raise UsageError(f"no module named {name!r} (looked in {', '.join(map(str, dirs))})")
        dirs, origin = next_dirs, next_origin
    return origin, dirs


def _is_test(parts: list[str]) -> bool:
    last = parts[-1]
    return (
        any(p in _TEST_DIRS for p in parts[:-1])
        or last in _TEST_DIRS
        or last.startswith("test_")
        or last.endswith("_test")
        or last == "conftest"
    )


def find_modules(name: str) -> list[tuple[str, Path]]:
    """List ``(dotted module name, source file)`` of a package or module.

    Test modules are left out, and so are private modules below ``name`` (a component that
    starts with ``_``); naming a private module explicitly includes it.
    """
    origin, dirs = _locate(name)
    if origin is not None:
        if origin.suffix != ".py":
            raise UsageError(f"{name!r} has no Python source ({origin.name})")
        return [(name, origin)]
    out: list[tuple[str, Path]] = []
    for root in dirs:
        for directory, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if d.isidentifier() and d not in ("__pycache__",)
            )
            rel = Path(directory).relative_to(root).parts
            for filename in sorted(filenames):
                if not filename.endswith(".py"):
                    continue
                stem = filename[:-3]
                if not stem.isidentifier() or stem == "__main__":
                    continue
                parts = [*rel] if stem == "__init__" else [*rel, stem]
                if parts and (_is_test(parts) or any(p.startswith("_") for p in parts)):
                    continue
                out.append((".".join([name, *parts]), Path(directory) / filename))
    return sorted(out)


def _is_public(qualname: str) -> bool:
    return not any(part.startswith("_") for part in qualname.split("."))


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name.partition(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def generate(name: str, config: AnnotateConfig) -> ExternalResult:
    """Build the text of a module that symbolizes ``name``'s selected public classes."""
    files: list[FileResult] = []
    entries: list[tuple[str, str, Annotation]] = []
    for module, path in find_modules(name):
        result = FileResult(str(path))
        try:
            outcome = annotate_source(path.read_bytes(), config, str(path), analyze_only=True)
        except AnnotateError as exc:
            result.error = exc.to_dict()
            files.append(result)
            continue
        except OSError as exc:
            result.error = AnnotateError(f"cannot read: {exc.strerror}", str(path)).to_dict()
            files.append(result)
            continue
        result.skips = list(outcome.skips)
        for annotation in outcome.annotations:
            if _is_public(annotation.name):
                result.annotations.append(annotation)
                entries.append((module, annotation.name, annotation))
            else:
                result.skips.append(
                    Skip(annotation.name, annotation.kind, "private", "not public", annotation.line)
                )
        files.append(result)
    return ExternalResult(name, render(name, entries), files, entries)


def render(package: str, entries: list[tuple[str, str, Annotation]]) -> str:
    """Render the generated module (deterministic: sorted modules, classes in source order)."""
    counts: dict[str, int] = {}
    for _, qualname, _ in entries:
        short = qualname.rpartition(".")[2]
        counts[short] = counts.get(short, 0) + 1
    modules = sorted({module for module, _, _ in entries})
    classes = sum(1 for *_, a in entries if a.kind == "class")
    functions = len(entries) - classes
    lines = [
        f"# Generated by `graft annotate --external {package}` from {package} "
        f"({_version(package)}).",
        "# Do not edit by hand: regenerate after upgrading the package.",
        f"# Symbolizes {classes} classes and {functions} functions without editing their source;",
        "# import the names from this module to build symbolic objects.",
        f'"""Symbolic classes of ``{package}``, made from the outside by graft annotate."""',
        "",
        "import graftlab as gl",
        "",
    ]
    lines.extend(f"import {module}" for module in modules)
    lines.extend(["", ""])
    used: set[str] = set()
    for module, qualname, annotation in entries:
        short = qualname.rpartition(".")[2]
        alias = short if counts[short] == 1 else qualname.replace(".", "_")
        if alias in used or counts[short] > 1:
            alias = f"{module.replace('.', '_')}_{qualname.replace('.', '_')}"
        used.add(alias)
        runtime = ""
        if "runtime=" in annotation.decorator:
            runtime = ", " + annotation.decorator.partition("(")[2][:-1]
        lines.append(f"{alias} = gl.symbolize({module}.{qualname}{runtime})")
    lines.append("")
    return "\n".join(lines)
