"""Source spans and source maps: key paths to file positions and back.

Lines are 1-based; columns are 0-based and count characters (code points), not bytes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from graftlab.symbolic.keypath import KeyPath


class Span(NamedTuple):
    """A range of source text: from (line, column) up to (end_line, end_column).

    A named tuple: the loader makes one per value, so it must be cheap to create.
    """

    line: int
    column: int
    end_line: int
    end_column: int

    def contains(self, line: int, column: int) -> bool:
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) <= (self.end_line, self.end_column)

    def __str__(self) -> str:
        return f"{self.line}:{self.column + 1}-{self.end_line}:{self.end_column + 1}"


class Located(NamedTuple):
    """Where a value came from: its own span and, for a keyword argument, the keyword's."""

    value: Span
    key: Span | None = None


class SourceMap:
    """Spans of the values of one loaded tree, by key path relative to its root."""

    def __init__(
        self,
        file: str,
        entries: dict[KeyPath, Located],
        text: str = "",
        bulk: dict[KeyPath, Callable[[], dict[KeyPath, Located]]] | None = None,
    ) -> None:
        self.file = file
        self._entries = entries
        self.text = text
        # Long literal lists and dicts: the spans of their elements, relative to them, are
        # computed when first asked for (parsing the region again), not on every load.
        self._bulk = dict(bulk) if bulk else {}

    @property
    def entries(self) -> dict[KeyPath, Located]:
        """Every recorded span by key path (the elements of long literals included)."""
        for prefix in list(self._bulk):
            self._expand(prefix)
        return self._entries

    def _expand(self, prefix: KeyPath) -> None:
        make = self._bulk.pop(prefix, None)
        if make is None:
            return
        for rel, loc in make().items():
            if rel:
                self._entries.setdefault(KeyPath((*prefix, *rel)), loc)

    def _expand_for(self, kp: KeyPath) -> None:
        if self._bulk:
            for n in range(len(kp) - 1, -1, -1):
                pre = KeyPath(kp[:n])
                if pre in self._bulk:
                    self._expand(pre)
                    return

    def span_of(self, path: Any) -> Span | None:
        """The span of the value at ``path`` (or of its nearest recorded ancestor)."""
        loc = self.locate(path)
        return loc.value if loc else None

    def key_span_of(self, path: Any) -> Span | None:
        """The span of the keyword that passed the value at ``path`` (``None`` if positional)."""
        kp = KeyPath.parse(path)
        self._expand_for(kp)
        loc = self._entries.get(kp)
        return loc.key if loc else None

    def locate(self, path: Any) -> Located | None:
        """The recorded location of ``path``, falling back to its nearest ancestor."""
        kp = KeyPath.parse(path)
        self._expand_for(kp)
        while True:
            loc = self._entries.get(kp)
            if loc is not None or not kp:
                return loc
            kp = kp.parent

    def path_at(self, line: int, column: int) -> KeyPath | None:
        """The innermost key path whose value (or keyword) covers a position."""
        best: KeyPath | None = None
        best_size: tuple[int, int] | None = None
        for path, loc in self.entries.items():
            for span in (loc.value, loc.key):
                if span is not None and span.contains(line, column):
                    size = (
                        span.end_line - span.line,
                        span.end_column - span.column if span.end_line == span.line else 10**9,
                    )
                    # On a tie the inner of two nested paths wins; between the copies of a
                    # name used twice (same spans), the first recorded: the definition.
                    if (
                        best_size is None
                        or size < best_size
                        or (
                            size == best_size
                            and best is not None
                            and len(path) > len(best)
                            and tuple(path[: len(best)]) == tuple(best)
                        )
                    ):
                        best, best_size = path, size
        return best

    def sub(self, prefix: Any) -> SourceMap:
        """The map of the subtree at ``prefix``, with paths relative to it."""
        kp = KeyPath.parse(prefix)
        n = len(kp)
        self._expand_for(kp)
        return SourceMap(
            self.file,
            {KeyPath(p[n:]): loc for p, loc in self._entries.items() if p[:n] == tuple(kp)},
            self.text,
            {KeyPath(p[n:]): f for p, f in self._bulk.items() if p[:n] == tuple(kp)},
        )

    def by_name(self) -> dict[Any, SourceMap]:
        """The maps of every top-level name at once (one pass over the entries)."""
        groups: dict[Any, dict[KeyPath, Located]] = {}
        for p, loc in self._entries.items():
            if p:
                groups.setdefault(p[0], {})[KeyPath(p[1:])] = loc
        lazy: dict[Any, dict[KeyPath, Any]] = {}
        for p, f in self._bulk.items():
            if p:
                lazy.setdefault(p[0], {})[KeyPath(p[1:])] = f
        return {
            name: SourceMap(self.file, entries, self.text, lazy.get(name))
            for name, entries in groups.items()
        }

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"SourceMap({self.file!r}, {len(self.entries)} spans)"


_MAPS: dict[int, tuple[weakref.ref[Any], SourceMap]] = {}


def attach_source_map(value: Any, smap: SourceMap) -> None:
    """Remember ``smap`` for a loaded object (forgotten when the object is collected)."""
    key = id(value)
    try:
        ref = weakref.ref(value, lambda _r, key=key: _MAPS.pop(key, None))
    except TypeError:
        return
    _MAPS[key] = (ref, smap)


def source_map(value: Any) -> SourceMap | None:
    """The source map of a loaded object or ``LoadedFile``; ``None`` if it was not loaded."""
    direct = getattr(value, "source_map", None)
    if isinstance(direct, SourceMap):
        return direct
    entry = _MAPS.get(id(value))
    if entry is None or entry[0]() is not value:
        return None
    return entry[1]
