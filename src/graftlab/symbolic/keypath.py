"""Key paths: the address of a node inside a symbolic tree.

A key path is a tuple of keys: ``str`` for object arguments and dict keys, ``int`` for list
and tuple indices. Its text form is ``model.layers[3].conv.features``; dict keys that are
not identifiers are quoted (``opts['learning rate']``). ``KeyPath.parse(str(p)) == p``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from graftlab.symbolic.errors import KeyPathError

Key = str | int

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(
    r"""
    (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | \[(?P<index>-?\d+)\]
  | \[(?P<quote>['"])(?P<key>(?:\\.|(?!(?P=quote)).)*)(?P=quote)\]
    """,
    re.VERBOSE | re.DOTALL,
)


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace("'", "\\'")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


class KeyPath(tuple[Key, ...]):
    """An immutable sequence of keys with a readable text form."""

    __slots__ = ()
    # No ``__new__`` of its own: ``KeyPath(keys)`` is tuple's C constructor (``KeyPath()`` is
    # the root), which matters because trees make a key path per visited node.

    @classmethod
    def parse(cls, text: str | KeyPath | Iterable[Key]) -> KeyPath:
        """Parse ``a.b[3]['c d']`` into a key path; tuples and key paths pass through."""
        if isinstance(text, KeyPath):
            return text
        if not isinstance(text, str):
            return cls(text)
        if cls is KeyPath:
            return _parse_cached(text)
        return cls(_parse_cached(text))

    @classmethod
    def _parse(cls, text: str) -> KeyPath:
        keys: list[Key] = []
        pos = 0
        expect_key = True
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise KeyPathError(
                    f"cannot parse key path {text!r} at column {pos + 1}: expected a name, "
                    "'[index]' or \"['key']\""
                )
            if m.group("dot") is not None:
                if expect_key:
                    raise KeyPathError(
                        f"cannot parse key path {text!r}: unexpected '.' at column {pos + 1}"
                    )
                expect_key = True
            elif m.group("ident") is not None:
                if not expect_key:
                    raise KeyPathError(
                        f"cannot parse key path {text!r}: expected '.' before {m.group('ident')!r}"
                    )
                keys.append(m.group("ident"))
                expect_key = False
            elif expect_key and keys:
                raise KeyPathError(
                    f"cannot parse key path {text!r}: expected a name after '.' at column {pos + 1}"
                )
            elif m.group("index") is not None:
                keys.append(int(m.group("index")))
                expect_key = False
            else:
                keys.append(_unescape(m.group("key")))
                expect_key = False
            pos = m.end()
        if expect_key and keys:
            raise KeyPathError(f"cannot parse key path {text!r}: it ends with '.'")
        return cls(keys)

    def __str__(self) -> str:
        out: list[str] = []
        for key in self:
            if isinstance(key, int):
                out.append(f"[{key}]")
            elif _IDENT.match(key):
                out.append(f".{key}" if out else key)
            else:
                out.append(f"['{_escape(key)}']")
        return "".join(out)

    def __repr__(self) -> str:
        return f"KeyPath({str(self)!r})"

    def __add__(self, other: object) -> KeyPath:  # type: ignore[override]
        if isinstance(other, (str, int)):
            return KeyPath((*self, other))
        return KeyPath((*self, *other))  # type: ignore[misc]

    def child(self, key: Key) -> KeyPath:
        """This path extended by one key."""
        return _new(KeyPath, (*self, key))

    @property
    def parent(self) -> KeyPath:
        """The path without its last key (the root's parent is the root)."""
        return KeyPath(self[:-1])

    @property
    def key(self) -> Key | None:
        """The last key, or ``None`` for the root path."""
        return self[-1] if self else None

    def is_prefix_of(self, other: KeyPath) -> bool:
        """Whether ``other`` lies at or below this path."""
        return len(other) >= len(self) and other[: len(self)] == tuple(self)


_new = tuple.__new__


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> KeyPath:
    """Parsed key paths are immutable, so the same text is parsed once (editors and rules
    rebind the same few paths over and over)."""
    return KeyPath._parse(text)


ROOT = KeyPath()
