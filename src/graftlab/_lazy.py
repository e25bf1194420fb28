"""Lazy re-exports for a package's ``__init__``: each name is imported from its module on first
use, so importing the package (``import graftlab``) stays cheap and never pulls in JAX, git or
rich. The package keeps its real imports under ``if TYPE_CHECKING`` for type checkers and
graftlab's own static index; at run time the table built here serves them."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` (its ``__name__``).

    ``table`` maps a public name to ``"module"`` (the same name there) or ``"module:name"``;
    ``namespace`` is the package's ``globals()``, where a loaded name is stored so that later
    uses find it directly and do not come back here."""

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *table})

    return __getattr__, __dir__
