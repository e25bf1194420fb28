"""The symbolic core: schemas, key paths, symbolic objects and containers, and operations."""

from graftlab.symbolic.build import build, construct
from graftlab.symbolic.clone import clone
from graftlab.symbolic.constraints import Constraint, Length, NonEmpty, Predicate, Range
from graftlab.symbolic.diff import Diff, DiffEntry, diff
from graftlab.symbolic.equality import eq, ne, sym_hash
from graftlab.symbolic.errors import (
    ComponentError,
    GraftError,
    KeyPathError,
    LiveObjectError,
    MissingArgumentError,
    RangeError,
    RegistryError,
    SchemaError,
    SymbolicError,
    UnknownArgumentError,
    ValidationError,
)
from graftlab.symbolic.formatting import format_value
from graftlab.symbolic.functions import Call, is_call
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import SymDict, SymList, get, parent_of, path_of, root_of
from graftlab.symbolic.objects import ArgsView
from graftlab.symbolic.query import query, transform, walk
from graftlab.symbolic.rebind import Insert, rebind
from graftlab.symbolic.rebuild import rebuild
from graftlab.symbolic.registry import lookup, register, type_name
from graftlab.symbolic.schema import MISSING, Field, Schema
from graftlab.symbolic.symbolize import is_symbolic, schema_of, symbolize

__all__ = [
    "MISSING",
    "ArgsView",
    "Call",
    "ComponentError",
    "Constraint",
    "Diff",
    "DiffEntry",
    "Field",
    "GraftError",
    "Insert",
    "KeyPath",
    "KeyPathError",
    "Length",
    "MissingArgumentError",
    "NonEmpty",
    "Predicate",
    "Range",
    "RangeError",
    "RegistryError",
    "Schema",
    "SchemaError",
    "SymDict",
    "SymList",
    "SymbolicError",
    "UnknownArgumentError",
    "ValidationError",
    "build",
    "clone",
    "construct",
    "diff",
    "eq",
    "format_value",
    "get",
    "is_call",
    "is_symbolic",
    "lookup",
    "ne",
    "parent_of",
    "path_of",
    "query",
    "rebind",
    "register",
    "root_of",
    "schema_of",
    "sym_hash",
    "symbolize",
    "transform",
    "type_name",
    "walk",
    "LiveObjectError",
    "rebuild",
]
