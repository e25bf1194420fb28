"""Stage one of loading: the file's text to the format's own syntax tree (nothing imported)."""

from __future__ import annotations

import sys

import pytest

import graftlab as gl
from graftlab.io import syntax
from graftlab.io.spans import Span
from graftlab.io.syntax import (
    CallE,
    DictE,
    DottedE,
    FromS,
    ImportS,
    ListE,
    Lit,
    NameE,
    TupleE,
    comments,
    decode,
    parse,
    split_lines,
)


def ok(text: str) -> syntax.ModuleIR:
    module, errors, _src = parse(text, "exp.py")
    assert errors == [], [e.render() for e in errors]
    return module


def only_error(text: str) -> gl.FormatError:
    _module, errors, _src = parse(text, "exp.py")
    assert len(errors) == 1, [e.render() for e in errors]
    return errors[0]


def test_docstring_imports_and_assignments() -> None:
    m = ok(
        '"""Doc."""\n'
        "import a.b\n"
        "import a.b as c\n"
        "from x.y import P, Q as R\n"
        "stem = P(1)\n"
        "experiment = Q(stem, k=[1, (2,)], d={'a': c.Z})\n"
    )
    assert m.docstring == "Doc."
    assert m.docstring_span == Span(1, 0, 1, 10)
    kinds = [(type(i).__name__, i.module) for i in m.imports]
    assert kinds == [("ImportS", "a.b"), ("ImportS", "a.b"), ("FromS", "x.y")]
    plain, aliased, frm = m.imports
    assert isinstance(plain, ImportS) and plain.bound_name == "a" and plain.alias is None
    assert isinstance(aliased, ImportS) and aliased.bound_name == "c"
    assert isinstance(frm, FromS)
    assert [(n, a) for n, a, _ in frm.names] == [("P", None), ("Q", "R")]
    assert [a.name for a in m.assigns] == ["stem", "experiment"]
    call = m.assigns[1].value
    assert isinstance(call, CallE) and isinstance(call.callee, NameE)
    assert call.callee.name == "Q"
    assert isinstance(call.args[0], NameE) and call.args[0].name == "stem"
    k, d = call.kwargs
    assert k.name == "k" and isinstance(k.value, ListE)
    assert isinstance(k.value.items[0], Lit) and k.value.items[0].value == 1
    assert isinstance(k.value.items[1], TupleE)
    assert isinstance(d.value, DictE) and d.value.keys[0][0] == "a"
    dotted = d.value.values[0]
    assert isinstance(dotted, DottedE) and dotted.parts == ["c", "Z"]


def test_keyword_name_span_covers_the_keyword_only() -> None:
    m = ok("x = C(\n    features=32)\n")
    call = m.assigns[0].value
    assert isinstance(call, CallE)
    assert call.kwargs[0].name_span == Span(2, 4, 2, 12)
    assert call.kwargs[0].value.span == Span(2, 13, 2, 15)
    assert call.span == Span(1, 4, 2, 16)


def test_a_string_first_is_the_docstring_but_not_later() -> None:
    assert ok("x = 1\n").docstring is None
    assert ok('"""Only a docstring."""\n').docstring == "Only a docstring."
    err = only_error('x = 1\n"not a docstring"\n')
    assert (err.line, err.column) == (2, 0)
    assert "expression statement" in err.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("x = -1\n", -1),
        ("x = +2.5\n", 2.5),
        ("x = -0.0\n", -0.0),
        ("x = 1e-300\n", 1e-300),
        ("x = 'it''s'\n", "its"),
        ("x = True\n", True),
        ("x = None\n", None),
        ("x = 0x10\n", 16),
    ],
)
def test_literals(text: str, value: object) -> None:
    lit = ok(text).assigns[0].value
    assert isinstance(lit, Lit)
    assert lit.value == value and type(lit.value) is type(value)


@pytest.mark.parametrize(
    ("text", "col", "needle"),
    [
        ("x = --1\n", 4, "a sign (`-`, `+`) may only stand before a number"),
        ("x = -'a'\n", 4, "a sign"),
        ("x = 1j\n", 4, "complex literals are not allowed"),
        ("x = b'a'\n", 4, "bytes literals are not allowed"),
        ("x = ...\n", 4, "`...` is not allowed"),
        ("x = {1: 2}\n", 5, "dict keys must be string literals"),
        ("x = {**y}\n", 4, "`**` unpacking is not allowed in a dict"),
        ("x = [*y]\n", 5, "`*` unpacking is not allowed"),
        ("x = (*y,)\n", 5, "`*` unpacking is not allowed"),
        ("x = y[0]\n", 4, "subscripting is not allowed"),
        ("x = not y\n", 4, "this operator is not allowed"),
        ("x = (y := 1)\n", 5, "an assignment expression is not allowed"),
        ("x = a if b else c\n", 4, "a conditional expression is not allowed"),
        ("x = a < b\n", 4, "a comparison is not allowed"),
        ("x = a or b\n", 4, "a boolean operator is not allowed"),
        ("x = (i for i in y)\n", 4, "a generator expression is not allowed"),
        ("x = {k: 1 for k in y}\n", 4, "a dict comprehension is not allowed"),
        ("x = C()()\n", 4, "only symbolic classes and functions may be called, by name"),
        ("x = C().y\n", 4, "attribute access is only allowed on imported modules"),
        ("a, b = 1, 2\n", 0, "exactly one plain name on its left"),
        ("a = b = 1\n", 0, "exactly one plain name on its left"),
        ("x.y = 1\n", 0, "exactly one plain name on its left"),
        ("__x = 1\n", 0, "names starting with '__' are not allowed"),
        ("with a: pass\n", 0, "with is not allowed here"),
        ("while a: pass\n", 0, "while is not allowed here"),
        ("try:\n    pass\nexcept E:\n    pass\n", 0, "try is not allowed here"),
        ("del x\n", 0, "delete is not allowed here"),
        ("global x\n", 0, "global is not allowed here"),
        ("async def f(): pass\n", 0, "a function definition is not allowed here"),
    ],
)
def test_construct_errors_say_what_is_allowed(text: str, col: int, needle: str) -> None:
    err = only_error(text)
    assert type(err) is gl.FormatError
    assert err.file == "exp.py"
    assert (err.line, err.column) == (1, col)
    assert needle in err.message
    assert err.source_line == text.splitlines()[0]


def test_value_errors_carry_the_value_help() -> None:
    err = only_error("x = {1, 2}\n")
    assert "a value may be a literal, a list, tuple or dict, a call of a symbolic class" in (
        err.message
    )


def test_every_construct_error_is_collected_in_source_order() -> None:
    _m, errors, _src = parse(
        "import a\nx = lambda: 1\ny = [i for i in z]\ndef f(): pass\nfrom . import q\n", "f.py"
    )
    assert [(e.line, e.column) for e in errors] == [(2, 4), (3, 4), (4, 0), (5, 0), (5, 0)]
    assert "imports must come before assignments" in errors[3].message
    assert "relative imports are not allowed" in errors[4].message


def test_nothing_is_imported_by_parsing() -> None:
    name = "graftlab_never_imported_by_parse"
    module, errors, _src = parse(f"import {name}\nfrom {name}.sub import X\nx = X()\n")
    assert errors == []
    assert [i.module for i in module.imports] == [name, f"{name}.sub"]
    assert name not in sys.modules


@pytest.mark.parametrize("levels", [1, 50, 100])
def test_nesting_up_to_the_limit_parses(levels: int) -> None:
    value = ok("x = " + "[" * levels + "]" * levels + "\n").assigns[0].value
    for _ in range(levels - 1):
        assert isinstance(value, ListE)
        value = value.items[0]
    assert isinstance(value, ListE) and value.items == []


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 101 + "]" * 101 + "\n",
        "x = " + "C(a=" * 101 + "1" + ")" * 101 + "\n",
        "x = " + "{'k': " * 101 + "1" + "}" * 101 + "\n",
        "x = " + "(" * 50 + "[" * 51 + "]" * 51 + ",)" * 50 + "\n",
    ],
)
def test_nesting_past_the_limit_is_an_error(text: str) -> None:
    err = only_error(text)
    assert err.message == "values nest deeper than 100 levels"
    assert err.line == 1 and err.column > 100


def test_limits_are_as_documented() -> None:
    assert syntax.MAX_DEPTH == 100
    assert syntax.MAX_BYTES == 50 * 1024 * 1024


def test_nul_byte_position() -> None:
    err = only_error("x = 1\ny = 'a\x00'\n")
    assert (err.line, err.column) == (2, 6)
    assert "NUL byte" in err.message


def test_syntax_error_position_and_message() -> None:
    err = only_error("x = 1\ny = [1, 2\nz = 3\n")
    assert err.line == 2 and err.column == 4
    assert err.message.startswith("syntax error: ")
    assert "never closed" in err.message


def test_decode() -> None:
    assert decode("x = 'é'\n".encode(), "f") == "x = 'é'\n"
    assert decode(b"\xef\xbb\xbfx = 1\n", "f") == "x = 1\n"  # a BOM is dropped
    with pytest.raises(gl.FormatError) as info:
        decode("x = 'é'\ny = '".encode() + b"\xe9'\n", "f.py")
    e = info.value
    assert (e.file, e.line, e.column) == ("f.py", 2, 5)
    assert "not UTF-8" in e.message and "0xe9" in e.message


def test_decode_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax, "MAX_BYTES", 10)
    assert decode(b"x = 12345\n", "f") == "x = 12345\n"
    with pytest.raises(gl.FormatError, match="limited to 10 bytes"):
        decode(b"x = 123456\n", "f")


def test_split_lines_counts_lines_like_the_parser() -> None:
    text = "a = 'x\u2028y\x0cz\x85'\r\nb = 1\rc = 2\n"
    assert split_lines(text) == ["a = 'x\u2028y\x0cz\x85'", "b = 1", "c = 2"]
    assert split_lines("") == []
    assert split_lines("x\n\n") == ["x", ""]


def test_comments_alone_and_at_end_of_line() -> None:
    text = "# top\nx = C(  # eol\n    # inner\n    a='# not a comment',\n)\n"
    assert comments(text) == [
        (1, 0, "# top", True),
        (2, 8, "# eol", False),
        (3, 4, "# inner", True),
    ]
    assert comments("x = (\n") == []  # untokenizable text: no comments, no crash
