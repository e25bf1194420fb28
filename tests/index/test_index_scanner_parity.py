"""The ast scanner records what the libcst scanner recorded, field for field.

``libcst_reference`` is the scanner as it was when it read files with libcst (positions
from libcst's metadata). Both read real corpora (graftlab's own source, the parity corpora,
flax's and fiddle's source where installed) and adversarial snippets, and must give equal
``ModuleScan`` records; both must refuse the same broken files.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

import libcst_reference
import pytest

import graftlab
from graftlab.index.scanner import scan_source

HERE = Path(__file__).parent


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _files(*roots: Path | None) -> list[Path]:
    return [p for root in roots if root is not None for p in sorted(root.rglob("*.py"))]


def _both(text: str, module: str = "pkg.mod", path: str = "pkg/mod.py", package: bool = False):
    new = scan_source(text, module, path, package)
    old = libcst_reference.scan_source(text, module, path, package)
    return new, old


def _assert_same(text: str, where: str, package: bool = False) -> None:
    new, old = _both(text, path=where, package=package)
    if old.error or new.error:
        assert bool(new.error) == bool(old.error), (where, new.error, old.error)
        assert not new.classes and not new.functions and not new.bindings
        return
    assert new.to_json() == old.to_json(), where


def _assert_corpus(files: list[Path]) -> None:
    for path in files:
        text = path.read_bytes().decode("utf-8")
        _assert_same(text, str(path), path.name == "__init__.py")


def test_graftlabs_own_source_scans_as_with_libcst() -> None:
    files = _files(Path(graftlab.__file__).parent, HERE)
    assert len(files) > 150
    _assert_corpus(files)


@pytest.mark.slow
@pytest.mark.parametrize("package", ["flax", "fiddle"])
def test_installed_packages_scan_as_with_libcst(package: str) -> None:
    """About 50 s of CPU for both (libcst is slow: that is why the scanner left it)."""
    root = _package_dir(package)
    if root is None:
        pytest.skip(f"{package} is not installed")
    files = _files(root)
    assert len(files) > 50
    _assert_corpus(files)


ADVERSARIAL = {
    "tabs": "class A:\n\tx: int = (\n\t\t1)\n\tdef __init__(self, a=[\n\t\t1,\n\t], b: 'A' = 2):\n\t\tpass\n",
    "form feed": "\x0c\nclass A:\n    x: int = 1\n\x0c\nclass B:  # \x0c\n    y: int = (2,\x0c3)\n",
    "line separators": (
        'X = "a\u2028b"\nclass A:  # c\u2028d \u0085 e\n    """Doc\u2028more."""\n'
        '    y: str = "\u2028"  # \u2029\n    z: int = (  # \u2028\n        3)\n'
        "class B:\n    pass\n"
    ),
    "crlf": (
        "import graftlab as gl\r\n\r\n@gl.symbolize\r\nclass A:\r\n"
        '    """Doc.\r\n\r\n    More.\r\n    """\r\n'
        "    def __init__(self, a=[\r\n            1,  # one\r\n            2,\r\n        ],\r\n"
        "        b={'k': (\r\n            3)}) -> None:\r\n        pass\r\n"
        "    f: list = [\r\n        1,\r\n    ]\r\n"
    ),
    "lf then a crlf default": "class A:\n    f: list = [\r\n        1,\r\n    ]\n",
    "lone cr": "class A:\r    x: int = (\r        1)\r\rclass B:\r    pass\r",
    "continuations": (
        "class A:\n    x: int = 1 + \\\n        2\n    y: tuple = (1,\n  2)\n"
        '    z: str = """a\n    b"""\n    w: str = ("a"\n        "b")\n'
    ),
    "parentheses": (
        "from typing import Annotated, Literal\n"
        "class A:\n"
        "    a: int = (1)\n"
        "    b: int = ((  1  ))\n"
        "    c: tuple = (1, 2)\n"
        "    d: tuple = ((1), 2)\n"
        "    e: (int) = (  # note (\n        4)\n"
        "    f: Literal[(1), -(2), (-3)] = 1\n"
        "    g: x[(a, b)] = None\n"
        "    h: x[(a), (b)] = None\n"
        "    i: Annotated[int, f((a), b, (c), k=(d))] = 0\n"
        "    j: (a) | (b) = None\n"
        "    k: list[(int)] = [(1), ((2))]\n"
        "    l: x[1:(2)] = 0\n"
        "    def __init__(self, p=(1), q: (int) = ((2)), *r: (str), s=(  3  ), **t: (x)) -> (int):\n"
        "        pass\n"
        "def f() -> (int): pass\n"
    ),
    "statements joined by semicolons": (
        "import graftlab as gl; import x\nA = 1; B = gl.symbolize(x.B)\nC = 2;\nD = 3 ;  E = 4\n"
        "F = 1; \\\n  G = gl.symbolize(x.G)\n"
    ),
    "type checking": (
        "import typing\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from a import A\n    class Hidden: pass\n"
        "elif typing.TYPE_CHECKING:\n    from b import B\n"
        "else:\n    from c import C\n    if TYPE_CHECKING:\n        from d import D\n"
        "if typing.TYPE_CHECKING:\n    import e\nelse:\n    import f as g\n"
        "if TYPE_CHECKING: import h\n"
        "if x:\n    pass\nelif y:\n    import i\nelse:\n    import j\n"
        "try:\n    import k\n    class InTry:\n        pass\nexcept ImportError:\n"
        "    k = None\n    class InExcept:\n        def __init__(self, v=1): pass\n"
        "else:\n    import m\nfinally:\n    import n\n"
        "with ctx:\n    import o\n    class InWith:\n        pass\n"
        "try: import p\nexcept: pass\n"
    ),
    "nested classes and async": (
        "import graftlab as gl\n"
        "class Outer:\n    class Mid:\n        @gl.symbolize\n        class Inner:\n"
        "            async def __init__(self, a: int = 1): pass\n"
        "    class Mid2:\n        class Inner:\n            def __init__(self, b=2): pass\n"
        "@gl.symbolize\nasync def make(x: int = 1) -> 'Outer':\n    '''Doc.'''\n"
        "async def plain(): pass\n"
        "class Solo: x: int = 1\n"
        "class Doc: 'one-line docstring'\n"
    ),
    "decorators": (
        "import graftlab as gl\nfrom dataclasses import dataclass as dc, field\nNAME = 'r/x'\n"
        "sym = gl.symbolize\n"
        "@sym(runtime='a' 'b', name=NAME, roles={'conv': {'features': 'width'}})\n"
        "@dc(frozen=True, kw_only=flag, init=None)\nclass A:\n"
        "    a: int = field(default=(1), init=False, kw_only=True)\n"
        "    b: list = field(default_factory=list)\n"
        "    _: KW_ONLY\n    c: int = 3\n    d = e = 4\n"
        "@gl.symbolize(runtime=('x', 'y' 'z', b'w', f'v'), roles=['conv', 'dense'])\n"
        "class B: pass\n"
        "@gl.patcher(NAME, optional=True)\ndef rule(t): pass\n"
        "@gl.patcher('p', optional=1)\ndef rule2(t): pass\n"
        '@gl.symbolize(runtime="solo")\nclass C: pass\n'
        "@gl.symbolize(runtime='con' 'cat')\nclass D: pass\n"
        "@x.y[0]\nclass E: pass\n"
        "X = gl.symbolize(runtime=('r',), roles='conv')(pkg.X)\n"
        "Y = gl.symbolize(pkg.Y, runtime=['q'])\nZ = gl.symbolize(*[pkg.Z])\n"
        "W = gl.symbolize(target=pkg.W)\nV = gl.symbolize(**kw)\n"
    ),
    "module values": (
        'A = "a" f"b"\nB = f"x"\nC = b"x" b"y"\nD = 1j\nE = ...\nF = -1\nG = not x\n'
        "H = int | None\nI = typing.TypeVar('I')\nJ = NewType('J', int)\nK = [1]\nL = None\n"
        "M = True\nN: int = 5\nO = (1)\nP = -(2.5)\nQ = +True\nR = - 1\nS = 'é'\nT = a.b\n"
        "U = x[(1, 2)]\nV = '''multi\nline'''\nW = 10**1000\nX, Y = 1, 2\n(Z) = 3\n"
    ),
    "docstrings": (
        "class A:\n    f'not {a} docstring'\nclass B:\n    b'bytes'\nclass C:\n    'con' 'cat'\n"
        "class D:\n    ('paren')\nclass E:\n    '''Tab\\tand \\N{BULLET}.'''\n"
        "class F:\n    x = 1\n    'late'\nclass G:\n    'a'; b = 1\n"
    ),
    "unicode": (
        "class Größe:\n    '''Ünïcode — doc.'''\n    breite: int = 'ä'\n"
        "    def __init__(self, ñ: str = 'é', ü=(  # ß\n        1)): pass\n"
        "x = 'ä'; class_ = 1\nclass 変数:\n    値: int = 1\n"
    ),
    "relative imports": "from . import a\nfrom .. import b\nfrom ...c.d import e as f\nfrom .g import *\n",
    "future": "from __future__ import annotations, division\n",
    "bom": "\ufeffclass A:\n    x: int = 1\n",
    "empty": "",
    "no newline at end": "class A:\n    x: int = (1)",
    "strings with parens": (
        "class A:\n    a: str = ')('  # (\n    b: Literal[')', '('] = (')')\n"
        "    c: dict = {'(': (1)}\n    d: str = ('#', 1)[0]\n"
    ),
}

SYNTAX_ERRORS = {
    "class header": "class (:\n",
    "def header": "def f(:\n",
    "open paren": "x = (\n",
    "unterminated string": "x = 'abc\n",
    "null byte": "x = 1\x00\n",
    "bad indent": "class A:\nx = 1\n",
    "stray dedent": "if x:\n        a = 1\n    b = 2\n",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_snippets_scan_as_with_libcst(name: str) -> None:
    _assert_same(ADVERSARIAL[name], f"{name}.py")


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_errors_are_reported_as_before(name: str) -> None:
    new, old = _both(SYNTAX_ERRORS[name], path=f"{name}.py")
    assert old.error, name
    kind, _, message = (new.error or "").partition(": ")
    assert kind in ("SyntaxError", "IndentationError", "TabError") and message
    assert not new.classes and not new.bindings
    if name != "null byte":  # the one error without a line
        assert f"({name}.py, line " in message


def test_a_form_feed_before_a_class_counts_as_a_column() -> None:
    """libcst put ``class`` after a form feed at column 0; it is at character 1 of its line."""
    scan = scan_source("\x0cclass A:\n    pass\n", "m", "m.py")
    assert [(c.line, c.column) for c in scan.classes] == [(1, 1)]


def test_identifiers_are_named_as_python_names_them() -> None:
    """Python reads identifiers in NFKC form (``ﬁ`` is ``fi``, ``µ`` is ``μ``): the scanner
    records the names the runtime uses (libcst kept them as written)."""
    text = "class ﬁlter:\n    def __init__(self, µ: int = 1, ｗ=2): pass\n"
    code = compile(text, "u.py", "exec")
    runtime_class = next(c for c in code.co_consts if hasattr(c, "co_name"))
    init = next(c for c in runtime_class.co_consts if getattr(c, "co_name", "") == "__init__")
    scan = scan_source(text, "u", "u.py")
    (cls,) = scan.classes
    assert cls.name == runtime_class.co_name == unicodedata.normalize("NFKC", "ﬁlter")
    assert cls.init is not None
    assert [p.name for p in cls.init.params] == list(init.co_varnames[:3])
    old = libcst_reference.scan_source(text, "u", "u.py")
    assert old.classes[0].name == "ﬁlter"  # as written: the difference is real


def test_positions_of_classes_in_blocks_and_after_strings() -> None:
    """The libcst scanner found positions with a regular expression over the text: a class
    indented in a module-level ``try`` got line 0, a ``class B`` line inside a string moved
    the real ``B`` there, and ``X = symbolize(...)`` inside ``if`` got line 0."""
    text = (
        "import graftlab as gl\n"
        "try:\n    import x\nexcept ImportError:\n"
        "    @gl.symbolize\n    class A:\n        def __init__(self, a): pass\n"
        '"""\nclass B: in a string\n"""\n'
        "class B:\n    def __init__(self, b): pass\n"
        "Ext = 1\nif True:\n    Ext = gl.symbolize(x.Y)\n"
    )
    scan = scan_source(text, "m", "m.py")
    where = {c.name: (c.line, c.column) for c in scan.classes}
    assert where == {"A": (6, 4), "B": (11, 0)}
    inits = {c.name: (c.init.line, c.init.column) for c in scan.classes if c.init}
    assert inits == {"A": (7, 8), "B": (12, 4)}
    assert [(e.bound, e.line) for e in scan.external] == [("Ext", 15)]
