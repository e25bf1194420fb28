"""One file → what it defines, read with the standard library's ``ast`` (nothing imported).

``scan_source`` makes two cheap passes over the module's top-level statements: the first
binds names (imports, including relative ones and those under ``if TYPE_CHECKING:``,
classes, functions, assignments), the second records classes (with their ``__init__``,
dataclass-style fields, enum members and decorators), functions (symbolized ones and patch
rules) and ``X = gl.symbolize(pkg.X)`` statements. The result is plain data, cached on disk
per file; cross-module meaning (is a class symbolic, what a name refers to) is decided later
by the resolver. Positions are 1-based lines and 0-based character columns; source text
(defaults, literal values) is recorded as ``astexpr`` reads it.
"""

from __future__ import annotations

import ast
import gc
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graftlab.index.astexpr import Exprs, call_arguments, dotted
from graftlab.index.records import (
    Decorator,
    ExternalSymbolize,
    ModuleScan,
    RawClass,
    RawField,
    RawFunction,
    RawParam,
    clean_doc,
)
from graftlab.index.roles import normalize_roles
from graftlab.index.sourcetext import SourceText
from graftlab.index.typeexpr import dotted_of

__all__ = [  # the records are re-exported: they used to live here
    "Decorator",
    "ExternalSymbolize",
    "ModuleScan",
    "RawClass",
    "RawField",
    "RawFunction",
    "RawParam",
    "clean_doc",
    "parse_count",
    "scan_source",
]

_PARSES = 0
_BLOCKS = (ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPOUND = (
    *_BLOCKS,
    *_DEFS,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Match,
)
# Between two statements that share a line: ``;`` (and whitespace, backslash continuations).
_JOINED = re.compile(r"[ \t\f]*(?:\\(?:\r\n?|\n)[ \t\f]*)*;[ \t\f]*(?:\\(?:\r\n?|\n)[ \t\f]*)*")
_Stmts = list[tuple[int, ast.stmt, bool]]


def parse_count() -> int:
    """How many files were parsed in this process (the cache's test hook)."""
    return _PARSES


class _Scanner:
    def __init__(self, text: str, module: str, path: str, is_package: bool) -> None:
        self.src = SourceText(text)
        self.ex = Exprs(self.src)
        self.scan = ModuleScan(module, path, is_package)

    # --- statements --------------------------------------------------------------------------

    def indented(self, body: list[ast.stmt]) -> bool:
        """Whether a suite is an indented block (``if x: y`` on one line is not read)."""
        return bool(body) and self.src.starts_line(body[0].lineno, body[0].col_offset)

    def docstring(self, body: list[ast.stmt]) -> str | None:
        if not self.indented(body):
            return None
        first = body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            return first.value.value
        return None

    def blocks_of(self, stmt: ast.stmt) -> list[tuple[list[ast.stmt], bool]]:
        """Statement lists inside an ``if``/``try``/``with`` (and whether they run at runtime):
        the bodies of ``elif`` branches count as running, an ``if`` nested in ``else`` is
        read as a statement of its own."""
        out: list[tuple[list[ast.stmt], bool]] = []
        runs = True
        if isinstance(stmt, ast.If):
            runs = (dotted(stmt.test) or "").rpartition(".")[2] != "TYPE_CHECKING"
        body: list[ast.stmt] = stmt.body  # type: ignore[attr-defined]
        if self.indented(body):
            out.append((body, runs))
        if isinstance(stmt, ast.If):
            orelse = stmt.orelse
            while orelse:
                first = orelse[0]
                if (
                    len(orelse) == 1
                    and isinstance(first, ast.If)
                    and self.src.text.startswith("elif", self.ex.start(first))
                ):
                    if self.indented(first.body):
                        out.append((first.body, True))
                    orelse = first.orelse
                    continue
                if self.indented(orelse):
                    out.append((orelse, True))
                break
        elif isinstance(stmt, ast.Try | ast.TryStar):
            for handler in stmt.handlers:
                if self.indented(handler.body):
                    out.append((handler.body, True))
            for extra in (stmt.orelse, stmt.finalbody):
                if self.indented(extra):
                    out.append((extra, True))
        return out

    def flat_statements(self, body: list[ast.stmt]) -> _Stmts:
        """Top-level statements (and those in module-level if/try/with), with the index of
        their top-level line (statements joined by ``;`` share one)."""
        out: _Stmts = []

        def walk(stmts: list[ast.stmt], index: int | None, runs: bool) -> None:
            for stmt in stmts:
                if isinstance(stmt, _BLOCKS):
                    for block, block_runs in self.blocks_of(stmt):
                        walk(block, index, runs and block_runs)
                else:
                    out.append((index, stmt, runs))  # type: ignore[arg-type]

        line = -1
        prev: ast.stmt | None = None
        for stmt in body:
            if not (prev is not None and self.joined(prev, stmt)):
                line += 1
            prev = stmt
            walk([stmt], line, True)
        return out

    def joined(self, prev: ast.stmt, stmt: ast.stmt) -> bool:
        """Whether two simple statements are written on one line, joined by ``;``."""
        if isinstance(prev, _COMPOUND) or isinstance(stmt, _COMPOUND):
            return False
        a, b = self.ex.end(prev), self.ex.start(stmt)
        return _JOINED.fullmatch(self.src.text, a, b) is not None

    # --- names -------------------------------------------------------------------------------

    def absolute(self, module: str, level: int) -> str:
        if level == 0:
            return module
        package = self.scan.module if self.scan.is_package else self.scan.module.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        base = ".".join(parts)
        return f"{base}.{module}" if base and module else base or module

    def bind(self, name: str, kind: str, index: int, target: Any) -> None:
        self.scan.bindings.setdefault(name, [kind, index, target])

    def resolve(self, name: str) -> str:
        head, sep, rest = name.partition(".")
        b = self.scan.bindings.get(head)
        if b is None:
            return name
        if b[0] in ("import", "tc", "class", "def"):
            return b[2] + sep + rest
        if b[0] == "assign" and b[2] and b[2][0] == "d" and b[2][1] != name:
            return self.resolve(b[2][1]) + sep + rest  # sym = gl.symbolize
        return name

    # --- pass 1: bindings ----------------------------------------------------------------------

    def bind_import(self, node: ast.Import | ast.ImportFrom, index: int, runs: bool) -> None:
        kind = "import" if runs else "tc"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    self.bind(alias.asname, kind, index, alias.name)
                else:
                    head = alias.name.partition(".")[0]
                    self.bind(head, kind, index, head)
            return
        module = self.absolute(node.module or "", node.level)
        if node.names and node.names[0].name == "*":
            self.scan.star_imports.append(module)
            return
        if module == "__future__":
            if any(a.name == "annotations" for a in node.names):
                self.scan.future_annotations = True
            return
        for alias in node.names:
            bound = alias.asname if alias.asname is not None else alias.name
            self.bind(bound, kind, index, f"{module}.{alias.name}" if module else alias.name)

    def assigned_value(self, value: ast.expr, anchor: int) -> Any:
        return self.ex.convert(value, anchor) if self.type_like(value) else None

    def pass_bindings(self, stmts: _Stmts) -> None:
        mod = self.scan.module
        for index, stmt, runs in stmts:
            self.ex.stmt = stmt
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                self.bind_import(stmt, index, runs)
            elif isinstance(stmt, ast.Assign) and runs:
                value = self.assigned_value(stmt.value, self.ex.end(stmt.targets[-1]))
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        self.bind(t.id, "assign", index, value)
            elif isinstance(stmt, ast.AnnAssign) and runs and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    value = self.assigned_value(stmt.value, self.ex.end(stmt.annotation))
                    self.bind(stmt.target.id, "assign", index, value)
            elif isinstance(stmt, ast.ClassDef):
                self.bind(stmt.name, "class" if runs else "tc", index, f"{mod}.{stmt.name}")
            elif isinstance(stmt, _DEFS):
                self.bind(stmt.name, "def" if runs else "tc", index, f"{mod}.{stmt.name}")

    # --- pass 2: definitions -------------------------------------------------------------------

    def decorator(self, expr: ast.expr) -> Decorator:
        call = expr if isinstance(expr, ast.Call) else None
        func = call.func if call is not None else expr
        name = dotted(func)
        if name is None:
            return Decorator("other")
        full = self.resolve(name)
        top = full.partition(".")[0]
        last = full.rpartition(".")[2]
        kw = {k.arg: k for k in (call.keywords if call else ()) if k.arg is not None}
        pos = [a for a in (call.args if call else ()) if not isinstance(a, ast.Starred)]
        if top == "graftlab" and last == "symbolize":
            runtime = self.strings(kw["runtime"].value if "runtime" in kw else None)
            alias = self.string(kw["name"].value if "name" in kw else None)
            roles = self.literal_roles(kw.get("roles"))
            return Decorator("symbolize", runtime=runtime, name=alias, roles=roles)
        if top == "graftlab" and last == "patcher":
            rule = self.string(pos[0]) if pos else None
            opt = kw.get("optional")
            return Decorator("patcher", name=rule, optional=opt is not None and _true(opt.value))
        if full in ("dataclasses.dataclass", "flax.struct.dataclass"):

            def flag(key: str, default: bool) -> bool:
                k = kw.get(key)
                return default if k is None else _flag(k.value, default)

            return Decorator(
                "dataclass",
                frozen=flag("frozen", full == "flax.struct.dataclass"),
                kw_only=flag("kw_only", False),
                init=flag("init", True),
            )
        return Decorator("other", name=full)

    def string(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            b = self.scan.bindings.get(node.id)
            if b and b[0] == "assign" and b[2] and b[2][0] == "l" and b[2][3] is not None:
                return b[2][3]
        return None

    def strings(self, node: ast.expr | None) -> list[str]:
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            out = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    e = e.value
                if isinstance(e, ast.Constant) and isinstance(e.value, str):
                    out.append(e.value)
            return out
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and not self.ex.concatenated(node)
        ):
            return [node.value]
        return []

    def literal_roles(self, kw: ast.keyword | None) -> dict[str, dict[str, str | None]] | None:
        """A ``roles=`` argument written as literal data (a role name, a list of them, or
        ``{role: {role_arg: class_arg}}``), normalized; ``None`` when it is not literal."""
        if kw is None:
            return None
        try:
            value = ast.literal_eval(self.ex.source(kw.value, self.ex.start(kw)))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        return normalize_roles(value)

    def params(self, a: ast.arguments) -> list[RawParam]:
        out: list[RawParam] = []

        def add(arg: ast.arg, kind: str, default: ast.expr | None = None) -> None:
            ann = (
                self.ex.convert(arg.annotation, self.ex.start(arg))
                if arg.annotation is not None
                else None
            )
            text = self.ex.source(default, self.ex.end(arg)) if default is not None else None
            out.append(RawParam(arg.arg, kind, ann, text))

        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults
        for i, arg in enumerate(positional):
            kind = "positional_only" if i < len(a.posonlyargs) else "positional_or_keyword"
            add(arg, kind, defaults[i])
        if a.vararg is not None:
            add(a.vararg, "var_positional")
        for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            add(arg, "keyword_only", default)
        if a.kwarg is not None:
            add(a.kwarg, "var_keyword")
        return out

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qual: str, index: int
    ) -> RawFunction:
        returns = None
        if node.returns is not None:
            a = node.args
            ends = [self.ex.start(node)]
            for x in (*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg):
                if x is not None:
                    ends.append(self.ex.end(x))
            ends += [self.ex.end(d) for d in (*a.defaults, *a.kw_defaults) if d is not None]
            returns = self.ex.convert(node.returns, max(ends))
        return RawFunction(
            node.name,
            qual,
            node.lineno,
            self.src.column(node.lineno, node.col_offset),
            index,
            self.docstring(node.body),
            self.params(node.args),
            [self.decorator(d) for d in node.decorator_list],
            returns,
        )

    def klass(self, node: ast.ClassDef, prefix: str, index: int) -> None:
        self.ex.stmt = node
        qual = f"{prefix}{node.name}"
        bases: list[Any] = []
        at, opened = self.ex.start(node), 1
        for b in sorted([*node.bases, *node.keywords], key=lambda x: (x.lineno, x.col_offset)):
            if isinstance(b, ast.expr) and not isinstance(b, ast.Starred):
                bases.append(self.ex.convert(b, at, opened))
            at, opened = self.ex.end(b), 0
        rc = RawClass(
            node.name,
            qual,
            node.lineno,
            self.src.column(node.lineno, node.col_offset),
            index,
            self.docstring(node.body),
            bases,
            [self.decorator(d) for d in node.decorator_list],
        )
        self.scan.classes.append(rc)
        body = node.body if self.indented(node.body) else ()
        for stmt in body:
            self.ex.stmt = stmt
            if isinstance(stmt, _DEFS):
                if stmt.name == "__init__":
                    rc.init = self.function(stmt, f"{qual}.__init__", index)
            elif isinstance(stmt, ast.ClassDef):
                self.klass(stmt, f"{qual}.", index)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                self.field(rc, stmt)
            elif isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        text = self.ex.source(stmt.value, self.ex.end(stmt.targets[-1]))
                        rc.assigns.append([t.id, text])

    def field(self, rc: RawClass, node: ast.AnnAssign) -> None:
        assert isinstance(node.target, ast.Name)
        ann = self.ex.convert(node.annotation, self.ex.end(node.target))
        if (dotted_of(ann) or "").rpartition(".")[2] == "KW_ONLY":
            rc.kw_only_marker = len(rc.fields)
            return
        f = RawField(node.target.id, ann)
        v = node.value
        if v is None:
            pass
        elif isinstance(v, ast.Call) and self.resolve(dotted(v.func) or "") in (
            "dataclasses.field",
            "flax.struct.field",
        ):
            for k in v.keywords:
                if k.arg == "default":
                    f.default = self.ex.source(k.value, self.ex.start(k))
                elif k.arg == "default_factory":
                    f.factory = True
                    f.default = "<factory>"
                elif k.arg == "init" and _named(k.value):
                    f.init = _true(k.value)
                elif k.arg == "kw_only" and _named(k.value):
                    f.kw_only = _true(k.value)
        else:
            f.default = self.ex.source(v, self.ex.end(node.annotation))
        rc.fields.append(f)

    def external(self, node: ast.Assign, index: int) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return
        call = node.value
        if not isinstance(call, ast.Call):
            return
        func = call.func
        options = call
        if isinstance(func, ast.Call):  # symbolize(runtime=...)(pkg.X)
            options = func
            func = func.func
        kw = {k.arg: k for k in reversed(options.keywords) if k.arg is not None}  # the first
        runtime = self.strings(kw["runtime"].value if "runtime" in kw else None)
        roles = self.literal_roles(kw.get("roles"))
        first = call_arguments(call)[:1]
        target: ast.expr | None = None
        if first:
            arg = first[0]
            if isinstance(arg, ast.keyword):
                target = arg.value if arg.arg is None else None
            else:
                target = arg.value if isinstance(arg, ast.Starred) else arg
        name = dotted(func)
        if name is None or target is None:
            return
        full = self.resolve(name)
        if full.partition(".")[0] != "graftlab" or full.rpartition(".")[2] != "symbolize":
            return
        target_name = dotted(target)
        if target_name is None:
            return
        self.scan.external.append(
            ExternalSymbolize(
                node.targets[0].id, self.resolve(target_name), runtime, index, node.lineno, roles
            )
        )

    def pass_definitions(self, stmts: _Stmts) -> None:
        for index, stmt, runs in stmts:
            if not runs:
                continue
            self.ex.stmt = stmt
            if isinstance(stmt, ast.ClassDef):
                self.klass(stmt, "", index)
            elif isinstance(stmt, _DEFS):
                if not stmt.decorator_list:
                    continue
                fn = self.function(stmt, stmt.name, index)
                if any(d.kind in ("symbolize", "patcher") for d in fn.decorators):
                    self.scan.functions.append(fn)
            elif isinstance(stmt, ast.Assign):
                self.external(stmt, index)

    def type_like(self, node: ast.expr) -> bool:
        """Whether a module-level value may be a type alias or a constant worth keeping."""
        if isinstance(node, ast.Subscript | ast.Name | ast.Attribute | ast.UnaryOp):
            return True
        if isinstance(node, ast.Constant):
            return node.value is not Ellipsis and not isinstance(node.value, complex)
        if isinstance(node, ast.JoinedStr):  # only as part of a concatenation
            return self.ex.concatenated(node)
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, ast.BitOr)
        if isinstance(node, ast.Call):
            return (dotted(node.func) or "").rpartition(".")[2] in ("TypeVar", "NewType")
        return False


def _named(node: ast.expr) -> bool:
    """A bare name as a flag's value (``True``, ``False``, ``None`` or a variable)."""
    return isinstance(node, ast.Name) or (
        isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool))
    )


def _true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _flag(node: ast.expr, default: bool) -> bool:
    return _true(node) if _named(node) else default


_GC_LOCK = threading.Lock()
_GC_PAUSES = [0, False]  # scans running, whether the collector was on before the first


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is parsed and read. A syntax tree is
    a few hundred thousand objects without a single cycle, freed by reference counting as
    soon as the scan returns; but allocating them triggers collections that walk the whole
    heap (in the language server, pygls's and lsprotocol's too): a third of a cold index
    build went there. Nested and concurrent scans are counted; the last one restores it."""
    with _GC_LOCK:
        if _GC_PAUSES[0] == 0:
            _GC_PAUSES[1] = gc.isenabled()
            gc.disable()
        _GC_PAUSES[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES[0] -= 1
            if _GC_PAUSES[0] == 0 and _GC_PAUSES[1]:
                gc.enable()


def scan_source(text: str, module: str, path: str, is_package: bool = False) -> ModuleScan:
    """Scan one module's source; a syntax error gives a scan with ``error`` set."""
    global _PARSES
    _PARSES += 1
    text = text.removeprefix("\ufeff")  # a byte order mark: not part of the code
    sc = _Scanner(text, module, path, is_package)
    with _collector_paused():
        try:
            with warnings.catch_warnings():  # invalid escapes in the file are not ours to report
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=path)
        except Exception as e:  # SyntaxError; ValueError/RecursionError/MemoryError on odd input
            sc.scan.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            return sc.scan
        stmts = sc.flat_statements(tree.body)
        sc.pass_bindings(stmts)
        sc.pass_definitions(stmts)
        sc.ex.stmt = None
        del tree, stmts  # freed here, while the collector is still paused
    return sc.scan
