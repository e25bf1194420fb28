"""The language features as a pure service: (document text, position) -> result.

No LSP wiring here (see ``server``): the service works on plain text, 0-based lines and
code-point columns, the static schema index, and the worker's check results. That keeps
every feature testable without a client, as yaml-language-server and ruff do.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from graftlab.index.roles import describe as describe_roles
from graftlab.io.spans import Span
from graftlab.io.syntax import (
    AssignS,
    CallE,
    DictE,
    DottedE,
    Expr,
    ListE,
    Lit,
    NameE,
    TupleE,
    parse,
)
from graftlab.patching.uri import parse_uri
from graftlab_lsp import context as ctxmod
from graftlab_lsp.locate import argument_location


@dataclass
class Item:
    """A completion item (kinds: class, function, keyword, value, rule, module, experiment, enum)."""

    label: str
    kind: str
    detail: str = ""
    documentation: str = ""
    insert_text: str | None = None
    sort_text: str | None = None
    import_line: str | None = None  # an import to add for this item
    # the item replaces the line's text from this column to the cursor (a dotted name or a
    # string's content typed so far: editors take only the last word otherwise)
    replace_from: int | None = None


@dataclass
class Diag:
    """A diagnostic with a 0-based range and a code for quick fixes."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    severity: str = "error"  # error | warning | information
    code: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # related information: (file, 0-based line, column, message)
    related: list[tuple[str, int, int, str]] = field(default_factory=list)


@dataclass
class Symbol:
    """A document symbol: a name or key path and its range, with children."""

    name: str
    detail: str
    line: int
    column: int
    end_line: int
    end_column: int
    children: list[Symbol] = field(default_factory=list)


@dataclass
class Edit:
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass
class Action:
    title: str
    edits: list[Edit]
    diagnostic: Diag | None = None


def _span_diag(
    span: Span | None, message: str, code: str = "", data: dict[str, Any] | None = None
) -> Diag:
    if span is None:
        return Diag(0, 0, 0, 1, message, code=code, data=data or {})
    return Diag(
        span.line - 1,
        span.column,
        span.end_line - 1,
        max(span.end_column, span.column + 1 if span.line == span.end_line else span.end_column),
        message,
        code=code,
        data=data or {},
    )


class LanguageService:
    """Completion, hover, definition, symbols, diagnostics and quick fixes for experiment files."""

    def __init__(self, index: Any) -> None:
        self.index = index

    # -- names ------------------------------------------------------------------------------

    def _imports(self, text: str) -> dict[str, tuple[str, str | None]]:
        return ctxmod.imports(text)

    def resolve_name(self, text: str, dotted: str) -> Any:
        """The ClassInfo a (dotted) name in this document refers to, through its imports."""
        if self.index is None:
            return None
        parts = dotted.replace(" ", "").split(".")
        table = self._imports(text)
        head = table.get(parts[0])
        if head is None:
            return None
        module, name = head
        if name is not None:
            info = self.index.resolve(module, name)
            if info is None:
                # ``from pkg import submodule`` then ``submodule.Class``
                module = f"{module}.{name}"
                if len(parts) == 1:
                    return None
            else:
                if len(parts) == 1:
                    return info
                qual = f"{info.qualname}.{'.'.join(parts[1:])}"
                return self.index.lookup(qual)
        rest = parts[1:]
        for i in range(len(rest), 0, -1):
            mod = ".".join([module, *rest[: i - 1]]) if i > 1 else module
            found = self.index.resolve(mod, rest[i - 1]) if i == len(rest) else None
            if found is not None:
                return found
        return self.index.resolve(".".join([module, *rest[:-1]]), rest[-1]) if rest else None

    def _arg(self, info: Any, name: str) -> Any:
        return next((a for a in info.args if a.name == name), None) if info is not None else None

    # -- completion -------------------------------------------------------------------------

    def complete(self, text: str, line: int, column: int) -> list[Item]:
        """Completion items at a position (0-based line, code-point column)."""
        lines = doc_lines(text)
        ctx = ctxmod.analyze(lines, line, column)
        line_text = lines[line] if line < len(lines) else ""
        before = line_text[:column]
        m = re.match(r"\s*from\s+([\w.]+)\s+import\s+(.*)$", before)
        if m:
            return self._exports(m.group(1))
        m = re.match(r"\s*(?:from|import)\s+([\w.]*)$", before)
        if m:
            return [Item(name, "module") for name in self._modules()]
        if ctx.in_string:
            return self._string_items(text, ctx)
        items = self._code_items(text, ctx)
        if "." in ctx.prefix:
            head = ctx.prefix.rsplit(".", 1)[0] + "."
            for item in items:
                if item.label.startswith(head):
                    item.replace_from = ctx.prefix_start
        return items

    def _code_items(self, text: str, ctx: ctxmod.Context) -> list[Item]:
        frame = ctx.innermost
        if frame is None:
            return self._class_items(text, None)
        if frame.bracket == "(" and frame.callee:
            info = self.resolve_name(text, frame.callee)
            if info is not None and frame.keyword is None:
                return self._keyword_items(info, frame) + self._class_items(text, None, low=True)
            if info is not None and frame.keyword is not None:
                return self._value_items(text, self._arg(info, frame.keyword))
        if frame.bracket == "[" and len(ctx.frames) > 1:
            outer = ctx.frames[1]
            if outer.bracket == "(" and outer.callee and outer.keyword:
                arg = self._arg(self.resolve_name(text, outer.callee), outer.keyword)
                return self._value_items(text, arg, element=True)
        return self._class_items(text, None)

    def _modules(self) -> list[str]:
        return list(self.index.module_names()) if self.index is not None else []

    def _exports(self, module: str) -> list[Item]:
        if self.index is None:
            return []
        out = []
        for name, qual in sorted(self.index.exports(module).items()):
            info = self.index.lookup(qual) if not qual.startswith("module:") else None
            out.append(
                Item(
                    name,
                    info.kind if info else "module",
                    detail=qual.removeprefix("module:"),
                    documentation=info.doc if info else "",
                )
            )
        return out

    def _keyword_items(self, info: Any, frame: ctxmod.Frame) -> list[Item]:
        positional_done = (
            {a.name for a in info.args[: frame.positional]} if frame.positional else set()
        )
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

    def _value_items(self, text: str, arg: Any, element: bool = False) -> list[Item]:
        items: list[Item] = []
        if arg is None:
            return self._class_items(text, None)
        if not element:
            for c in arg.choices:
                items.append(Item(c, "value", detail=arg.type, sort_text=f"0{c}"))
        classes = list(arg.classes)
        if self.index is not None:
            for q in list(classes):
                classes += [s.qualname for s in self.index.subclasses(q)]
        if classes:
            items += self._class_items(text, set(classes))
        if not items:
            # ``Any`` (or a type the index cannot read): every class, the likeliest first
            items = self._class_items(text, None)
            for item in items:
                item.sort_text = f"{_fit(arg, item.detail)}{item.sort_text or item.label}"
        return items

    def _class_items(self, text: str, only: set[str] | None, low: bool = False) -> list[Item]:
        if self.index is None:
            return []
        table = self._imports(text)
        local = {}
        for local_name, (module, name) in table.items():
            if name is not None:
                info = self.index.resolve(module, name)
                if info is not None:
                    local[info.qualname] = local_name
        items = []
        for info in self.index.symbolic_classes():
            if only is not None and info.qualname not in only:
                continue
            if info.kind == "enum" or info.name.startswith("_"):
                continue
            label = local.get(info.qualname, info.name)
            sig = ", ".join(a.name for a in info.args[:6]) + (", ..." if len(info.args) > 6 else "")
            item = Item(
                label,
                info.kind,
                detail=f"{info.qualname}({sig})",
                documentation=info.doc,
                sort_text=("2" if low else "1") + label,
            )
            if info.qualname not in local:
                if label in table:
                    continue  # the name is taken by another import
                item.import_line = f"from {info.module} import {info.name}"
            items.append(item)
        return items

    def _string_items(self, text: str, ctx: ctxmod.Context) -> list[Item]:
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
            items = self._uri_items(ctx.string_text, start)
        elif frames and frames[0].bracket == "(" and frames[0].keyword == "base":
            if self.index is not None:
                items = [
                    Item(n, "experiment", detail=e.file, replace_from=start)
                    for n, e in sorted(self.index.experiments.items())
                ]
        elif frames and frames[0].bracket == "(" and frames[0].callee and frames[0].keyword:
            # a Literal's string choices, typed inside the quotes
            arg = self._arg(self.resolve_name(text, frames[0].callee), frames[0].keyword)
            if arg is not None:
                for c in arg.choices:
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

    def _uri_items(self, typed: str, start: int = 0) -> list[Item]:
        if self.index is None:
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
                for name, r in sorted(self.index.rules.items())
            ]
        name, _, query = typed.partition("?")
        rule = self.index.rules.get(name)
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
                    for role, (args, doc) in sorted(self.index.role_vocabulary.items())
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

    # -- hover and definition ------------------------------------------------------------------

    def _word_at(self, line_text: str, column: int) -> tuple[str, int, int] | None:
        for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", line_text):
            if m.start() <= column <= m.end():
                return m.group(), m.start(), m.end()
        return None

    def hover(
        self, text: str, line: int, column: int, derived: dict[str, Any] | None = None
    ) -> str | None:
        """Markdown for the thing under the cursor."""
        lines = doc_lines(text)
        if line >= len(lines):
            return None
        line_text = lines[line]
        ctx = ctxmod.analyze(lines, line, column)
        if ctx.in_string or _inside_string(line_text, column):
            uri = _string_at(line_text, column)
            if uri is not None:
                return self._hover_uri(uri, derived)
        word = self._word_at(line_text, column)
        if word is None:
            return None
        name, start, end = word
        after = line_text[end:].lstrip()
        if after.startswith("=") and not after.startswith("=="):
            frame = ctxmod.analyze(lines, line, start).innermost
            if frame is not None and frame.callee:
                info = self.resolve_name(text, frame.callee)
                arg = self._arg(info, name)
                if arg is not None:
                    return _arg_markdown(info, arg)
            if line_text.startswith(name) and name == "experiment" and derived:
                return _derived_markdown(derived)
        # a dotted name: hover the part under the cursor
        if "." in name:
            cut = name.find(".", column - start)
            name = name if cut < 0 else name[:cut]
        info = self.resolve_name(text, name)
        if info is not None:
            markdown = _class_markdown(info)
            roles = self.index.roles_of(info.qualname) if info.kind == "class" else {}
            return markdown + (f"\n\nroles: {describe_roles(roles)}" if roles else "")
        return None

    def _hover_uri(self, uri: str, derived: dict[str, Any] | None) -> str | None:
        try:
            parsed = parse_uri(uri)
        except Exception:
            return None
        rule = self.index.rules.get(parsed.name) if self.index is not None else None
        if rule is None:
            if self.index is not None and uri in self.index.experiments:
                e = self.index.experiments[uri]
                return f"**experiment** `{uri}` ({e.file})" + (
                    f", derived from `{e.base}`" if e.base else ""
                )
            return None
        text = f"**patch rule** `{rule.name}` — {rule.function}\n\n{rule.doc}\n\n"
        text += "\n".join(
            f"- `{a.name}`: {a.type}"
            + ("" if a.required else f" = {a.default}")
            + (f" — {a.help}" if a.help else "")
            for a in rule.args
        )
        if derived:
            written = [p for p, v in derived.get("provenance", {}).items() if v.get("uri") == uri]
            if written:
                text += "\n\n**sets:** " + ", ".join(f"`{p or '<root>'}`" for p in written[:20])
        return text

    def definition(self, text: str, line: int, column: int) -> Any:
        """A ``Location`` (file, line, column) for the class, argument, rule or base under the cursor."""
        lines = doc_lines(text)
        if line >= len(lines) or self.index is None:
            return None
        line_text = lines[line]
        if _inside_string(line_text, column):
            s = _string_at(line_text, column)
            if s is not None:
                if s in self.index.experiments:
                    from graftlab.index.model import Location

                    return Location(self.index.experiments[s].file, 1, 0)
                try:
                    rule = self.index.rules.get(parse_uri(s).name)
                except Exception:
                    rule = None
                if rule is not None:
                    return rule.location
            return None
        word = self._word_at(line_text, column)
        if word is None:
            return None
        name, start, end = word
        if line_text[end:].lstrip().startswith("=") and not line_text[end:].lstrip().startswith(
            "=="
        ):
            frame = ctxmod.analyze(lines, line, start).innermost
            if frame is not None and frame.callee:
                info = self.resolve_name(text, frame.callee)
                if info is not None:
                    arg = self._arg(info, name)
                    loc = argument_location(self.index, info, name) if arg is not None else None
                    return loc or info.location
        info = self.resolve_name(text, name)
        return info.location if info is not None else None

    # -- symbols --------------------------------------------------------------------------------

    def symbols(self, text: str) -> list[Symbol]:
        """The experiment tree by key path (from the last text that parsed)."""
        module, _errors, _src = parse(text)
        return [self._symbol(a.name, a.value, a.span) for a in module.assigns]

    def _symbol(self, name: str, e: Expr, span: Span) -> Symbol:
        detail = _short(e)
        sym = Symbol(name, detail, span.line - 1, span.column, span.end_line - 1, span.end_column)
        for key, child in _kids(e):
            sym.children.append(self._symbol(key, child, child.span))
        return sym

    # -- diagnostics and fixes ----------------------------------------------------------------------

    def static_diagnostics(self, text: str, file: str = "<string>") -> list[Diag]:
        """What the parser alone rejects (instant, no imports): syntax and disallowed constructs."""
        _module, errors, _src = parse(text, file)
        return [_span_diag(e.span, e.message, code=_code(e.message)) for e in errors]

    def index_diagnostics(self, text: str) -> list[Diag]:
        """What the static index alone can decide (restricted workspaces: nothing imported)."""
        from graftlab_lsp.static_check import index_diagnostics

        return index_diagnostics(self, text)

    def worker_diagnostics(self, result: dict[str, Any]) -> list[Diag]:
        """The loader's errors (from the worker) as diagnostics."""
        out = []
        for e in result.get("errors", []):
            span = Span(
                e.get("line", 1), e.get("column", 0), e.get("end_line", 1), e.get("end_column", 1)
            )
            out.append(
                _span_diag(
                    span, e["message"], code=_code(e["message"]), data={"path": e.get("path")}
                )
            )
        return out

    def code_actions(self, text: str, diagnostics: list[Diag]) -> list[Action]:
        """Quick fixes: did-you-mean replacements, missing required arguments, missing imports.

        The first action offered for a diagnostic is the preferred one.
        """
        actions: list[Action] = []
        lines = doc_lines(text)
        for d in diagnostics:
            m = re.search(r"did you mean ((?:'[^']+'(?: or )?)+)", d.message)
            if m:
                wrong = _misspelled(d.message[: m.start()])
                for choice in re.findall(r"'([^']+)'", m.group(1)):
                    actions.append(
                        Action(f"Change to '{choice}'", [_replace_word(lines, d, wrong, choice)], d)
                    )
                continue
            m = re.search(r"missing required argument '([^']+)'", d.message)
            if m:
                edits = self._add_argument(text, lines, d, m.group(1))
                if edits:
                    actions.append(Action(f"Add argument '{m.group(1)}'", edits, d))
                continue
            m = re.search(r"unknown name '([^']+)'", d.message)
            if m and self.index is not None:
                name = m.group(1)
                line = _import_insert_line(lines)
                table = self._imports(text)
                imported_from = {module for module, _n in table.values()}
                found = [info for info in self.index.symbolic_classes() if info.name == name]
                found += [info for info in self.index.enums() if info.name == name]
                # modules the file already imports from first, then the workspace's own
                found.sort(
                    key=lambda i: (
                        i.module not in imported_from,
                        i.module.startswith("graftlab."),
                        i.module,
                    )
                )
                for info in found:
                    actions.append(
                        Action(
                            f"Import {name} from {info.module}",
                            [Edit(line, 0, line, 0, f"from {info.module} import {name}\n")],
                            d,
                        )
                    )
        return actions

    def _add_argument(self, text: str, lines: list[str], d: Diag, name: str) -> list[Edit]:
        """Insert ``name=<a value that validates>`` into the call the diagnostic covers."""
        callee = _callee_at(lines, d)
        info = self.resolve_name(text, callee) if callee else None
        arg = self._arg(info, name)
        value, imports = self._placeholder(text, arg)
        edit = _insert_keyword(lines, d, name, value)
        if edit is None:
            return []
        edits = [edit]
        at = _import_insert_line(lines)
        for line in imports:
            edits.append(Edit(at, 0, at, 0, line + "\n"))
        return edits

    def _placeholder(self, text: str, arg: Any) -> tuple[str, list[str]]:
        """A value for a required argument that loads, and the imports it needs."""
        if arg is None:
            return "None", []
        table = self._imports(text)
        local = {}
        for local_name, (module, name) in table.items():
            if name is not None:
                local[f"{module}.{name}"] = local_name
        if arg.choices:
            choice = arg.choices[0]
            head, dot, member = choice.partition(".")
            if not dot or head in table or self.index is None:
                return choice, []
            for enum in self.index.enums():
                if enum.name == head and member in enum.members:
                    return choice, [f"from {enum.module} import {head}"]
            return choice, []
        base = arg.type.split(",")[0].strip()
        if arg.classes and self.index is not None:
            declared = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", base)
            infos = [self.index.lookup(q) for q in arg.classes]
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


def _fit(arg: Any, detail: str) -> int:
    """How well a class (``detail`` is its ``qualname(args)``) fits an untyped argument:
    0 when its module or name says what the argument is (``model`` -> ``...models.MLP``),
    1 for the workspace's own classes, 2 for the rest."""
    qualname = detail.split("(", 1)[0].lower()
    word = arg.name.lower().rstrip("s")
    if len(word) >= 3 and word in qualname:
        return 0
    return 2 if qualname.startswith("graftlab.") else 1


_BREAK = re.compile(r"\r\n|\r|\n")


def doc_lines(text: str) -> list[str]:
    """The document's lines as LSP counts them (``\n``, ``\r\n``, ``\r``; not U+2028)."""
    return _BREAK.split(text)


def _code(message: str) -> str:
    if "did you mean" in message:
        return "did-you-mean"
    if "missing required argument" in message:
        return "missing-argument"
    if "unknown name" in message:
        return "unknown-name"
    return ""


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


def _import_insert_line(lines: list[str]) -> int:
    last = 0
    for i, text in enumerate(lines):
        if re.match(r"(from|import)\s", text):
            last = i + 1
    return last


def _inside_string(line: str, column: int) -> bool:
    return _string_at(line, column) is not None


def _string_at(line: str, column: int) -> str | None:
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'', line):
        if m.start() < column <= m.end() - 1 or (m.start() < column and m.end() == column):
            return m.group(1) if m.group(1) is not None else m.group(2)
    return None


def _short(e: Expr) -> str:
    if isinstance(e, CallE):
        c = e.callee
        return (c.name if isinstance(c, NameE) else ".".join(c.parts)) + "(...)"
    if isinstance(e, ListE):
        return f"[{len(e.items)} items]"
    if isinstance(e, TupleE):
        return f"({len(e.items)} items)"
    if isinstance(e, DictE):
        return f"{{{len(e.keys)} keys}}"
    if isinstance(e, Lit):
        return repr(e.value)
    if isinstance(e, NameE):
        return e.name
    if isinstance(e, DottedE):
        return ".".join(e.parts)
    return ""


def _kids(e: Expr) -> list[tuple[str, Expr]]:
    if isinstance(e, CallE):
        return [(f"[{i}]", a) for i, a in enumerate(e.args)] + [(k.name, k.value) for k in e.kwargs]
    if isinstance(e, (ListE, TupleE)):
        return [(f"[{i}]", x) for i, x in enumerate(e.items)]
    if isinstance(e, DictE):
        return [(repr(k), v) for (k, _s), v in zip(e.keys, e.values, strict=True)]
    return []


def _class_markdown(info: Any) -> str:
    args = "\n".join(
        f"- `{a.name}`: {a.type}"
        + ("" if a.required else f" = `{a.default}`")
        + (f" — {a.help}" if a.help else "")
        for a in info.args
    )
    kind = {"class": "class", "function": "function", "enum": "enum"}.get(info.kind, info.kind)
    text = f"**{kind}** `{info.qualname}`\n\n{info.doc}".rstrip()
    if args:
        text += "\n\n" + args
    if info.members:
        text += "\n\nmembers: " + ", ".join(f"`{m}`" for m in info.members)
    return text


def _arg_markdown(info: Any, arg: Any) -> str:
    default = "required" if arg.required else f"default `{arg.default}`"
    text = f"**{info.name}.{arg.name}**: `{arg.type}` ({default})"
    if arg.help:
        text += f"\n\n{arg.help}"
    if arg.choices:
        text += "\n\none of: " + ", ".join(f"`{c}`" for c in arg.choices)
    return text


def _derived_markdown(derived: dict[str, Any]) -> str:
    text = "**materialized experiment**\n\n```python\n" + derived.get("materialized", "") + "```"
    prov = derived.get("provenance", {})
    if prov:
        text += "\n\n**set by the patch chain:**\n" + "\n".join(
            f"- `{p or '<root>'}` ← `{v['uri']}` (#{v['position']})"
            for p, v in list(prov.items())[:30]
        )
    return text


_ = (AssignS, difflib)
