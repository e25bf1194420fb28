"""The safe loader: what it builds, and what it never does (import, exec, call, read dunders)."""

from __future__ import annotations

import ast
import builtins
import math
import sys
import textwrap
from pathlib import Path

import format_classes as fc
import pytest
from format_classes import ALLOWED, HEADER, errors_of, load_all

import graftlab as gl
from graftlab.cli import demo_components

# --- building values ----------------------------------------------------------------------


def test_builds_the_experiment() -> None:
    text = HEADER + textwrap.dedent(
        """
        stem = Conv(features=32, kernel_size=5)
        experiment = Model(layers=[stem, Conv(64, activation=Act.GELU)], num_classes=3)
        """
    )
    exp = gl.loads(text, allowed_modules=ALLOWED)
    expected = fc.Model(
        layers=[fc.Conv(32, kernel_size=5), fc.Conv(64, activation=fc.Act.GELU)], num_classes=3
    )
    assert type(exp) is fc.Model
    assert gl.eq(exp, expected)
    assert exp.layers[1].sym_init_args.activation is fc.Act.GELU
    assert exp.layers[0].features == 32  # the class's own __init__ ran


def test_literals_and_containers() -> None:
    text = HEADER + textwrap.dedent(
        """
        experiment = Node(
            value=[1, -2, 2.5, -0.0, 1e-300, 5e-324, "s", True, False, None, (), (1,), (1, (2, 3))],
            table={"a": {"b": [float("inf"), float("-inf"), float("nan")]}, "": 'q"'},
        )
        """
    )
    exp = gl.loads(text, allowed_modules=ALLOWED)
    v = exp.value
    assert v[:11] == [1, -2, 2.5, -0.0, 1e-300, 5e-324, "s", True, False, None, ()]
    assert math.copysign(1.0, v[3]) == -1.0
    assert v[6] == "s" and type(v[7]) is bool and type(v[0]) is int
    assert type(v[11]) is tuple and v[12] == (1, (2, 3)) and type(v[12][1]) is tuple
    table = exp.sym_init_args.table
    inf, ninf, nan = table["a"]["b"]
    assert inf == math.inf and ninf == -math.inf and math.isnan(nan)
    assert table[""] == 'q"'


def test_plain_values_at_top_level() -> None:
    loaded = gl.loads_file("a = 1\nb = [a, {'k': a}]\nexperiment = (b, 'x')\n")
    assert loaded.values == {"a": 1, "b": [1, {"k": 1}], "experiment": ([1, {"k": 1}], "x")}
    assert gl.loads("experiment = 3\n") == 3


def test_name_used_twice_gives_copies() -> None:
    loaded = load_all(HEADER + "stem = Conv(8)\nexperiment = Model(layers=[stem, stem])\n")
    stem = loaded["stem"]
    a, b = loaded.experiment.layers
    assert a is not b and a is not stem and b is not stem
    assert gl.eq(a, stem) and gl.eq(b, stem)
    gl.rebind(loaded.experiment, {"layers[0].features": 99})
    assert stem.features == 8 and loaded.experiment.layers[1].features == 8
    assert loaded.experiment.layers[0].features == 99


def test_loaded_file_api(tmp_path: Path) -> None:
    text = '"""The doc."""\n' + HEADER + "base = Conv(4)\nexperiment = Model(layers=[base])\n"
    loaded = load_all(text, file="exp.py")
    assert isinstance(loaded, gl.LoadedFile)
    assert loaded.file == "exp.py"
    assert loaded.docstring == "The doc."
    assert list(loaded.values) == ["base", "experiment"]
    assert loaded["base"] == fc.Conv(4)
    assert loaded.get("experiment") is loaded.experiment
    assert loaded.imports["Conv"] is fc.Conv and loaded.imports["Act"] is fc.Act
    assert gl.source_map(loaded) is loaded.source_map
    with pytest.raises(
        gl.FormatError, match=r"no `missing` is assigned in this file \(names: base, experiment\)"
    ):
        loaded.get("missing")
    assert gl.loads(text, "base", allowed_modules=ALLOWED) == fc.Conv(4)
    path = tmp_path / "exp.py"
    path.write_text(text, encoding="utf-8")
    assert gl.load(path, allowed_modules=ALLOWED) == fc.Model(layers=[fc.Conv(4)])
    assert gl.load(str(path), name="base", allowed_modules=ALLOWED) == fc.Conv(4)
    assert gl.load_file(path, allowed_modules=ALLOWED).file == str(path)


def test_empty_files() -> None:
    for text in ["", "\n", "# only a comment\n", '"""Only a docstring."""\n']:
        loaded = gl.loads_file(text)
        assert loaded.values == {}
    assert gl.loads_file('"""Only a docstring."""\n').docstring == "Only a docstring."
    with pytest.raises(gl.FormatError) as info:
        gl.loads("")
    assert "no `experiment` is assigned" in info.value.message
    assert info.value.file == "<string>"


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(gl.FormatError, match="cannot read the file") as info:
        gl.load(tmp_path / "nope.py")
    assert info.value.file == str(tmp_path / "nope.py")


# --- imports and names --------------------------------------------------------------------


def test_enums_and_dotted_module_access() -> None:
    text = textwrap.dedent(
        """
        import format_classes as fc
        import format_classes
        experiment = fc.Model(
            layers=[fc.Conv(features=1, activation=fc.Act.TANH), format_classes.Conv(2)],
        )
        """
    )
    exp = gl.loads(text, allowed_modules=ALLOWED)
    assert exp == fc.Model(layers=[fc.Conv(1, activation=fc.Act.TANH), fc.Conv(2)])


def test_from_package_import_submodule() -> None:
    text = textwrap.dedent(
        """
        from graftlab.cli import demo_components
        from graftlab.cli import demo_components as dc
        import graftlab.cli.demo_components
        experiment = demo_components.Model(
            layers=[dc.Conv(features=3), graftlab.cli.demo_components.Conv(features=4)],
        )
        """
    )
    exp = gl.loads(text)  # graftlab's own modules are always allowed
    assert exp == demo_components.Model(layers=[demo_components.Conv(3), demo_components.Conv(4)])


def test_enum_member_and_class_as_values() -> None:
    exp = gl.loads(
        HEADER + "experiment = Node(value=[Act.GELU, Act, Conv])\n", allowed_modules=ALLOWED
    )
    assert exp.value == [fc.Act.GELU, fc.Act, fc.Conv]


def _make_package(root: Path, name: str, files: dict[str, str]) -> None:
    for rel, body in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")


@pytest.fixture
def isolated_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A directory on sys.path; sys.path and sys.modules are restored afterwards."""
    monkeypatch.setattr(sys, "path", [str(tmp_path / "lib"), *sys.path])
    before = set(sys.modules)
    yield tmp_path / "lib"
    for name in set(sys.modules) - before:
        if name.startswith("gltest_"):
            del sys.modules[name]


SYMBOLIC_SUBMODULE = """
    import graftlab as gl

    @gl.symbolize
    class Block:
        def __init__(self, width: int = 1) -> None:
            pass
"""


def test_nested_dotted_modules(isolated_modules: Path) -> None:
    _make_package(
        isolated_modules,
        "gltest_nested",
        {"__init__.py": "", "sub/__init__.py": "", "sub/layers.py": SYMBOLIC_SUBMODULE},
    )
    text = "import gltest_nested.sub.layers\nexperiment = gltest_nested.sub.layers.Block(width=3)\n"
    exp = gl.loads(text, allowed_modules=["gltest_nested"])
    assert type(exp).__module__ == "gltest_nested.sub.layers" and exp.sym_init_args.width == 3
    text = "from gltest_nested.sub import layers\nexperiment = layers.Block(2)\n"
    assert gl.loads(text, allowed_modules=["gltest_nested.sub"]).sym_init_args.width == 2


# --- imports are checked before anything is imported -------------------------------------


@pytest.fixture
def side_effect_package(isolated_modules: Path) -> tuple[str, Path]:
    """A package whose import writes a marker file (and that is never on any allow-list),
    and an allowed one, ``gltest_allowed``, that writes ``allowed.marker``."""
    marker = isolated_modules.parent / "imported.marker"
    _make_package(
        isolated_modules,
        "gltest_sidefx",
        {
            "__init__.py": f"""
                from pathlib import Path
                Path({str(marker)!r}).write_text("imported")
                import graftlab as gl

                @gl.symbolize
                class Evil:
                    def __init__(self, x: int = 0) -> None:
                        pass
            """,
            "sub.py": "X = 1\n",
        },
    )
    allowed_marker = isolated_modules.parent / "allowed.marker"
    _make_package(
        isolated_modules,
        "gltest_allowed",
        {
            "__init__.py": f"""
                from pathlib import Path
                Path({str(allowed_marker)!r}).write_text("imported")
                import graftlab as gl

                @gl.symbolize
                class Conv:
                    def __init__(self, x: int = 0) -> None:
                        pass
            """
        },
    )
    return "gltest_sidefx", marker


@pytest.mark.parametrize(
    "imports",
    [
        "import {m}\n",
        "import {m}.sub\n",
        "import {m} as e\n",
        "from {m} import Evil\n",
        "from {m}.sub import X\n",
        # allowed imports in the same file are not imported either
        "from gltest_allowed import Conv\nimport {m}\nfrom graftlab.cli import demo_components\n",
        "import {m}\nfrom gltest_allowed import Conv\n",
    ],
)
def test_disallowed_import_imports_nothing(
    side_effect_package: tuple[str, Path], imports: str
) -> None:
    name, marker = side_effect_package
    allowed_marker = marker.parent / "allowed.marker"
    text = imports.format(m=name) + "experiment = 1\n"
    errs = errors_of(text, allowed_modules=["gltest_allowed"])
    assert len(errs) == 1
    err = errs[0]
    assert isinstance(err, gl.ImportNotAllowedError)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if name in s)
    assert err.line == line
    assert f"import of {name!r}" in err.message or f"import of '{name}.sub'" in err.message
    assert "allowed modules are graftlab, gltest_allowed" in err.message
    assert "allowed_modules in graft.toml" in err.message
    assert not marker.exists()
    assert name not in sys.modules and f"{name}.sub" not in sys.modules
    # the allowed import did not happen either
    assert not allowed_marker.exists() and "gltest_allowed" not in sys.modules
    # ... and does once the file is fine
    assert (
        gl.loads(
            "from gltest_allowed import Conv\nexperiment = Conv(x=2)\n",
            allowed_modules=["gltest_allowed"],
        ).sym_init_args.x
        == 2
    )
    assert allowed_marker.exists() and not marker.exists()


def test_every_disallowed_import_is_reported(side_effect_package: tuple[str, Path]) -> None:
    name, marker = side_effect_package
    text = f"import os\nfrom {name} import Evil\nimport subprocess as sp\nx = 1\n"
    errs = errors_of(text)
    assert [(type(e), e.line, e.column) for e in errs] == [
        (gl.ImportNotAllowedError, 1, 7),
        (gl.ImportNotAllowedError, 2, 0),
        (gl.ImportNotAllowedError, 3, 7),
    ]
    assert "'os'" in errs[0].message and "'subprocess'" in errs[2].message
    assert not marker.exists() and name not in sys.modules


def test_allow_list_matches_whole_module_names(side_effect_package: tuple[str, Path]) -> None:
    name, marker = side_effect_package
    # "gltest_side" is a prefix of the name but not a parent package
    errs = errors_of(f"import {name}\nx = 1\n", allowed_modules=["gltest_side"])
    assert isinstance(errs[0], gl.ImportNotAllowedError)
    assert not marker.exists()
    # a parent package allows its submodules
    loaded = gl.loads_file(f"from {name} import Evil\nx = Evil(x=1)\n", allowed_modules=[name])
    assert marker.exists() and loaded["x"].sym_init_args.x == 1


def test_graft_toml_allow_list_is_found_walking_up(isolated_modules: Path) -> None:
    root = isolated_modules.parent / "repo"
    (root / "experiments" / "deep").mkdir(parents=True)
    (root / "graft.toml").write_text('[graft]\nallowed_modules = ["gltest_team"]\n')
    _make_package(root, "gltest_team", {"__init__.py": SYMBOLIC_SUBMODULE})
    exp_file = root / "experiments" / "deep" / "exp.py"
    exp_file.write_text("from gltest_team import Block\nexperiment = Block(width=7)\n")
    # the repository root goes on sys.path so that the team's own package imports
    assert gl.load(exp_file).sym_init_args.width == 7
    exp_file.write_text("from format_classes import Conv\nexperiment = Conv(1)\n")
    with pytest.raises(gl.ImportNotAllowedError, match="allowed modules are graftlab, gltest_team"):
        gl.load(exp_file)
    # an explicit allow-list replaces graft.toml's
    assert gl.load(exp_file, allowed_modules=ALLOWED) == fc.Conv(1)


def test_without_graft_toml_only_graftlab_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "exp.py"
    path.write_text("from format_classes import Conv\nexperiment = Conv(1)\n")
    with pytest.raises(gl.ImportNotAllowedError) as info:
        gl.load(path)
    assert "allowed modules are graftlab " in info.value.message
    assert info.value.file == str(path)
    path.write_text("from graftlab.cli.demo_components import Conv\nexperiment = Conv(1)\n")
    assert gl.load(path) == demo_components.Conv(1)


# --- never exec, eval or compile; never call anything non-symbolic ------------------------


def test_never_execs_evals_or_compiles_code(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_compile = builtins.compile

    def guarded_compile(source, filename, mode, flags=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        # ast.parse is compile(..., PyCF_ONLY_AST): a syntax tree, no code object.
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("compile() of code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def forbidden(name: str):  # type: ignore[no-untyped-def]
        def f(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(name)
            raise AssertionError(f"{name}() called")

        return f

    text = HEADER + textwrap.dedent(
        """
        stem = Conv(features=2, activation=Act.GELU)
        experiment = Model(layers=[stem, Conv(3)], dropout=float("nan"))
        """
    )
    # graftlab's own modules load lazily; importing them (which compiles them when no .pyc
    # exists) is not code from the file, so they are loaded before the guard goes up.
    gl.format_text(gl.dumps(gl.loads(text, allowed_modules=ALLOWED)), allowed_modules=ALLOWED)
    monkeypatch.setattr(builtins, "compile", guarded_compile)
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    exp = gl.loads(text, allowed_modules=ALLOWED)
    assert exp.layers[0].features == 2
    gl.format_text(text, allowed_modules=ALLOWED)
    assert gl.loads(gl.dumps(exp), allowed_modules=ALLOWED).layers[1].features == 3
    assert calls == []


@pytest.mark.parametrize(
    ("text", "line", "col", "needle"),
    [
        (
            "from format_classes import Plain\nx = Plain(x=1)\n",
            1,
            27,
            "format_classes.Plain is not a symbolic class or function, an enum or a module",
        ),
        (
            "from format_classes import helper\nx = helper()\n",
            1,
            27,
            "format_classes.helper is not a symbolic class or function",
        ),
        (
            "import format_classes as m\nx = m.Plain(x=1)\n",
            2,
            4,
            "m.Plain is not a symbolic class or function, an enum or a module",
        ),
        (
            "import format_classes as m\nx = m.helper()\n",
            2,
            4,
            "m.helper is not a symbolic class or function",
        ),
        (
            "import format_classes as m\nx = m.CONSTANT\n",
            2,
            4,
            "m.CONSTANT is not a symbolic class or function",
        ),
    ],
)
def test_non_symbolic_callables_are_never_called(
    text: str, line: int, col: int, needle: str
) -> None:
    fc.CALLS.clear()
    errs = errors_of(text)
    assert (errs[0].line, errs[0].column) == (line, col)
    assert needle in errs[0].message
    assert fc.CALLS == []


def test_os_system_is_not_callable_even_when_os_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    called: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a))
    errs = errors_of("import os\nx = os.system('echo hacked')\n", allowed_modules=["os"])
    assert len(errs) == 1
    assert (errs[0].line, errs[0].column) == (2, 4)
    assert errs[0].message == "os.system is not a symbolic class or function, an enum or a module"
    errs = errors_of("from os import system\nx = system('echo')\n", allowed_modules=["os"])
    assert (errs[0].line, errs[0].column) == (1, 15)
    assert "os.system is not a symbolic class or function" in errs[0].message
    assert called == []


def test_dunder_attributes_are_never_read_through_the_file() -> None:
    for text, col, needle in [
        ("x = Conv.__init__\n", 4, "dunder attributes are not allowed: '__init__'"),
        ("x = Conv.__class__.__base__\n", 4, "dunder attributes are not allowed"),
        ("x = Act.RELU.__class__\n", 4, "dunder attributes are not allowed: '__class__'"),
        ("x = __builtins__\n", 4, "names starting with '__' are not allowed: '__builtins__'"),
        ("x = __import__('os')\n", 4, "names starting with '__' are not allowed: '__import__'"),
        ("x = Conv(features=__name__)\n", 18, "names starting with '__' are not allowed"),
    ]:
        errs = errors_of(HEADER + text)
        assert [(e.line, e.column) for e in errs] == [(2, col)], text
        assert needle in errs[0].message
    errs = errors_of("from format_classes import __doc__, __builtins__\nx = 1\n")
    assert [(e.line, e.column) for e in errs] == [(1, 27), (1, 36)]
    assert "dunder names cannot be imported: '__doc__'" in errs[0].message


def test_a_name_is_resolved_through_imports_only() -> None:
    errs = errors_of("x = print(1)\ny = exec('1')\nz = getattr(x, 'y')\nw = open('f')\n")
    assert [(e.line, e.column) for e in errs] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert "unknown name 'print': it is neither imported nor assigned earlier" in errs[0].message
    assert "unknown name 'exec'" in errs[1].message


def test_float_can_be_shadowed_by_an_import_but_not_misused() -> None:
    assert math.isnan(gl.loads('experiment = float("nan")\n'))
    assert gl.loads('experiment = float("+inf")\n') == math.inf
    errs = errors_of('experiment = float("1.5")\n')
    assert errs[0].message == (
        'only float("inf"), float("-inf") and float("nan") may be written with float(...)'
    )


# --- symbolic functions, positional arguments ---------------------------------------------


def test_symbolic_functions_are_callable_in_files() -> None:
    exp = gl.loads(
        HEADER + "experiment = Node(value=make_opt(0.5, momentum=0.8))\n", allowed_modules=ALLOWED
    )
    opt = exp.value
    assert gl.is_call(opt) and type(opt) is fc.make_opt
    assert opt() == {"lr": 0.5, "momentum": 0.8}
    partial = gl.loads(HEADER + "experiment = make_opt()\n", allowed_modules=ALLOWED)
    assert not partial.is_complete
    assert partial(lr=0.1) == {"lr": 0.1, "momentum": 0.9}


def test_positional_forms() -> None:
    loaded = load_all(
        HEADER
        + "a = Stack(1, Conv(2), scale=2.0)\nb = PosOnly(3, b=4)\nc = PosOnly(3, 4)\nd = KwOnly(x=1)\n"
    )
    assert loaded["a"] == fc.Stack(1, fc.Conv(2), scale=2.0)
    assert loaded["a"].items == (1, fc.Conv(2))  # what __init__ received
    assert loaded["b"] == fc.PosOnly(3, b=4) == loaded["c"]
    assert loaded["d"] == fc.KwOnly(x=1)
