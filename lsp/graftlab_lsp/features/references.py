"""References and rename across a repository's experiments and their patch chains.

What the cursor is on (a class, a patch rule, a rule's argument inside a URI, a base experiment
name, or the ``experiment`` of an experiment file) is found in the current text; the uses are
found by parsing each experiment file of the index (the open documents' text, else the disk)
with the safe parser: nothing is imported. Renaming an experiment renames its file and every
``base=``; renaming a rule's argument updates every URI that passes it, the rule's parameter
and the uses of the parameter in the rule's body.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graftlab.io.syntax import CallE, Expr, ListE, Lit, NameE, TupleE, parse
from graftlab_lsp import cancel
from graftlab_lsp.exprs import walk
from graftlab_lsp.model import Edit, doc_lines
from graftlab_lsp.names import resolve_name, string_span_at, word_at

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_EXPERIMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:/[A-Za-z_][A-Za-z0-9_-]*)*\Z")


class RenameError(Exception):
    """The rename cannot be done (what is under the cursor, or the new name)."""


@dataclass
class Target:
    """What references are asked for: a class, a rule, a rule's argument or an experiment."""

    kind: str  # class | rule | argument | experiment
    name: str  # qualname, rule name, argument name or experiment name
    rule: str = ""  # for an argument: its rule
    # where it is in the current document (0-based line, start and end column)
    line: int = 0
    column: int = 0
    end_column: int = 0


@dataclass
class Ref:
    """A place in a file: an absolute path and a 0-based range on one line."""

    file: str
    line: int
    column: int
    end_column: int


@dataclass
class RenamePlan:
    """The text edits per file, and a file to rename (old path, new path) if any."""

    edits: dict[str, list[Edit]] = field(default_factory=dict)
    rename_file: tuple[str, str] | None = None


def experiment_of(index: Any, path: Path) -> str | None:
    """The name of the experiment whose file is ``path``, or None."""
    if index is None:
        return None
    for name, e in index.experiments.items():
        if Path(e.file).resolve() == path.resolve():
            return str(name)
    return None


def _uri_parts(uri: str) -> tuple[str, list[tuple[str | None, int, int]]]:
    """A URI's rule name and its arguments as (name or None, value start, value end) offsets."""
    name, sep, query = uri.partition("?")
    parts: list[tuple[str | None, int, int]] = []
    if not sep:
        return name, parts
    at = len(name) + 1
    for piece in query.split("&"):
        key, eq, _value = piece.partition("=")
        parts.append((key if eq else None, at, at + len(key)))
        at += len(piece) + 1
    return name, parts


def target_at(
    index: Any, text: str, line: int, column: int, this_experiment: str | None = None
) -> Target | None:
    """What the cursor (0-based line, code-point column) is on, or None."""
    if index is None:
        return None
    lines = doc_lines(text)
    if line >= len(lines):
        return None
    line_text = lines[line]
    s = string_span_at(line_text, column)
    if s is not None:
        content, start, end = s
        if content in index.experiments:
            return Target("experiment", content, line=line, column=start, end_column=end)
        rule_name, args = _uri_parts(content)
        rule = index.rules.get(rule_name)
        if rule is None:
            return None
        offset = column - start
        for key, a, b in args:
            if key is not None and a <= offset <= b:
                return Target("argument", key, rule_name, line, start + a, start + b)
        return Target("rule", rule_name, line=line, column=start, end_column=start + len(rule_name))
    word = word_at(line_text, column)
    if word is None:
        return None
    name, start, end = word
    if name == "experiment" and start == 0 and this_experiment is not None:
        return Target("experiment", this_experiment, line=line, column=start, end_column=end)
    if "." in name:
        cut = name.find(".", column - start)
        name = name if cut < 0 else name[:cut]
        end = start + len(name)
    info = resolve_name(index, text, name)
    if info is not None:
        return Target("class", info.qualname, line=line, column=start, end_column=end)
    return None


def _experiment_files(index: Any) -> list[Path]:
    return sorted({Path(e.file).resolve() for e in index.experiments.values()})


def _text_of(path: Path, texts: dict[Path, str]) -> str | None:
    if path in texts:
        return texts[path]
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _uses_in(index: Any, text: str, file: str, target: Target) -> list[Ref]:
    module, _errors, _src = parse(text)
    out: list[Ref] = []
    for assign in module.assigns:
        for e in walk(assign.value):
            if isinstance(e, CallE):
                if target.kind == "class":
                    callee = e.callee
                    dotted = callee.name if isinstance(callee, NameE) else ".".join(callee.parts)
                    info = resolve_name(index, text, dotted)
                    if info is not None and info.qualname == target.name:
                        sp = callee.span
                        out.append(Ref(file, sp.line - 1, sp.column, sp.end_column))
                for k in e.kwargs:
                    v = k.value
                    if (
                        target.kind == "experiment"
                        and k.name == "base"
                        and isinstance(v, Lit)
                        and v.value == target.name
                    ):
                        out.append(
                            Ref(file, v.span.line - 1, v.span.column + 1, v.span.end_column - 1)
                        )
                    if target.kind in ("rule", "argument") and k.name == "patches":
                        out += _uri_uses(v, file, target)
    return out


def _uri_uses(value: Expr, file: str, target: Target) -> list[Ref]:
    out: list[Ref] = []
    if not isinstance(value, (ListE, TupleE)):
        return out
    for item in value.items:
        if not (isinstance(item, Lit) and isinstance(item.value, str)):
            continue
        rule_name, args = _uri_parts(item.value)
        if rule_name != (target.rule if target.kind == "argument" else target.name):
            continue
        start = item.span.column + 1  # after the quote
        line = item.span.line - 1
        if target.kind == "rule":
            out.append(Ref(file, line, start, start + len(rule_name)))
            continue
        for key, a, b in args:
            if key == target.name:
                out.append(Ref(file, line, start + a, start + b))
    return out


def references(
    index: Any, target: Target, texts: dict[Path, str], include_declaration: bool = True
) -> list[Ref]:
    """Every use of ``target`` in the repository's experiment files (and its declaration)."""
    out: list[Ref] = []
    if include_declaration:
        out += _declaration(index, target)
    for path in _experiment_files(index):
        cancel.check()  # a workspace-wide search: stop when the client gave up on it
        text = _text_of(path, texts)
        if text is not None:
            out += _uses_in(index, text, str(path), target)
    return out


def _root_file(index: Any, file: str) -> str:
    path = Path(file)
    if not path.is_absolute():
        path = Path(index.root) / path
    return str(path.resolve())


def _declaration(index: Any, target: Target) -> list[Ref]:
    if target.kind == "experiment":
        e = index.experiments.get(target.name)
        return [Ref(_root_file(index, e.file), 0, 0, 0)] if e is not None else []
    if target.kind == "rule":
        loc = index.rules[target.name].location
        return [Ref(_root_file(index, loc.file), max(0, loc.line - 1), loc.column, loc.column)]
    if target.kind == "class":
        info = index.lookup(target.name)
        if info is None:
            return []
        loc = info.location
        return [Ref(_root_file(index, loc.file), max(0, loc.line - 1), loc.column, loc.column)]
    param = _rule_parameter(index, target)
    return [param] if param is not None else []


def _rule_parameter(index: Any, target: Target) -> Ref | None:
    """Where a rule's parameter ``target.name`` is declared in its ``def``."""
    from graftlab_lsp.locate import parameter_location

    rule = index.rules.get(target.rule)
    if rule is None:
        return None
    loc = parameter_location(index, rule.location, target.name)
    if loc is None:
        return None
    file = _root_file(index, loc.file)
    return Ref(file, loc.line - 1, loc.column, loc.column + len(target.name))


def rename(index: Any, target: Target, new_name: str, texts: dict[Path, str]) -> RenamePlan:
    """The edits that rename ``target`` to ``new_name`` (experiments and rule arguments)."""
    if target.kind == "experiment":
        return _rename_experiment(index, target, new_name, texts)
    if target.kind == "argument":
        return _rename_argument(index, target, new_name, texts)
    raise RenameError(
        f"renaming a {target.kind} is not supported: rename experiments or rule arguments"
    )


def _add(plan: RenamePlan, ref: Ref, text: str) -> None:
    plan.edits.setdefault(ref.file, []).append(
        Edit(ref.line, ref.column, ref.line, ref.end_column, text)
    )


def _rename_experiment(
    index: Any, target: Target, new_name: str, texts: dict[Path, str]
) -> RenamePlan:
    if not _EXPERIMENT_NAME.match(new_name):
        raise RenameError(f"{new_name!r} is not an experiment name (letters, digits, _, - and /)")
    if new_name in index.experiments:
        raise RenameError(f"an experiment named {new_name!r} exists already")
    old = index.experiments[target.name]
    old_path = Path(_root_file(index, old.file))
    depth = target.name.count("/") + 1
    folder = old_path.parents[depth - 1]  # the experiments folder
    new_path = (folder / new_name).with_suffix(".py")
    plan = RenamePlan(rename_file=(str(old_path), str(new_path)))
    for ref in references(index, target, texts, include_declaration=False):
        _add(plan, ref, new_name)
    return plan


def _rename_argument(
    index: Any, target: Target, new_name: str, texts: dict[Path, str]
) -> RenamePlan:
    if not _NAME.match(new_name):
        raise RenameError(f"{new_name!r} is not a Python identifier")
    rule = index.rules.get(target.rule)
    if rule is None:
        raise RenameError(f"no patch rule named {target.rule!r}")
    if any(a.name == new_name for a in rule.args):
        raise RenameError(f"rule {target.rule!r} has an argument {new_name!r} already")
    plan = RenamePlan()
    for ref in references(index, target, texts, include_declaration=False):
        _add(plan, ref, new_name)
    param = _rule_parameter(index, target)
    if param is None:
        raise RenameError(f"the parameter {target.name!r} of {rule.function} was not found")
    source = _text_of(Path(param.file), texts)
    if source is None:
        raise RenameError(f"cannot read {param.file}")
    for line, col in _body_uses(source, param.line, target.name):
        _add(plan, Ref(param.file, line, col, col + len(target.name)), new_name)
    return plan


def _body_uses(source: str, def_line: int, name: str) -> list[tuple[int, int]]:
    """The parameter's declaration and its uses in the function that starts at ``def_line``
    (0-based): names not after a ``.`` and not a keyword in a call, plus its ``Args:`` entry."""
    lines = source.split("\n")
    start = def_line
    while start > 0 and not lines[start].lstrip().startswith(("def ", "async def ")):
        start -= 1
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    block = "\n".join(lines[start:end]) + "\n"
    out: list[tuple[int, int]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(block).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type == tokenize.STRING:
            arg_line = re.compile(rf"^(\s+){re.escape(name)}(\s*(?:\([^)]*\))?:)", re.M)
            for m in arg_line.finditer(tok.string):
                before = tok.string[: m.start(1) + len(m.group(1))]
                row = tok.start[0] - 1 + before.count("\n")
                col = len(before) - (before.rfind("\n") + 1)
                if before.count("\n") == 0:
                    col += tok.start[1]
                out.append((start + row, col))
            continue
        if tok.type != tokenize.NAME or tok.string != name:
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if prev is not None and prev.type == tokenize.OP and prev.string == ".":
            continue
        in_signature = tok.start[0] - 1 + start == def_line or _in_def(tokens, i)
        if (
            not in_signature
            and depth > 0
            and nxt is not None
            and nxt.type == tokenize.OP
            and nxt.string == "="
        ):
            continue  # another call's keyword argument
        out.append((start + tok.start[0] - 1, tok.start[1]))
    return out


def _in_def(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """Whether token ``i`` is in the ``def``'s parameter list (before its closing ``:``)."""
    depth = 0
    for tok in tokens[:i]:
        if tok.type == tokenize.OP and tok.string == "(":
            depth += 1
        elif tok.type == tokenize.OP and tok.string == ")":
            depth -= 1
            if depth == 0:
                return False
    return depth > 0
