"""Signature help: in a call, the class's (or function's) arguments with types and defaults
and the one being typed; inside a patch URI (``"rule?arg=|"``), the rule's arguments.

One backwards scan of the statement (``context.analyze``) finds the call or URI around the
cursor; the schema comes from the static index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graftlab_lsp import context as ctxmod
from graftlab_lsp.model import doc_lines
from graftlab_lsp.names import resolve_name


@dataclass
class Signature:
    """A signature's label, each parameter's (start, end) in the label, and which is active."""

    label: str
    documentation: str
    parameters: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, doc
    active: int | None = None


def type_text(type_: str) -> str:
    """A type as a signature shows it: a bound in parentheses (``int (>= 1 and <= 4096)``),
    never after a comma that would read as the next parameter."""
    head, sep, rest = type_.partition(", ")
    if sep and rest[:1] in "<>=!" and head.count("[") == head.count("]"):
        return f"{head} ({rest})"
    return type_


def _param_text(a: Any) -> str:
    star = "*" if a.kind == "var_positional" else ""
    text = f"{star}{a.name}: {type_text(a.type)}"
    return text if a.required or a.default is None else f"{text} = {a.default}"


def _build(head: str, args: list[Any], sep: str, close: str, doc: str) -> Signature:
    label = head
    params = []
    for i, a in enumerate(args):
        if i:
            label += sep
        part = _param_text(a)
        params.append((len(label), len(label) + len(part), a.help))
        label += part
    return Signature(label + close, doc, params)


def signature_help(index: Any, text: str, line: int, column: int) -> Signature | None:
    """The signature around the cursor (0-based line, code-point column), or None."""
    if index is None:
        return None
    lines = doc_lines(text)
    if line >= len(lines):
        return None
    ctx = ctxmod.analyze(lines, line, column)
    frames = ctx.frames
    if ctx.in_string:
        if (
            frames
            and frames[0].bracket == "["
            and len(frames) > 1
            and frames[1].keyword == "patches"
            and "?" in ctx.string_text
        ):
            return _rule_signature(index, ctx.string_text)
        return None
    for depth, frame in enumerate(frames):
        if frame.bracket != "(" or not frame.callee:
            continue
        info = resolve_name(index, text, frame.callee)
        if info is None:
            return None
        args = [a for a in info.args if a.kind != "var_keyword"]
        name = frame.callee.split(".")[-1]
        sig = _build(f"{name}(", args, ", ", ")", info.doc)
        sig.active = _active_call(args, frame, inner=depth > 0)
        return sig
    return None


def _active_call(args: list[Any], frame: ctxmod.Frame, inner: bool) -> int | None:
    """The argument being typed: the keyword whose value holds the cursor, else the next
    positional one (when no keyword was given yet), else the first not given."""
    names = [a.name for a in args]
    if frame.keyword is not None:
        return names.index(frame.keyword) if frame.keyword in names else None
    if inner:
        return None
    if not frame.given and frame.positional < len(args):
        if args[frame.positional].kind != "keyword_only":
            return frame.positional
    taken = set(frame.given) | set(names[: frame.positional])
    return next((i for i, a in enumerate(args) if a.name not in taken), None)


def _rule_signature(index: Any, typed: str) -> Signature | None:
    name, _, query = typed.partition("?")
    rule = index.rules.get(name)
    if rule is None:
        return None
    sig = _build(f"{name}?", list(rule.args), "&", "", rule.doc)
    parts = query.split("&")
    last = parts[-1]
    names = [a.name for a in rule.args]
    if "=" in last:
        key = last.split("=", 1)[0]
        sig.active = names.index(key) if key in names else None
    else:
        positional = sum(1 for p in parts[:-1] if "=" not in p)
        given = {p.split("=", 1)[0] for p in parts[:-1] if "=" in p}
        if not given and positional < len(names):
            sig.active = positional
        else:
            sig.active = next((i for i, n in enumerate(names) if n not in given), None)
    return sig
