"""Reading and writing symbolic values: the experiment text format, and JSON."""

from graftlab.io.config import GraftConfig, find_config, load_config
from graftlab.io.errors import FormatError, FormatErrors, ImportNotAllowedError, WriteError
from graftlab.io.fmt import format_text
from graftlab.io.json_format import JSONFormatError, from_json, from_json_str, to_json, to_json_str
from graftlab.io.loader import LoadedFile, load, load_file, loads, loads_file
from graftlab.io.spans import Located, SourceMap, Span, source_map
from graftlab.io.writer import dumps, dumps_module, save

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
