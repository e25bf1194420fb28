"""Go to definition: a class, an argument (its ``__init__`` parameter or field), a patch rule
(inside its URI), a base experiment."""

from __future__ import annotations

from typing import Any

from graftlab.patching.uri import parse_uri
from graftlab_lsp.locate import argument_location
from graftlab_lsp.model import doc_lines
from graftlab_lsp.names import inside_string, keyword_at, resolve_name, string_at, word_at


def definition(index: Any, text: str, line: int, column: int) -> Any:
    """A ``Location`` (file, 1-based line, column) for the thing under the cursor, or None."""
    lines = doc_lines(text)
    if line >= len(lines) or index is None:
        return None
    line_text = lines[line]
    if inside_string(line_text, column):
        s = string_at(line_text, column)
        if s is not None:
            if s in index.experiments:
                from graftlab.index.model import Location

                return Location(index.experiments[s].file, 1, 0)
            try:
                rule = index.rules.get(parse_uri(s).name)
            except Exception:
                rule = None
            if rule is not None:
                return rule.location
        return None
    word = word_at(line_text, column)
    if word is None:
        return None
    name = word[0]
    keyword = keyword_at(index, text, lines, line, word)
    if keyword is not None and keyword[0] is not None:
        info, arg = keyword
        loc = argument_location(index, info, name) if arg is not None else None
        return loc or info.location
    info = resolve_name(index, text, name)
    return info.location if info is not None else None
