"""Schemas: the arguments a symbolic class or function takes, compiled for fast binding.

A schema is read from the ``__init__`` (or function) signature, its annotations and the
docstring. ``Schema.bind`` turns a call's ``*args, **kwargs`` into a validated, ordered
``{name: value}`` dict; it is the hot path of object creation, so it avoids
``inspect.Signature.bind`` and checks each value with a spec compiled once.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any

from graftlab.symbolic import docstrings, nodes, placeholder
from graftlab.symbolic.errors import (
    LiveObjectError,
    MissingArgumentError,
    SchemaError,
    UnknownArgumentError,
    ValidationError,
)
from graftlab.symbolic.frameworks import fingerprint
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.stores import STORED, UNKNOWN, intact, snapshot
from graftlab.symbolic.typespec import ANY, AS_PASSED, Spec, optional, spec_for


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Marks an argument without a default (and, in ``rebind``, a value to delete)."""

_LEAF = nodes.LEAF_TYPES
POSITIONAL_ONLY = "positional_only"
POSITIONAL = "positional_or_keyword"
KEYWORD_ONLY = "keyword_only"
VAR_POSITIONAL = "var_positional"


class Field:
    """One argument of a schema."""

    __slots__ = (
        "annotation",
        "check",
        "default",
        "fill_default",
        "help",
        "kind",
        "name",
        "plain_default",
        "raw_default",
        "spec",
    )

    def __init__(
        self,
        name: str,
        spec: Spec,
        default: Any = MISSING,
        help: str = "",
        kind: str = POSITIONAL,
        annotation: Any = Any,
        fill_default: bool = True,
    ) -> None:
        self.name = name
        self.spec = spec
        self.check = spec.check
        self.default = default
        self.help = help
        self.kind = kind
        self.annotation = annotation
        self.fill_default = fill_default
        self.raw_default = default
        if (
            default is not MISSING
            and kind != VAR_POSITIONAL
            and (type(default) in _LEAF or type(default) is tuple)
        ):
            default = _normalized_default(spec, default)
            self.default = default
        self.plain_default = type(default) in _LEAF or default is MISSING

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.kind != VAR_POSITIONAL

    def default_value(self) -> Any:
        """A fresh copy of the default, ready to store."""
        d = self.default
        if self.plain_default:
            return d
        if self.kind == VAR_POSITIONAL:
            return nodes.wrap_list(list(d), self.spec.item)  # type: ignore[attr-defined]
        if nodes.is_node(d) or isinstance(d, (list, dict)):
            from graftlab.symbolic.clone import clone

            return self.check(clone(d) if nodes.is_node(d) else _deep_plain(d))
        return d

    def accepts_as_default(self, value: Any) -> bool:
        """Whether ``value`` is this field's own default (always valid for its field, even
        when the annotation says otherwise: Flax passes defaults back explicitly)."""
        raw = self.raw_default
        if raw is MISSING:
            return False
        if value is raw or value is self.default:
            return True
        if type(value) is not type(raw) or type(raw) not in _LEAF:
            return False
        return bool(value == raw)

    def __repr__(self) -> str:
        default = "" if self.default is MISSING else f" = {self.default!r}"
        return f"Field({self.name}: {self.spec.full_description()}{default})"


def _normalized_default(spec: Spec, default: Any) -> Any:
    """The default as the spec stores it (``1`` for ``float`` is ``1.0``), so that an omitted
    argument equals, formats and serializes like the same value given explicitly. An empty
    tuple default of a list argument (the idiom for "no items") is an empty list; other tuple
    defaults stay tuples, as the original ``__init__`` received them (dataclass fields,
    Linen's among them, must stay hashable). A default the spec rejects is kept as is."""
    try:
        checked = spec.check(default)
    except ValidationError:
        return default
    if type(checked) is tuple and default == () and _is_list_spec(spec):
        return []
    if isinstance(checked, nodes.SymList):
        for item in list.__iter__(checked):
            nodes.detach(item)
        return _deep_plain(list(default))
    return checked


def _is_list_spec(spec: Spec) -> bool:
    from graftlab.symbolic.typespec import ListSpec, UnionSpec

    if isinstance(spec, UnionSpec):
        return any(isinstance(o, ListSpec) for o in spec.options)
    return isinstance(spec, ListSpec)


def _deep_plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_deep_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _deep_plain(v) for k, v in value.items()}
    return value


class Schema:
    """The validated arguments of a symbolic class or function."""

    def __init__(
        self,
        owner: Any,
        fields: Iterable[Field],
        *,
        var_keyword: str | None = None,
        extra_spec: Spec = ANY,
        runtime: Iterable[str] = (),
        description: str = "",
        init: Callable[..., Any] | None = None,
        rederive_on_edit: bool = True,
        allow_partial: bool = False,
    ) -> None:
        self.owner = owner
        self.fields: dict[str, Field] = {f.name: f for f in fields}
        self.var_keyword = var_keyword
        self.extra_spec = extra_spec
        self.runtime = frozenset(runtime)
        self.description = description
        self.init = init
        self.rederive_on_edit = rederive_on_edit
        self.allow_partial = allow_partial
        # What the ``__init__`` does, if it only stores its arguments (``stores.classify``,
        # on the first construction); ``None`` for any other ``__init__``.
        self.stores: Any = UNKNOWN
        self.positional = tuple(
            f.name for f in self.fields.values() if f.kind in (POSITIONAL_ONLY, POSITIONAL)
        )
        self.var_positional = next(
            (f.name for f in self.fields.values() if f.kind == VAR_POSITIONAL), None
        )
        self.required_runtime = frozenset()
        self._simple_call = all(f.kind in (POSITIONAL, KEYWORD_ONLY) for f in self.fields.values())
        self._field_list = tuple(self.fields.values())

    @property
    def name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}"

    def __reduce__(self) -> Any:
        # By reference to its class (its ``init`` is a wrapped function that pickle cannot
        # find by name), so that object states held by third-party pickling stay picklable.
        if getattr(self.owner, "__sym_schema__", None) is self:
            return (getattr, (self.owner, "__sym_schema__"))
        return object.__reduce__(self)

    def __repr__(self) -> str:
        return f"Schema({self.name}: {', '.join(self.fields)})"

    def get_field(self, name: str) -> Field | None:
        """The field for ``name`` (an extra keyword gets an ad-hoc field), or ``None``."""
        f = self.fields.get(name)
        if f is None and self.var_keyword is not None:
            return Field(name, self.extra_spec, MISSING, "", KEYWORD_ONLY)
        return f

    def unknown(self, name: str, path: KeyPath) -> UnknownArgumentError:
        """The error for an argument name the schema does not declare, with a suggestion."""
        close = difflib.get_close_matches(name, list(self.fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(self.fields) or "none"
        return UnknownArgumentError(
            f"{self.owner.__qualname__} has no argument {name!r}{hint} (arguments: {known})", path
        )

    def check_value(self, name: str, value: Any) -> Any:
        """Validate one argument's value; errors carry the argument's path."""
        f = self.get_field(name)
        if f is None:
            raise self.unknown(name, KeyPath((name,)))
        try:
            return f.check(value)
        except ValidationError as e:
            if f.accepts_as_default(value):
                return value
            return _stand_in(f.spec, value, e, name)

    def bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], partial: bool = False
    ) -> dict[str, Any]:
        """Validate a call and return ``{name: value}`` in signature order, defaults filled."""
        given: dict[str, Any]
        positional = self.positional
        if args:
            n = len(positional)
            if len(args) > n:
                if self.var_positional is None:
                    raise ValidationError(
                        f"{self.owner.__qualname__} takes {n} positional argument"
                        f"{'s' if n != 1 else ''} but {len(args)} were given",
                        KeyPath(),
                    )
                given = dict(zip(positional, args, strict=False))
                given[self.var_positional] = list(args[n:])
            else:
                given = dict(zip(positional, args, strict=False))
            for k, v in kwargs.items():
                if k in given:
                    raise ValidationError(
                        f"{self.owner.__qualname__} got multiple values for argument {k!r}",
                        KeyPath((k,)),
                    )
                given[k] = v
        else:
            given = kwargs
        out: dict[str, Any] = {}
        fields = self.fields
        used = 0
        for f in self._field_list:
            name = f.name
            if name in given:
                v = given[name]
                used += 1
                if f.kind == POSITIONAL_ONLY and name in kwargs and not args:
                    raise ValidationError(
                        f"{self.owner.__qualname__}: {name!r} is positional-only", KeyPath((name,))
                    )
                try:
                    v = f.check(v)
                except ValidationError as e:
                    if not f.accepts_as_default(v):
                        v = _stand_in(f.spec, v, e, name)
            elif f.fill_default and f.default is not MISSING:
                v = f.default if f.plain_default else f.default_value()
            elif f.kind == VAR_POSITIONAL:
                v = nodes.wrap_list([], f.spec.item)  # type: ignore[attr-defined]
            elif f.fill_default and not (partial or self.allow_partial):
                raise MissingArgumentError(
                    f"{self.owner.__qualname__} is missing required argument {name!r}"
                    f" ({f.spec.full_description()})",
                    KeyPath((name,)),
                )
            else:
                continue
            out[name] = v
        if used != len(given):
            for k, v in given.items():
                if k in fields:
                    continue
                if self.var_keyword is None:
                    raise self.unknown(k, KeyPath((k,)))
                try:
                    out[k] = self.extra_spec.check(v)
                except ValidationError as e:
                    out[k] = _stand_in(self.extra_spec, v, e, k)
        return out

    def call_args(self, values: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Split stored values into the positional and keyword arguments of a call."""
        if self._simple_call:
            return [], values
        pos: list[Any] = []
        kw: dict[str, Any] = {}
        for k, v in values.items():
            f = self.fields.get(k)
            if f is None:
                kw[k] = v
            elif f.kind == POSITIONAL_ONLY:
                pos.append(v)
            elif f.kind == VAR_POSITIONAL:
                # Everything before *args has to be positional as well.
                pos = [values[n] for n in self.positional if n in values] + list(v)
                kw = {n: x for n, x in kw.items() if n not in self.positional}
            elif f.kind == POSITIONAL and self.var_positional is not None and k in self.positional:
                pos.append(v)
            else:
                kw[k] = v
        return pos, kw

    def rederive(self, obj: Any) -> None:
        """Re-run the original ``__init__`` so state derived from the arguments is current.

        Refused with ``LiveObjectError`` (before anything runs) when ``obj`` holds built
        state: a framework object with weights, or a plain object changed after construction.
        """
        st = obj.__dict__["_sym_"]
        snap = st.snap
        if snap is None or snap is nodes.BUILDING:
            return  # a spec not built yet, or an edit made by the object's own __init__
        if snap is STORED:
            # The ``__init__`` only stores its arguments and the object is as it left it:
            # running it again would store the same objects (see ``stores``). This path is
            # an edit below the object, which leaves its arguments the same objects.
            if not intact(obj.__dict__, st.args, self.stores):
                raise live_error(obj)
            return
        if snap is nodes.LIVE or (self.rederive_on_edit and snap != fingerprint(obj)):
            raise live_error(obj)
        if not self.rederive_on_edit or self.init is None:
            return
        if placeholder.TEMPLATE_KEY in obj.__dict__:
            return  # a search-space template: never built
        pos, kw = self.call_args(st.args)
        if st.runtime:
            kw = {**kw, **st.runtime}
        st.snap = nodes.BUILDING
        try:
            self.init(obj, *pos, **kw)
        finally:
            st.snap = snapshot(obj, st.args, self.stores)


def live_error(obj: Any) -> LiveObjectError:
    """The error that refuses an in-place edit of a live object, saying how to rebuild it."""
    st = obj.__dict__["_sym_"]
    name = type(obj).__qualname__
    why = (
        "it holds built state (weights, variables)"
        if st.snap is nodes.LIVE
        else "its attributes changed after construction"
    )
    path = nodes.path_of(obj)
    return LiveObjectError(
        f"{name} cannot be edited in place: {why}, which re-running __init__ would lose or "
        f"leave stale. Rebuild a fresh object from the edited arguments instead: "
        f"new = gl.rebuild(obj, {{'<key path>': value}}) (or edit a spec and build it)",
        path,
    )


def _stand_in(spec: Spec, value: Any, error: ValidationError, key: Any) -> Any:
    """A placeholder that fits ``spec`` stands for its value; otherwise ``error`` (at ``key``)."""
    try:
        return placeholder.stand_in(spec, value, error)
    except ValidationError as e:
        e.path = KeyPath((key, *(e.path or ())))
        e.args = (e._render(),)
        raise


def _resolve_hints(fn: Any, owner: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:
        pass
    hints: dict[str, Any] = {}
    raw = getattr(fn, "__annotations__", {}) or {}
    module = inspect.getmodule(owner) or inspect.getmodule(fn)
    ns = dict(vars(module)) if module is not None else {}
    for name, ann in raw.items():
        if isinstance(ann, str):
            try:
                hints[name] = typing.get_type_hints(
                    type("_", (), {"__annotations__": {name: ann}}), ns, include_extras=True
                )[name]
            except Exception:
                hints[name] = Any
        else:
            hints[name] = ann
    return hints


def _dataclass_default(owner: Any, name: str, default: Any) -> Any:
    """A dataclass ``field(default_factory=f)`` shows as a ``<factory>`` sentinel in the
    signature: use ``f()`` as the default (defaults are copied for each object)."""
    if repr(default) != "<factory>":
        return default
    dc_field = getattr(owner, "__dataclass_fields__", {}).get(name)
    factory = getattr(dc_field, "default_factory", None)
    if factory is None or not callable(factory):
        return default
    value = factory()
    if type(value) in _LEAF or type(value) in (list, dict, tuple) or nodes.is_node(value):
        return value
    return default


def from_signature(
    owner: Any,
    fn: Callable[..., Any],
    *,
    skip_first: bool,
    runtime: Iterable[str] = (),
    doc_sources: Iterable[str | None] = (),
    base_params: Callable[[], list[inspect.Parameter]] | None = None,
    allow_partial: bool = False,
) -> Schema:
    """Build a schema from a callable's signature, annotations and docstrings."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise SchemaError(f"cannot read the signature of {owner.__qualname__}: {e}") from e
    params = list(sig.parameters.values())
    if (
        skip_first
        and params
        and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)
    ):
        params = params[1:]
    hints = _resolve_hints(fn, owner)
    helps: dict[str, str] = {}
    for doc in doc_sources:
        for k, v in docstrings.argument_help(doc).items():
            helps.setdefault(k, v)
    runtime = frozenset(runtime)
    fields: list[Field] = []
    var_keyword: str | None = None
    extra_spec: Spec = ANY
    required_runtime = set()
    where = owner.__qualname__
    for p in params:
        if p.name in runtime:
            if p.default is p.empty:
                required_runtime.add(p.name)
            continue
        ann = hints.get(p.name, Any) if p.annotation is not p.empty else Any
        spec = (
            spec_for(ann, where=f"{where}.{p.name}")
            if p.annotation is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            else AS_PASSED
        )
        if p.kind == p.VAR_KEYWORD:
            var_keyword = p.name
            extra_spec = spec
            continue
        default = MISSING if p.default is p.empty else p.default
        if default is not MISSING:
            default = _dataclass_default(owner, p.name, default)
        if default is None:
            spec = optional(spec)
        if p.kind == p.VAR_POSITIONAL:
            from graftlab.symbolic.typespec import ListSpec

            fields.append(
                Field(p.name, ListSpec(spec), (), helps.get(p.name, ""), VAR_POSITIONAL, ann)
            )
            continue
        kind = {
            p.POSITIONAL_ONLY: POSITIONAL_ONLY,
            p.POSITIONAL_OR_KEYWORD: POSITIONAL,
            p.KEYWORD_ONLY: KEYWORD_ONLY,
        }[p.kind]
        field = Field(p.name, spec, default, helps.get(p.name, ""), kind, ann)
        if type(default) is tuple and "__dataclass_fields__" in getattr(owner, "__dict__", {}):
            field.default = default  # dataclass fields (Linen's) stay hashable tuples
        fields.append(field)
    if var_keyword is not None and base_params is not None:
        names = {f.name for f in fields}
        for p in base_params():
            if p.name in names or p.name in runtime or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            ann = p.annotation if p.annotation is not p.empty else Any
            if isinstance(ann, str):
                ann = Any
            spec = spec_for(ann, where=f"{where}.{p.name}")
            default = MISSING if p.default is p.empty else p.default
            if default is None:
                spec = optional(spec)
            fields.append(
                Field(
                    p.name,
                    spec,
                    default,
                    helps.get(p.name, ""),
                    KEYWORD_ONLY,
                    ann,
                    fill_default=False,
                )
            )
            names.add(p.name)
    description = ""
    for doc in doc_sources:
        description = docstrings.summary(doc)
        if description:
            break
    schema = Schema(
        owner,
        fields,
        var_keyword=var_keyword,
        extra_spec=extra_spec,
        runtime=runtime,
        description=description,
        allow_partial=allow_partial,
    )
    schema.required_runtime = frozenset(required_runtime)
    return schema
