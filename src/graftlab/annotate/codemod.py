"""The codemod: one file's source in, the annotated source and a report out.

The walk is deliberately plain: it visits statements only (never expressions), recursing into
class bodies and into ``if``/``try``/``with``/loop blocks, and rebuilds just the nodes on the
path to a change with ``with_changes``. Function bodies are scanned read-only, to report the
classes defined inside them. Unchanged files are returned as the original bytes, without
regenerating code at all.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections import defaultdict, deque
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import libcst as cst

from graftlab.annotate import selection as sel
from graftlab.annotate.errors import AnnotateSyntaxError
from graftlab.annotate.imports import (
    AliasTable,
    ImportPlan,
    apply_import,
    dotted_name,
    first_party_names,
    plan_import,
    scan_module,
)

_DEF_LINE = re.compile(r"^[ \t]*(?:async[ \t]+)?(class|def)[ \t]+(\w+)", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Annotation:
    """A class or function that received ``@symbolize``."""

    name: str
    kind: str
    category: str
    decorator: str
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Skip:
    """A candidate left alone, with a stable ``reason`` identifier and a human detail."""

    name: str
    kind: str
    reason: str
    detail: str = ""
    line: int = 0


@dataclasses.dataclass
class CodemodResult:
    """The outcome of annotating one source: new bytes, and what happened to each candidate."""

    source: bytes
    code: bytes
    annotations: list[Annotation] = dataclasses.field(default_factory=list)
    skips: list[Skip] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the output differs from the input."""
        return self.code != self.source


@dataclasses.dataclass
class _ClassInfo:
    """What later classes in the same file need to know about an earlier one."""

    kinds: frozenset[str]
    symbolized: bool


@lru_cache(maxsize=64)
def _decorator_node(spelling: str, runtime: tuple[str, ...]) -> cst.Decorator:
    expr: cst.BaseExpression = ImportPlan(spelling, "none").expression()
    if runtime:
        items = ", ".join(f'"{name}"' for name in runtime)
        expr = cst.parse_expression(f"{spelling}(runtime=({items},))")
    return cst.Decorator(decorator=expr)


def _decorator_text(spelling: str, runtime: tuple[str, ...]) -> str:
    if not runtime:
        return "@" + spelling
    items = ", ".join(f'"{name}"' for name in runtime)
    return f"@{spelling}(runtime=({items},))"


def _strip_call(expr: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(expr, cst.Call | cst.Subscript):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr


def _is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def _keyword_true(expr: cst.BaseExpression, keyword: str) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    return any(
        arg.keyword is not None
        and arg.keyword.value == keyword
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "True"
        for arg in expr.args
    )


def _defines_slots(node: cst.ClassDef) -> bool:
    """Whether the class body assigns ``__slots__`` (without ``__dict__`` in it)."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            targets = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value = small.value
            elif isinstance(small, cst.AnnAssign):
                targets = [small.target]
                value = small.value
            if any(isinstance(t, cst.Name) and t.value == "__slots__" for t in targets):
                text = cst.Module([]).code_for_node(value) if value is not None else ""
                return "__dict__" not in text
    return False


def _keyword_false(expr: cst.BaseExpression, keyword: str) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    return any(
        arg.keyword is not None and arg.keyword.value == keyword and _is_false(arg.value)
        for arg in expr.args
    )


class _Walker:
    """Walks one module's statements, deciding and applying annotations."""

    def __init__(
        self, config: sel.AnnotateConfig, aliases: AliasTable, plan: ImportPlan, text: str
    ) -> None:
        self.config = config
        self.aliases = aliases
        self.plan = plan
        self.text = text
        self.annotations: list[Annotation] = []
        self.skips: list[Skip] = []
        self.classes: dict[str, _ClassInfo] = {}
        self._lines: dict[tuple[str, str], deque[int]] | None = None

    # -- source lines, found by one regex pass instead of position metadata ------------------

    def _line(self, kind: str, name: str) -> int:
        if self._lines is None:
            table: dict[tuple[str, str], deque[int]] = defaultdict(deque)
            line, last = 1, 0
            for match in _DEF_LINE.finditer(self.text):
                line += self.text.count("\n", last, match.start())
                last = match.start()
                table[(match.group(1), match.group(2))].append(line)
            self._lines = table
        queue = self._lines.get((kind, name))
        return queue.popleft() if queue else 0

    # -- qualified names --------------------------------------------------------------------

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        name = dotted_name(_strip_call(expr))
        return None if name is None else self.aliases.resolve(name)

    def uses_linen(self) -> bool:
        """Whether this module imports Flax Linen (or ``flax`` itself)."""
        return any(
            full == "flax" or full.startswith("flax.linen") for full in self.aliases.names.values()
        )

    def is_symbolize(self, qualname: str | None) -> bool:
        return qualname is not None and (
            qualname == sel.SYMBOLIZE_NAME or qualname.endswith("." + sel.SYMBOLIZE_NAME)
        )

    def local_class(self, expr: cst.BaseExpression, scope: str) -> _ClassInfo | None:
        name = dotted_name(_strip_call(expr))
        if name is None:
            return None
        while True:
            info = self.classes.get(f"{scope}.{name}" if scope else name)
            if info is not None or not scope:
                return info
            scope = scope.rpartition(".")[0]

    # -- walking ----------------------------------------------------------------------------

    def walk_block(
        self, body: Sequence[cst.BaseStatement], scope: str, top: bool
    ) -> list[cst.BaseStatement] | None:
        """Annotate a statement list; return the new list, or ``None`` if nothing changed."""
        new_body: list[cst.BaseStatement] | None = None
        for index, stmt in enumerate(body):
            new = self.walk_statement(stmt, scope, top)
            if new is not None:
                if new_body is None:
                    new_body = list(body)
                new_body[index] = new
        return new_body

    def walk_statement(
        self, stmt: cst.BaseStatement, scope: str, top: bool
    ) -> cst.BaseStatement | None:
        if isinstance(stmt, cst.SimpleStatementLine):
            return None
        if isinstance(stmt, cst.ClassDef):
            return self.visit_class(stmt, scope)
        if isinstance(stmt, cst.FunctionDef):
            name = stmt.name.value
            line = self._line("def", name)
            new = self.visit_function(stmt, scope, line) if top else None
            if isinstance(stmt.body, cst.IndentedBlock):
                self._scan_nested(stmt.body.body, f"{scope}.{name}" if scope else name)
            return new
        return self.walk_compound(stmt, scope, top)

    def walk_suite(self, suite: cst.BaseSuite, scope: str, top: bool) -> cst.BaseSuite | None:
        if not isinstance(suite, cst.IndentedBlock):
            return None
        body = self.walk_block(suite.body, scope, top)
        return None if body is None else suite.with_changes(body=body)

    def walk_compound(
        self, stmt: cst.BaseStatement, scope: str, top: bool
    ) -> cst.BaseStatement | None:
        """Recurse into ``if``/``try``/``with``/``for``/``while``/``match`` blocks."""
        changes: dict[str, object] = {}
        if isinstance(stmt, cst.If) and _is_main_guard(stmt.test):
            # Script code under ``if __name__ == "__main__":`` is not API: leave it alone.
            for block in _child_blocks(stmt):
                self._consume_lines(block)
            return None
        if isinstance(stmt, cst.If):
            body = self.walk_suite(stmt.body, scope, top)
            if body is not None:
                changes["body"] = body
            if stmt.orelse is not None:
                orelse = (
                    self.walk_compound(stmt.orelse, scope, top)
                    if isinstance(stmt.orelse, cst.If)
                    else self._walk_else(stmt.orelse, scope, top)
                )
                if orelse is not None:
                    changes["orelse"] = orelse
        elif isinstance(stmt, cst.Try | cst.TryStar):
            body = self.walk_suite(stmt.body, scope, top)
            if body is not None:
                changes["body"] = body
            handlers = self._walk_clauses(stmt.handlers, scope, top)
            if handlers is not None:
                changes["handlers"] = handlers
            for field in ("orelse", "finalbody"):
                node = getattr(stmt, field)
                if node is not None:
                    new = self._walk_else(node, scope, top)
                    if new is not None:
                        changes[field] = new
        elif isinstance(stmt, cst.With | cst.For | cst.While):
            body = self.walk_suite(stmt.body, scope, top)
            if body is not None:
                changes["body"] = body
            orelse = getattr(stmt, "orelse", None)
            if orelse is not None:
                new = self._walk_else(orelse, scope, top)
                if new is not None:
                    changes["orelse"] = new
        elif isinstance(stmt, cst.Match):
            cases = self._walk_clauses(stmt.cases, scope, top)
            if cases is not None:
                changes["cases"] = cases
        return stmt.with_changes(**changes) if changes else None

    def _walk_clauses(self, clauses: Sequence[Any], scope: str, top: bool) -> list[Any] | None:
        """The clauses (``except`` handlers, ``case`` blocks) with their bodies walked; None
        when no body changed."""
        out = list(clauses)
        changed = False
        for i, clause in enumerate(out):
            body = self.walk_suite(clause.body, scope, top)
            if body is not None:
                out[i] = clause.with_changes(body=body)
                changed = True
        return out if changed else None

    def _walk_else(self, node: cst.CSTNode, scope: str, top: bool) -> cst.CSTNode | None:
        body = self.walk_suite(node.body, scope, top)  # type: ignore[attr-defined]
        return None if body is None else node.with_changes(body=body)

    def _consume_lines(self, body: Sequence[cst.BaseStatement]) -> None:
        """Advance the line table past the defs and classes of a block that is not walked."""
        for stmt in body:
            if isinstance(stmt, cst.ClassDef | cst.FunctionDef):
                self._line("class" if isinstance(stmt, cst.ClassDef) else "def", stmt.name.value)
            if not isinstance(stmt, cst.SimpleStatementLine):
                for block in _child_blocks(stmt):
                    self._consume_lines(block)

    def _scan_nested(self, body: Sequence[cst.BaseStatement], scope: str) -> None:
        """Report the classes defined inside a function body (read-only)."""
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                continue
            if isinstance(stmt, cst.ClassDef):
                name = stmt.name.value
                line = self._line("class", name)
                qualname = f"{scope}.<locals>.{name}"
                if any(self.is_symbolize(self.qualify(d.decorator)) for d in stmt.decorators):
                    self.skips.append(
                        Skip(qualname, "class", sel.ALREADY_SYMBOLIZED, "has @symbolize", line)
                    )
                else:
                    self.skips.append(
                        Skip(
                            qualname,
                            "class",
                            sel.NESTED_IN_FUNCTION,
                            "defined inside a function",
                            line,
                        )
                    )
                if isinstance(stmt.body, cst.IndentedBlock):
                    self._scan_nested(stmt.body.body, qualname)
            elif isinstance(stmt, cst.FunctionDef):
                self._line("def", stmt.name.value)
                if isinstance(stmt.body, cst.IndentedBlock):
                    self._scan_nested(stmt.body.body, f"{scope}.{stmt.name.value}")
            else:
                for block in _child_blocks(stmt):
                    self._scan_nested(block, scope)

    # -- classes ----------------------------------------------------------------------------

    def visit_class(self, node: cst.ClassDef, scope: str) -> cst.BaseStatement | None:
        name = node.name.value
        qualname = f"{scope}.{name}" if scope else name
        line = self._line("class", name)
        decision = self.decide_class(node, name, qualname, scope)
        kinds, symbolized, outcome = decision
        new_node: cst.ClassDef | None = None
        if isinstance(outcome, Skip):
            self.skips.append(dataclasses.replace(outcome, line=line))
        else:
            category, runtime, position = outcome
            decorators = list(node.decorators)
            decorators.insert(position, _decorator_node(self.plan.decorator, runtime))
            new_node = node.with_changes(decorators=decorators)
            self.annotations.append(
                Annotation(
                    qualname, "class", category, _decorator_text(self.plan.decorator, runtime), line
                )
            )
            symbolized = True
        self.classes[qualname] = _ClassInfo(kinds, symbolized)
        body = self.walk_suite(node.body, qualname, top=False)
        if body is not None:
            new_node = (new_node or node).with_changes(body=body)
        return new_node

    def decide_class(
        self, node: cst.ClassDef, name: str, qualname: str, scope: str
    ) -> tuple[frozenset[str], bool, Skip | tuple[str, tuple[str, ...], int]]:
        """Classify a class: its kinds, whether it is symbolic, and skip or annotate."""
        kinds: set[str] = set()
        inherited_from: str | None = None
        unknown_base = False
        for arg in node.bases:
            local = self.local_class(arg.value, scope)
            if local is not None:
                kinds |= local.kinds
                if local.symbolized and inherited_from is None:
                    inherited_from = dotted_name(_strip_call(arg.value))
                continue
            qual = self.qualify(arg.value)
            if qual is None:
                continue
            if qual in sel.ENUM_BASES:
                kinds.add(sel.ENUM)
            elif qual in sel.PROTOCOL_BASES:
                kinds.add(sel.PROTOCOL)
            elif qual in sel.TYPEDDICT_BASES:
                kinds.add(sel.TYPEDDICT)
            elif qual in sel.NAMEDTUPLE_BASES:
                kinds.add(sel.NAMEDTUPLE)
            elif qual in sel.PYTREE_BASES:
                kinds.add(sel.PYTREE_DATACLASS)
            elif qual in sel.NNX_BASES:
                kinds.add("nnx")
            elif qual in sel.LINEN_BASES or sel.is_linen_layer(qual):
                kinds.add("linen")
            elif sel.is_exception_base(qual, subclass=name):
                kinds.add(sel.EXCEPTION)
            elif qual in sel.METACLASS_BASES:
                kinds.add(sel.METACLASS)
            elif qual.partition(".")[0] not in ("builtins", "abc", "typing", "object"):
                unknown_base = True
        builder_position = -1
        already = False
        is_dataclass = False
        slots = False
        for index, decorator in enumerate(node.decorators):
            qual = self.qualify(decorator.decorator)
            if qual is None:
                continue
            if self.is_symbolize(qual):
                already = True
            elif qual in sel.PYTREE_DECORATORS:
                kinds.add(sel.PYTREE_DATACLASS)
            elif qual in sel.DATACLASS_DECORATORS:
                if builder_position < 0:
                    builder_position = index
                is_dataclass = not _keyword_false(decorator.decorator, "init")
                if _keyword_true(decorator.decorator, "slots"):
                    slots = True
        if (
            unknown_base
            and not kinds
            and not is_dataclass
            and _find_init(node) is None
            and self.uses_linen()
            and _has_fields(node, sel.LINEN_IMPLICIT_FIELDS)
        ):
            # A subclass of a Linen module defined in another file, adding fields: Flax makes
            # it a dataclass, so it has a generated __init__ (not "no-init").
            kinds.add("linen")
        frozen = frozenset(kinds)
        slots = slots or _defines_slots(node)

        def skip(reason: str, detail: str) -> tuple[frozenset[str], bool, Skip]:
            return frozen, reason == sel.ALREADY_SYMBOLIZED, Skip(qualname, "class", reason, detail)

        if already:
            return skip(sel.ALREADY_SYMBOLIZED, "has @symbolize")
        excluded = self.config.name_excluded(name, qualname)
        if excluded:
            return skip(sel.EXCLUDED, excluded)
        if sel.METACLASS in frozen:
            return skip(sel.METACLASS, "defines a metaclass (its instances are classes)")
        for reason in (
            sel.PYTREE_DATACLASS,
            sel.ENUM,
            sel.EXCEPTION,
            sel.PROTOCOL,
            sel.TYPEDDICT,
            sel.NAMEDTUPLE,
        ):
            if reason in frozen:
                return skip(reason, sel.SKIP_REASONS[reason])
        if slots:
            return skip(sel.SLOTS, sel.SKIP_REASONS[sel.SLOTS])
        for keyword in node.keywords:
            if keyword.keyword.value == "metaclass":
                meta = self.qualify(keyword.value) or "<expression>"
                if meta not in sel.ALLOWED_METACLASSES:
                    return skip(sel.METACLASS, f"metaclass={meta}")
        if "nnx" in frozen or "linen" in frozen:
            category = "flax"
        elif is_dataclass:
            category = sel.DATACLASSES
        else:
            category = sel.CLASSES
        if category not in self.config.select:
            return skip(sel.NOT_SELECTED, f"{category} not in --select")
        init = _find_init(node)
        runtime: tuple[str, ...] = ()
        if init is not None:
            ignore = sel.NNX_RUNTIME_PARAMS if "nnx" in frozen else ()
            params, varargs, runtime_found = _init_parameters(init, ignore)
            if "nnx" in frozen:
                runtime = runtime_found
            if not params:
                if varargs:
                    return skip(sel.VARARGS_ONLY, "__init__ takes only *args/**kwargs")
                return skip(sel.NO_HYPERPARAMETERS, "__init__ takes no parameters")
        elif is_dataclass or "linen" in frozen:
            ignore = sel.LINEN_IMPLICIT_FIELDS if "linen" in frozen else frozenset()
            if not _has_fields(node, ignore):
                if inherited_from is not None:
                    return skip(
                        sel.ALREADY_SYMBOLIZED, f"inherits @symbolize from {inherited_from}"
                    )
                return skip(sel.NO_HYPERPARAMETERS, "declares no fields")
        elif inherited_from is not None:
            return skip(sel.ALREADY_SYMBOLIZED, f"inherits @symbolize from {inherited_from}")
        else:
            return skip(sel.NO_INIT, "no __init__ of its own")
        position = builder_position if builder_position >= 0 else len(node.decorators)
        label = ("nnx" if "nnx" in frozen else "linen") if category == "flax" else category
        return frozen, True, (label, runtime, position)

    # -- functions --------------------------------------------------------------------------

    def visit_function(
        self, node: cst.FunctionDef, scope: str, line: int
    ) -> cst.FunctionDef | None:
        """Annotate a top-level factory function selected by name pattern."""
        name = node.name.value
        if scope or node.asynchronous is not None or not self.config.is_factory(name):
            return None
        if any(self.is_symbolize(self.qualify(d.decorator)) for d in node.decorators):
            self.skips.append(
                Skip(name, "function", sel.ALREADY_SYMBOLIZED, "has @symbolize", line)
            )
            return None
        excluded = self.config.name_excluded(name, name)
        if excluded:
            self.skips.append(Skip(name, "function", sel.EXCLUDED, excluded, line))
            return None
        params, varargs, _ = _parameters(node.params, skip_first=False, ignore=())
        if not params:
            reason = sel.VARARGS_ONLY if varargs else sel.NO_HYPERPARAMETERS
            detail = "takes only *args/**kwargs" if varargs else "takes no parameters"
            self.skips.append(Skip(name, "function", reason, detail, line))
            return None
        decorators = [*node.decorators, _decorator_node(self.plan.decorator, ())]
        self.annotations.append(
            Annotation(name, "function", sel.FUNCTIONS, "@" + self.plan.decorator, line)
        )
        return node.with_changes(decorators=decorators)


def _child_blocks(stmt: cst.BaseStatement) -> list[Sequence[cst.BaseStatement]]:
    """Statement lists directly inside a compound statement (not a def or class)."""
    out: list[Sequence[cst.BaseStatement]] = []
    for field in ("body",):
        suite = getattr(stmt, field, None)
        if isinstance(suite, cst.IndentedBlock):
            out.append(suite.body)
    if isinstance(stmt, cst.If) and stmt.orelse is not None:
        out.extend(_child_blocks(stmt.orelse) if isinstance(stmt.orelse, cst.If) else [])
        if isinstance(stmt.orelse, cst.Else) and isinstance(stmt.orelse.body, cst.IndentedBlock):
            out.append(stmt.orelse.body.body)
    if isinstance(stmt, cst.Try | cst.TryStar):
        for handler in stmt.handlers:
            if isinstance(handler.body, cst.IndentedBlock):
                out.append(handler.body.body)
    for field in ("orelse", "finalbody"):
        extra = getattr(stmt, field, None)
        if isinstance(extra, cst.Else | cst.Finally) and isinstance(extra.body, cst.IndentedBlock):
            out.append(extra.body.body)
    if isinstance(stmt, cst.Match):
        for case in stmt.cases:
            if isinstance(case.body, cst.IndentedBlock):
                out.append(case.body.body)
    return out


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0].comparator
    return (
        isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and isinstance(test.comparisons[0].operator, cst.Equal)
        and isinstance(target, cst.SimpleString)
        and target.evaluated_value == "__main__"
    )


def _find_init(node: cst.ClassDef) -> cst.FunctionDef | None:
    if not isinstance(node.body, cst.IndentedBlock):
        return None
    found = None
    for stmt in node.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
            found = stmt
    return found


def _parameters(
    params: cst.Parameters, skip_first: bool, ignore: Sequence[str]
) -> tuple[list[str], bool, tuple[str, ...]]:
    """Named parameters (minus ``self`` and ``ignore``), whether */** exist, ignored found."""
    named = [*params.posonly_params, *params.params, *params.kwonly_params]
    if skip_first and (params.posonly_params or params.params):
        named = named[1:]
    names: list[str] = []
    ignored: list[str] = []
    for param in named:
        if param.name.value in ignore:
            ignored.append(param.name.value)
        else:
            names.append(param.name.value)
    varargs = isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None
    return names, varargs, tuple(ignored)


def _init_parameters(
    init: cst.FunctionDef, ignore: Sequence[str]
) -> tuple[list[str], bool, tuple[str, ...]]:
    return _parameters(init.params, skip_first=True, ignore=ignore)


def _is_classvar(annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.SimpleString):
        return "ClassVar" in annotation.value or "KW_ONLY" in annotation.value
    name = dotted_name(_strip_call(annotation))
    return name is not None and name.rpartition(".")[2] in ("ClassVar", "KW_ONLY")


def _has_fields(node: cst.ClassDef, ignore: frozenset[str] | Sequence[str]) -> bool:
    """Tell whether a dataclass-like body declares at least one ``__init__`` field."""
    if not isinstance(node.body, cst.IndentedBlock):
        return False
    for stmt in node.body.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value not in ignore
                and not _is_classvar(small.annotation.annotation)
                and not (small.value is not None and _keyword_false(small.value, "init"))
            ):
                return True
    return False


def _syntax_error(source: bytes, path: str, error: cst.ParserSyntaxError) -> AnnotateSyntaxError:
    """Locate a syntax error; CPython's own parser gives the more precise position."""
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return AnnotateSyntaxError(
            f"syntax error: {exc.msg}", path, exc.lineno or 0, exc.offset or 0
        )
    except (ValueError, UnicodeDecodeError) as exc:
        return AnnotateSyntaxError(f"syntax error: {exc}", path, 1, 1)
    return AnnotateSyntaxError(
        f"syntax error: {error.message}", path, error.editor_line, error.editor_column
    )


def might_have_candidates(source: bytes, config: sel.AnnotateConfig) -> bool:
    """Cheap pre-filter: a file without ``class`` (or ``def``, for functions) has nothing."""
    if b"class" in source:
        return True
    return sel.FUNCTIONS in config.select and b"def" in source


def annotate_source(
    source: bytes | str,
    config: sel.AnnotateConfig | None = None,
    path: str = "<string>",
    *,
    analyze_only: bool = False,
) -> CodemodResult:
    """Annotate one module's source; raise :class:`AnnotateSyntaxError` if it is not Python.

    ``source`` is best given as bytes: the encoding (PEP 263 cookie, BOM) and line endings are
    then preserved byte for byte. With ``analyze_only`` the decisions are reported but no code
    is generated (``code`` is the input).
    """
    config = config or sel.AnnotateConfig()
    data = source.encode("utf-8") if isinstance(source, str) else source
    if not might_have_candidates(data, config):
        return CodemodResult(data, data)
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        raise _syntax_error(data, path, exc) from None
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        raise AnnotateSyntaxError(f"cannot decode: {exc}", path, 1, 1) from None
    scan = scan_module(module)
    text = data.decode(module.encoding, errors="replace")
    plan = plan_import(scan, len(module.body))
    walker = _Walker(config, scan.aliases, plan, text)
    new_body = walker.walk_block(module.body, "", top=True)
    if new_body is None or analyze_only:
        return CodemodResult(data, data, walker.annotations, walker.skips)
    first_use = next(
        i for i, (a, b) in enumerate(zip(module.body, new_body, strict=True)) if a is not b
    )
    if plan.action == "none" and plan.index >= first_use:
        # The existing import comes after the first decorated statement: redo with a new one.
        plan = plan_import(scan, first_use)
        walker = _Walker(config, scan.aliases, plan, text)
        new_body = walker.walk_block(module.body, "", top=True)
        assert new_body is not None
    first_party = first_party_names(path) if plan.action in ("from", "module") else frozenset()
    apply_import(new_body, plan, scan.docstring, first_use, first_party)
    code = module.with_changes(body=new_body).bytes
    return CodemodResult(data, code, walker.annotations, walker.skips)
