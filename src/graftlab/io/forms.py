"""Special forms: callables the loader treats specially instead of building them directly.

Later layers register theirs (the derivation form ``derive(base, chain)`` from patching) so
that the grammar stays one grammar: a special form is spelled like any call, and the loader
recognizes it by what its callee resolves to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FormHandler = Callable[..., Any]
_FORMS: dict[int, tuple[Any, FormHandler]] = {}


def register_form(callee: Any, handler: FormHandler) -> None:
    """Have the loader call ``handler(ctx, call, path)`` for calls that resolve to ``callee``."""
    _FORMS[id(callee)] = (callee, handler)


def form_for(callee: Any) -> FormHandler | None:
    """The handler registered for ``callee``, if any."""
    entry = _FORMS.get(id(callee))
    return entry[1] if entry is not None and entry[0] is callee else None
