"""Mapping an exception raised inside a built model to the component that failed.

The builder records the key path of every module it builds (``id(module) -> path``, and a
static ``_graft_path`` attribute that NNX copies, e.g. inside ``jax.jit``, carry along). When
a forward pass raises, the traceback's frames are walked; the innermost frame whose ``self``
is a recorded module names the failing component. If none is found (a module built outside
the builder), the failing computation can be replayed eagerly on the original modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graftlab.symbolic.errors import ComponentError
from graftlab.symbolic.keypath import KeyPath


def path_in_traceback(exc: BaseException, paths: dict[int, KeyPath]) -> KeyPath | None:
    """The key path of the innermost recorded module among the frames of ``exc``."""
    found: KeyPath | None = None
    tb = exc.__traceback__
    while tb is not None:
        this = tb.tb_frame.f_locals.get("self")
        if this is not None:
            if id(this) in paths:
                found = paths[id(this)]
            else:
                text = getattr(this, "__dict__", {}).get("_graft_path")
                if isinstance(text, str):
                    found = KeyPath.parse(text)
        tb = tb.tb_next
    return found


def component_error(exc: BaseException, path: KeyPath) -> ComponentError:
    """A ``ComponentError`` at ``path`` caused by ``exc``."""
    name = type(exc).__name__
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    err = ComponentError(f"{name}: {first}" if first else name, path, exc)
    err.__cause__ = exc
    return err


def locate(
    exc: BaseException, paths: dict[int, KeyPath], replay: Callable[[], Any] | None
) -> ComponentError | None:
    """A ``ComponentError`` for ``exc`` raised in a model, or None if no component is found.

    ``replay`` re-runs the failing computation eagerly on the original modules (used when the
    frames of ``exc`` belong to jitted copies).
    """
    if isinstance(exc, ComponentError):
        return exc
    path = path_in_traceback(exc, paths)
    if path is not None:
        return component_error(exc, path)
    if replay is None:
        return None
    try:
        replay()
    except Exception as again:
        path = path_in_traceback(again, paths)
        if path is not None:
            return component_error(again, path)
    return None
