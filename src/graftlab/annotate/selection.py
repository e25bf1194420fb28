"""What ``graft annotate`` selects, and why it skips what it skips.

This module holds the configuration (command line and the ``[annotate]`` section of
``graft.toml``), the stable skip-reason identifiers, and the tables of well-known qualified
names (dataclass builders, pytree decorators, Flax bases, ...) the codemod matches against.
"""

from __future__ import annotations

import builtins
import dataclasses
import fnmatch
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from graftlab.annotate.errors import UsageError

# --- selection categories -------------------------------------------------------------------

CLASSES = "classes"
DATACLASSES = "dataclasses"
FLAX = "flax"
FUNCTIONS = "functions"
ALL_CATEGORIES: tuple[str, ...] = (CLASSES, DATACLASSES, FLAX, FUNCTIONS)
DEFAULT_SELECT: frozenset[str] = frozenset({CLASSES, DATACLASSES, FLAX})
DEFAULT_FACTORY_PATTERNS: tuple[str, ...] = ("make_*", "build_*", "create_*")

SYMBOLIZE_NAME = "symbolize"

# --- skip reasons (stable identifiers: they appear in JSON reports) -------------------------

ALREADY_SYMBOLIZED = "already-symbolized"
PYTREE_DATACLASS = "pytree-dataclass"
VARARGS_ONLY = "varargs-only"
NESTED_IN_FUNCTION = "nested-in-function"
METACLASS = "metaclass"
EXCLUDED = "excluded"
NO_HYPERPARAMETERS = "no-hyperparameters"
NO_INIT = "no-init"
ENUM = "enum"
EXCEPTION = "exception"
PROTOCOL = "protocol"
TYPEDDICT = "typeddict"
NAMEDTUPLE = "namedtuple"
NOT_SELECTED = "not-selected"
SLOTS = "slots"

SKIP_REASONS: dict[str, str] = {
    ALREADY_SYMBOLIZED: "already has @symbolize, or inherits it from a class in the same file",
    PYTREE_DATACLASS: "a JAX pytree (flax.struct / chex dataclass, PyTreeNode, registered "
    "pytree): its __init__ re-runs with tracers on every unflatten",
    VARARGS_ONLY: "__init__ takes only *args/**kwargs: no clear schema",
    NESTED_IN_FUNCTION: "defined inside a function: a new class on every call",
    METACLASS: "uses a metaclass other than abc.ABCMeta, or is a metaclass itself",
    EXCLUDED: "excluded by name (--exclude / --include)",
    NO_HYPERPARAMETERS: "takes no parameters besides self (and runtime arguments)",
    NO_INIT: "no __init__ of its own",
    ENUM: "an Enum",
    EXCEPTION: "an exception",
    PROTOCOL: "a typing.Protocol",
    TYPEDDICT: "a TypedDict",
    NAMEDTUPLE: "a NamedTuple",
    NOT_SELECTED: "its category is not in --select",
    SLOTS: "instances have __slots__ and no __dict__ to keep their arguments in",
}

# --- qualified names the codemod recognizes ------------------------------------------------

METACLASS_BASES: frozenset[str] = frozenset(
    {"builtins.type", "type", "abc.ABCMeta", "enum.EnumMeta", "enum.EnumType"}
)

DATACLASS_DECORATORS: frozenset[str] = frozenset(
    {
        "dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
        "pydantic.dataclasses.dataclass",
    }
)
PYTREE_DECORATORS: frozenset[str] = frozenset(
    {
        "flax.struct.dataclass",
        "chex.dataclass",
        "chex.mappable_dataclass",
        "jax.tree_util.register_pytree_node_class",
        "jax.tree_util.register_pytree_with_keys_class",
        "jax.tree_util.register_dataclass",
        "jax.tree_util.register_static",
    }
)
PYTREE_BASES: frozenset[str] = frozenset({"flax.struct.PyTreeNode", "equinox.Module"})
NNX_BASES: frozenset[str] = frozenset(
    {"flax.nnx.Module", "flax.nnx.module.Module", "flax.experimental.nnx.Module"}
)
LINEN_BASES: frozenset[str] = frozenset({"flax.linen.Module", "flax.linen.module.Module"})
ENUM_BASES: frozenset[str] = frozenset(
    {f"enum.{n}" for n in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum")}
)
PROTOCOL_BASES: frozenset[str] = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
TYPEDDICT_BASES: frozenset[str] = frozenset(
    {"typing.TypedDict", "typing_extensions.TypedDict", "mypy_extensions.TypedDict"}
)
NAMEDTUPLE_BASES: frozenset[str] = frozenset(
    {"typing.NamedTuple", "typing_extensions.NamedTuple", "collections.namedtuple"}
)
ALLOWED_METACLASSES: frozenset[str] = frozenset({"abc.ABCMeta", "type", "builtins.type"})
BUILTIN_EXCEPTIONS: frozenset[str] = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
LINEN_IMPLICIT_FIELDS: frozenset[str] = frozenset({"parent", "name"})
NNX_RUNTIME_PARAMS: tuple[str, ...] = ("rngs",)


def is_exception_base(qualname: str, subclass: str = "") -> bool:
    """Tell whether a base class's qualified name denotes an exception class.

    Builtin exception names count, and so does a base whose last component ends in
    ``Exception`` or ``Warning``. A base named ``...Error`` is an exception when the subclass
    is named like one too, or the base comes from an ``errors``/``exceptions`` module: a
    ``ReconstructionError`` loss module subclassed by ``MeanSquared`` is not one.
    """
    module, _, last = qualname.rpartition(".")
    if qualname in BUILTIN_EXCEPTIONS or qualname.startswith("builtins."):
        return last in BUILTIN_EXCEPTIONS
    if last.endswith(("Exception", "Warning")):
        return True
    if not last.endswith("Error"):
        return False
    if not subclass or subclass.endswith(("Error", "Exception", "Warning", "Exc")):
        return True
    parts = module.lower().split(".")
    return any(p in ("errors", "exceptions", "error", "exception", "exc") for p in parts)


def is_linen_layer(qualname: str) -> bool:
    """A Flax Linen layer class (``flax.linen.Dense``): subclasses are Linen modules too."""
    module, _, last = qualname.rpartition(".")
    return (
        module in ("flax.linen", "flax.linen.module")
        and last[:1].isupper()
        and last
        not in (
            "Variable",
            "FrozenDict",
        )
    )


# --- configuration -------------------------------------------------------------------------

CONFIG_FILE = "graft.toml"
CONFIG_SECTION = "annotate"
_CONFIG_KEYS = frozenset({"include", "exclude", "select", "factory_patterns", "exclude_paths"})


@dataclasses.dataclass(frozen=True)
class AnnotateConfig:
    """What to annotate.

    ``include``/``exclude`` are globs over class and function names (the simple name or the
    dotted name inside the module, e.g. ``Outer.Inner``); ``exclude_paths`` are globs over file
    paths; ``select`` is a subset of :data:`ALL_CATEGORIES`; ``factory_patterns`` are globs
    over function names, used when ``functions`` is selected.
    """

    select: frozenset[str] = DEFAULT_SELECT
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    factory_patterns: tuple[str, ...] = DEFAULT_FACTORY_PATTERNS
    exclude_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.select) - set(ALL_CATEGORIES))
        if unknown:
            raise UsageError(
                f"unknown --select category {unknown[0]!r} "
                f"(choose from {', '.join(ALL_CATEGORIES)}, or 'all')"
            )
        for kind, globs in (
            ("--include", self.include),
            ("--exclude", self.exclude),
            ("factory pattern", self.factory_patterns),
            ("--exclude-path", self.exclude_paths),
        ):
            for glob in globs:
                validate_glob(glob, kind)

    def name_excluded(self, name: str, qualname: str) -> str | None:
        """Return why a name is excluded (``None`` when it is not)."""
        for glob in self.exclude:
            if fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(qualname, glob):
                return f"matches --exclude {glob!r}"
        if self.include and not any(
            fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(qualname, g) for g in self.include
        ):
            return "not matched by --include"
        return None

    def is_factory(self, name: str) -> bool:
        """Tell whether a top-level function name is a factory (when functions are selected)."""
        return FUNCTIONS in self.select and any(
            fnmatch.fnmatchcase(name, g) for g in self.factory_patterns
        )

    def path_excluded(self, path: str) -> bool:
        """Tell whether a file path matches one of ``exclude_paths``."""
        posix = path.replace("\\", "/")
        return any(
            fnmatch.fnmatch(posix, g) or fnmatch.fnmatch(posix, f"*/{g}")
            for g in self.exclude_paths
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as JSON-friendly data."""
        return {
            "select": sorted(self.select),
            "include": list(self.include),
            "exclude": list(self.exclude),
            "factory_patterns": list(self.factory_patterns),
            "exclude_paths": list(self.exclude_paths),
        }


def validate_glob(glob: str, kind: str) -> None:
    """Reject globs that cannot be meant: empty ones and ones with an unclosed ``[``."""
    if not glob or not glob.strip():
        raise UsageError(f"empty {kind} pattern")
    depth_open = glob.rfind("[")
    if depth_open != -1 and "]" not in glob[depth_open + 1 :]:
        raise UsageError(f"bad {kind} pattern {glob!r}: unclosed '['")


def parse_select(values: Iterable[str]) -> frozenset[str]:
    """Parse ``--select`` values (comma-separated, repeatable; ``all`` means every category)."""
    out: set[str] = set()
    for value in values:
        for item in value.split(","):
            item = item.strip().lower()
            if not item:
                continue
            if item == "all":
                out.update(ALL_CATEGORIES)
            elif item in ALL_CATEGORIES:
                out.add(item)
            else:
                raise UsageError(
                    f"unknown --select category {item!r} "
                    f"(choose from {', '.join(ALL_CATEGORIES)}, or 'all')"
                )
    return frozenset(out)


def find_config_file(start: Path) -> Path | None:
    """Return the nearest ``graft.toml`` in ``start`` or one of its parents."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"[{CONFIG_SECTION}] {key} must be a string or a list of strings", str(path))


def load_config(path: Path | None) -> dict[str, Any]:
    """Read the ``[annotate]`` section of a ``graft.toml`` as keyword arguments.

    Returns an empty dict when there is no file or no section. Unknown keys and values of the
    wrong type are usage errors.
    """
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config: {exc}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"invalid TOML: {exc}", str(path)) from None
    section = data.get(CONFIG_SECTION, {})
    if not isinstance(section, dict):
        raise UsageError(f"[{CONFIG_SECTION}] must be a table", str(path))
    unknown = sorted(set(section) - _CONFIG_KEYS)
    if unknown:
        raise UsageError(
            f"unknown key {unknown[0]!r} in [{CONFIG_SECTION}] "
            f"(known: {', '.join(sorted(_CONFIG_KEYS))})",
            str(path),
        )
    out: dict[str, Any] = {}
    for key, value in section.items():
        items = _string_list(value, key, path)
        out[key] = parse_select(items) if key == "select" else items
    return out


def make_config(
    file_values: dict[str, Any],
    *,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    factory_patterns: Sequence[str] | None = None,
    exclude_paths: Sequence[str] | None = None,
) -> AnnotateConfig:
    """Combine config-file values with command-line values (the command line wins)."""
    values = dict(file_values)
    if select:
        values["select"] = parse_select(select)
    if extend_select:
        values["select"] = values.get("select", DEFAULT_SELECT) | parse_select(extend_select)
    for key, given in (
        ("include", include),
        ("exclude", exclude),
        ("factory_patterns", factory_patterns),
        ("exclude_paths", exclude_paths),
    ):
        if given:
            values[key] = tuple(given)
    return AnnotateConfig(**values)
