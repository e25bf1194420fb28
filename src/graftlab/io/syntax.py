"""Parsing an experiment file into the format's own small syntax tree.

Python's parser turns the text into a syntax tree (nothing is run); this module keeps only
the constructs the format allows and reports every other one with its position and a
sentence saying what is allowed there. Nothing is imported or built here.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Any

from graftlab.io import bulk as _bulk
from graftlab.io.errors import FormatError
from graftlab.io.limits import MAX_BYTES, MAX_DEPTH
from graftlab.io.spans import Span

# --- the format's syntax tree -----------------------------------------------------------


@dataclass(eq=False)
class Expr:
    span: Span


@dataclass(eq=False)
class Lit(Expr):
    value: Any


@dataclass(eq=False)
class BulkE(Lit):
    """A long literal list or dict parsed at C speed (see ``bulk``); ``value`` is built.

    ``text`` is the region's source, ``offset`` its start in the file, ``line``/``column``
    where it starts; ``expr()`` gives the region as ordinary syntax (for spans, formatting).
    """

    text: str
    line: int
    column: int
    size: int  # about how many values it holds (its commas), for the node limit

    def expr(self) -> Expr:
        """The region parsed as an ordinary list or dict (slow; on demand)."""
        sub = Source(self.text, "<region>")
        node = _Parser(sub).expr(_bulk.region_expr(self.text), 0)
        assert node is not None
        return _shift(node, self.line - 1, self.column)


@dataclass(eq=False)
class ListE(Expr):
    items: list[Expr]


@dataclass(eq=False)
class TupleE(Expr):
    items: list[Expr]


@dataclass(eq=False)
class DictE(Expr):
    keys: list[tuple[str, Span]]
    values: list[Expr]


@dataclass(eq=False)
class NameE(Expr):
    name: str


@dataclass(eq=False)
class DottedE(Expr):
    parts: list[str]


@dataclass(eq=False)
class KwArg:
    name: str
    name_span: Span
    value: Expr


@dataclass(eq=False)
class CallE(Expr):
    callee: NameE | DottedE
    args: list[Expr]
    kwargs: list[KwArg]


@dataclass(eq=False)
class ImportS:
    module: str
    alias: str | None
    span: Span

    @property
    def bound_name(self) -> str:
        return self.alias or self.module.split(".")[0]


@dataclass(eq=False)
class FromS:
    module: str
    names: list[tuple[str, str | None, Span]]
    span: Span


@dataclass(eq=False)
class AssignS:
    name: str
    name_span: Span
    value: Expr
    span: Span


@dataclass(eq=False)
class ModuleIR:
    docstring: str | None = None
    docstring_span: Span | None = None
    imports: list[ImportS | FromS] = field(default_factory=list)
    assigns: list[AssignS] = field(default_factory=list)


def docstring_of(stmt: ast.stmt) -> str | None:
    """The text of a statement that is a string literal alone (a docstring if it comes first)."""
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ):
        return stmt.value.value
    return None


def add_items(out: ModuleIR, items: list[ImportS | FromS | AssignS]) -> None:
    """Append a statement's items to the module's imports or assignments."""
    for item in items:
        if isinstance(item, AssignS):
            out.assigns.append(item)
        else:
            out.imports.append(item)


# --- text and positions -----------------------------------------------------------------


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of the text as Python's parser counts them: ``str.splitlines`` would also
    break at form feeds, ``\\x85``, ``\\u2028`` and others, which strings and comments may hold."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class Source:
    """The text of a file with helpers to turn parser offsets into spans."""

    def __init__(self, text: str, file: str, parsed: str | None = None) -> None:
        self.text = text
        self.file = file
        # the text Python parsed, if not ``text`` (literal regions blanked: same lines and
        # columns, but not the same bytes where a region held non-ASCII characters)
        self._parsed = parsed
        self._byte_lines: dict[int, bytes] = {}
        self._ascii = text.isascii()  # then parser byte offsets are already columns

    @functools.cached_property
    def lines(self) -> list[str]:
        """The file's lines (split when first needed: messages, non-ASCII columns)."""
        return split_lines(self.text)

    @functools.cached_property
    def _parsed_lines(self) -> list[str]:
        return split_lines(self._parsed) if self._parsed is not None else self.lines

    def line(self, n: int) -> str:
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    def _col(self, line: int, byte_col: int) -> int:
        if self._ascii:
            return byte_col
        lines = self._parsed_lines
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        if text.isascii():
            return byte_col
        raw = self._byte_lines.get(line)
        if raw is None:
            raw = self._byte_lines[line] = text.encode("utf-8")
        return len(raw[:byte_col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        if self._ascii:
            return Span(line, node.col_offset, end_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
        return Span(
            line,
            self._col(line, node.col_offset),  # type: ignore[attr-defined]
            end_line,
            self._col(end_line, node.end_col_offset or 0),  # type: ignore[attr-defined]
        )

    def error(
        self,
        message: str,
        span: Span | None,
        cls: type[FormatError] = FormatError,
        path: Any = None,
    ) -> FormatError:
        return cls(
            message,
            span,
            file=self.file,
            source_line=self.line(span.line) if span else "",
            path=path,
        )


def decode(data: bytes, file: str) -> str:
    """UTF-8 text of a file; undecodable bytes are an error at their line and column."""
    if len(data) > MAX_BYTES:
        raise FormatError(
            f"file is {len(data)} bytes; experiment files are limited to {MAX_BYTES} bytes",
            None,
            file=file,
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace"))
        raise FormatError(
            f"the file is not UTF-8 text (byte 0x{data[e.start]:02x}); experiment files must be UTF-8",
            Span(line, col, line, col + 1),
            file=file,
        ) from None


# --- parsing --------------------------------------------------------------------------


_TOP_LEVEL_HELP = (
    "only imports and assignments of the form `name = value` may stand at the top level"
)
_VALUE_HELP = (
    "a value may be a literal, a list, tuple or dict, a call of a symbolic class or function, "
    "or a name assigned earlier"
)


class _Parser:
    def __init__(
        self, src: Source, regions: dict[tuple[int, int], _bulk.Region] | None = None
    ) -> None:
        self.src = src
        self.errors: list[FormatError] = []
        self.regions = regions or {}  # placeholder position -> literal region
        self.used_regions = 0

    def err(self, message: str, node: ast.AST | Span) -> None:
        span = node if isinstance(node, Span) else self.src.span(node)
        self.errors.append(self.src.error(message, span))

    def module(self, tree: ast.Module) -> ModuleIR:
        out = ModuleIR()
        body = list(tree.body)
        if body and docstring_of(body[0]) is not None:
            out.docstring = docstring_of(body[0])
            out.docstring_span = self.src.span(body[0])
            body = body[1:]
        seen_assign = False
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) and seen_assign:
                self.err("imports must come before assignments", stmt)
            seen_assign = seen_assign or isinstance(stmt, ast.Assign)
            add_items(out, self.statement(stmt))
        return out

    def statement(self, stmt: ast.stmt) -> list[ImportS | FromS | AssignS]:
        """One top-level statement as the format's items (several for ``import a, b``),
        its errors noted; what depends on the statements around it (a docstring, imports
        after assignments) is the caller's."""
        if isinstance(stmt, ast.Import):
            return [ImportS(a.name, a.asname, self.src.span(a)) for a in stmt.names]
        if isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                self.err("relative imports are not allowed: write the full module name", stmt)
                return []
            names = []
            for alias in stmt.names:
                if alias.name == "*":
                    self.err("`import *` is not allowed: name what you import", alias)
                    continue
                names.append((alias.name, alias.asname, self.src.span(alias)))
            return [FromS(stmt.module or "", names, self.src.span(stmt))]
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                self.err(
                    "an assignment must have exactly one plain name on its left: `name = value`",
                    stmt,
                )
                return []
            target = stmt.targets[0]
            if target.id.startswith("__"):
                self.err(f"names starting with '__' are not allowed: {target.id!r}", target)
                return []
            value = self.expr(stmt.value, 0)
            if value is None:
                return []
            return [AssignS(target.id, self.src.span(target), value, self.src.span(stmt))]
        what = type(stmt).__name__.lower()
        if isinstance(stmt, ast.Expr):
            what = "an expression statement"
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            what = "a function definition"
        elif isinstance(stmt, ast.ClassDef):
            what = "a class definition"
        elif isinstance(stmt, ast.AnnAssign):
            what = "an annotated assignment"
        elif isinstance(stmt, ast.AugAssign):
            what = "an augmented assignment"
        self.err(f"{what} is not allowed here: {_TOP_LEVEL_HELP}", stmt)
        return []

    def expr(self, node: ast.expr, depth: int) -> Expr | None:
        if depth >= MAX_DEPTH:  # the assigned value is level 1
            self.err(f"values nest deeper than {MAX_DEPTH} levels", node)
            return None
        span = self.src.span(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None or isinstance(v, (int, float, str)):
                if isinstance(v, complex):
                    self.err("complex numbers are not allowed", node)
                    return None
                if type(v) is int and v.bit_length() > _MAX_INT_BITS and not _int_writable(v):
                    # hex, octal and binary literals are not limited by Python's parser
                    self.err(_int_limit_message(), node)
                    return None
                return Lit(span, v)
            if v is Ellipsis:
                self.err("`...` is not allowed: " + _VALUE_HELP, node)
            elif isinstance(v, bytes):
                self.err("bytes literals are not allowed: use a string", node)
            else:
                self.err(f"{type(v).__name__} literals are not allowed", node)
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = node.operand
            if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
                if self.expr(inner, depth) is None:  # e.g. over the integer digit limit
                    return None
                return Lit(span, -inner.value if isinstance(node.op, ast.USub) else inner.value)
            self.err("a sign (`-`, `+`) may only stand before a number", node)
            return None
        if isinstance(node, ast.List):
            items = [self.expr(e, depth + 1) for e in node.elts]
            return (
                None
                if any(i is None for i in items) or self._starred(node.elts)
                else ListE(span, items)
            )  # type: ignore[arg-type]
        if isinstance(node, ast.Tuple):
            items = [self.expr(e, depth + 1) for e in node.elts]
            return (
                None
                if any(i is None for i in items) or self._starred(node.elts)
                else TupleE(span, items)
            )  # type: ignore[arg-type]
        if isinstance(node, ast.Dict):
            keys: list[tuple[str, Span]] = []
            ok = True
            for k in node.keys:
                if k is None:
                    self.err("`**` unpacking is not allowed in a dict", node)
                    ok = False
                elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                    keys.append((k.value, self.src.span(k)))
                else:
                    self.err("dict keys must be string literals", k)
                    ok = False
            values = [self.expr(v, depth + 1) for v in node.values]
            if not ok or any(v is None for v in values):
                return None
            return DictE(span, keys, values)  # type: ignore[arg-type]
        if isinstance(node, ast.Name):
            if self.regions and node.id == "_":
                region = self.regions.get((span.line, span.column))
                if region is not None:
                    self.used_regions += 1
                    return self._bulk(region)
            if node.id.startswith("__"):
                self.err(f"names starting with '__' are not allowed: {node.id!r}", node)
                return None
            return NameE(span, node.id)
        if isinstance(node, ast.Attribute):
            parts = self._dotted(node)
            return DottedE(span, parts) if parts is not None else None
        if isinstance(node, ast.Call):
            return self.call(node, span, depth)
        self.err(f"{_describe(node)} is not allowed: {_VALUE_HELP}", node)
        return None

    def _bulk(self, r: _bulk.Region) -> BulkE:
        text = self.src.text
        line = text.count("\n", 0, r.start) + 1
        column = r.start - text.rfind("\n", 0, r.start) - 1
        end_line = line + text.count("\n", r.start, r.end)
        end_column = r.end - text.rfind("\n", 0, r.end) - 1
        region = text[r.start : r.end]
        span = Span(line, column, end_line, end_column)
        return BulkE(span, r.value, region, line, column, region.count(",") + 1)

    def _starred(self, elts: list[ast.expr]) -> bool:
        bad = [e for e in elts if isinstance(e, ast.Starred)]
        for e in bad:
            self.err("`*` unpacking is not allowed", e)
        return bool(bad)

    def _dotted(self, node: ast.expr) -> list[str] | None:
        parts: list[str] = []
        cur = node
        while isinstance(cur, ast.Attribute):
            if cur.attr.startswith("__"):
                self.err(f"dunder attributes are not allowed: {cur.attr!r}", cur)
                return None
            parts.append(cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name):
            self.err(
                "attribute access is only allowed on imported modules, classes and enums "
                "(`module.Class`, `Enum.MEMBER`)",
                node,
            )
            return None
        if cur.id.startswith("__"):
            self.err(f"names starting with '__' are not allowed: {cur.id!r}", cur)
            return None
        parts.append(cur.id)
        parts.reverse()
        return parts

    def call(self, node: ast.Call, span: Span, depth: int) -> Expr | None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id.startswith("__"):
                self.err(f"names starting with '__' are not allowed: {func.id!r}", func)
                return None
            callee: NameE | DottedE = NameE(self.src.span(func), func.id)
        elif isinstance(func, ast.Attribute):
            parts = self._dotted(func)
            if parts is None:
                return None
            callee = DottedE(self.src.span(func), parts)
        else:
            self.err("only symbolic classes and functions may be called, by name", func)
            return None
        ok = True
        args: list[Expr] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.err("`*` unpacking is not allowed in a call", a)
                ok = False
                continue
            e = self.expr(a, depth + 1)
            ok = ok and e is not None
            if e is not None:
                args.append(e)
        kwargs: list[KwArg] = []
        seen: set[str] = set()
        for kw in node.keywords:
            if kw.arg is None:
                self.err("`**` unpacking is not allowed in a call", kw)
                ok = False
                continue
            if kw.arg in seen:
                self.err(f"keyword argument {kw.arg!r} is given twice", kw)
                ok = False
            seen.add(kw.arg)
            e = self.expr(kw.value, depth + 1)
            ok = ok and e is not None
            kspan = self.src.span(kw)
            name_span = Span(kspan.line, kspan.column, kspan.line, kspan.column + len(kw.arg))
            if e is not None:
                kwargs.append(KwArg(kw.arg, name_span, e))
        return CallE(span, callee, args, kwargs) if ok else None


_MAX_INT_BITS = 14_000  # below this, every int has fewer than 4,300 decimal digits


def _int_writable(v: int) -> bool:
    try:
        repr(v)
    except ValueError:
        return False
    return True


def _int_limit_message() -> str:
    return (
        f"integer literals are limited to {sys.get_int_max_str_digits()} digits: "
        "write a smaller number"
    )


def _describe(node: ast.AST) -> str:
    names = {
        ast.Lambda: "a lambda",
        ast.ListComp: "a list comprehension",
        ast.SetComp: "a set comprehension",
        ast.DictComp: "a dict comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.JoinedStr: "an f-string",
        ast.BinOp: "arithmetic",
        ast.BoolOp: "a boolean operator",
        ast.Compare: "a comparison",
        ast.IfExp: "a conditional expression",
        ast.Subscript: "subscripting",
        ast.Set: "a set",
        ast.Starred: "`*` unpacking",
        ast.NamedExpr: "an assignment expression",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.Slice: "a slice",
        ast.UnaryOp: "this operator",
    }
    return names.get(type(node), f"a {type(node).__name__} expression")


def parse(
    text: str, file: str = "<string>", *, bulk: bool = False
) -> tuple[ModuleIR, list[FormatError], Source]:
    """The file's syntax tree and every construct error found (nothing is imported or run).

    ``bulk=True`` lets long literal lists and dicts of a large file come back as ``BulkE``
    nodes parsed at C speed (the loader's choice; tools that rewrite the text leave it off).
    """
    if bulk and "\x00" not in text and _bulk.usable(text):
        regions = _bulk.find_regions(text, MAX_DEPTH)
        if regions:
            done = _parse_with_regions(text, file, regions)
            if done is not None:
                return done
    src = Source(text, file)
    if "\x00" in text:
        i = text.index("\x00")
        line = text.count("\n", 0, i) + 1
        col = i - (text.rfind("\n", 0, i) + 1)
        return (
            ModuleIR(),
            [
                src.error(
                    "the file contains a NUL byte: it is not text", Span(line, col, line, col + 1)
                )
            ],
            src,
        )
    try:
        tree = _quiet_parse(text, file)
    except SyntaxError as e:
        line = e.lineno or 1
        col = max(0, (e.offset or 1) - 1)
        end_col = (
            max(col + 1, (e.end_offset or 0) - 1) if (e.end_lineno or line) == line else col + 1
        )
        msg = e.msg[0].lower() + e.msg[1:] if e.msg else "invalid syntax"
        if "integer string conversion" in msg:  # a decimal literal over the digit limit
            too_many = sys.get_int_max_str_digits() + 1
            long = re.search(rf"\d{{{too_many},}}", src.line(line))
            if long is not None:
                col, end_col = long.start(), long.end()
            return (
                ModuleIR(),
                [src.error(_int_limit_message(), Span(line, col, line, end_col))],
                src,
            )
        return ModuleIR(), [src.error(f"syntax error: {msg}", Span(line, col, line, end_col))], src
    except (RecursionError, MemoryError):
        return (
            ModuleIR(),
            [
                src.error(
                    f"the file nests too deeply to parse (the limit is {MAX_DEPTH} levels)",
                    Span(1, 0, 1, 1),
                )
            ],
            src,
        )
    except ValueError as e:  # e.g. an integer literal with too many digits
        return ModuleIR(), [src.error(f"cannot parse the file: {e}", Span(1, 0, 1, 1))], src
    p = _Parser(src)
    try:
        module = p.module(tree)
    except RecursionError:
        p.errors.append(src.error(f"values nest deeper than {MAX_DEPTH} levels", Span(1, 0, 1, 1)))
        module = ModuleIR()
    return module, p.errors, src


def _quiet_parse(text: str, file: str) -> ast.Module:
    """``ast.parse`` without the warnings Python gives for odd text (``"\\("`` is an invalid
    escape): a file being read is data, and its problems are reported as errors or not at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=file, type_comments=False)


def _parse_with_regions(
    text: str, file: str, regions: list[_bulk.Region]
) -> tuple[ModuleIR, list[FormatError], Source] | None:
    """Parse with literal regions blanked; ``None`` if Python did not see every placeholder
    where a value starts (then the plain parse decides)."""
    blanked = _bulk.blank(text, regions)
    try:
        tree = _quiet_parse(blanked, file)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    src = Source(text, file, parsed=blanked)
    p = _Parser(src, {(r.line, r.column): r for r in regions})
    try:
        module = p.module(tree)
    except RecursionError:
        return None
    if p.used_regions != len(regions):
        return None
    return module, p.errors, src


def _shift(e: Expr, lines: int, column: int) -> Expr:
    """Move the spans of a region's syntax (parsed on its own) to where it is in the file."""

    def move(span: Span) -> Span:
        return Span(
            span.line + lines,
            span.column + (column if span.line == 1 else 0),
            span.end_line + lines,
            span.end_column + (column if span.end_line == 1 else 0),
        )

    stack = [e]
    while stack:
        x = stack.pop()
        x.span = move(x.span)
        if isinstance(x, (ListE, TupleE)):
            stack.extend(x.items)
        elif isinstance(x, DictE):
            x.keys = [(k, move(ks)) for k, ks in x.keys]
            stack.extend(x.values)
    return e


def comments(text: str) -> list[tuple[int, int, str, bool]]:
    """Every comment as (line, column, text, stands_alone) — for ``graft fmt``."""
    out = []
    lines = split_lines(text)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                alone = not lines[line - 1][:col].strip()
                out.append((line, col, tok.string, alone))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out
