"""Reading and writing symbolic values: JSON, and the experiment text format."""

from graftlab.io.json_format import JSONFormatError, from_json, from_json_str, to_json, to_json_str

__all__ = ["JSONFormatError", "from_json", "from_json_str", "to_json", "to_json_str"]
