"""Help text for arguments, read from Google, NumPy or Sphinx style docstrings."""

from __future__ import annotations

import inspect
import re

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Attributes|Keyword Args|Keyword Arguments|Other Parameters)\s*:?\s*$"
)
_ANY_SECTION = re.compile(r"^[A-Z][A-Za-z ]+:\s*$|^[A-Z][A-Za-z ]+\n-+$")
_GOOGLE_ITEM = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_SPHINX_ITEM = re.compile(r"^:param\s+(?:[^:]*\s)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return ""
    text = inspect.cleandoc(doc)
    para = text.split("\n\n", 1)[0]
    return " ".join(line.strip() for line in para.splitlines())


def argument_help(doc: str | None) -> dict[str, str]:
    """Map argument names to their help text (first found wins)."""
    if not doc:
        return {}
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, str] = {}
    _sphinx(lines, out)
    _sections(lines, out)
    return out


def _sphinx(lines: list[str], out: dict[str, str]) -> None:
    current: str | None = None
    for line in lines:
        m = _SPHINX_ITEM.match(line.strip())
        if m:
            current = m.group(1)
            out.setdefault(current, m.group(2).strip())
        elif (
            current
            and line.startswith((" ", "\t"))
            and line.strip()
            and not line.strip().startswith(":")
        ):
            out[current] = (out[current] + " " + line.strip()).strip()
        else:
            current = None


def _sections(lines: list[str], out: dict[str, str]) -> None:
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        numpy_style = i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and line.strip()
        if _SECTION.match(line.strip()) or (numpy_style and _SECTION.match(line.strip() + ":")):
            i += 2 if numpy_style else 1
            base_indent: int | None = None
            current: str | None = None
            while i < len(lines):
                raw = lines[i]
                if not raw.strip():
                    i += 1
                    current = None if numpy_style is False else current
                    continue
                indent = len(raw) - len(raw.lstrip())
                if base_indent is None:
                    base_indent = indent
                if indent < base_indent or (
                    indent == base_indent
                    and _ANY_SECTION.match(raw.strip())
                    and not _GOOGLE_ITEM.match(raw.strip())
                ):
                    break
                if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
                    break
                stripped = raw.strip()
                if indent == base_indent:
                    m = (_NUMPY_ITEM if numpy_style else _GOOGLE_ITEM).match(stripped)
                    if m:
                        current = m.group(1)
                        text = m.group(2) if numpy_style else m.group(3)
                        out.setdefault(current, "" if numpy_style else text.strip())
                    else:
                        current = None
                elif current is not None:
                    out[current] = (out[current] + " " + stripped).strip()
                i += 1
            continue
        i += 1
