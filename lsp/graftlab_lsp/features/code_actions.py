"""Quick fixes: apply a did-you-mean, add a missing required argument with a value that
validates, import a class from the module that defines it."""

from __future__ import annotations

import re
from typing import Any

from graftlab_lsp import context as ctxmod
from graftlab_lsp.model import Action, Diag, Edit, doc_lines
from graftlab_lsp.names import arg_of, resolve_name

_DID_YOU_MEAN = re.compile(r"did you mean ((?:'[^']+'(?: or )?)+)")
_MISSING = re.compile(r"missing required argument '([^']+)'")
_UNKNOWN = re.compile(r"unknown name '([^']+)'")


def code_actions(index: Any, text: str, diagnostics: list[Diag]) -> list[Action]:
    """Quick fixes for the diagnostics; the first action offered for one is the preferred."""
    actions: list[Action] = []
    lines = doc_lines(text)
    for d in diagnostics:
        m = _DID_YOU_MEAN.search(d.message)
        if m:
            wrong = _misspelled(d.message[: m.start()])
            for choice in re.findall(r"'([^']+)'", m.group(1)):
                actions.append(
                    Action(f"Change to '{choice}'", [_replace_word(lines, d, wrong, choice)], d)
                )
            continue
        m = _MISSING.search(d.message)
        if m:
            edits = _add_argument(index, text, lines, d, m.group(1))
            if edits:
                actions.append(Action(f"Add argument '{m.group(1)}'", edits, d))
            continue
        m = _UNKNOWN.search(d.message)
        if m and index is not None:
            actions += _import_fixes(index, text, lines, d, m.group(1))
    return actions


def _import_fixes(index: Any, text: str, lines: list[str], d: Diag, name: str) -> list[Action]:
    line = import_insert_line(lines)
    table = ctxmod.imports(text)
    imported_from = {module for module, _n in table.values()}
    found = [info for info in index.symbolic_classes() if info.name == name]
    found += [info for info in index.enums() if info.name == name]
    # modules the file already imports from first, then the workspace's own
    found.sort(
        key=lambda i: (i.module not in imported_from, i.module.startswith("graftlab."), i.module)
    )
    return [
        Action(
            f"Import {name} from {info.module}",
            [Edit(line, 0, line, 0, f"from {info.module} import {name}\n")],
            d,
        )
        for info in found
    ]


def _add_argument(index: Any, text: str, lines: list[str], d: Diag, name: str) -> list[Edit]:
    """Insert ``name=<a value that validates>`` into the call the diagnostic covers."""
    callee = _callee_at(lines, d)
    info = resolve_name(index, text, callee) if callee else None
    arg = arg_of(info, name)
    value, imports = placeholder(index, text, arg)
    edit = _insert_keyword(lines, d, name, value)
    if edit is None:
        return []
    edits = [edit]
    at = import_insert_line(lines)
    for line in imports:
        edits.append(Edit(at, 0, at, 0, line + "\n"))
    return edits


def placeholder(index: Any, text: str, arg: Any) -> tuple[str, list[str]]:
    """A value for a required argument that loads, and the imports it needs."""
    if arg is None:
        return "None", []
    table = ctxmod.imports(text)
    local = {}
    for local_name, (module, name) in table.items():
        if name is not None:
            local[f"{module}.{name}"] = local_name
    if arg.choices:
        choice = arg.choices[0]
        head, dot, member = choice.partition(".")
        if not dot or head in table or index is None:
            return choice, []
        for enum in index.enums():
            if enum.name == head and member in enum.members:
                return choice, [f"from {enum.module} import {head}"]
        return choice, []
    base = arg.type.split(",")[0].strip()
    if arg.classes and index is not None:
        declared = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", base)
        infos = [index.lookup(q) for q in arg.classes]
        ok = [i for i in infos if i is not None and not any(a.required for a in i.args)]
        ok.sort(key=lambda i: (i.name not in declared, i.qualname))
        if ok:
            info = ok[0]
            name = local.get(info.qualname)
            if name is None and info.name in table:
                name = None  # taken by another import: fall through
            elif name is None:
                return f"{info.name}()", [f"from {info.module} import {info.name}"]
            if name is not None:
                return f"{name}()", []
    if "None" in base.split(" | ") or base.startswith("Optional["):
        return "None", []
    bound = re.search(r"(>=?)\s*(-?[0-9][0-9.e+-]*)", arg.type)
    if base == "int":
        if bound is None:
            return "0", []
        low = int(float(bound.group(2)))
        return str(low if bound.group(1) == ">=" else low + 1), []
    if base == "float":
        if bound is None:
            return "0.0", []
        low = float(bound.group(2))
        return repr(low if bound.group(1) == ">=" else low + 1.0), []
    if base == "str":
        return '""', []
    if base == "bool":
        return "False", []
    if base.startswith(("list", "Sequence", "tuple")):
        return ("[]" if not base.startswith("tuple") else "()"), []
    if base.startswith(("dict", "Mapping")):
        return "{}", []
    return "None", []


def _misspelled(message: str) -> str | None:
    """The name a did-you-mean message is about: the last quoted name before the hint."""
    found = re.findall(r"'([^']+)'", message)
    return found[-1] if found else None


def _replace_word(lines: list[str], d: Diag, wrong: str | None, right: str) -> Edit:
    """Replace the misspelled name inside the diagnostic's range (``Act.RELUX`` -> ``Act.RELU``)."""
    if wrong and d.line == d.end_line and d.line < len(lines):
        covered = lines[d.line][d.column : d.end_column]
        at = covered.rfind(wrong)
        if at >= 0:
            start = d.column + at
            return Edit(d.line, start, d.line, start + len(wrong), right)
    return Edit(d.line, d.column, d.end_line, d.end_column, right)


def _callee_at(lines: list[str], d: Diag) -> str | None:
    line = lines[d.line] if d.line < len(lines) else ""
    m = re.match(
        r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\(", line[d.column :]
    )
    return m.group(1).replace(" ", "") if m else None


def _insert_keyword(lines: list[str], d: Diag, name: str, value: str = "") -> Edit | None:
    """Insert ``name=value`` before the closing parenthesis of the call the diagnostic covers."""
    line = lines[d.end_line] if d.end_line < len(lines) else ""
    end = d.end_column - 1
    if end < 0 or end >= len(line) or line[end] != ")":
        return None
    inner = line[:end].rstrip()
    if not inner.strip() and d.end_line > d.line:
        # the closing parenthesis stands on its own line: add a line before it
        prev = d.end_line - 1
        while prev > d.line and not lines[prev].strip():
            prev -= 1
        prev_text = lines[prev]
        indent = re.match(r"\s*", line).group() + "    "  # type: ignore[union-attr]
        if prev > d.line:
            indent = re.match(r"\s*", prev_text).group()  # type: ignore[union-attr]
        text = f"{indent}{name}={value},\n"
        if prev_text.rstrip().endswith(("(", ",")):
            return Edit(d.end_line, 0, d.end_line, 0, text)
        stripped = len(prev_text.rstrip())
        return Edit(prev, stripped, prev, stripped, ",\n" + text.rstrip("\n"))
    sep = "" if inner.endswith("(") else ", "
    if inner.endswith(","):
        sep = " "
    return Edit(d.end_line, end, d.end_line, end, f"{sep}{name}={value}")


def import_insert_line(lines: list[str]) -> int:
    """The line after the last import statement."""
    last = 0
    for i, text in enumerate(lines):
        if re.match(r"(from|import)\s", text):
            last = i + 1
    return last
