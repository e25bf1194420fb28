"""Where an argument is declared: the ``__init__`` parameter or the class-body field.

The index records where each class (and function) is defined; the argument's own line is
found by reading that definition's source, then the bases' (an inherited argument is
declared in a base class). A linear scan of the class's lines, nothing imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the index package loads libcst: not at the server's start
    from graftlab.index.model import Location


_INDENT = re.compile(r"[ \t]*")


def _read(file: str, root: Path | None) -> list[str] | None:
    path = Path(file)
    if not path.is_absolute() and root is not None:
        path = root / path
    try:
        return path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None


def _find_param(lines: list[str], start: int, name: str) -> tuple[int, int] | None:
    """The parameter ``name`` in the signature starting at line ``start`` (``def ...(``)."""
    pattern = re.compile(rf"(?<![\w.=])\*{{0,2}}({re.escape(name)})\s*(?=[:=,)])")
    depth = 0
    for i in range(start, min(len(lines), start + 200)):
        line = lines[i].split("#", 1)[0]
        offset = line.index("(") + 1 if i == start and "(" in line else 0
        m = pattern.search(line, offset)
        if m and (depth <= 1 or i > start):
            return i, m.start(1)
        depth += line.count("(") - line.count(")")
        if depth <= 0 and i > start and (")" in line):
            return None
        if i == start and depth <= 0:
            return None
    return None


def _in_definition(lines: list[str], line: int, name: str, kind: str) -> tuple[int, int] | None:
    """The parameter or field ``name`` of the class (or function) defined at ``line``."""
    if line >= len(lines):
        return None
    if kind == "function":
        return _find_param(lines, line, name)
    indent = len(_INDENT.match(lines[line]).group())  # type: ignore[union-attr]
    field = re.compile(rf"[ \t]+({re.escape(name)})\s*:")
    found_field = None
    for i in range(line + 1, len(lines)):
        text = lines[i]
        if text.strip() and len(_INDENT.match(text).group()) <= indent:  # type: ignore[union-attr]
            break
        stripped = text.lstrip()
        if stripped.startswith("def __init__"):
            hit = _find_param(lines, i, name)
            if hit is not None:
                return hit
        m = field.match(text)
        if m and found_field is None:
            found_field = (i, m.start(1))
    return found_field


def argument_location(index: Any, info: Any, name: str) -> Location | None:
    """Where argument ``name`` of ``info`` (a ``ClassInfo``) is declared, bases included."""
    seen: set[str] = set()
    todo = [info]
    root = getattr(index, "root", None)
    while todo:
        current = todo.pop(0)
        if current is None or current.qualname in seen:
            continue
        seen.add(current.qualname)
        loc = current.location
        lines = _read(loc.file, root)
        if lines is not None and loc.line > 0:
            hit = _in_definition(lines, loc.line - 1, name, current.kind)
            if hit is not None:
                from graftlab.index.model import Location

                return Location(loc.file, hit[0] + 1, hit[1])
        todo += [index.lookup(b) for b in current.bases]
    return None


def parameter_location(index: Any, location: Location, name: str) -> Location | None:
    """Where parameter ``name`` of the function defined at ``location`` is declared."""
    lines = _read(location.file, getattr(index, "root", None))
    if lines is None or location.line <= 0:
        return None
    hit = _in_definition(lines, location.line - 1, name, "function")
    from graftlab.index.model import Location

    return Location(location.file, hit[0] + 1, hit[1]) if hit is not None else None
