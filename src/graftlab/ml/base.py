"""Component specs and the builder that turns a tree of specs into Flax NNX modules.

A component is a ``@gl.symbolize``d class that holds hyperparameters only; importing one
never imports JAX. ``Builder`` walks a spec tree when a run starts, builds children first
(their output shapes are propagated so that no spec has to repeat an input width), and
records which built module came from which key path, so that errors raised inside a module
can be reported at the component that failed. Users' own ``nnx.Module`` classes (symbolized:
deferred until ``rngs`` is given) and Linen modules (wrapped with ``nnx.bridge.ToNNX``) are
components too.
"""

from __future__ import annotations

from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.build import construct
from graftlab.symbolic.errors import ComponentError, SymbolicError
from graftlab.symbolic.keypath import KeyPath

PATH_ATTR = "_graft_path"
Abstract = Any  # a jax.ShapeDtypeStruct, or a tuple of them for components with several inputs


class Component:
    """Base class of graftlab's model components (symbolic specs of NNX modules).

    Subclasses implement ``make(builder, x, path)`` which returns ``(module, y)``: the NNX
    module and the abstract value (``jax.ShapeDtypeStruct``) of its output for input ``x``.
    Children (sub-components passed as arguments) are built with ``builder.build``.
    """

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        raise NotImplementedError(f"{type(self).__qualname__} does not implement make()")

    def build(self, rngs: Any, x: Abstract) -> Any:
        """Build the NNX module for an input like ``x`` (a ``jax.ShapeDtypeStruct``)."""
        return Builder(rngs).build(self, x, KeyPath())[0]


def struct(shape: tuple[int, ...], dtype: Any = "float32") -> Any:
    """A ``jax.ShapeDtypeStruct`` (imports JAX)."""
    import jax
    import jax.numpy as jnp

    return jax.ShapeDtypeStruct(tuple(shape), jnp.dtype(dtype))


class Builder:
    """Builds spec trees into NNX modules with one ``nnx.Rngs``; maps modules to key paths."""

    def __init__(self, rngs: Any) -> None:
        self.rngs = rngs
        self.paths: dict[int, KeyPath] = {}
        self._alive: list[Any] = []  # ids are only meaningful while the modules live

    def record(self, module: Any, path: KeyPath) -> Any:
        """Remember that ``module`` was built from the spec at ``path``.

        The path is also kept on the module as a static attribute (``_graft_path``), so that
        copies NNX makes (``nnx.merge`` inside ``jax.jit``) still know where they came from.
        """
        if id(module) not in self.paths:
            self.paths[id(module)] = path
            self._alive.append(module)
            d = getattr(module, "__dict__", None)
            bridge = (type(module).__module__ or "").startswith("flax.nnx.bridge")
            if d is not None and PATH_ATTR not in d and not bridge:
                d[PATH_ATTR] = str(path)
        return module

    def build(self, value: Any, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        """``(module, output)`` for a component spec, a user's NNX/Linen module or a module."""
        try:
            if isinstance(value, Component):
                module, y = value.make(self, x, path)
            elif _is_linen(value):
                module, y = self._linen(value, x)
            elif _is_nnx_spec(value):
                module, y = self._nnx_spec(value, x, path)
            elif _is_nnx_module(value):
                module, y = value, output_of(value, x)
            else:
                raise TypeError(
                    f"{type(value).__qualname__} is not a component: expected a graftlab.ml "
                    "component, a symbolized nnx.Module or a Linen module"
                )
        except ComponentError:
            raise
        except Exception as e:
            from graftlab.ml.runtime.errors import path_in_traceback

            inner = path_in_traceback(e, self.paths)
            if inner is not None and inner != path:
                raise ComponentError(f"{type(e).__name__}: {e}", inner, e) from e
            raise ComponentError(
                f"building {type(value).__qualname__} failed: {type(e).__name__}: {e}", path, e
            ) from e
        return self.record(module, path), y

    def build_list(
        self, values: list[Any], x: Abstract, path: KeyPath
    ) -> tuple[list[Any], Abstract]:
        """Build components in sequence, each fed the previous one's output."""
        out = []
        for i, v in enumerate(values):
            m, x = self.build(v, x, path.child(i))
            out.append(m)
        return out, x

    def _nnx_spec(self, value: Any, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        """A symbolized ``nnx.Module`` spec: children first, then its own ``__init__``."""
        st = nodes.state_of(value)
        assert st is not None
        args = {k: self._nnx_arg(v, path.child(k)) for k, v in st.args.items()}
        module = construct(type(value), args, runtime={"rngs": self.rngs})
        return module, output_of(module, x)

    def _nnx_arg(self, value: Any, path: KeyPath) -> Any:
        t = type(value)
        if t in nodes.LEAF_TYPES:
            return value
        if isinstance(value, list):
            return [self._nnx_arg(v, path.child(i)) for i, v in enumerate(list.__iter__(value))]
        if isinstance(value, dict):
            return {k: self._nnx_arg(v, path.child(k)) for k, v in dict.items(value)}
        if t is tuple:
            return tuple(self._nnx_arg(v, path.child(i)) for i, v in enumerate(value))
        if _is_nnx_spec(value):
            st = nodes.state_of(value)
            assert st is not None
            try:
                args = {k: self._nnx_arg(v, path.child(k)) for k, v in st.args.items()}
                module = construct(type(value), args, runtime={"rngs": self.rngs})
            except ComponentError:
                raise
            except Exception as e:
                raise ComponentError(
                    f"building {t.__qualname__} failed: {type(e).__name__}: {e}", path, e
                ) from e
            return self.record(module, path)
        if isinstance(value, Component):
            raise ComponentError(
                f"{t.__qualname__} inside an nnx.Module's arguments needs an input shape: "
                "build it inside the module, or use graftlab.ml.Sequential around both",
                path,
            )
        return value

    def _linen(self, value: Any, x: Abstract) -> tuple[Any, Abstract]:
        """A Linen module: initialized from the input shape in training mode, wrapped so that
        ``train()``/``eval()`` switch its mode argument and mutable collections."""
        import jax.numpy as jnp
        from flax import nnx
        from flax.nnx.bridge import variables as bv

        from graftlab.ml._nnx import Linen, linen_mode_arg

        inner = nnx.bridge.ToNNX(value, rngs=self.rngs)
        mode_arg, means_train = linen_mode_arg(value)
        wrapper = Linen(inner, mode_arg, means_train, ())
        xs = x if isinstance(x, tuple) else (x,)
        nnx.bridge.lazy_init(
            inner, *[jnp.zeros(s.shape, s.dtype) for s in xs], **wrapper.mode_kwargs(True)
        )
        attrs = {
            k: v
            for k, v in vars(inner).items()
            if not k.startswith("to_nnx__") and not k.startswith("_pytree__")
        }
        collections = tuple(c for c in bv.nnx_attrs_to_linen_vars(attrs) if c != "params")
        wrapper.mutable = collections
        return wrapper, output_of(wrapper, x)


def output_of(module: Any, x: Abstract) -> Abstract:
    """The abstract output of ``module`` for input ``x`` (traced, no computation, pure)."""
    import jax
    from flax import nnx

    graphdef, state = nnx.split(module)

    def apply(state: Any, *xs: Any) -> Any:
        return nnx.merge(graphdef, state)(*xs)

    xs = x if isinstance(x, tuple) else (x,)
    return jax.eval_shape(apply, state, *xs)


def _is_linen(value: Any) -> bool:
    return "flax.linen" in _base_modules(type(value))


def _base_modules(cls: type) -> set[str]:
    return {
        ".".join((b.__module__ or "").split(".")[:2]) for b in cls.__mro__ if b.__name__ == "Module"
    }


def _is_nnx_module(value: Any) -> bool:
    return "flax.nnx" in _base_modules(type(value))


def _is_nnx_spec(value: Any) -> bool:
    """A symbolized ``nnx.Module`` whose ``__init__`` waits for ``rngs``."""
    if not _is_nnx_module(value):
        return False
    st = nodes.state_of(value)
    return st is not None and st.runtime is None and bool(st.schema.required_runtime)


def check_component(value: Any, where: str) -> None:
    """Raise a ``SymbolicError`` unless ``value`` can be built as a component."""
    if isinstance(value, Component) or _is_nnx_module(value) or _is_linen(value):
        return
    raise SymbolicError(f"{where}: {type(value).__qualname__} is not a model component")
