"""Imports: a cheap alias table, and adding the ``symbolize`` import to a module.

One pass over the module's top-level statements (and the ``if``/``try``/``with`` blocks at
module level) maps every imported name to its dotted qualified name, so that ``nn.Module``
under ``from flax import linen as nn`` reads as ``flax.linen.Module``. No libcst metadata
providers are involved: they cost an order of magnitude more than the parse itself.

The same pass finds the graftlab imports the file already has, which decide how the decorator
is spelled (``@symbolize``, ``@gl.symbolize``, ``@sym``) and whether a new import is needed.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import libcst as cst

GRAFTLAB = "graftlab"
SYMBOLIZE = "symbolize"
_STDLIB: frozenset[str] = frozenset(sys.stdlib_module_names) | {"__future__"}
_COMPOUND_WITH_BLOCKS = (cst.If, cst.Try, cst.TryStar, cst.With)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """Return ``a.b.c`` for a Name/Attribute chain, ``None`` for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def import_from_module(node: cst.ImportFrom) -> str:
    """Return the (possibly relative, dot-prefixed) module name of a ``from`` import."""
    dots = "." * len(node.relative)
    module = dotted_name(node.module) if node.module is not None else None
    return dots + (module or "")


@dataclasses.dataclass
class AliasTable:
    """Names bound at module level by imports, mapped to dotted qualified names."""

    names: dict[str, str] = dataclasses.field(default_factory=dict)

    def resolve(self, dotted: str) -> str:
        """Return the qualified name of a dotted expression (unchanged if not imported)."""
        head, sep, rest = dotted.partition(".")
        target = self.names.get(head)
        if target is None:
            return dotted
        return target + sep + rest if rest else target

    def add_import(self, node: cst.Import | cst.ImportFrom) -> None:
        """Record the names one import statement binds."""
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    head = full.partition(".")[0]
                    self.names[head] = head
            return
        if isinstance(node.names, cst.ImportStar):
            return
        module = import_from_module(node)
        prefix = module if module.endswith(".") else module + "."
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            self.names[bound] = prefix + name


@dataclasses.dataclass
class _ExistingImport:
    """An unconditional top-level import that binds graftlab or its ``symbolize``."""

    index: int
    kind: Literal["symbolize", "module", "from"]
    bound: str = ""


@dataclasses.dataclass
class ModuleScan:
    """What the import pass learned about a module."""

    aliases: AliasTable
    existing: list[_ExistingImport]
    bound_names: set[str]
    docstring: bool


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _blocks_of(stmt: cst.BaseCompoundStatement) -> list[Sequence[cst.BaseStatement]]:
    """The statement lists directly inside an ``if``/``try``/``with`` statement."""
    out: list[Sequence[cst.BaseStatement]] = []
    suite = stmt.body
    if isinstance(suite, cst.IndentedBlock):
        out.append(suite.body)
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        while orelse is not None:
            if isinstance(orelse, cst.If):
                if isinstance(orelse.body, cst.IndentedBlock):
                    out.append(orelse.body.body)
                orelse = orelse.orelse
            else:
                if isinstance(orelse.body, cst.IndentedBlock):
                    out.append(orelse.body.body)
                orelse = None
    elif isinstance(stmt, cst.Try | cst.TryStar):
        for handler in stmt.handlers:
            if isinstance(handler.body, cst.IndentedBlock):
                out.append(handler.body.body)
        for extra in (stmt.orelse, stmt.finalbody):
            if extra is not None and isinstance(extra.body, cst.IndentedBlock):
                out.append(extra.body.body)
    return out


def _scan_conditional(block: Sequence[cst.BaseStatement], aliases: AliasTable) -> None:
    for stmt in block:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    aliases.add_import(small)
        elif isinstance(stmt, _COMPOUND_WITH_BLOCKS):
            for inner in _blocks_of(stmt):
                _scan_conditional(inner, aliases)


def scan_module(module: cst.Module) -> ModuleScan:
    """Build the alias table and find existing graftlab imports, in one top-level pass."""
    aliases = AliasTable()
    existing: list[_ExistingImport] = []
    bound: set[str] = set()
    for index, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    aliases.add_import(small)
                    _note_graftlab(small, index, existing)
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            bound.add(target.target.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    bound.add(small.target.value)
        elif isinstance(stmt, cst.ClassDef | cst.FunctionDef):
            bound.add(stmt.name.value)
        elif isinstance(stmt, _COMPOUND_WITH_BLOCKS):
            for block in _blocks_of(stmt):
                _scan_conditional(block, aliases)
    bound.update(aliases.names)
    docstring = bool(module.body) and _is_docstring(module.body[0])
    return ModuleScan(aliases, existing, bound, docstring)


def _note_graftlab(
    node: cst.Import | cst.ImportFrom, index: int, existing: list[_ExistingImport]
) -> None:
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                if full == GRAFTLAB:
                    existing.append(_ExistingImport(index, "module", alias.asname.name.value))
            elif full == GRAFTLAB or full.startswith(GRAFTLAB + "."):
                existing.append(_ExistingImport(index, "module", GRAFTLAB))
        return
    module = import_from_module(node)
    if module != GRAFTLAB and not module.startswith(GRAFTLAB + "."):
        return
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        if dotted_name(alias.name) == SYMBOLIZE:
            bound = SYMBOLIZE
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            existing.append(_ExistingImport(index, "symbolize", bound))
    if module == GRAFTLAB:
        existing.append(_ExistingImport(index, "from"))


# --- the plan: how to spell the decorator and what import to add ----------------------------


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    """How the decorator is spelled, and which import change makes that name available.

    ``action`` is ``"none"`` (an existing import is reused), ``"merge"`` (add ``symbolize`` to
    the ``from graftlab import ...`` at ``index``), ``"from"`` (add
    ``from graftlab import symbolize``) or ``"module"`` (add ``import graftlab``, used when the
    name ``symbolize`` is taken by something else).
    """

    decorator: str
    action: Literal["none", "merge", "from", "module"]
    index: int = -1

    def expression(self) -> cst.BaseExpression:
        """Return the decorator expression (without arguments)."""
        head, _, attr = self.decorator.partition(".")
        if attr:
            return cst.Attribute(value=cst.Name(head), attr=cst.Name(attr))
        return cst.Name(head)


def plan_import(scan: ModuleScan, first_use: int) -> ImportPlan:
    """Choose the decorator spelling, reusing an import placed before ``first_use``."""
    usable = [e for e in scan.existing if e.index < first_use]
    for wanted in ("symbolize", "module"):
        for entry in usable:
            if entry.kind == wanted:
                name = entry.bound if wanted == "symbolize" else f"{entry.bound}.{SYMBOLIZE}"
                return ImportPlan(name, "none", entry.index)
    if SYMBOLIZE not in scan.bound_names:
        for entry in usable:
            if entry.kind == "from":
                return ImportPlan(SYMBOLIZE, "merge", entry.index)
        return ImportPlan(SYMBOLIZE, "from")
    if GRAFTLAB not in scan.bound_names:
        return ImportPlan(f"{GRAFTLAB}.{SYMBOLIZE}", "module")
    # Both names are taken by something else: reuse ``graftlab`` if it is the package.
    return ImportPlan(f"{GRAFTLAB}.{SYMBOLIZE}", "module")


# --- applying the plan ---------------------------------------------------------------------


def apply_import(
    body: list[cst.BaseStatement],
    plan: ImportPlan,
    docstring: bool,
    first_use: int,
    first_party: frozenset[str] = frozenset(),
) -> None:
    """Apply ``plan`` to a module body in place (``first_use``: first changed statement;
    ``first_party``: top-level names sorted after third-party imports)."""
    if plan.action == "none":
        return
    if plan.action == "merge":
        body[plan.index] = _merge_into(body[plan.index])
        return
    if plan.action == "from":
        new_import: cst.Import | cst.ImportFrom = cst.ImportFrom(
            module=cst.Name(GRAFTLAB), names=[cst.ImportAlias(cst.Name(SYMBOLIZE))]
        )
    else:
        new_import = cst.Import(names=[cst.ImportAlias(cst.Name(GRAFTLAB))])
    _insert_import(
        body, cst.SimpleStatementLine(body=[new_import]), docstring, first_use, first_party
    )


def _name_sort_keys(name: str) -> tuple[tuple[object, ...], ...]:
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return ((name,), (name.lower(), name), (kind, name.lower()))


def _merge_into(stmt: cst.BaseStatement) -> cst.BaseStatement:
    """Add ``symbolize`` to the ``from graftlab import ...`` in ``stmt``, keeping its order."""
    assert isinstance(stmt, cst.SimpleStatementLine)
    new_small: list[cst.BaseSmallStatement] = []
    done = False
    for small in stmt.body:
        if (
            not done
            and isinstance(small, cst.ImportFrom)
            and import_from_module(small) == GRAFTLAB
            and not isinstance(small.names, cst.ImportStar)
        ):
            small = small.with_changes(names=_merged_names(list(small.names)))
            done = True
        new_small.append(small)
    return stmt.with_changes(body=new_small)


def _merged_names(names: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    spelled = [dotted_name(a.name) or "" for a in names]
    position = len(names)
    for variant in range(3):
        keys = [_name_sort_keys(s)[variant] for s in spelled]
        if all(a <= b for a, b in itertools.pairwise(keys)):
            mine = _name_sort_keys(SYMBOLIZE)[variant]
            position = sum(1 for k in keys if k <= mine)
            break
    separator: cst.Comma | cst.MaybeSentinel = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    for alias in names[:-1]:
        if isinstance(alias.comma, cst.Comma):
            separator = alias.comma
            break
    new = cst.ImportAlias(cst.Name(SYMBOLIZE))
    if position == len(names):
        last = names[-1]
        new = new.with_changes(comma=last.comma)
        names[-1] = last.with_changes(comma=separator)
    else:
        new = new.with_changes(comma=separator)
    names.insert(position, new)
    return names


def _import_key(stmt: cst.SimpleStatementLine) -> tuple[bool, str, bool]:
    """(is-from, lowercased module, is-relative) of an import line's first statement."""
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return False, (dotted_name(small.names[0].name) or "").lower(), False
    assert isinstance(small, cst.ImportFrom)
    module = import_from_module(small)
    return True, module.lower(), module.startswith(".")


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and bool(stmt.body)
        and all(isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body)
    )


def _is_future(stmt: cst.BaseStatement) -> bool:
    return (
        _is_import_line(stmt)
        and isinstance(stmt.body[0], cst.ImportFrom)  # type: ignore[attr-defined]
        and import_from_module(stmt.body[0]) == "__future__"  # type: ignore[attr-defined]
    )


def _has_blank(lines: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is None for line in lines)


def first_party_names(path: str) -> frozenset[str]:
    """Top-level names an import sorter (ruff, isort) treats as first-party for ``path``.

    The file's top-level package (found by walking up ``__init__.py`` files) and the modules
    and packages beside it, as ruff's default ``src = [".", "src"]`` finds them.
    """
    try:
        file = Path(path).resolve()
        if not file.is_file():
            return frozenset()
        root = file.parent
        while (root / "__init__.py").is_file():
            root = root.parent
        names = set()
        for entry in root.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and (entry / "__init__.py").is_file():
                names.add(entry.name)
        return frozenset(names - {GRAFTLAB})
    except OSError:
        return frozenset()


def _section_kind(
    stmts: Sequence[cst.SimpleStatementLine], first_party: frozenset[str] = frozenset()
) -> str:
    kinds = set()
    for stmt in stmts:
        _, module, relative = _import_key(stmt)
        top = module.partition(".")[0]
        if relative:
            kinds.add("local")
        elif top in _STDLIB:
            kinds.add("stdlib")
        elif top == GRAFTLAB:
            kinds.add("graftlab")
        elif top in first_party:
            kinds.add("first")
        else:
            kinds.add("third")
    if "graftlab" in kinds:
        return "graftlab"
    if kinds == {"stdlib"}:
        return "stdlib"
    if kinds == {"local"}:
        return "local"
    if kinds <= {"first", "local"}:
        return "first"
    return "third"


def _insert_import(
    body: list[cst.BaseStatement],
    new: cst.SimpleStatementLine,
    docstring: bool,
    first_use: int,
    first_party: frozenset[str] = frozenset(),
) -> None:
    start = 1 if docstring else 0
    while start < len(body) and _is_future(body[start]):
        start += 1
    first = start
    while first < min(len(body), first_use) and not _is_import_line(body[first]):
        if not isinstance(body[first], cst.SimpleStatementLine):
            first = first_use
            break
        first += 1
    if first >= min(len(body), first_use) or not _is_import_line(body[first]):
        _insert_without_block(body, new, min(start, first_use))
        return
    end = first
    while end < min(len(body), first_use) and _is_import_line(body[end]):
        end += 1
    sections: list[tuple[int, int]] = []
    section_start = first
    for i in range(first + 1, end):
        if _has_blank(body[i].leading_lines):
            sections.append((section_start, i))
            section_start = i
    sections.append((section_start, end))
    kinds = [_section_kind(body[a:b], first_party) for a, b in sections]  # type: ignore[arg-type]
    target = next((s for s, k in zip(sections, kinds, strict=True) if k == "graftlab"), None)
    if target is None:
        target = next((s for s, k in zip(sections, kinds, strict=True) if k == "third"), None)
    if target is not None:
        _insert_in_section(body, new, *target)
        return
    # No third-party section: open one after the standard library, before first-party and
    # local imports.
    after = [s for s, k in zip(sections, kinds, strict=True) if k == "stdlib"]
    if after:
        position = after[-1][1]
        body.insert(position, new.with_changes(leading_lines=[cst.EmptyLine()]))
        return
    position = sections[0][0]
    following = body[position]
    body[position] = following.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(position, new.with_changes(leading_lines=following.leading_lines))


def _insert_in_section(
    body: list[cst.BaseStatement], new: cst.SimpleStatementLine, start: int, end: int
) -> None:
    stmts: list[cst.SimpleStatementLine] = body[start:end]  # type: ignore[assignment]
    keys = [_import_key(s) for s in stmts]
    froms = [k[0] for k in keys]
    grouped = all(a <= b for a, b in itertools.pairwise(froms))
    plain = [(k[1],) if not grouped else (k[0], k[1]) for k in keys]
    mine = ("graftlab",) if not grouped else (True, "graftlab")
    if all(a <= b for a, b in itertools.pairwise(plain)):
        position = start + sum(1 for k in plain if k <= mine)
    else:
        position = end
    if position == start:
        following = body[start]
        body[start] = following.with_changes(leading_lines=[])
        body.insert(start, new.with_changes(leading_lines=following.leading_lines))
    else:
        body.insert(position, new)


def _insert_without_block(
    body: list[cst.BaseStatement], new: cst.SimpleStatementLine, position: int
) -> None:
    """Insert the import where no import block exists: after docstring and ``__future__``."""
    if position > 0:
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    if position < len(body):
        following = body[position]
        wanted = 2 if isinstance(following, cst.ClassDef | cst.FunctionDef) else 1
        lines = list(following.leading_lines)
        blank_prefix = 0
        for line in lines:
            if line.comment is not None:
                break
            blank_prefix += 1
        if blank_prefix < wanted:
            lines = [cst.EmptyLine()] * (wanted - blank_prefix) + lines
            body[position] = following.with_changes(leading_lines=lines)
    body.insert(position, new)
