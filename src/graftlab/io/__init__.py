"""Reading and writing symbolic values: the experiment text format, and JSON.

The names load on first use: reading ``graft.toml`` (``graftlab.io.config``) does not import
the loader, the writer or the formatter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftlab._lazy import lazy_exports

_STATIC_ONLY = False
# For type checkers and graftlab's own static index; at run time through _LAZY.
if TYPE_CHECKING or _STATIC_ONLY:
    from graftlab.io.config import GraftConfig, find_config, load_config
    from graftlab.io.errors import FormatError, FormatErrors, ImportNotAllowedError, WriteError
    from graftlab.io.fmt import format_text
    from graftlab.io.json_format import (
        JSONFormatError,
        from_json,
        from_json_str,
        to_json,
        to_json_str,
    )
    from graftlab.io.loader import LoadedFile, load, load_file, loads, loads_file
    from graftlab.io.spans import Located, SourceMap, Span, source_map
    from graftlab.io.writer import dumps, dumps_module, save

_LAZY = {
    "GraftConfig": "graftlab.io.config",
    "find_config": "graftlab.io.config",
    "load_config": "graftlab.io.config",
    "FormatError": "graftlab.io.errors",
    "FormatErrors": "graftlab.io.errors",
    "ImportNotAllowedError": "graftlab.io.errors",
    "WriteError": "graftlab.io.errors",
    "format_text": "graftlab.io.fmt",
    "JSONFormatError": "graftlab.io.json_format",
    "from_json": "graftlab.io.json_format",
    "from_json_str": "graftlab.io.json_format",
    "to_json": "graftlab.io.json_format",
    "to_json_str": "graftlab.io.json_format",
    "LoadedFile": "graftlab.io.loader",
    "load": "graftlab.io.loader",
    "load_file": "graftlab.io.loader",
    "loads": "graftlab.io.loader",
    "loads_file": "graftlab.io.loader",
    "Located": "graftlab.io.spans",
    "SourceMap": "graftlab.io.spans",
    "Span": "graftlab.io.spans",
    "source_map": "graftlab.io.spans",
    "dumps": "graftlab.io.writer",
    "dumps_module": "graftlab.io.writer",
    "save": "graftlab.io.writer",
}

__all__ = [
    "FormatError",
    "FormatErrors",
    "GraftConfig",
    "ImportNotAllowedError",
    "JSONFormatError",
    "LoadedFile",
    "Located",
    "SourceMap",
    "Span",
    "WriteError",
    "dumps",
    "dumps_module",
    "find_config",
    "format_text",
    "from_json",
    "from_json_str",
    "load",
    "load_config",
    "load_file",
    "loads",
    "loads_file",
    "save",
    "source_map",
    "to_json",
    "to_json_str",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
