"""Patch URIs: ``name?pos1&pos2&key=value``, percent-decoded and converted by type.

Grammar (see docs/patching.md)::

    uri      := name [ "?" [ arg ( "&" arg )* ] ]
    name     := segment ( "/" segment )*          e.g. scale_width, team_b/swap_conv
    segment  := [A-Za-z_][A-Za-z0-9_.-]*
    arg      := value | key "=" value             positional arguments come first
    key      := [A-Za-z_][A-Za-z0-9_]*
    value    := any characters but "&"; "%XX" decodes a byte (UTF-8), so "%26" is "&"

Values are strings until a rule's argument types convert them (``convert``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from graftlab.patching.errors import URIError
from graftlab.symbolic import typespec as ts

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?:/[A-Za-z_][A-Za-z0-9_.\-]*)*\Z")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class URIArg:
    """One argument as written: its key (``None`` if positional), raw text and offsets."""

    key: str | None
    text: str
    offset: int  # where the argument starts in the URI
    value_offset: int  # where its value starts
    length: int

    @property
    def value(self) -> str:
        """The percent-decoded text."""
        return unquote(self.text, errors="strict")


@dataclass(frozen=True)
class ParsedURI:
    """A URI split into its rule name and arguments (values not yet converted)."""

    uri: str
    name: str
    args: tuple[URIArg, ...]

    @property
    def positional(self) -> list[URIArg]:
        return [a for a in self.args if a.key is None]

    @property
    def keyword(self) -> list[URIArg]:
        return [a for a in self.args if a.key is not None]


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_uri(uri: str) -> ParsedURI:
    """Split a URI; ``URIError`` says where it is malformed."""
    if not isinstance(uri, str):
        raise URIError(f"a patch URI must be a string, got {type(uri).__name__}")
    bad = _SURROGATE.search(uri)
    if bad is not None:
        raise URIError(
            f"a URI is Unicode text: {bad.group()!r} at column {bad.start() + 1} is half of a "
            "surrogate pair, not a character",
            uri=uri,
            offset=bad.start(),
            length=1,
        )
    name, sep, query = uri.partition("?")
    if not _NAME.match(name):
        raise URIError(
            "a rule name is made of letters, digits, '_', '.', '-' and '/' namespaces, starting "
            f"with a letter or '_'; got {name!r}",
            uri=uri,
            offset=0,
            length=len(name),
        )
    args: list[URIArg] = []
    if sep and query:
        pos = len(name) + 1
        seen_keyword = False
        for part in query.split("&"):
            start = pos
            pos += len(part) + 1
            if part == "":
                raise URIError(
                    "empty argument (two '&' in a row, or a trailing '&')",
                    uri=uri,
                    offset=start,
                    length=1,
                )
            key, eq, value = part.partition("=")
            if eq:
                if not _KEY.match(key):
                    raise URIError(
                        f"bad argument name {key!r}", uri=uri, offset=start, length=len(key)
                    )
                seen_keyword = True
                arg = URIArg(key, value, start, start + len(key) + 1, len(part))
            else:
                if seen_keyword:
                    raise URIError(
                        f"positional argument {part!r} follows a keyword argument; "
                        "positional arguments come first",
                        uri=uri,
                        offset=start,
                        length=len(part),
                    )
                arg = URIArg(None, part, start, start, len(part))
            try:
                arg.value  # noqa: B018 - checks the percent-encoding
            except UnicodeDecodeError:
                raise URIError(
                    "bad percent-encoding (not UTF-8)",
                    uri=uri,
                    argument=arg.key,
                    offset=start,
                    length=len(part),
                ) from None
            args.append(arg)
    return ParsedURI(uri, name, tuple(args))


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NONE = {"none", "null"}


class ConversionError(ValueError):
    """A text that does not convert to the expected type; the message says what is expected."""


def convert(spec: ts.Spec, raw: str) -> Any:
    """Convert a URI value (still percent-encoded) to ``spec``'s type; validation follows.

    Lists and tuples are comma-separated (optionally in brackets); a comma inside an item is
    written ``%2C``.
    """
    if isinstance(spec, (ts.ListSpec, ts.TupleSpec)):
        return _convert_sequence(spec, raw)
    if isinstance(spec, ts.UnionSpec):
        return _convert_union(spec, raw)
    text = unquote(raw)
    if isinstance(spec, ts.IntSpec):
        try:
            return int(text)
        except ValueError:
            raise ConversionError(f"expected an integer, got {text!r}") from None
    if isinstance(spec, ts.FloatSpec):
        try:
            return float(text)
        except ValueError:
            raise ConversionError(f"expected a number, got {text!r}") from None
    if isinstance(spec, ts.BoolSpec):
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ConversionError(f"expected a boolean (true/false, yes/no, on/off, 1/0), got {text!r}")
    if isinstance(spec, ts.StrSpec):
        return text
    if isinstance(spec, ts.NoneSpec):
        if text.lower() in _NONE:
            return None
        raise ConversionError(f"expected None, got {text!r}")
    if isinstance(spec, ts.EnumSpec):
        e = spec.enum_type
        for m in e:
            if text == m.name or text.lower() == m.name.lower() or text == str(m.value):
                return m
        raise ConversionError(f"expected one of {', '.join(m.name for m in e)}, got {text!r}")
    if isinstance(spec, ts.LiteralSpec):
        for c in spec.choices:
            if isinstance(c, enum.Enum):
                if text in (c.name, str(c.value)):
                    return c
            elif c is None and text.lower() in _NONE:
                return None
            elif str(c) == text or (isinstance(c, bool) and text.lower() == str(c).lower()):
                return c
        raise ConversionError(
            f"expected one of {', '.join(repr(c) for c in spec.choices)}, got {text!r}"
        )
    if isinstance(spec, ts.AnySpec):
        return _guess(text)
    raise ConversionError(f"a value of type {spec.describe()} cannot be given in a URI")


def _convert_union(spec: ts.UnionSpec, raw: str) -> Any:
    if spec.nullable and unquote(raw).lower() in _NONE:
        return None
    for option in spec.options:
        if isinstance(option, ts.NoneSpec):
            continue
        try:
            value = convert(option, raw)
            option.check(value)
            return value
        except (ConversionError, ts.ValidationError):
            continue
    raise ConversionError(f"expected {spec.describe()}, got {unquote(raw)!r}")


def _convert_sequence(spec: ts.ListSpec | ts.TupleSpec, raw: str) -> Any:
    inner = raw[1:-1] if raw.startswith(("[", "(")) and raw.endswith(("]", ")")) else raw
    parts = [p.strip() for p in inner.split(",")] if inner.strip() else []
    if isinstance(spec, ts.ListSpec):
        return [convert(spec.item, p) for p in parts]
    if spec.items is not None:
        if len(parts) != len(spec.items):
            raise ConversionError(
                f"expected {len(spec.items)} comma-separated values, got {len(parts)}"
            )
        return tuple(convert(s, p) for s, p in zip(spec.items, parts, strict=True))
    return tuple(convert(spec.rest or ts.ANY, p) for p in parts)


def _guess(text: str) -> Any:
    low = text.lower()
    if low in _NONE:
        return None
    if low in ("true", "false"):
        return low == "true"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


_ITEM_BRACKETS = str.maketrans({"[": "%5B", "]": "%5D", "(": "%28", ")": "%29"})


def quote_value(value: Any) -> str:
    """The URI spelling of a value (percent-encoding what the grammar reserves)."""
    if isinstance(value, enum.Enum):
        text = value.name
    elif isinstance(value, (list, tuple)):
        # Brackets around a whole list are optional syntax: inside items they are encoded.
        return ",".join(quote_value(v).translate(_ITEM_BRACKETS) for v in value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return quote(text, safe="-_.~:/+*()[]!$'@")


def format_uri(name: str, args: dict[str, Any]) -> str:
    """``name?k=v&...`` with values quoted."""
    if not args:
        return name
    return name + "?" + "&".join(f"{k}={quote_value(v)}" for k, v in args.items())
