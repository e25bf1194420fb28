"""``graft annotate --roles``: propose the roles an existing codebase's classes play.

Read statically (libcst, nothing imported): a class's name, its bases (``nn.Conv``,
``torch.nn.Conv2d``, ``keras.layers.Dense``...) and its arguments (``__init__`` parameters,
or dataclass-style fields as in Flax Linen) suggest a role from graftlab's vocabulary and a
mapping of the role's arguments onto the class's own names (``features <- out_channels``).
Proposals are written as ``roles=`` on existing ``@symbolize`` decorators (every other byte
kept) or as a ``[roles.classes]`` table for ``graft.toml``; the report lists what could not
be mapped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

import libcst as cst
from libcst.metadata import PositionProvider

from graftlab.symbolic.roles import get_role

# (role, pattern on the lower-cased class name and base names); first matches win.
_HINTS: tuple[tuple[str, str], ...] = (
    ("attention", r"attention|attn"),
    ("conv", r"conv"),
    ("norm", r"norm"),
    ("dense", r"dense|linear|^fc$|fullyconnected"),
    ("activation", r"^(relu|gelu|silu|swish|tanh|sigmoid|elu|leakyrelu|activation)$"),
    ("residual", r"residual|resblock|bottleneck|basicblock"),
    ("optimizer", r"optimizer|^sgd$|^adamw?$"),
    ("dataset", r"dataset"),
    ("trainer", r"trainer"),
)

# Each role argument's usual names in the wild, most specific first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "features": (
        "features",
        "out_channels",
        "out_features",
        "filters",
        "units",
        "num_filters",
        "channels",
        "width",
        "dim",
        "out_dim",
    ),
    "kernel_size": ("kernel_size", "kernel", "ksize", "kernel_shape", "window"),
    "strides": ("strides", "stride", "step", "subsample"),
    "epsilon": ("epsilon", "eps"),
    "num_heads": ("num_heads", "heads", "n_heads", "nhead", "num_attention_heads"),
    "head_dim": ("head_dim", "dim_head", "key_size", "head_size"),
    "num_classes": ("num_classes", "n_classes", "num_labels", "classes", "num_outputs"),
    "learning_rate": ("learning_rate", "lr"),
    "input_shape": ("input_shape", "image_shape", "shape"),
    "steps": ("steps", "num_steps", "max_steps", "train_steps", "total_steps"),
    "batch_size": ("batch_size", "bs", "global_batch_size"),
}


@dataclasses.dataclass
class Proposal:
    """One class's proposed roles: ``{role: {role_arg: class_arg}}`` and what stayed unmapped."""

    file: str
    line: int
    module: str
    name: str
    roles: dict[str, dict[str, str]]
    unmapped: list[str]
    symbolized: bool

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Subscript):
        return _dotted(node.value)
    if isinstance(node, cst.Call):
        return _dotted(node.func)
    return ""


def _is_symbolize(dec: cst.Decorator) -> bool:
    return _dotted(dec.decorator).split(".")[-1] == "symbolize"


def _has_roles(dec: cst.Decorator) -> bool:
    d = dec.decorator
    return isinstance(d, cst.Call) and any(
        a.keyword is not None and a.keyword.value == "roles" for a in d.args
    )


def _class_args(node: cst.ClassDef) -> list[str]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
            params = [*stmt.params.posonly_params, *stmt.params.params, *stmt.params.kwonly_params]
            return [p.name.value for p in params][1:]
    fields = []
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    ann = _dotted(small.annotation.annotation)
                    if not ann.endswith("ClassVar"):
                        fields.append(small.target.value)
    return fields


def guess(
    name: str, bases: Iterable[str], args: list[str]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Roles (with non-identity argument mappings) and unmapped ``role.arg`` names of a class."""
    words = [name.lower(), *(b.split(".")[-1].lower() for b in bases if b)]
    roles: list[str] = []
    for role, pattern in _HINTS:
        if any(re.search(pattern, w) for w in words):
            roles.append(role)
            break
    if any(a in args for a in SYNONYMS["num_classes"]) and "dataset" not in roles:
        roles.append("classifier_head")
    out: dict[str, dict[str, str]] = {}
    unmapped: list[str] = []
    for role in roles:
        mapping: dict[str, str] = {}
        for arg in get_role(role).args:
            found = next((a for a in SYNONYMS.get(arg, (arg,)) if a in args), None)
            if found is None:
                unmapped.append(f"{role}.{arg}")
            elif found != arg:
                mapping[arg] = found
        out[role] = mapping
    return out, unmapped


def _roles_expr(roles: dict[str, dict[str, str]]) -> cst.BaseExpression:
    inner = ", ".join(
        f'"{r}": {{' + ", ".join(f'"{k}": "{v}"' for k, v in m.items()) + "}"
        for r, m in roles.items()
    )
    return cst.parse_expression("{" + inner + "}")


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, file: str, module: str) -> None:
        self.file, self.module = file, module
        self.proposals: list[Proposal] = []
        self.unknown: list[str] = []
        self._depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._depth += 1
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._depth -= 1
        if self._depth:
            return updated
        name = original.name.value
        bases = [_dotted(b.value) for b in original.bases]
        roles, unmapped = guess(name, bases, _class_args(original))
        if not roles:
            self.unknown.append(name)
            return updated
        sym = [d for d in original.decorators if _is_symbolize(d)]
        already = any(_has_roles(d) for d in sym)
        line = self.get_metadata(PositionProvider, original).start.line
        self.proposals.append(
            Proposal(self.file, line, self.module, name, roles, unmapped, bool(sym))
        )
        if not sym or already:
            return updated
        decorators = []
        for d in updated.decorators:
            if _is_symbolize(d) and not _has_roles(d):
                arg = cst.Arg(
                    keyword=cst.Name("roles"),
                    value=_roles_expr(roles),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
                call = d.decorator
                if isinstance(call, cst.Call):
                    d = d.with_changes(decorator=call.with_changes(args=[*call.args, arg]))
                else:
                    d = d.with_changes(decorator=cst.Call(func=call, args=[arg]))
            decorators.append(d)
        return updated.with_changes(decorators=decorators)


@dataclasses.dataclass
class FileRoles:
    """The result for one file: its new text (``None`` if unchanged) and the proposals."""

    path: Path
    new_text: str | None
    proposals: list[Proposal]
    unknown: list[str]


def module_name(path: Path, root: Path) -> str:
    """``legacy.models`` for ``root/legacy/models.py``."""
    rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def propose_file(path: Path, root: Path) -> FileRoles:
    """Proposals for the classes of one file and the file rewritten with ``roles=``."""
    text = path.read_text(encoding="utf-8")
    tree = cst.parse_module(text)
    rw = _Rewriter(str(path), module_name(path, root))
    wrapper = cst.MetadataWrapper(tree)
    new = wrapper.visit(rw)
    code = new.code
    return FileRoles(path, code if code != text else None, rw.proposals, rw.unknown)


def python_files(paths: Iterable[Path]) -> list[Path]:
    """The ``.py`` files under ``paths`` (sorted, tests and hidden directories skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(
                f
                for f in sorted(p.rglob("*.py"))
                if not any(part.startswith(".") or part in ("tests", "test") for part in f.parts)
            )
    return out


def config_text(proposals: Iterable[Proposal]) -> str:
    """A ``[roles.classes]`` table for ``graft.toml``."""
    lines = ["# Proposed by `graft annotate --roles`; check each mapping.", ""]
    for p in proposals:
        lines.append(f'[roles.classes."{p.qualified}"]')
        for role, mapping in p.roles.items():
            inner = ", ".join(f'{k} = "{v}"' for k, v in mapping.items())
            key = f'"{role}"' if "/" in role else role
            lines.append(f"{key} = {{ {inner} }}" if inner else f"{key} = {{}}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
