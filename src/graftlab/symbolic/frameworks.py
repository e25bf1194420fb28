"""What a symbolized class's framework expects: identity, built state, live objects.

Frameworks rely on Python identity (torch de-duplicates parameters by ``hash``/``==``,
Keras tracks layers by object, NNX walks graphs by ``id``) and hold state their constructor
builds (weights, buffers, variables). The contract (docs/symbolic.md, "Framework classes"):

- ``identity_semantics(cls)``: the class keeps its own ``==``/``hash``; symbolic comparison
  is ``gl.eq``/``gl.hash``. True for torch ``Module``, Keras ``Operation``/``Layer``, Flax
  NNX ``Module``/``Pytree``, and any class that defines ``__eq__`` or ``__hash__`` itself.
- ``holds_built_state(cls)``: objects of the class are *live* as soon as they are built, so
  editing their arguments in place is refused (``gl.rebuild`` makes a fresh object).
- ``fingerprint(obj)``: what a plain object looks like right after ``__init__`` (attribute
  names, identities, and sizes of plain containers), so that state added afterwards (a
  ``deque`` filled, a registry dict populated) makes the object live too.

Nothing here imports a framework: classes are recognized by their bases' modules and names.
"""

from __future__ import annotations

import collections
from typing import Any

# (module prefix, class name) of bases whose objects hold built state and rely on identity.
_STATEFUL_BASES: tuple[tuple[str, str, str], ...] = (
    ("torch.nn.modules.module", "Module", "torch"),
    ("keras.src.ops.operation", "Operation", "keras"),
    ("keras.src.layers.layer", "Layer", "keras"),
    ("tf_keras", "Layer", "keras"),
    ("flax.nnx", "Module", "nnx"),
    ("flax.nnx", "Pytree", "nnx"),
    ("flax.nnx", "Object", "nnx"),
    ("tensorflow", "Module", "tensorflow"),
)

_SIZED = (list, dict, set, collections.deque, bytearray)


def framework_of(cls: type) -> str | None:
    """``"torch"``, ``"keras"``, ``"nnx"``, ``"tensorflow"`` or ``"linen"`` for a class
    derived from that framework's module/layer base, else ``None``."""
    for base in cls.__mro__:
        module = base.__module__ or ""
        for prefix, name, framework in _STATEFUL_BASES:
            if base.__name__ == name and (module == prefix or module.startswith(prefix + ".")):
                return framework
        if base.__name__ == "Module" and module.startswith("flax.linen"):
            return "linen"
    return None


def holds_built_state(cls: type) -> bool:
    """Whether objects of ``cls`` hold weights/variables from the moment they are built."""
    return framework_of(cls) in ("torch", "keras", "nnx", "tensorflow")


def defines_own_equality(cls: type) -> bool:
    """Whether ``cls`` or a base other than ``object`` defines ``__eq__`` or ``__hash__``."""
    for base in cls.__mro__:
        if base is object:
            continue
        d = base.__dict__
        if "__eq__" in d and not getattr(d["__eq__"], "__sym_eq__", False):
            return True
        if "__hash__" in d and not getattr(d["__hash__"], "__sym_eq__", False):
            return True
    return False


def identity_semantics(cls: type) -> bool:
    """Whether ``cls`` keeps its own ``==``/``hash`` (see the module doc)."""
    return holds_built_state(cls) or defines_own_equality(cls)


def fingerprint(obj: Any) -> tuple[Any, ...]:
    """Attribute names, identities, and sizes of plain containers of ``obj``."""
    d = obj.__dict__
    return tuple(
        (k, id(v), len(v) if type(v) in _SIZED else -1) for k, v in d.items() if k != "_sym_"
    )
