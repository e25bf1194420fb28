"""The graftlab language server (pygls over stdio).

``LanguageService`` is re-exported lazily: ``python -m graftlab_lsp`` imports this package
first, and the features behind the service are not needed to answer ``initialize``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graftlab_lsp.service import LanguageService

__all__ = ["LanguageService"]


def __getattr__(name: str) -> Any:
    if name == "LanguageService":
        from graftlab_lsp.service import LanguageService

        return LanguageService
    raise AttributeError(f"module 'graftlab_lsp' has no attribute {name!r}")
