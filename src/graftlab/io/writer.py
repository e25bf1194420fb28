"""The canonical writer: symbolic values to experiment text, deterministically.

A sorted, minimal import header; arguments as keywords in signature order (positional-only
and ``*args`` values positionally); defaults omitted unless asked; one item per line with
trailing commas when a call does not fit; double-quoted strings; floats that read back
bit-identical. ``loads(dumps(x)) == x`` and ``dumps`` of that is the same text.
"""

from __future__ import annotations

import enum
import keyword
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graftlab.io import codecs
from graftlab.io.atomic import atomic_write_text
from graftlab.io.errors import WriteError
from graftlab.io.limits import MAX_DEPTH
from graftlab.symbolic import nodes
from graftlab.symbolic.formatting import Formatter, format_float
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES
from graftlab.symbolic.schema import VAR_POSITIONAL

WIDTH = 88
_MAX_INT_BITS = 14_000  # below this, every int has fewer than 4,300 digits


def string_literal(s: str) -> str:
    """A Python string literal, double-quoted unless that needs more escapes."""
    r = repr(s)
    if r[0] == "'" and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def scalar_text(value: Any) -> str | None:
    """Text of a literal scalar, or ``None`` for anything else."""
    t = type(value)
    if t is str:
        return string_literal(value)
    if t is float:
        text = format_float(value)
        return f'float("{text}")' if text in ("inf", "-inf", "nan") else text
    if t is bool or t is int or value is None:
        return repr(value)
    return None


def public_module(t: Any) -> str:
    """The shortest already-imported package that re-exports ``t`` under its own name.

    ``graftlab.patching.derived.Derived`` is written ``from graftlab import Derived``.
    Nothing is imported to find out.
    """
    top = t.__qualname__.split(".")[0]
    owner = sys.modules.get(t.__module__)
    obj = getattr(owner, top, None) if owner is not None else None
    parts = t.__module__.split(".")
    for i in range(1, len(parts)):
        candidate = ".".join(parts[:i])
        mod = sys.modules.get(candidate)
        if mod is not None and obj is not None and getattr(mod, top, None) is obj:
            return candidate
    return t.__module__


class ImportPlan:
    """How each referenced class is spelled, and the import lines that make it so."""

    def __init__(self, types: set[Any], reserved: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.spelling: dict[Any, str] = {}
        self.from_imports: dict[str, set[str]] = {}
        self.plain_imports: set[str] = set()
        by_top: dict[str, set[tuple[str, str]]] = {}
        self.module_of: dict[Any, str] = {}
        for t in types:
            qual = t.__qualname__
            if "<locals>" in qual:
                raise WriteError(
                    f"{t.__module__}.{qual} is defined inside a function: it cannot be imported by name"
                )
            top = qual.split(".")[0]
            module = self.module_of[t] = public_module(t)
            by_top.setdefault(top, set()).add((module, qual))
        for top, entries in by_top.items():
            modules = {m for m, _ in entries}
            clash = len(modules) > 1 or top in reserved
            for t in types:
                if t.__qualname__.split(".")[0] != top:
                    continue
                module = self.module_of[t]
                if clash:
                    self.plain_imports.add(module)
                    self.spelling[t] = f"{module}.{t.__qualname__}"
                else:
                    self.from_imports.setdefault(module, set()).add(top)
                    self.spelling[t] = t.__qualname__

    def lines(self, width: int = WIDTH) -> list[str]:
        out = [f"import {m}" for m in sorted(self.plain_imports)]
        for module in sorted(self.from_imports):
            out.extend(from_import_lines(module, sorted(self.from_imports[module]), width))
        return out


def from_import_lines(module: str, names: list[str], width: int) -> list[str]:
    """``from module import a, b`` on one line when it fits ``width``, else one name a line
    in parentheses (as the writer and ``graft fmt`` both spell it)."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= width:
        return [line]
    return [f"from {module} import (", *(f"    {n}," for n in names), ")"]


class _Writer(Formatter):
    """The core formatter, with dict keys written like every other string."""

    def items(self, value: Any) -> tuple[str, str, list[tuple[str | None, Any]]] | None:
        if isinstance(value, dict):
            return "{", "}", [(string_literal(k) + ": ", v) for k, v in dict.items(value)]
        parts = super().items(value)
        if parts is None and type(value) not in LEAF_TYPES and not isinstance(value, enum.Enum):
            stand_in = self._encoded(value)
            if stand_in is not None:
                return super().items(stand_in)
        return parts

    def _encoded(self, value: Any) -> Any:
        # One stand-in per value and dump, so that repeated layouts agree.
        cache = self.__dict__.setdefault("_codec_cache", {})
        key = id(value)
        if key not in cache:
            cache[key] = (value, codecs.encode(value))
        return cache[key][1]


def _collect_types(
    value: Any, path: KeyPath, types: set[Any], shown: Formatter | None = None
) -> None:
    """The classes and enums that the text of ``value`` names (hidden defaults name none)."""
    if len(path) > MAX_DEPTH:
        # the loader rejects such a file: refuse to write it rather than write it
        raise WriteError(
            f"{path}: the value nests deeper than {MAX_DEPTH} levels, the limit of experiment "
            "files (the loader would reject the file)"
        )
    t = type(value)
    if t in LEAF_TYPES:
        if t is bytes or t is complex:
            raise WriteError(
                f"{path or '<root>'}: {t.__name__} values cannot be written in an experiment file"
            )
        if t is int and value.bit_length() > _MAX_INT_BITS:
            try:
                repr(value)
            except ValueError:
                raise WriteError(
                    f"{path or '<root>'}: integers over {sys.get_int_max_str_digits()} digits "
                    "cannot be written in an experiment file"
                ) from None
        return
    st = nodes.state_of(value)
    if st is not None:
        types.add(t)
        # Only the arguments that will be written: a hidden default imports nothing.
        written = (
            None if shown is None else {id(v) for _, v in shown.items(value)[2]}  # type: ignore[index]
        )
        fields = st.schema.fields
        for k, v in st.args.items():
            f = fields.get(k)
            if written is None or id(v) in written or (f is not None and f.kind == VAR_POSITIONAL):
                _collect_types(v, path.child(k), types, shown)
        return
    if isinstance(value, list) or t is tuple:
        for i, v in enumerate(value):
            _collect_types(v, path.child(i), types, shown)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise WriteError(f"{path.child(str(k))}: dict keys must be strings")
            _collect_types(v, path.child(k), types, shown)
        return
    if isinstance(value, enum.Enum):
        types.add(t)
        return
    if isinstance(value, type) and (
        "__sym_schema__" in value.__dict__ or issubclass(value, enum.Enum)
    ):
        types.add(value)
        return
    stand_in = codecs.encode(value)
    if stand_in is not None:
        _collect_types(stand_in, path, types, None)
        return
    raise WriteError(
        f"{path or '<root>'}: a {t.__name__} cannot be written in an experiment file "
        "(only symbolic objects, enums, literals, lists, tuples, dicts and values with a "
        f"codec can): {codecs.what_to_do(value)}"
    )


def dumps_module(
    values: Mapping[str, Any],
    *,
    docstring: str | None = None,
    include_defaults: bool = False,
    width: int = WIDTH,
) -> str:
    """Text of a file that assigns each of ``values`` to its name, in the given order."""
    for name in values:
        if (
            not (isinstance(name, str) and name.isidentifier())
            or keyword.iskeyword(name)
            or name.startswith("__")
        ):
            raise WriteError(
                f"{name!r} cannot name a value in an experiment file: use a plain identifier"
            )
    types: set[Any] = set()
    shown = None if include_defaults else _Writer(hide_defaults=True)
    for name, value in values.items():
        _collect_types(value, KeyPath((name,)), types, shown)
    plan = ImportPlan(types, reserved=set(values))
    fmt = _Writer(
        width=width,
        hide_defaults=not include_defaults,
        name_of=lambda t: plan.spelling.get(t) or t.__qualname__,
        leaf=scalar_text,
    )
    parts: list[str] = []
    if docstring is not None:
        parts.append(docstring_literal(docstring))
    imports = plan.lines(width)
    if imports:
        parts.append("\n".join(imports))
    for name, value in values.items():
        prefix = f"{name} = "
        parts.append(prefix + fmt.layout(value, 0, len(prefix)))
    return "\n\n".join(parts) + "\n" if parts else ""  # as ``format_text`` writes it


def docstring_literal(doc: str) -> str:
    """A triple-quoted docstring that reads back as ``doc``."""
    if (
        '"""' not in doc
        and not doc.endswith('"')
        and "\\" not in doc
        and all(c.isprintable() or c in "\n\t" for c in doc)
    ):
        return f'"""{doc}"""'
    return string_literal(doc)


def dumps(
    value: Any,
    *,
    name: str = "experiment",
    docstring: str | None = None,
    include_defaults: bool = False,
    width: int = WIDTH,
) -> str:
    """Canonical experiment text that assigns ``value`` to ``name``."""
    return dumps_module(
        {name: value}, docstring=docstring, include_defaults=include_defaults, width=width
    )


def save(value: Any, path: str | Path, **kwargs: Any) -> None:
    """Write ``dumps(value)`` to ``path`` atomically."""
    atomic_write_text(path, dumps(value, **kwargs))
