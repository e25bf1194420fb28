"""Value specs: what an argument accepts, compiled once from its type annotation.

``spec_for(annotation)`` turns ``int``, ``Literal[...]``, ``Enum``, ``Optional``, unions,
``list[T]``, ``tuple[...]``, ``dict[str, T]``, classes, ``Callable``, ``Any`` and
``Annotated[..., constraints]`` into a ``Spec``. ``Spec.check(value)`` returns the value to
store (lists and dicts become symbolic containers, ints become floats for ``float``) or
raises ``ValidationError`` whose path is relative to the checked value.
"""

from __future__ import annotations

import collections.abc
import enum
import types
import typing
from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.constraints import Constraint, from_metadata
from graftlab.symbolic.errors import RangeError, ValidationError
from graftlab.symbolic.keypath import KeyPath


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    return type(value).__name__


class Spec:
    """Base of all value specs."""

    constraints: tuple[Constraint, ...] = ()
    nullable = False

    def check(self, value: Any) -> Any:
        """Return the value to store, or raise ``ValidationError``."""
        raise NotImplementedError

    def describe(self) -> str:
        """What the spec accepts, as a short human text (``int``, ``list[float]``)."""
        raise NotImplementedError

    def _constrain(self, value: Any) -> Any:
        for c in self.constraints:
            problem = c.violation(value)
            if problem is not None:
                raise RangeError(problem, KeyPath())
        return value

    def _fail(self, value: Any) -> ValidationError:
        return ValidationError(
            f"expected {self.describe()}, got {_type_name(value)} {_short(value)}", KeyPath()
        )

    def with_constraints(self, extra: tuple[Constraint, ...]) -> Spec:
        """A copy of this spec with more constraints."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.constraints = self.constraints + extra
        return clone

    def __repr__(self) -> str:
        suffix = "".join(f" ({c.describe()})" for c in self.constraints)
        return f"<{self.describe()}{suffix}>"

    def full_description(self) -> str:
        """``describe()`` plus the constraints."""
        if not self.constraints:
            return self.describe()
        return self.describe() + ", " + ", ".join(c.describe() for c in self.constraints)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.describe()))


class AnySpec(Spec):
    """Anything; lists and dicts still become symbolic containers."""

    def __init__(self, annotation: Any = Any) -> None:
        self.annotation = annotation

    def check(self, value: Any) -> Any:
        t = type(value)
        if t is list or (t is dict and all(type(k) is str for k in value)):
            return nodes.wrap(value, None)
        return self._constrain(value) if self.constraints else value

    def describe(self) -> str:
        return "Any" if self.annotation is Any else _annotation_text(self.annotation)


class BoolSpec(Spec):
    def check(self, value: Any) -> Any:
        if type(value) is bool:
            return value
        raise self._fail(value)

    def describe(self) -> str:
        return "bool"


class IntSpec(Spec):
    """``int``; a whole ``float`` (``48.0``) is accepted and kept as given, because legacy
    code annotated ``int`` routinely receives one and ran with it before annotation."""

    def check(self, value: Any) -> Any:
        t = type(value)
        if t is not int:
            if t is float and value.is_integer():
                return self._constrain(value) if self.constraints else value
            if t is bool or not isinstance(value, int):
                if hasattr(value, "__index__") and not isinstance(value, (bool, float)):
                    try:
                        value = value.__index__()
                    except Exception:
                        raise self._fail(value) from None
                else:
                    raise self._fail(value)
            else:
                value = int(value)
        return self._constrain(value) if self.constraints else value

    def describe(self) -> str:
        return "int"


class FloatSpec(Spec):
    def check(self, value: Any) -> Any:
        t = type(value)
        if t is not float:
            if t is bool or not isinstance(value, (int, float)):
                try:
                    import numbers

                    if isinstance(value, numbers.Real) and not isinstance(value, bool):
                        value = float(value)
                    else:
                        raise self._fail(value)
                except TypeError:
                    raise self._fail(value) from None
            else:
                value = float(value)
        return self._constrain(value) if self.constraints else value

    def describe(self) -> str:
        return "float"


class StrSpec(Spec):
    def check(self, value: Any) -> Any:
        if type(value) is str or isinstance(value, str):
            return self._constrain(value) if self.constraints else value
        raise self._fail(value)

    def describe(self) -> str:
        return "str"


class NoneSpec(Spec):
    nullable = True

    def check(self, value: Any) -> Any:
        if value is None:
            return None
        raise self._fail(value)

    def describe(self) -> str:
        return "None"


class LiteralSpec(Spec):
    def __init__(self, choices: tuple[Any, ...]) -> None:
        self.choices = choices
        self.nullable = None in choices

    def check(self, value: Any) -> Any:
        for c in self.choices:
            if c == value and type(c) is type(value):
                return c
        raise ValidationError(
            f"expected one of {', '.join(_short(c) for c in self.choices)}, got {_short(value)}",
            KeyPath(),
        )

    def describe(self) -> str:
        return "Literal[" + ", ".join(repr(c) for c in self.choices) + "]"


class EnumSpec(Spec):
    def __init__(self, enum_type: type[enum.Enum]) -> None:
        self.enum_type = enum_type

    def check(self, value: Any) -> Any:
        if isinstance(value, self.enum_type):
            return value
        names = ", ".join(f"{self.enum_type.__name__}.{m.name}" for m in self.enum_type)
        raise ValidationError(f"expected one of {names}, got {_short(value)}", KeyPath())

    def describe(self) -> str:
        return self.enum_type.__name__


class UnionSpec(Spec):
    def __init__(self, options: tuple[Spec, ...]) -> None:
        self.options = options
        self.nullable = any(o.nullable for o in options)

    def check(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        # Unions of classes are common (``Conv | SepConv``): try a matching class first,
        # without building error messages for the options that do not match.
        for option in self.options:
            if type(option) is ObjectSpec and isinstance(value, option.cls):
                result = option.check(value)
                return self._constrain(result) if self.constraints else result
        errors: list[ValidationError] = []
        for option in self.options:
            if isinstance(option, NoneSpec):
                continue
            try:
                return (
                    self._constrain(option.check(value))
                    if self.constraints
                    else option.check(value)
                )
            except ValidationError as e:
                errors.append(e)
        # A deeper failure in the one option whose type matched says most.
        deep = [e for e in errors if e.path]
        if len(deep) == 1:
            raise deep[0]
        raise self._fail(value)

    def describe(self) -> str:
        inner = [o for o in self.options if not isinstance(o, NoneSpec)]
        text = " | ".join(o.full_description() for o in inner)
        return f"{text} | None" if self.nullable else text


class ListSpec(Spec):
    """``list[T]``/``Sequence[T]``: a list becomes a ``SymList``; a tuple stays a tuple (its
    items checked), so the original ``__init__`` receives what the caller passed."""

    def __init__(self, item: Spec) -> None:
        self.item = item

    def check(self, value: Any) -> Any:
        if type(value) is tuple:
            result: Any = _check_items(value, [self.item] * len(value))
            return self._constrain(result) if self.constraints else result
        if not isinstance(value, (list, tuple)) or isinstance(value, str):
            raise self._fail(value)
        result = nodes.wrap_list(value, self.item)
        return self._constrain(result) if self.constraints else result

    def describe(self) -> str:
        return f"list[{self.item.full_description()}]"


class TupleSpec(Spec):
    def __init__(self, items: tuple[Spec, ...] | None, rest: Spec | None) -> None:
        self.items = items  # fixed-length element specs
        self.rest = rest  # ``tuple[T, ...]``

    def check(self, value: Any) -> Any:
        if not isinstance(value, (tuple, list)):
            raise self._fail(value)
        if self.items is not None:
            if len(value) != len(self.items):
                raise ValidationError(
                    f"expected a tuple of {len(self.items)} items ({self.describe()}), "
                    f"got {len(value)}",
                    KeyPath(),
                )
            specs: Any = self.items
        else:
            specs = [self.rest or ANY] * len(value)
        result = _check_items(value, specs)
        return self._constrain(result) if self.constraints else result

    def describe(self) -> str:
        if self.items is None:
            return f"tuple[{(self.rest or ANY).full_description()}, ...]"
        return "tuple[" + ", ".join(s.full_description() for s in self.items) + "]"


def _check_items(value: Any, specs: Any) -> tuple[Any, ...]:
    out = []
    for i, (spec, v) in enumerate(zip(specs, value, strict=False)):
        try:
            out.append(spec.check(v))
        except ValidationError as e:
            e.path = KeyPath((i, *(e.path or ())))
            e.args = (e._render(),)
            raise
    return tuple(out)


class DictSpec(Spec):
    def __init__(self, value: Spec) -> None:
        self.value = value

    def check(self, value: Any) -> Any:
        if not isinstance(value, collections.abc.Mapping):
            raise self._fail(value)
        result = nodes.wrap_dict(value, self.value)
        return self._constrain(result) if self.constraints else result

    def describe(self) -> str:
        return f"dict[str, {self.value.full_description()}]"


class ObjectSpec(Spec):
    """Instances of a class (subclasses accepted); symbolic calls that return one too."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def check(self, value: Any) -> Any:
        if isinstance(value, self.cls):
            return self._constrain(value) if self.constraints else value
        returns = getattr(type(value), "__sym_returns__", None)
        if returns is not None and isinstance(returns, type) and issubclass(returns, self.cls):
            return value
        raise self._fail(value)

    def describe(self) -> str:
        return self.cls.__name__


class TypeSpec(Spec):
    """``type[T]``: a class that is ``T`` or a subclass of it."""

    def __init__(self, base: type) -> None:
        self.base = base

    def check(self, value: Any) -> Any:
        if isinstance(value, type):
            if issubclass(value, self.base):
                return value
            raise self._fail(value)
        # ``Type[T]`` is how legacy code spells "a factory of T": a ``functools.partial`` of
        # a subclass is checked by what it builds; another callable (a function, a symbolic
        # call) cannot be checked statically and is accepted, as the original code did.
        target = _factory_target(value)
        if isinstance(target, type):
            if issubclass(target, self.base):
                return value
            raise self._fail(value)
        if callable(value):
            return value
        raise self._fail(value)

    def describe(self) -> str:
        return f"type[{self.base.__name__}]"


def _factory_target(value: Any) -> Any:
    """What a (possibly nested) ``functools.partial`` finally calls."""
    import functools

    while isinstance(value, functools.partial):
        value = value.func
    return value


class DTypeSpec(Spec):
    """A dtype annotation (``np.dtype``, ``jnp.dtype``, ``DTypeLike``): anything NumPy reads
    as a dtype (``jnp.float32``, ``np.float32``, ``"float32"``, a dtype object), kept as
    given. NumPy is only consulted when the value is not already a dtype or a type."""

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation

    def check(self, value: Any) -> Any:
        if value is None or isinstance(value, (type, str)):
            return value
        import sys

        np = sys.modules.get("numpy")
        if np is not None:
            if isinstance(value, np.dtype):
                return value
            try:
                np.dtype(value)
            except Exception:
                raise self._fail(value) from None
            return value
        raise self._fail(value)

    def describe(self) -> str:
        return "dtype"


class CallableSpec(Spec):
    def check(self, value: Any) -> Any:
        if callable(value):
            return value
        raise self._fail(value)

    def describe(self) -> str:
        return "Callable"


ANY = AnySpec()
_SIMPLE: dict[Any, Spec] = {
    bool: BoolSpec(),
    int: IntSpec(),
    float: FloatSpec(),
    str: StrSpec(),
    type(None): NoneSpec(),
    None: NoneSpec(),
    Any: ANY,
    object: ANY,
}


def _annotation_text(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def spec_for(annotation: Any, *, where: str = "") -> Spec:
    """Compile a type annotation into a spec (unknown typing constructs become ``Any``)."""
    simple = _SIMPLE.get(annotation) if _hashable(annotation) else None
    if simple is not None:
        return simple
    if isinstance(annotation, Spec):
        return annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        base = spec_for(args[0], where=where)
        extra = tuple(c for c in (from_metadata(m) for m in args[1:]) if c is not None)
        return base.with_constraints(extra) if extra else base
    if origin is typing.Literal:
        return LiteralSpec(tuple(args))
    if origin is typing.Union or origin is types.UnionType:
        options = tuple(spec_for(a, where=where) for a in args)
        if len(options) == 2 and any(isinstance(o, NoneSpec) for o in options):
            inner = next(o for o in options if not isinstance(o, NoneSpec))
            return optional(inner)
        return UnionSpec(options)
    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence):
        return ListSpec(spec_for(args[0], where=where) if args else ANY)
    if origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping):
        if args and args[0] not in (str, Any):
            # Symbolic dicts have string keys; other mappings are kept as opaque values.
            return ANY
        return DictSpec(spec_for(args[1], where=where) if len(args) == 2 else ANY)
    if origin is tuple:
        if not args:
            return TupleSpec(None, ANY)
        if len(args) == 2 and args[1] is Ellipsis:
            return TupleSpec(None, spec_for(args[0], where=where))
        if args == ((),):
            return TupleSpec((), None)
        return TupleSpec(tuple(spec_for(a, where=where) for a in args), None)
    if origin is type:
        return TypeSpec(args[0]) if args and isinstance(args[0], type) else ObjectSpec(type)
    if origin is collections.abc.Callable or annotation is collections.abc.Callable:
        return CallableSpec()
    if annotation is typing.Callable:
        return CallableSpec()
    if annotation in (list, tuple, dict):
        return {list: ListSpec(ANY), tuple: TupleSpec(None, ANY), dict: DictSpec(ANY)}[annotation]
    if _is_dtype_annotation(annotation):
        return DTypeSpec(annotation)
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return EnumSpec(annotation)
        if annotation.__module__ == "typing" or getattr(annotation, "_is_protocol", False):
            return AnySpec(annotation)
        return ObjectSpec(annotation)
    return AnySpec(annotation)


def _is_dtype_annotation(annotation: Any) -> bool:
    """NumPy's ``dtype`` class (``jnp.dtype`` is the same), or an alias named like one
    (``DTypeLike``, ``jax.typing.DTypeLike``), without importing NumPy."""
    name = getattr(annotation, "__name__", None) or getattr(annotation, "_name", None) or ""
    module = getattr(annotation, "__module__", "") or ""
    if name == "dtype" and module.split(".")[0] in ("numpy", "jax", "jaxlib"):
        return True
    return "DType" in str(name) and module.split(".")[0] in ("numpy", "jax", "jaxlib", "flax")


def optional(spec: Spec) -> Spec:
    """``spec`` that also accepts ``None``."""
    if spec.nullable:
        return spec
    return UnionSpec((spec, _SIMPLE[None]))


def _hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True
