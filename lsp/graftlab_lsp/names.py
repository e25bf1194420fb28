"""Names in a document: what a (dotted) name refers to through the document's imports, the
word or string under the cursor. Shared by every feature; nothing here knows LSP."""

from __future__ import annotations

import re
from typing import Any

from graftlab_lsp import context as ctxmod

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')


def resolve_name(index: Any, text: str, dotted: str) -> Any:
    """The ClassInfo a (dotted) name in this document refers to, through its imports."""
    if index is None:
        return None
    parts = dotted.replace(" ", "").split(".")
    table = ctxmod.imports(text)
    head = table.get(parts[0])
    if head is None:
        return None
    module, name = head
    if name is not None:
        info = index.resolve(module, name)
        if info is None:
            # ``from pkg import submodule`` then ``submodule.Class``
            module = f"{module}.{name}"
            if len(parts) == 1:
                return None
        else:
            if len(parts) == 1:
                return info
            qual = f"{info.qualname}.{'.'.join(parts[1:])}"
            return index.lookup(qual)
    rest = parts[1:]
    for i in range(len(rest), 0, -1):
        mod = ".".join([module, *rest[: i - 1]]) if i > 1 else module
        found = index.resolve(mod, rest[i - 1]) if i == len(rest) else None
        if found is not None:
            return found
    return index.resolve(".".join([module, *rest[:-1]]), rest[-1]) if rest else None


def arg_of(info: Any, name: str) -> Any:
    """The argument ``name`` of a class or function (``ArgInfo``), or None."""
    return next((a for a in info.args if a.name == name), None) if info is not None else None


def keyword_at(
    index: Any, text: str, lines: list[str], line: int, word: tuple[str, int, int]
) -> tuple[Any, Any] | None:
    """When ``word`` (from ``word_at`` on ``lines[line]``) names a keyword argument
    (``name=`` inside a call): the called class or function's info and the argument's
    ``ArgInfo``, each None where it does not resolve. None when the word is no keyword
    argument (``name == ...`` is a comparison). Shared by hover and go to definition."""
    name, start, end = word
    after = lines[line][end:].lstrip()
    if not after.startswith("=") or after.startswith("=="):
        return None
    frame = ctxmod.analyze(lines, line, start).innermost
    if frame is None or not frame.callee:
        return None, None
    info = resolve_name(index, text, frame.callee)
    return info, arg_of(info, name)


def word_at(line_text: str, column: int) -> tuple[str, int, int] | None:
    """The (dotted) name around ``column`` and its start and end columns."""
    for m in _WORD.finditer(line_text):
        if m.start() <= column <= m.end():
            return m.group(), m.start(), m.end()
    return None


def string_at(line: str, column: int) -> str | None:
    """The content of the string literal around ``column`` on one line, or None."""
    for m in _STRING.finditer(line):
        if m.start() < column <= m.end() - 1 or (m.start() < column and m.end() == column):
            return m.group(1) if m.group(1) is not None else m.group(2)
    return None


def string_span_at(line: str, column: int) -> tuple[str, int, int] | None:
    """The string literal's content around ``column`` with its content's start and end."""
    for m in _STRING.finditer(line):
        if m.start() < column <= m.end() - 1 or (m.start() < column and m.end() == column):
            group = 1 if m.group(1) is not None else 2
            return m.group(group), m.start(group), m.end(group)
    return None


def inside_string(line: str, column: int) -> bool:
    return string_at(line, column) is not None
