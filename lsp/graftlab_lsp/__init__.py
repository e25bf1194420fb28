"""The graftlab language server (pygls over stdio)."""

from graftlab_lsp.service import LanguageService

__all__ = ["LanguageService"]
