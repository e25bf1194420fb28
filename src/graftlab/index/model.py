"""The static schema index's data model: what the language server knows without importing.

Everything is plain data (JSON-able), built by reading source code with ``ast``. A
``ClassInfo`` describes a symbolic class or function as the runtime schema would
(``graftlab.symbolic.schema``): the same argument names, kinds, types, defaults, help and
runtime-only arguments — a parity test holds the two together.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Location:
    """Where a definition is: file path, 1-based line, 0-based column."""

    file: str
    line: int
    column: int = 0


@dataclass
class ArgInfo:
    """One argument of a symbolic class, function or patch rule."""

    name: str
    kind: str  # positional_only | positional_or_keyword | keyword_only | var_positional
    type: str  # as Spec.full_description() prints it: "int", "list[float]", "Conv | None", "int, >= 1 and <= 4096"
    required: bool
    default: str | None = None  # the default's source text, e.g. "3", "'relu'", "None"
    help: str = ""
    choices: list[str] = field(
        default_factory=list
    )  # source spellings for Literal/Enum/bool values
    classes: list[str] = field(
        default_factory=list
    )  # qualified names of symbolic classes the type accepts


@dataclass
class ClassInfo:
    """A symbolic class (or symbolized function / patch-rule-free factory) found statically."""

    qualname: str  # "package.module.Conv"
    module: str
    name: str
    kind: str  # "class" | "function" | "enum"
    doc: str
    location: Location
    args: list[ArgInfo] = field(default_factory=list)
    var_keyword: bool = False  # takes extra keyword arguments
    runtime: list[str] = field(default_factory=list)  # runtime-only args (rngs, parent, name)
    bases: list[str] = field(default_factory=list)  # qualified names of base classes
    members: list[str] = field(default_factory=list)  # enum member names
    complete: bool = True  # False when the signature comes from a class outside the index
    dataclass: bool = False  # the schema comes from dataclass fields
    frozen: bool = False  # a frozen dataclass
    returns: str | None = None  # symbolized functions: the class their annotation returns


@dataclass
class RuleInfo:
    """A patch rule registered with ``@gl.patcher``."""

    name: str  # registered name ("scale_width", "team/swap_conv")
    function: str  # qualified function name
    doc: str
    location: Location
    args: list[ArgInfo] = field(default_factory=list)
    optional: bool = False


@dataclass
class ExperimentInfo:
    """An experiment file of the repository and its base (for derived experiments)."""

    name: str
    file: str
    base: str | None = None
    patches: list[str] = field(default_factory=list)


def to_json(value: Any) -> Any:
    """Any of the above as JSON-able data."""
    return asdict(value)
