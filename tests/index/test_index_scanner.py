"""The per-file scanner: bindings, decorators, fields and positions, from source text only."""

from __future__ import annotations

import pytest

from graftlab.index.scanner import ModuleScan, scan_source

SOURCE = '''"""A module."""
from __future__ import annotations

from typing import TYPE_CHECKING
import graftlab as gl
import graftlab
from graftlab import symbolize, patcher as pt
from graftlab import symbolize as sym
from . import sibling
from ..up import Thing as Other
from dataclasses import dataclass, field

if TYPE_CHECKING:
    from heavy import Heavy

NAME = "team/rule"


@symbolize
class A:
    """Doc of A."""

    def __init__(self, x: int, /, y: "Other" = None, *args: int, z: bool = True, **kw) -> None:
        pass


@gl.symbolize(runtime=("rngs",), name="alias")
class B(A):
    pass


@graftlab.symbolize
@dataclass(frozen=True, kw_only=True)
class C:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = field(default="c", init=False)


@sym
def make(n: int = 1) -> A:
    return A(n)


@pt
def plain_rule(target, k: int = 2):
    return {}


@gl.patcher(NAME, optional=True)
def named_rule(target):
    return {}


def not_symbolic(x):
    pass


class Outer:
    @symbolize
    class Inner:
        def __init__(self, v: float) -> None:
            pass


Ext = gl.symbolize(Other, runtime=["ctx"])
'''


def _scan() -> ModuleScan:
    return scan_source(SOURCE, "pkg.mod", "pkg/mod.py", is_package=False)


def test_bindings_resolve_relative_and_type_checking_imports() -> None:
    scan = _scan()
    assert scan.future_annotations
    assert (
        scan.bindings["sibling"][:1] == ["import"] and scan.bindings["sibling"][2] == "pkg.sibling"
    )
    assert scan.bindings["Other"][2] == "up.Thing"
    assert scan.bindings["Heavy"][0] == "tc"
    assert scan.bindings["A"][:1] == ["class"] and scan.bindings["A"][2] == "pkg.mod.A"
    assert scan.bindings["gl"][2] == "graftlab"


def test_relative_imports_in_a_package_init() -> None:
    scan = scan_source(
        "from .layers import Conv\nfrom .. import x\n", "a.b", "a/b/__init__.py", True
    )
    assert scan.bindings["Conv"][2] == "a.b.layers.Conv"
    assert scan.bindings["x"][2] == "a.x"


def test_decorators_in_every_spelling() -> None:
    scan = _scan()
    by_name = {c.qualname: c for c in scan.classes}
    assert [d.kind for d in by_name["A"].decorators] == ["symbolize"]
    b = by_name["B"].decorators[0]
    assert (b.kind, b.runtime, b.name) == ("symbolize", ["rngs"], "alias")
    kinds = [d.kind for d in by_name["C"].decorators]
    assert kinds == ["symbolize", "dataclass"]
    dc = by_name["C"].decorators[1]
    assert dc.frozen and dc.kw_only
    assert [d.kind for d in by_name["Outer.Inner"].decorators] == ["symbolize"]
    fns = {f.name: f for f in scan.functions}
    assert set(fns) == {"make", "plain_rule", "named_rule"}
    assert fns["make"].decorators[0].kind == "symbolize"
    assert fns["plain_rule"].decorators[0].kind == "patcher"
    named = fns["named_rule"].decorators[0]
    assert (named.kind, named.name, named.optional) == ("patcher", "team/rule", True)


def test_parameters_fields_and_docs() -> None:
    scan = _scan()
    a = next(c for c in scan.classes if c.name == "A")
    assert a.doc == "Doc of A."
    assert a.init is not None
    kinds = [(p.name, p.kind, p.default) for p in a.init.params]
    assert kinds == [
        ("self", "positional_only", None),
        ("x", "positional_only", None),
        ("y", "positional_or_keyword", "None"),
        ("args", "var_positional", None),
        ("z", "keyword_only", "True"),
        ("kw", "var_keyword", None),
    ]
    c = next(c for c in scan.classes if c.name == "C")
    assert [(f.name, f.default, f.factory, f.init) for f in c.fields] == [
        ("a", None, False, True),
        ("b", "<factory>", True, True),
        ("c", "'c'".replace("'", '"'), False, False),
    ]


def test_external_symbolize_and_positions() -> None:
    scan = _scan()
    (ext,) = scan.external
    assert (ext.bound, ext.target, ext.runtime) == ("Ext", "up.Thing", ["ctx"])
    lines = SOURCE.splitlines()
    for c in scan.classes:
        assert lines[c.line - 1].lstrip().startswith(f"class {c.name}")
    for f in scan.functions:
        assert lines[f.line - 1].startswith(f"def {f.name}")
    assert lines[ext.line - 1].startswith("Ext =")


def test_json_round_trip() -> None:
    scan = _scan()
    assert ModuleScan.from_json(scan.to_json()) == scan


def test_syntax_errors_are_reported_not_raised() -> None:
    scan = scan_source("class (:\n", "bad", "bad.py")
    assert scan.error and not scan.classes


def test_cache_data_is_what_asdict_gives() -> None:
    import dataclasses
    import json
    from pathlib import Path

    import graftlab.index.scanner as scanner_module
    import graftlab.index.workspace as workspace_module

    for module in (scanner_module, workspace_module):
        path = Path(module.__file__)
        scan = scan_source(path.read_text(encoding="utf-8"), module.__name__, str(path), False)
        assert scan.classes
        plain = scan.to_json()
        assert json.dumps(plain, sort_keys=True) == json.dumps(
            dataclasses.asdict(scan), sort_keys=True
        )
        assert ModuleScan.from_json(json.loads(json.dumps(plain))) == scan


@pytest.mark.parametrize(
    "text",
    [
        "int",
        "list[Conv]",
        "dict[str, a.b.C] | None",
        "Literal['x', \"y\", -1, 2.5, None, True]",
        "Annotated[int, Interval(0, 10), Len(min_length=1)]",
        "tuple[int, ...]",
        "Callable[[int, str], float]",
        "x[1:2]",
        "'nested'",
        "lambda: 1",
        "b'raw' 'x'",
    ],
)
def test_string_annotations_read_with_ast_as_with_libcst(text: str) -> None:
    from libcst_reference import convert_text as with_libcst

    from graftlab.index.typeexpr import convert_text as with_ast

    assert with_ast(text) == with_libcst(text)


def test_the_collector_is_paused_only_while_a_file_is_scanned() -> None:
    """Scanning pauses the cyclic garbage collector (a syntax tree has no cycles) and gives it
    back as it found it, after a good file, a broken one, and from several threads."""
    import gc
    import threading

    import graftlab.index.scanner as scanner_module

    seen: list[bool] = []
    real_parse = scanner_module.ast.parse

    def parse(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    assert gc.isenabled()
    scanner_module.ast.parse = parse  # type: ignore[assignment]
    try:
        assert scan_source(SOURCE, "pkg.mod", "pkg/mod.py").classes
        assert gc.isenabled()
        assert scan_source("class (:\n", "bad", "bad.py").error
        assert gc.isenabled()
        threads = [
            threading.Thread(target=scan_source, args=(SOURCE * 3, f"m{i}", f"m{i}.py"))
            for i in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert gc.isenabled()
        gc.disable()
        try:
            scan_source(SOURCE, "pkg.mod", "pkg/mod.py")
            assert not gc.isenabled()  # left off, as it was
        finally:
            gc.enable()
    finally:
        scanner_module.ast.parse = real_parse  # type: ignore[assignment]
    assert seen and not any(seen)
