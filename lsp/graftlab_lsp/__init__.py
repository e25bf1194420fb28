"""The graftlab language server (pygls over stdio)."""
