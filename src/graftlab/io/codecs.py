"""Codecs: values that are not symbolic (a ``ConfigDict``, a dtype, a ``partial``) as text.

A codec is a symbolic class of this module that stands for a value in an experiment file:
``config_dict(items={...})``, ``dtype(name="float32", library="jax")``,
``dtype_policy(name="mixed_float16")``, ``partial(func=Conv, keywords={...})``. The writer
asks ``encode(value)`` for such a stand-in when it meets a value it cannot write; the loader
builds the stand-in like any symbolic call, and its ``__new__`` returns the real value
(``__init__`` never runs), so ``loads(dumps(x))`` gives back ``x`` itself.

Decoding never imports a module that the data names: dtypes come from NumPy or JAX,
policies from Keras, and a ``callable_ref`` resolves only in a module that is already
imported and allowed by ``allow_callables_from`` (frameworks' layer modules by default).
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from typing import Any, Literal

from graftlab.symbolic.errors import ValidationError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.registry import module_allowed
from graftlab.symbolic.symbolize import symbolize

_CALLABLE_MODULES: list[str] = [
    "flax.linen",
    "flax.nnx",
    "jax.nn",
    "jax.numpy",
    "optax",
    "torch.nn",
    "torchvision.ops",
    "keras.layers",
    "keras.activations",
    "keras.src.layers",
    "keras.src.activations",
]


def allow_callables_from(*modules: str) -> None:
    """Let ``callable_ref`` name classes and functions of ``modules`` (and submodules)."""
    for m in modules:
        if m not in _CALLABLE_MODULES:
            _CALLABLE_MODULES.append(m)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in dict.items(value)}
    if type(value) is tuple:
        return tuple(_plain(v) for v in value)
    return value


class _Codec:
    """Base of codec classes: constructing one returns the value it stands for."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        values = cls.__sym_schema__.bind(args, kwargs)  # type: ignore[attr-defined]
        return cls._decode(**{k: _plain(v) for k, v in values.items()})

    @classmethod
    def _decode(cls, **args: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def stand_in(cls, **args: Any) -> Any:
        """The symbolic object written in place of the value (not decoded)."""
        obj = object.__new__(cls)
        cls.__init__(obj, **args)
        return obj


@symbolize
class config_dict(_Codec):
    """An ``ml_collections.ConfigDict`` (or ``FrozenConfigDict`` when ``frozen``)."""

    def __init__(self, items: dict[str, Any], frozen: bool = False) -> None:
        pass

    @classmethod
    def _decode(cls, items: dict[str, Any], frozen: bool = False) -> Any:
        import ml_collections

        cd = ml_collections.ConfigDict(items)
        return ml_collections.FrozenConfigDict(cd) if frozen else cd


@symbolize
class dtype(_Codec):
    """A NumPy dtype (``scalar_type``: the scalar class ``np.float32``) or a JAX dtype."""

    def __init__(
        self, name: str, library: Literal["numpy", "jax"] = "numpy", scalar_type: bool = False
    ) -> None:
        pass

    @classmethod
    def _decode(cls, name: str, library: str = "numpy", scalar_type: bool = False) -> Any:
        import numpy as np

        try:
            dt = np.dtype(name)
        except TypeError:
            raise ValidationError(f"{name!r} is not a dtype name", KeyPath(("name",))) from None
        if library == "jax":
            import jax.numpy as jnp

            return getattr(jnp, dt.name)
        return dt.type if scalar_type else dt


@symbolize
class dtype_policy(_Codec):
    """A Keras ``DTypePolicy`` by name (``"float32"``, ``"mixed_bfloat16"``)."""

    def __init__(self, name: str) -> None:
        pass

    @classmethod
    def _decode(cls, name: str) -> Any:
        import keras

        return keras.dtype_policies.get(name)


@symbolize
class callable_ref(_Codec):
    """A class or function of an allowed, already imported module, by ``module:qualname``."""

    def __init__(self, name: str) -> None:
        pass

    @classmethod
    def _decode(cls, name: str) -> Any:
        module, _, qual = name.partition(":")
        if not module_allowed(module, _CALLABLE_MODULES):
            raise ValidationError(
                f"callables of {module!r} are not allowed here (allowed: "
                f"{', '.join(_CALLABLE_MODULES)}; see graftlab.io.codecs.allow_callables_from)",
                KeyPath(("name",)),
            )
        mod = sys.modules.get(module)
        if mod is None:
            mod = _import_allowed(module)
        obj: Any = mod
        for part in qual.split("."):
            if part.startswith("_"):
                raise ValidationError(f"{name!r} names a private attribute", KeyPath(("name",)))
            obj = getattr(obj, part, None)
        if not callable(obj) or isinstance(obj, types.ModuleType):
            raise ValidationError(f"{name!r} is not a class or function", KeyPath(("name",)))
        return obj


def _import_allowed(module: str) -> Any:
    """Import a module on the codec allow-list (frameworks' own layer modules only)."""
    return importlib.import_module(module)


@symbolize
class partial(_Codec):
    """``functools.partial(func, *args, **keywords)`` of a symbolic or allowed callable."""

    def __init__(
        self, func: Any, args: tuple[Any, ...] = (), keywords: dict[str, Any] | None = None
    ) -> None:
        pass

    @classmethod
    def _decode(
        cls, func: Any, args: tuple[Any, ...] = (), keywords: dict[str, Any] | None = None
    ) -> Any:
        return functools.partial(func, *args, **dict(keywords or {}))


def _writable_callable(f: Any) -> Any:
    """``f`` itself if the writer can name it (a symbolic class), else a ``callable_ref``."""
    if isinstance(f, type) and "__sym_schema__" in f.__dict__:
        return f
    if isinstance(f, functools.partial):
        return encode(f)
    module = getattr(f, "__module__", None)
    qual = getattr(f, "__qualname__", None)
    if not module or not qual or "<" in qual:
        return None
    if not module_allowed(module, _CALLABLE_MODULES):
        public = _public_alias(f, module)
        if public is None:
            return None
        module = public
    return callable_ref.stand_in(name=f"{module}:{qual}")


def _public_alias(f: Any, module: str) -> str | None:
    """An allowed, imported module that exports ``f`` under its own name (``keras.layers``
    for ``keras.src.layers.core.dense.Dense``)."""
    name = getattr(f, "__name__", None)
    for m in _CALLABLE_MODULES:
        mod = sys.modules.get(m)
        if mod is not None and name and getattr(mod, name, None) is f:
            return m
    return None


def _type_is(value: Any, module_prefix: str, *names: str) -> bool:
    t = type(value)
    return t.__name__ in names and (t.__module__ or "").startswith(module_prefix)


def encode(value: Any) -> Any:
    """The codec stand-in for ``value``, or ``None`` if no codec writes it."""
    if _type_is(value, "ml_collections", "ConfigDict", "FrozenConfigDict"):
        frozen = type(value).__name__ == "FrozenConfigDict"
        cd = value.as_configdict() if frozen else value
        return config_dict.stand_in(items=_plain_config(cd.to_dict()), frozen=frozen)
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.dtype) and value.names is None and value.shape == ():
            return dtype.stand_in(name=value.name)
        if isinstance(value, type) and issubclass(value, np.generic):
            return dtype.stand_in(name=np.dtype(value).name, scalar_type=True)
    if type(value).__name__ == "_ScalarMeta" and (type(value).__module__ or "").startswith("jax"):
        return dtype.stand_in(name=value.dtype.name, library="jax")
    if _type_is(value, "keras", "DTypePolicy", "FloatDTypePolicy") or (
        type(value).__name__.endswith("DTypePolicy")
        and (type(value).__module__ or "").startswith("keras")
    ):
        return dtype_policy.stand_in(name=value.name)
    if isinstance(value, functools.partial):
        func = _writable_callable(value.func)
        if func is None:
            return None
        return partial.stand_in(func=func, args=tuple(value.args), keywords=dict(value.keywords))
    if callable(value) and not (isinstance(value, type) and "__sym_schema__" in value.__dict__):
        return _callable_stand_in(value)
    return None


def _callable_stand_in(f: Any) -> Any:
    """A ``callable_ref`` for a framework class or function (``nn.relu``, ``nn.LayerNorm``),
    only when its name resolves back to the very same object."""
    ref = _writable_callable(f)
    if type(ref) is not callable_ref:
        return None
    try:
        back = callable_ref._decode(ref.sym_init_args["name"])
    except Exception:  # any failure to resolve means: no codec for it
        return None
    return ref if back is f else None


def _plain_config(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _plain_config(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_plain_config(v) for v in d]
    return d


def what_to_do(value: Any) -> str:
    """Advice for a value no codec writes."""
    if isinstance(value, functools.partial):
        return (
            "a partial can be written when its function is a symbolic class or function, or a "
            "class/function of a module allowed by graftlab.io.codecs.allow_callables_from"
        )
    if callable(value):
        return (
            "symbolize it (gl.symbolize) so it can be named, or wrap it in functools.partial of "
            "a callable from a module allowed by graftlab.io.codecs.allow_callables_from"
        )
    return "pass a symbolic object, a literal, or a value with a codec (see graftlab.io.codecs)"
