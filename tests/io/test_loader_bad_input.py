"""Bad input: every error is a FormatError with file, line, column, source line and a message
that says what is allowed; several errors are all reported, in source order; limits hold."""

from __future__ import annotations

import os
import pickle
import random
import sys
import time
from pathlib import Path

import pytest
from format_classes import ALLOWED, HEADER, errors_of

import graftlab as gl

# Each case: body (after HEADER, so line 2 is the body's first line), then the expected
# error's line, column (0-based, in characters) and a piece of its message.
CASES = {
    "syntax error": ("x = Conv(features=1\n", 2, 8, "syntax error: '(' was never closed"),
    "syntax error, bad token": ("x = 1 +\n", 2, 7, "syntax error: invalid syntax"),
    "exec statement": (
        "exec('import os')\n",
        2,
        0,
        "an expression statement is not allowed here: only imports and assignments",
    ),
    "exec value": ("x = exec('1')\n", 2, 4, "unknown name 'exec': it is neither imported"),
    "eval value": ("x = eval('1')\n", 2, 4, "unknown name 'eval'"),
    "__import__": ("x = __import__('os')\n", 2, 4, "names starting with '__' are not allowed"),
    "getattr": ("x = getattr(Conv, 'y')\n", 2, 4, "unknown name 'getattr'"),
    "lambda": ("x = lambda: 1\n", 2, 4, "a lambda is not allowed: a value may be a literal"),
    "lambda as argument": (
        "x = Node(value=lambda: 1)\n",
        2,
        15,
        "a lambda is not allowed: a value may be a literal",
    ),
    "list comprehension": ("x = [i for i in [1]]\n", 2, 4, "a list comprehension is not allowed"),
    "set comprehension": ("x = {i for i in [1]}\n", 2, 4, "a set comprehension is not allowed"),
    "f-string": ("x = Node(value=f'{1}')\n", 2, 15, "an f-string is not allowed"),
    "attribute of a value": (
        "stem = Conv(features=1)\nx = stem.features\n",
        3,
        4,
        "attribute access on 'stem' is not allowed: it is a value, not a module or class",
    ),
    "attribute of a value in a call": (
        "stem = Conv(features=1)\nx = stem.features(1)\n",
        3,
        4,
        "attribute access on 'stem' is not allowed",
    ),
    "attribute of a class": (
        "x = Conv.features\n",
        2,
        4,
        "attribute access on Conv is only allowed to reach modules, symbolic classes and enum members",
    ),
    "dunder attribute": (
        "x = Conv.__init__\n",
        2,
        4,
        "dunder attributes are not allowed: '__init__'",
    ),
    "dunder builtins": ("x = __builtins__\n", 2, 4, "names starting with '__' are not allowed"),
    "dunder call": ("x = Conv.__new__(Conv)\n", 2, 4, "dunder attributes are not allowed"),
    "print": (
        "x = print('hi')\n",
        2,
        4,
        "unknown name 'print': it is neither imported nor assigned",
    ),
    "unknown keyword": (
        "x = Conv(featurs=3)\n",
        2,
        9,
        "Conv has no argument 'featurs'; did you mean 'features'?",
    ),
    "unknown keyword on a later line": (
        "x = Model(\n    layers=[],\n    num_clases=3,\n)\n",
        4,
        4,
        "has no argument 'num_clases'; did you mean 'num_classes'?",
    ),
    "wrong type": ("x = Conv(features='a')\n", 2, 18, "expected int, got str 'a'"),
    "wrong type nested": (
        "x = Model(layers=[Conv(1), Conv(kernel_size=3, features=2.5)])\n",
        2,
        56,
        "expected int, got float 2.5",
    ),
    "out of range": (
        "x = Model(\n    layers=[\n        Conv(features=5000),\n    ],\n)\n",
        4,
        22,
        "5000 is out of range: expected >= 1 and <= 4096",
    ),
    "out of range positionally": ("x = Conv(0)\n", 2, 9, "0 is out of range"),
    "literal choice": ("x = Conv(1, padding='full')\n", 2, 20, "expected one of 'same', 'valid'"),
    "enum of the wrong kind": ("x = Conv(1, activation='relu')\n", 2, 23, "expected"),
    "unknown enum member": (
        "x = Act.RELUX\n",
        2,
        4,
        "Act has no member 'RELUX'; did you mean 'RELU'?",
    ),
    "missing argument": ("x = Conv()\n", 2, 4, "Conv is missing required argument 'features'"),
    "symbolic function range": ("x = make_opt(lr=2.0)\n", 2, 16, "2.0 is out of range"),
    "used before assignment": (
        "x = Model(layers=[y])\ny = Conv(1)\n",
        2,
        18,
        "'y' is used before it is assigned (line 3): assign a name before using it",
    ),
    "unknown name with suggestion": ("x = Cnv(1)\n", 2, 4, "unknown name 'Cnv'"),
    "assigned twice": (
        "x = 1\nx = 2\n",
        3,
        0,
        "'x' is assigned twice (first on line 2): each name is assigned once",
    ),
    "assigning an imported name": ("Conv = 1\n", 2, 0, "'Conv' is already imported"),
    "too many positional arguments": (
        "x = Conv(1, 2, Act.RELU, 'same', 5)\n",
        2,
        33,
        "Conv takes at most 4 positional arguments (features, kernel_size, activation, padding); "
        "pass this one by keyword",
    ),
    "positional on keyword-only": (
        "x = KwOnly(1)\n",
        2,
        11,
        "KwOnly takes at most 0 positional arguments (none); pass this one by keyword",
    ),
    "positional-only by keyword": (
        "x = PosOnly(a=1)\n",
        2,
        12,
        "PosOnly: 'a' can only be passed by position",
    ),
    "both positional and keyword": (
        "x = Conv(1, features=2)\n",
        2,
        12,
        "Conv got 'features' both by position and by keyword",
    ),
    "keyword twice": (
        "x = Conv(features=1, features=2)\n",
        2,
        21,
        "keyword argument 'features' is given twice",
    ),
    "star unpacking": ("x = Stack(*[1, 2])\n", 2, 10, "`*` unpacking is not allowed in a call"),
    "double star unpacking": (
        "x = Conv(**{'features': 1})\n",
        2,
        9,
        "`**` unpacking is not allowed in a call",
    ),
    "dict key twice": ("x = {'a': 1, 'a': 2}\n", 2, 13, "dict key 'a' is given twice"),
    "relative import": (
        "from .sibling import X\n",
        2,
        0,
        "relative imports are not allowed: write the full module name",
    ),
    "import star": (
        "from format_classes import *\n",
        2,
        27,
        "`import *` is not allowed: name what you import",
    ),
    "def": ("def f():\n    pass\n", 2, 0, "a function definition is not allowed here"),
    "class": ("class A:\n    pass\n", 2, 0, "a class definition is not allowed here"),
    "if": ("if True:\n    x = 1\n", 2, 0, "is not allowed here: only imports and assignments"),
    "for": ("for i in []:\n    pass\n", 2, 0, "is not allowed here: only imports and assignments"),
    "expression statement": (
        "Conv(features=1)\n",
        2,
        0,
        "an expression statement is not allowed here",
    ),
    "annotated assignment": ("x: int = 1\n", 2, 0, "an annotated assignment is not allowed here"),
    "augmented assignment": (
        "x = 1\nx += 1\n",
        3,
        0,
        "an augmented assignment is not allowed here",
    ),
    "import after assignment": (
        "x = 1\nimport format_classes\n",
        3,
        0,
        "imports must come before assignments",
    ),
    "from-import after assignment": (
        "x = 1\nfrom format_classes import Pair\n",
        3,
        0,
        "imports must come before assignments",
    ),
    "module as a value": (
        "x = Node(value=format_classes)\n",
        2,
        15,
        "unknown name 'format_classes'",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str) -> None:
    body, line, col, needle = CASES[name]
    errs = errors_of(HEADER + body, file="bad.py")
    assert len(errs) == 1, [e.render() for e in errs]
    err = errs[0]
    assert isinstance(err, gl.FormatError)
    assert err.file == "bad.py"
    assert (err.line, err.column) == (line, col), err.render()
    assert needle in err.message, err.message
    assert err.source_line == (HEADER + body).splitlines()[line - 1]
    rendered = err.render()
    assert rendered.startswith(f"bad.py:{line}:{col + 1}: ")
    assert err.source_line in rendered
    assert "\n    " + " " * col + "^" in rendered


def test_module_attribute_errors() -> None:
    text = "import format_classes as m\nx = m.Cnv(1)\ny = m.helper\n"
    errs = errors_of(text)
    assert [(e.line, e.column) for e in errs] == [(2, 4), (3, 4)]
    assert "module 'format_classes' has no attribute 'Cnv'; did you mean 'Conv'?" in errs[0].message
    assert "m.helper is not a symbolic class or function, an enum or a module" in errs[1].message
    errs = errors_of("from format_classes import Cnv\nx = 1\n")
    assert (errs[0].line, errs[0].column) == (1, 27)
    assert "module 'format_classes' has no 'Cnv'; did you mean 'Conv'?" in errs[0].message


def test_import_of_a_missing_allowed_module() -> None:
    errs = errors_of("import format_classes.no_such_module\nx = 1\n")
    assert (errs[0].line, errs[0].column) == (1, 7)
    assert "cannot import 'format_classes.no_such_module': ModuleNotFoundError" in errs[0].message
    # graftlab's own modules are an explicit list: a missing one is simply not on it
    errs = errors_of("import graftlab.no_such_module\nx = 1\n")
    assert isinstance(errs[0], gl.ImportNotAllowedError)


def test_module_used_as_a_value() -> None:
    errs = errors_of("import format_classes\nx = format_classes\n")
    assert (errs[0].line, errs[0].column, errs[0].message) == (
        2,
        4,
        "module 'format_classes' is not a value",
    )


def test_errors_raised_by_the_class_itself_are_reported_at_the_call() -> None:
    errs = errors_of("from format_classes import Picky\nx = [\n    Picky(x=3),\n]\n")
    assert (errs[0].line, errs[0].column) == (3, 4)
    assert errs[0].message == "Picky(...) raised ValueError: x must be even"


def test_every_error_is_reported_in_source_order() -> None:
    text = HEADER + (
        "a = Conv(featurs=1)\n"  # 2: unknown keyword
        "b = Conv(features=0)\n"  # 3: out of range
        "c = unknown\n"  # 4: unknown name
        "d = Model(layers=[Conv(features='x'), Conv(9999)])\n"  # 5: two errors
        "a = 3\n"  # 6: assigned twice
    )
    with pytest.raises(gl.FormatErrors) as info:
        gl.loads_file(text, file="many.py", allowed_modules=ALLOWED)
    e = info.value
    assert isinstance(e, gl.FormatError)
    got = [(x.line, x.column) for x in e.errors]
    assert got == [(2, 9), (3, 18), (4, 4), (5, 32), (5, 43), (6, 0)]
    assert got == sorted(got)
    assert all(x.file == "many.py" for x in e.errors)
    # the combined error starts at the first one and renders all of them
    assert (e.line, e.column, e.message) == (2, 9, e.errors[0].message)
    rendered = str(e)
    assert rendered.startswith("6 errors in many.py\n")
    for x in e.errors:
        assert f"many.py:{x.line}:{x.column + 1}: " in rendered


def test_syntax_level_errors_are_all_reported_before_imports() -> None:
    text = (
        "import os\n"  # 1: not allowed
        "from format_classes import Conv\n"
        "x = lambda: 1\n"  # 3
        "def f(): pass\n"  # 4
        "y = [i for i in []]\n"  # 5
    )
    errs = errors_of(text)
    assert [(type(e), e.line) for e in errs] == [
        (gl.ImportNotAllowedError, 1),
        (gl.FormatError, 3),
        (gl.FormatError, 4),
        (gl.FormatError, 5),
    ]


def test_format_errors_pickle() -> None:
    with pytest.raises(gl.FormatErrors) as info:
        gl.loads_file(HEADER + "a = Conv(0)\nb = Conv(0)\n", allowed_modules=ALLOWED)
    back = pickle.loads(pickle.dumps(info.value))
    assert [(x.line, x.column, x.message) for x in back.errors] == [
        (x.line, x.column, x.message) for x in info.value.errors
    ]
    single = info.value.errors[0]
    again = pickle.loads(pickle.dumps(single))
    assert (again.file, again.line, again.column, again.source_line) == (
        single.file,
        single.line,
        single.column,
        single.source_line,
    )


# --- limits ---------------------------------------------------------------------------------


def test_very_deep_nesting_is_a_clear_error() -> None:
    for text in [
        "x = " + "[" * 10_000 + "]" * 10_000 + "\n",
        "x = " + "{'a': " * 10_000 + "1" + "}" * 10_000 + "\n",
        "x = " + "Node(value=" * 10_000 + ")" * 10_000 + "\n",
        "x = " + "-" * 100_000 + "1\n",
        "x = " + "[" * 150 + "]" * 150 + "\n",
    ]:
        start = time.monotonic()
        errs = errors_of(HEADER + text)  # no RecursionError, no crash
        assert time.monotonic() - start < 10
        assert len(errs) == 1
        # Python's parser gives no position when it runs out of stack: then line 1
        assert errs[0].line in (1, 2)
        assert any(
            s in errs[0].message
            for s in (
                "nest deeper than 100 levels",
                "too many nested parentheses",
                "nests too deeply",
            )
        ), errs[0].message


def test_nesting_at_the_limit_loads() -> None:
    value = gl.loads("experiment = " + "[" * 100 + "]" * 100 + "\n")
    for _ in range(99):
        value = value[0]
    assert value == []
    errs = errors_of("experiment = " + "[" * 101 + "]" * 101 + "\n")
    assert errs[0].message == "values nest deeper than 100 levels"


@pytest.mark.parametrize(
    ("literal", "col"),
    [
        ("9" * 10_000, 5),
        ("-" + "9" * 4301, 6),
        ("0x" + "f" * 20_000, 5),
        ("-0x" + "f" * 20_000, 6),
        ("0b" + "1" * 60_000, 5),
    ],
)
def test_very_large_integer_literals(literal: str, col: int) -> None:
    start = time.monotonic()
    errs = errors_of(f"a = 1\nx = [{literal}]\n")
    assert time.monotonic() - start < 10
    assert len(errs) == 1
    assert (errs[0].line, errs[0].column) == (2, col)
    assert errs[0].message.startswith("integer literals are limited to 4300 digits")


def test_integer_literal_at_the_limit_loads() -> None:
    n = int("9" * 4300)
    assert gl.loads(f"experiment = {n}\n") == n
    assert gl.loads(gl.dumps(n)) == n


def test_files_over_50_mb_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.py"
    with path.open("wb") as f:
        f.write(b"experiment = 1\n")
        f.write(b"# " + b"x" * (60 * 1024 * 1024) + b"\n")
    start = time.monotonic()
    with pytest.raises(gl.FormatError) as info:
        gl.load(path)
    assert time.monotonic() - start < 10
    assert info.value.file == str(path)
    assert "experiment files are limited to 52428800 bytes" in info.value.message


def test_invalid_utf8_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.py"
    path.write_bytes("x = 'é'\ny = 'caf".encode() + b"\xe9'\n")
    with pytest.raises(gl.FormatError) as info:
        gl.load_file(path)
    e = info.value
    assert (e.file, e.line, e.column) == (str(path), 2, 8)
    assert "not UTF-8" in e.message and "must be UTF-8" in e.message


@pytest.mark.parametrize("seed", range(20))
def test_binary_garbage_is_a_format_error(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
    path = tmp_path / "garbage.py"
    path.write_bytes(data)
    with pytest.raises(gl.FormatError) as info:
        gl.load_file(path)
    e = info.value
    assert e.file == str(path)
    assert e.line >= 1 and e.column >= 0
    assert str(e).startswith(f"{path}:{e.line}:{e.column + 1}")


def test_urandom_garbage(tmp_path: Path) -> None:
    path = tmp_path / "noise.py"
    for _ in range(20):
        path.write_bytes(os.urandom(512))
        with pytest.raises(gl.FormatError) as info:
            gl.load_file(path)
        assert info.value.line >= 1


def test_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / "nul.py"
    path.write_bytes(b"x = 1\ny = 'a\x00b'\n")
    with pytest.raises(gl.FormatError) as info:
        gl.load_file(path)
    assert (info.value.line, info.value.column) == (2, 6)
    assert "NUL byte" in info.value.message


def test_empty_file_loads_but_has_no_experiment(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    assert gl.load_file(path).values == {}
    with pytest.raises(gl.FormatError, match="no `experiment` is assigned in this file") as info:
        gl.load(path)
    assert info.value.file == str(path)
    with pytest.raises(gl.FormatError, match="no `experiment` is assigned"):
        gl.loads("")


def test_bad_syntax_imports_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "marker"
    (tmp_path / "gltest_fine.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    errs = errors_of("from gltest_fine import Conv\nx = (\n", allowed_modules=["gltest_fine"])
    assert errs[0].message.startswith("syntax error")
    assert "gltest_fine" not in sys.modules
    assert not marker.exists()


def test_missing_argument_message_names_the_class_once() -> None:
    errs = errors_of("from format_classes import Conv\nx = [Conv()]\n")
    assert (errs[0].line, errs[0].column) == (2, 5)
    assert errs[0].message == "Conv is missing required argument 'features' (int, >= 1 and <= 4096)"
