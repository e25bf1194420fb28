"""Completion: classes, keyword arguments, values that fit an argument's type, patch rules and
their arguments, base experiment names, modules and their exports.

Kept cheap: one backwards scan of the statement around the cursor (``context.analyze``) and
lookups in the index; nothing parses the whole document.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from graftlab_lsp import context as ctxmod
from graftlab_lsp.features.search_space import outside_candidates
from graftlab_lsp.model import Item, doc_lines
from graftlab_lsp.names import arg_of, resolve_name

_FROM_IMPORT = re.compile(r"\s*from\s+([\w.]+)\s+import\s+(.*)$")
_IMPORT = re.compile(r"\s*(?:from|import)\s+([\w.]*)$")


_LINES: tuple[str, list[str]] | None = None  # the last text completed in and its lines


def _lines_of(text: str) -> list[str]:
    """The text's lines, split once per text (each keystroke's completion asks again)."""
    global _LINES
    cached = _LINES
    if cached is not None and cached[0] is text:
        return cached[1]
    lines = doc_lines(text)
    _LINES = (text, lines)
    return lines


def complete(index: Any, text: str, line: int, column: int) -> list[Item]:
    """Completion items at a position (0-based line, code-point column)."""
    lines = _lines_of(text)
    ctx = ctxmod.analyze(lines, line, column)
    # inside the candidates of oneof([...]) / manyof(k, [...]): the argument's own values
    ctx.frames = outside_candidates(index, text, ctx.frames)
    line_text = lines[line] if line < len(lines) else ""
    end = min(column, len(line_text))  # matched up to the cursor, the line not copied
    m = _FROM_IMPORT.match(line_text, 0, end)
    if m:
        return exports(index, m.group(1))
    m = _IMPORT.match(line_text, 0, end)
    if m:
        return [Item(name, "module") for name in modules(index)]
    if ctx.in_string:
        return string_items(index, text, ctx)
    items = code_items(index, text, ctx)
    if "." in ctx.prefix:
        head = ctx.prefix.rsplit(".", 1)[0] + "."
        # new items: class items are shared between requests (see ``class_items``)
        items = [
            replace(item, replace_from=ctx.prefix_start) if item.label.startswith(head) else item
            for item in items
        ]
    return items


def code_items(index: Any, text: str, ctx: ctxmod.Context) -> list[Item]:
    frame = ctx.innermost
    if frame is None:
        return class_items(index, text, None)
    if frame.bracket == "(" and frame.callee:
        info = resolve_name(index, text, frame.callee)
        if info is not None and frame.keyword is None:
            return keyword_items(info, frame) + class_items(index, text, None, low=True)
        if info is not None and frame.keyword is not None:
            return value_items(index, text, arg_of(info, frame.keyword))
    if frame.bracket == "[" and len(ctx.frames) > 1:
        outer = ctx.frames[1]
        if outer.bracket == "(" and outer.callee and outer.keyword:
            arg = arg_of(resolve_name(index, text, outer.callee), outer.keyword)
            return value_items(index, text, arg, element=True)
    return class_items(index, text, None)


def modules(index: Any) -> list[str]:
    return list(index.module_names()) if index is not None else []


def exports(index: Any, module: str) -> list[Item]:
    """The names ``from module import`` may import."""
    if index is None:
        return []
    out = []
    for name, qual in sorted(index.exports(module).items()):
        info = index.lookup(qual) if not qual.startswith("module:") else None
        out.append(
            Item(
                name,
                info.kind if info else "module",
                detail=qual.removeprefix("module:"),
                documentation=info.doc if info else "",
            )
        )
    return out


def keyword_items(info: Any, frame: ctxmod.Frame) -> list[Item]:
    """The keyword arguments of a call not yet given (positionally or by name)."""
    positional_done = {a.name for a in info.args[: frame.positional]} if frame.positional else set()
    items = []
    for i, a in enumerate(info.args):
        if (
            a.name in frame.given
            or a.name in positional_done
            or a.kind in ("positional_only", "var_positional")
        ):
            continue
        default = "required" if a.required else f"default {a.default}"
        items.append(
            Item(
                f"{a.name}=",
                "keyword",
                detail=f"{a.type} ({default})",
                documentation=a.help,
                insert_text=f"{a.name}=",
                sort_text=f"0{i:03d}",
            )
        )
    return items


def value_items(index: Any, text: str, arg: Any, element: bool = False) -> list[Item]:
    """Values for an argument: its choices, then the classes its type accepts."""
    items: list[Item] = []
    if arg is None:
        return class_items(index, text, None)
    if not element:
        for c in arg.choices:
            items.append(Item(c, "value", detail=arg.type, sort_text=f"0{c}"))
    classes = list(arg.classes)
    if index is not None:
        for q in list(classes):
            classes += [s.qualname for s in index.subclasses(q)]
    if classes:
        items += class_items(index, text, set(classes))
    if not items:
        # ``Any`` (or a type the index cannot read): every class, the likeliest first
        items = [
            replace(item, sort_text=f"{fit(arg, item.detail)}{item.sort_text or item.label}")
            for item in class_items(index, text, None)
        ]
    return items


def class_items(index: Any, text: str, only: set[str] | None, low: bool = False) -> list[Item]:
    """The symbolic classes (those in ``only`` if given), with an import to add if needed.

    The items are shared by every request with the same classes and imports (a thousand
    were made again on each keystroke): never change one, make a new one (``replace``).
    """
    if index is None:
        return []
    table = ctxmod.imports(text)
    local = {}
    for local_name, (module, name) in table.items():
        if name is not None:
            info = index.resolve(module, name)
            if info is not None:
                local[info.qualname] = local_name
    rows = _class_rows(index)
    key = (
        id(index),
        tuple(sorted(local.items())),
        frozenset(table),
        None if only is None else frozenset(only),
        low,
    )
    cached = _CLASS_ITEMS.get(key)
    if cached is not None and cached[0] is rows:
        return list(cached[1])
    items = _make_class_items(rows, table, local, only, low)
    if len(_CLASS_ITEMS) >= 64:
        _CLASS_ITEMS.clear()
    _CLASS_ITEMS[key] = (rows, tuple(items))
    return items


# (index, imports, classes asked for, rank) -> (the rows they were made from, the items)
_CLASS_ITEMS: dict[tuple[Any, ...], tuple[list[tuple[Any, str, str]], tuple[Item, ...]]] = {}


def _make_class_items(
    rows: list[tuple[Any, str, str]],
    table: dict[str, tuple[str, str | None]],
    local: dict[str, str],
    only: set[str] | None,
    low: bool,
) -> list[Item]:
    items = []
    rank = "2" if low else "1"
    for info, detail, import_line in rows:
        if only is not None and info.qualname not in only:
            continue
        label = local.get(info.qualname, info.name)
        item = Item(label, info.kind, detail=detail, documentation=info.doc, sort_text=rank + label)
        if info.qualname not in local:
            if label in table:
                continue  # the name is taken by another import
            item.import_line = import_line
        items.append(item)
    return items


# index -> (the classes it was built from, the rows): rebuilt when the index changes
_ROWS: dict[int, tuple[Any, list[tuple[Any, str, str]]]] = {}


def _class_rows(index: Any) -> list[tuple[Any, str, str]]:
    """Each offered class with its detail and import line, computed once per index version
    (a thousand classes' signatures were joined again on every keystroke)."""
    classes = index.classes  # replaced whole (never changed in place) when the index changes
    cached = _ROWS.get(id(index))
    if cached is not None and cached[0] is classes:
        return cached[1]
    rows = []
    for info in index.symbolic_classes():
        if info.kind == "enum" or info.name.startswith("_"):
            continue
        sig = ", ".join(a.name for a in info.args[:6]) + (", ..." if len(info.args) > 6 else "")
        rows.append((info, f"{info.qualname}({sig})", f"from {info.module} import {info.name}"))
    if len(_ROWS) >= 8:
        _ROWS.clear()
    _ROWS[id(index)] = (classes, rows)
    return rows


def string_items(index: Any, text: str, ctx: ctxmod.Context) -> list[Item]:
    """Inside a string: patch URIs, base experiment names, a ``Literal``'s strings."""
    frames = ctx.frames
    items: list[Item] = []
    start = ctx.string_start
    # patches=["<here>"] in Derived(...)
    if (
        frames
        and frames[0].bracket == "["
        and len(frames) > 1
        and frames[1].callee
        and frames[1].keyword == "patches"
    ):
        items = uri_items(index, ctx.string_text, start)
    elif frames and frames[0].bracket == "(" and frames[0].keyword == "base":
        if index is not None:
            items = [
                Item(n, "experiment", detail=e.file, replace_from=start)
                for n, e in sorted(index.experiments.items())
            ]
    elif frames and frames[0].bracket == "(" and frames[0].callee and frames[0].keyword:
        # a Literal's string choices, typed inside the quotes
        info = resolve_name(index, text, frames[0].callee)
        arg = arg_of(info, frames[0].keyword)
        if arg is not None:
            choices = list(arg.choices)
            if info.qualname == "graftlab.hyper.primitives.floatv" and arg.name == "scale":
                choices = ["'linear'", "'log'"]  # typed ``str``, checked at run time
            for c in choices:
                if len(c) >= 2 and c[0] == c[-1] and c[0] in "'\"":
                    items.append(
                        Item(
                            c[1:-1],
                            "value",
                            detail=arg.type,
                            sort_text=f"0{c}",
                            replace_from=start,
                        )
                    )
    return items


def uri_items(index: Any, typed: str, start: int = 0) -> list[Item]:
    """Rule names, then a rule's argument names, then an argument's values, in a patch URI."""
    if index is None:
        return []
    if "?" not in typed:
        return [
            Item(
                name,
                "rule",
                detail=f"{name}?" + "&".join(f"{a.name}=" for a in r.args),
                documentation=r.doc,
                replace_from=start,
            )
            for name, r in sorted(index.rules.items())
        ]
    name, _, query = typed.partition("?")
    rule = index.rules.get(name)
    if rule is None:
        return []
    last = query.split("&")[-1]
    last_start = start + len(typed) - len(last)
    given = {p.split("=", 1)[0] for p in query.split("&")[:-1] if "=" in p}
    positional = sum(1 for p in query.split("&")[:-1] if "=" not in p)
    if "=" in last:
        key = last.split("=", 1)[0]
        arg = next((a for a in rule.args if a.name == key), None)
        if arg is None:
            return []
        if key == "role":  # swap_role?role=, widen?role=: a role name
            return [
                Item(
                    role,
                    "value",
                    detail="role" + (f" ({', '.join(args)})" if args else ""),
                    documentation=doc,
                    replace_from=last_start + len(key) + 1,
                )
                for role, (args, doc) in sorted(index.role_vocabulary.items())
            ]
        return [
            Item(
                c.split(".")[-1] if "." in c else c.strip("'\""),
                "value",
                detail=arg.type,
                replace_from=last_start + len(key) + 1,
            )
            for c in arg.choices
        ]
    return [
        Item(
            f"{a.name}=",
            "keyword",
            detail=f"{a.type}" + ("" if a.required else f" (default {a.default})"),
            documentation=a.help,
            replace_from=last_start,
        )
        for a in rule.args[positional:]
        if a.name not in given
    ]


def fit(arg: Any, detail: str) -> int:
    """How well a class (``detail`` is its ``qualname(args)``) fits an untyped argument:
    0 when its module or name says what the argument is (``model`` -> ``...models.MLP``),
    1 for the workspace's own classes, 2 for the rest."""
    qualname = detail.split("(", 1)[0].lower()
    word = arg.name.lower().rstrip("s")
    if len(word) >= 3 and word in qualname:
        return 0
    return 2 if qualname.startswith("graftlab.") else 1
