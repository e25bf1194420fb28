"""What a scan of one file records: plain dataclasses, cached on disk as JSON.

Kept apart from the scanner (which needs libcst) so that a warm index, built from the cache
alone, never loads libcst.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from graftlab.index.typeexpr import TypeExpr


@dataclass
class RawParam:
    """A parameter as written: kind, annotation expression, default source."""

    name: str
    kind: (
        str  # positional_only | positional_or_keyword | keyword_only | var_positional | var_keyword
    )
    annotation: TypeExpr | None = None
    default: str | None = None


@dataclass
class Decorator:
    """A decorator that matters: ``symbolize``, ``patcher`` or ``dataclass``."""

    kind: str  # symbolize | patcher | dataclass | other
    runtime: list[str] = field(default_factory=list)
    name: str | None = None  # patcher name / symbolize alias
    optional: bool = False
    frozen: bool = False
    kw_only: bool = False
    init: bool = True
    roles: dict[str, dict[str, str | None]] | None = None  # ``symbolize(roles=...)``, literal


@dataclass
class RawFunction:
    """A function (or ``__init__``) definition."""

    name: str
    qualname: str
    line: int
    column: int
    index: int  # top-level statement index (definition order)
    doc: str | None
    params: list[RawParam]
    decorators: list[Decorator] = field(default_factory=list)
    returns: TypeExpr | None = None


@dataclass
class RawField:
    """A class-body annotation (a dataclass or Linen field)."""

    name: str
    annotation: TypeExpr
    default: str | None = None
    factory: bool = False
    init: bool = True
    kw_only: bool | None = None


@dataclass
class RawClass:
    """A class definition."""

    name: str
    qualname: str
    line: int
    column: int
    index: int
    doc: str | None
    bases: list[TypeExpr]
    decorators: list[Decorator]
    init: RawFunction | None = None
    fields: list[RawField] = field(default_factory=list)
    kw_only_marker: int = -1  # position in ``fields`` of ``_: KW_ONLY``
    assigns: list[list[str]] = field(default_factory=list)  # [name, value source]


@dataclass
class ExternalSymbolize:
    """``X = gl.symbolize(pkg.X, runtime=...)`` at module level."""

    bound: str
    target: str  # the target's dotted name, resolved through the file's imports
    runtime: list[str]
    index: int
    line: int
    roles: dict[str, dict[str, str | None]] | None = None


@dataclass
class ModuleScan:
    """Everything one file defines, as plain (JSON-able) data."""

    module: str
    path: str
    is_package: bool
    future_annotations: bool = False
    star_imports: list[str] = field(default_factory=list)
    # name -> [kind, statement index, target]; kind: import | tc | class | def | assign
    bindings: dict[str, list[Any]] = field(default_factory=dict)
    classes: list[RawClass] = field(default_factory=list)
    functions: list[RawFunction] = field(default_factory=list)
    external: list[ExternalSymbolize] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data for the disk cache (what ``dataclasses.asdict`` gives, without its deep
        copy of every type expression: a tenth of a cold index build went there)."""
        return _plain(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleScan:
        """The inverse of ``to_json``."""

        def fn(d: dict[str, Any]) -> RawFunction:
            return RawFunction(
                **{
                    **d,
                    "params": [RawParam(**p) for p in d["params"]],
                    "decorators": [Decorator(**x) for x in d["decorators"]],
                }
            )

        return cls(
            **{
                **data,
                "classes": [
                    RawClass(
                        **{
                            **c,
                            "decorators": [Decorator(**x) for x in c["decorators"]],
                            "init": fn(c["init"]) if c["init"] else None,
                            "fields": [RawField(**f) for f in c["fields"]],
                        }
                    )
                    for c in data["classes"]
                ],
                "functions": [fn(f) for f in data["functions"]],
                "external": [ExternalSymbolize(**e) for e in data["external"]],
            }
        )


# --- helpers -------------------------------------------------------------------------------------


def _plain(x: Any) -> Any:
    """Dataclasses as dicts, recursively; other values as they are (JSON-able already)."""
    kind = type(x)
    if kind in _RECORDS:
        return {k: _plain(v) for k, v in x.__dict__.items()}
    if kind is list and x and type(x[0]) in _RECORDS:
        return [_plain(v) for v in x]
    return x


_RECORDS = frozenset(
    {RawParam, Decorator, RawFunction, RawField, RawClass, ExternalSymbolize, ModuleScan}
)


def clean_doc(doc: str | None) -> str:
    """A docstring as ``inspect.cleandoc`` shows it ('' for none)."""
    return inspect.cleandoc(doc) if doc else ""
