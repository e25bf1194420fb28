"""The index's scanner as it was when it read files with libcst: the reference the ast-based
scanner is checked against (tests only). Positions come from libcst's position metadata
(the scanner used a regular expression over the text, which missed classes indented in
module-level ``if``/``try`` blocks and was misled by ``class X`` inside strings).

The scanner's own documentation, as it was:

``scan_source`` makes two cheap passes over the module's top-level statements: the first
binds names (imports, including relative ones and those under ``if TYPE_CHECKING:``,
classes, functions, assignments), the second records classes (with their ``__init__``,
dataclass-style fields, enum members and decorators), functions (symbolized ones and patch
rules) and ``X = gl.symbolize(pkg.X)`` statements. The result is plain data, cached on disk
per file; cross-module meaning (is a class symbolic, what a name refers to) is decided later
by the resolver.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

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
from graftlab.index.typeexpr import TypeExpr, dotted_of

__all__ = [  # the records are re-exported: they used to live here
    "Decorator",
    "ExternalSymbolize",
    "ModuleScan",
    "RawClass",
    "RawField",
    "RawFunction",
    "RawParam",
    "clean_doc",
    "literal_roles",
    "parse_count",
    "scan_source",
]

_PARSES = 0

# --- what graftlab.index.cstexpr held --------------------------------------------------------

_EMPTY = cst.Module(body=[])


def source_of(node: cst.CSTNode) -> str:
    """The source text of a node (no position metadata needed)."""
    return _EMPTY.code_for_node(node)


def _cst_dotted(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _literal(node: cst.BaseExpression) -> TypeExpr | None:
    if isinstance(
        node, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.ConcatenatedString
    ) or (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus | cst.Plus)
        and isinstance(node.expression, cst.Integer | cst.Float)
    ):
        text = source_of(node)
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, MemoryError):
            return ["?", text]
        return ["l", text, repr(value), value if isinstance(value, str) else None]
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return ["l", node.value, node.value, None]
    return None


def convert(node: cst.BaseExpression) -> TypeExpr:
    """The type expression of an annotation (or of a value inside one)."""
    lit = _literal(node)
    if lit is not None:
        return lit
    name = _cst_dotted(node)
    if name is not None:
        return ["d", name]
    if isinstance(node, cst.Subscript):
        head = convert(node.value)
        args: list[TypeExpr] = []
        for el in node.slice:
            s = el.slice
            args.append(convert(s.value) if isinstance(s, cst.Index) else ["?", source_of(s)])
        return ["s", head, args]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        opts: list[TypeExpr] = []
        for side in (node.left, node.right):
            sub = convert(side)
            opts.extend(sub[1] if sub[0] == "u" else [sub])
        return ["u", opts]
    if isinstance(node, cst.Ellipsis):
        return ["e"]
    if isinstance(node, cst.List):
        return ["L", [convert(e.value) for e in node.elements]]
    if isinstance(node, cst.Tuple):
        return ["T", [convert(e.value) for e in node.elements]]
    if isinstance(node, cst.Call):
        pos = [convert(a.value) for a in node.args if a.keyword is None and not a.star]
        kws = [
            [a.keyword.value, convert(a.value)]
            for a in node.args
            if a.keyword is not None and not a.star
        ]
        return ["c", convert(node.func), pos, kws]
    return ["?", source_of(node)]


def convert_text(text: str) -> TypeExpr:
    """The type expression of a string annotation's text (``"list[Conv]"``)."""
    try:
        return convert(cst.parse_expression(text.strip()))
    except Exception:
        return ["?", text]


# --- the scanner ---------------------------------------------------------------------------------
_BLOCKS = (cst.If, cst.Try, cst.TryStar, cst.With)


def parse_count() -> int:
    """How many files were parsed with libcst in this process (the cache's test hook)."""
    return _PARSES


def _dotted(node: cst.BaseExpression) -> str | None:
    return dotted_of(convert(node)) if isinstance(node, cst.Name | cst.Attribute) else None


def _docstring(body: cst.BaseSuite) -> str | None:
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    first = body.body[0]
    if (
        isinstance(first, cst.SimpleStatementLine)
        and first.body
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        value = first.body[0].value.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _blocks_of(stmt: cst.BaseCompoundStatement) -> list[tuple[Sequence[cst.BaseStatement], bool]]:
    """Statement lists inside an ``if``/``try``/``with`` (and whether they run at runtime)."""
    out: list[tuple[Sequence[cst.BaseStatement], bool]] = []
    runs = True
    if isinstance(stmt, cst.If):
        test = _dotted(stmt.test) or ""
        runs = test.rpartition(".")[2] != "TYPE_CHECKING"
    if isinstance(stmt.body, cst.IndentedBlock):
        out.append((stmt.body.body, runs))
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        while orelse is not None:
            if isinstance(orelse.body, cst.IndentedBlock):
                out.append((orelse.body.body, True))
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    elif isinstance(stmt, cst.Try | cst.TryStar):
        for handler in stmt.handlers:
            if isinstance(handler.body, cst.IndentedBlock):
                out.append((handler.body.body, True))
        for extra in (stmt.orelse, stmt.finalbody):
            if extra is not None and isinstance(extra.body, cst.IndentedBlock):
                out.append((extra.body.body, True))
    return out


def _flat_statements(
    body: Sequence[cst.BaseStatement],
) -> list[tuple[int, cst.BaseStatement, bool]]:
    """Top-level statements (and those in module-level if/try/with), with their index."""
    out: list[tuple[int, cst.BaseStatement, bool]] = []

    def walk(stmts: Sequence[cst.BaseStatement], index: int | None, runs: bool) -> None:
        for i, stmt in enumerate(stmts):
            at = i if index is None else index
            if isinstance(stmt, _BLOCKS):
                for block, block_runs in _blocks_of(stmt):
                    walk(block, at, runs and block_runs)
            else:
                out.append((at, stmt, runs))

    walk(body, None, True)
    return out


class _Scanner:
    def __init__(self, text: str, module: str, path: str, is_package: bool) -> None:
        self.text = text
        self.scan = ModuleScan(module, path, is_package)
        self.positions: Any = {}

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        where = self.positions[node].start
        return where.line, where.column

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

    def resolve(self, dotted: str) -> str:
        head, sep, rest = dotted.partition(".")
        b = self.scan.bindings.get(head)
        if b is None:
            return dotted
        if b[0] in ("import", "tc"):
            return b[2] + sep + rest
        if b[0] in ("class", "def"):
            return b[2] + sep + rest
        if b[0] == "assign" and b[2] and b[2][0] == "d" and b[2][1] != dotted:
            return self.resolve(b[2][1]) + sep + rest  # sym = gl.symbolize
        return dotted

    # pass 1: bindings
    def bind_import(self, node: cst.Import | cst.ImportFrom, index: int, runs: bool) -> None:
        kind = "import" if runs else "tc"
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _dotted(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.bind(alias.asname.name.value, kind, index, full)
                else:
                    head = full.partition(".")[0]
                    self.bind(head, kind, index, head)
            return
        module = self.absolute(
            _dotted(node.module) or "" if node.module else "", len(node.relative)
        )
        if isinstance(node.names, cst.ImportStar):
            self.scan.star_imports.append(module)
            return
        if module == "__future__":
            if any(_dotted(a.name) == "annotations" for a in node.names):
                self.scan.future_annotations = True
            return
        for alias in node.names:
            name = _dotted(alias.name) or ""
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            self.bind(bound, kind, index, f"{module}.{name}" if module else name)

    def pass_bindings(self, stmts: list[tuple[int, cst.BaseStatement, bool]]) -> None:
        mod = self.scan.module
        for index, stmt, runs in stmts:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import | cst.ImportFrom):
                        self.bind_import(small, index, runs)
                    elif isinstance(small, cst.Assign) and runs:
                        value = convert(small.value) if _type_like(small.value) else None
                        for t in small.targets:
                            if isinstance(t.target, cst.Name):
                                self.bind(t.target.value, "assign", index, value)
                    elif isinstance(small, cst.AnnAssign) and runs and small.value is not None:
                        if isinstance(small.target, cst.Name):
                            value = convert(small.value) if _type_like(small.value) else None
                            self.bind(small.target.value, "assign", index, value)
            elif isinstance(stmt, cst.ClassDef):
                self.bind(
                    stmt.name.value, "class" if runs else "tc", index, f"{mod}.{stmt.name.value}"
                )
            elif isinstance(stmt, cst.FunctionDef):
                self.bind(
                    stmt.name.value, "def" if runs else "tc", index, f"{mod}.{stmt.name.value}"
                )

    # pass 2: definitions
    def decorator(self, dec: cst.Decorator) -> Decorator:
        expr = dec.decorator
        call = expr if isinstance(expr, cst.Call) else None
        func = call.func if call is not None else expr
        dotted = _dotted(func)
        if dotted is None:
            return Decorator("other")
        full = self.resolve(dotted)
        top = full.partition(".")[0]
        last = full.rpartition(".")[2]
        kw = {
            a.keyword.value: a.value for a in (call.args if call else ()) if a.keyword is not None
        }
        pos = [a.value for a in (call.args if call else ()) if a.keyword is None and not a.star]
        if top == "graftlab" and last == "symbolize":
            runtime = _strings(kw.get("runtime"))
            name = self.string(kw.get("name"))
            roles = literal_roles(kw.get("roles"))
            return Decorator("symbolize", runtime=runtime, name=name, roles=roles)
        if top == "graftlab" and last == "patcher":
            name = self.string(pos[0]) if pos else None
            opt = kw.get("optional")
            return Decorator(
                "patcher", name=name, optional=isinstance(opt, cst.Name) and opt.value == "True"
            )
        if full in ("dataclasses.dataclass", "flax.struct.dataclass"):

            def flag(key: str, default: bool) -> bool:
                v = kw.get(key)
                return default if not isinstance(v, cst.Name) else v.value == "True"

            return Decorator(
                "dataclass",
                frozen=flag("frozen", full == "flax.struct.dataclass"),
                kw_only=flag("kw_only", False),
                init=flag("init", True),
            )
        return Decorator("other", name=full)

    def string(self, node: cst.BaseExpression | None) -> str | None:
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            v = node.evaluated_value
            return v if isinstance(v, str) else None
        if isinstance(node, cst.Name):
            b = self.scan.bindings.get(node.value)
            if b and b[0] == "assign" and b[2] and b[2][0] == "l" and b[2][3] is not None:
                return b[2][3]
        return None

    def params(self, p: cst.Parameters) -> list[RawParam]:
        out: list[RawParam] = []

        def add(param: cst.Param, kind: str) -> None:
            ann = convert(param.annotation.annotation) if param.annotation else None
            default = source_of(param.default) if param.default is not None else None
            out.append(RawParam(param.name.value, kind, ann, default))

        for x in p.posonly_params:
            add(x, "positional_only")
        for x in p.params:
            add(x, "positional_or_keyword")
        if isinstance(p.star_arg, cst.Param):
            add(p.star_arg, "var_positional")
        for x in p.kwonly_params:
            add(x, "keyword_only")
        if p.star_kwarg is not None:
            add(p.star_kwarg, "var_keyword")
        return out

    def function(self, node: cst.FunctionDef, qual: str, index: int, top: bool) -> RawFunction:
        line, col = self.position(node)
        return RawFunction(
            node.name.value,
            qual,
            line,
            col,
            index,
            _docstring(node.body),
            self.params(node.params),
            [self.decorator(d) for d in node.decorators],
            convert(node.returns.annotation) if node.returns is not None else None,
        )

    def klass(self, node: cst.ClassDef, prefix: str, index: int, top: bool) -> None:
        qual = f"{prefix}{node.name.value}"
        line, col = self.position(node)
        rc = RawClass(
            node.name.value,
            qual,
            line,
            col,
            index,
            _docstring(node.body),
            [convert(a.value) for a in node.bases if a.keyword is None and not a.star],
            [self.decorator(d) for d in node.decorators],
        )
        self.scan.classes.append(rc)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                if stmt.name.value == "__init__":
                    rc.init = self.function(stmt, f"{qual}.__init__", index, False)
            elif isinstance(stmt, cst.ClassDef):
                self.klass(stmt, f"{qual}.", index, False)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        self.field(rc, small)
                    elif isinstance(small, cst.Assign):
                        for t in small.targets:
                            if isinstance(t.target, cst.Name):
                                rc.assigns.append([t.target.value, source_of(small.value)])

    def field(self, rc: RawClass, node: cst.AnnAssign) -> None:
        assert isinstance(node.target, cst.Name)
        name = node.target.value
        ann = convert(node.annotation.annotation)
        if (dotted_of(ann) or "").rpartition(".")[2] == "KW_ONLY":
            rc.kw_only_marker = len(rc.fields)
            return
        f = RawField(name, ann)
        v = node.value
        if v is None:
            pass
        elif isinstance(v, cst.Call) and self.resolve(_dotted(v.func) or "") in (
            "dataclasses.field",
            "flax.struct.field",
        ):
            for a in v.args:
                key = a.keyword.value if a.keyword is not None else None
                if key == "default":
                    f.default = source_of(a.value)
                elif key == "default_factory":
                    f.factory = True
                    f.default = "<factory>"
                elif key == "init" and isinstance(a.value, cst.Name):
                    f.init = a.value.value == "True"
                elif key == "kw_only" and isinstance(a.value, cst.Name):
                    f.kw_only = a.value.value == "True"
        else:
            f.default = source_of(v)
        rc.fields.append(f)

    def external(self, node: cst.Assign, index: int) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        call = node.value
        if not isinstance(call, cst.Call):
            return
        runtime: list[str] = []
        target: cst.BaseExpression | None = None
        func = call.func
        if isinstance(func, cst.Call):  # symbolize(runtime=...)(pkg.X)
            runtime = _strings(next((a.value for a in func.args if _kw(a) == "runtime"), None))
            roles = literal_roles(next((a.value for a in func.args if _kw(a) == "roles"), None))
            func = func.func
            target = call.args[0].value if call.args and call.args[0].keyword is None else None
        else:
            runtime = _strings(next((a.value for a in call.args if _kw(a) == "runtime"), None))
            roles = literal_roles(next((a.value for a in call.args if _kw(a) == "roles"), None))
            target = call.args[0].value if call.args and call.args[0].keyword is None else None
        dotted = _dotted(func)
        if dotted is None or target is None:
            return
        full = self.resolve(dotted)
        if full.partition(".")[0] != "graftlab" or full.rpartition(".")[2] != "symbolize":
            return
        target_name = _dotted(target)
        if target_name is None:
            return
        line = self.position(node)[0]
        self.scan.external.append(
            ExternalSymbolize(
                node.targets[0].target.value,
                self.resolve(target_name),
                runtime,
                index,
                line,
                roles,
            )
        )

    def pass_definitions(self, stmts: list[tuple[int, cst.BaseStatement, bool]]) -> None:
        for index, stmt, runs in stmts:
            if not runs:
                continue
            if isinstance(stmt, cst.ClassDef):
                self.klass(stmt, "", index, True)
            elif isinstance(stmt, cst.FunctionDef):
                if not stmt.decorators:
                    continue
                fn = self.function(stmt, stmt.name.value, index, True)
                if any(d.kind in ("symbolize", "patcher") for d in fn.decorators):
                    self.scan.functions.append(fn)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        self.external(small, index)


def _kw(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _strings(node: cst.BaseExpression | None) -> list[str]:
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        out = []
        for e in node.elements:
            if isinstance(e.value, cst.SimpleString | cst.ConcatenatedString):
                v = e.value.evaluated_value
                if isinstance(v, str):
                    out.append(v)
        return out
    if isinstance(node, cst.SimpleString):
        v = node.evaluated_value
        return [v] if isinstance(v, str) else []
    return []


def literal_roles(node: cst.BaseExpression | None) -> dict[str, dict[str, str | None]] | None:
    """A ``roles=`` argument written as literal data (a role name, a list of them, or
    ``{role: {role_arg: class_arg}}``), normalized; ``None`` when it is not literal."""
    if node is None:
        return None
    try:
        value = ast.literal_eval(source_of(node))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return normalize_roles(value)


def _type_like(node: cst.BaseExpression) -> bool:
    """Whether a module-level value may be a type alias or a constant worth keeping."""
    if isinstance(node, cst.Subscript | cst.Name | cst.Attribute | cst.Integer | cst.Float):
        return True
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.UnaryOperation):
        return True
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, cst.BitOr)
    if isinstance(node, cst.Call):
        name = _dotted(node.func) or ""
        return name.rpartition(".")[2] in ("TypeVar", "NewType")
    return False


def scan_source(text: str, module: str, path: str, is_package: bool = False) -> ModuleScan:
    """Scan one module's source; a syntax error gives a scan with ``error`` set."""
    global _PARSES
    _PARSES += 1
    sc = _Scanner(text, module, path, is_package)
    try:
        tree = cst.parse_module(text)
    except Exception as e:  # libcst raises ParserSyntaxError, and others on odd input
        sc.scan.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return sc.scan
    sc.positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    stmts = _flat_statements(tree.body)
    sc.pass_bindings(stmts)
    sc.pass_definitions(stmts)
    return sc.scan
