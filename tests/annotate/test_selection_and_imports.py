"""Unit tests: configuration, globs, the alias table, import placement and errors."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest

from graftlab.annotate import AnnotateConfig, AnnotateSyntaxError, UsageError, annotate_source
from graftlab.annotate.imports import scan_module
from graftlab.annotate.selection import (
    SKIP_REASONS,
    find_config_file,
    is_exception_base,
    load_config,
    make_config,
    parse_select,
)

INIT = "    def __init__(self, x):\n        self.x = x\n"


def test_alias_table_resolves_dotted_names() -> None:
    module = libcst.parse_module(
        "import numpy as np\nimport os.path\nfrom flax import linen as nn, nnx\n"
        "from . import sibling\nfrom .pkg import thing as t\n"
        "try:\n    import jax.numpy as jnp\nexcept ImportError:\n    jnp = None\n"
    )
    aliases = scan_module(module).aliases
    assert aliases.resolve("nn.Module") == "flax.linen.Module"
    assert aliases.resolve("nnx.Module") == "flax.nnx.Module"
    assert aliases.resolve("np.ndarray") == "numpy.ndarray"
    assert aliases.resolve("os.path.join") == "os.path.join"
    assert aliases.resolve("sibling.X") == ".sibling.X"
    assert aliases.resolve("t") == ".pkg.thing"
    assert aliases.resolve("jnp.zeros") == "jax.numpy.zeros"
    assert aliases.resolve("Unknown.attr") == "Unknown.attr"


def test_parse_select() -> None:
    assert parse_select(["classes,functions"]) == {"classes", "functions"}
    assert parse_select(["all"]) == {"classes", "dataclasses", "flax", "functions"}
    with pytest.raises(UsageError, match="unknown --select category 'nope'"):
        parse_select(["classes,nope"])


def test_bad_globs_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unclosed"):
        AnnotateConfig(exclude=("Foo[",))
    with pytest.raises(UsageError, match="empty"):
        AnnotateConfig(include=("",))


def test_config_file(tmp_path: Path) -> None:
    (tmp_path / "graft.toml").write_text(
        '[annotate]\nselect = ["classes", "functions"]\nexclude = ["Test*"]\n'
        'factory_patterns = ["new_*"]\n'
    )
    (tmp_path / "pkg").mkdir()
    found = find_config_file(tmp_path / "pkg")
    assert found == tmp_path / "graft.toml"
    config = make_config(load_config(found))
    assert config.select == {"classes", "functions"}
    assert config.exclude == ("Test*",)
    assert config.is_factory("new_model") and not config.is_factory("make_model")
    # The command line wins; --extend-select adds to what the file says.
    config = make_config(load_config(found), exclude=["Other"], extend_select=["flax"])
    assert config.exclude == ("Other",)
    assert config.select == {"classes", "functions", "flax"}


def test_config_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "graft.toml"
    path.write_text("[annotate]\nselcet = ['classes']\n")
    with pytest.raises(UsageError, match="unknown key 'selcet'"):
        load_config(path)
    path.write_text("[annotate]\nexclude = 3\n")
    with pytest.raises(UsageError, match="list of strings"):
        load_config(path)
    path.write_text("[annotate\n")
    with pytest.raises(UsageError, match="invalid TOML"):
        load_config(path)


def test_exception_detection() -> None:
    assert is_exception_base("ValueError")
    assert is_exception_base("requests.exceptions.HTTPError")
    assert not is_exception_base("ErrorHandler")
    assert not is_exception_base("object")


def test_every_reason_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "annotate.md").read_text()
    for reason in SKIP_REASONS:
        assert f"`{reason}`" in docs, reason


def test_syntax_error_location() -> None:
    source = b"import os\n\nclass A:\n    def f(:\n        pass\n"
    with pytest.raises(AnnotateSyntaxError) as info:
        annotate_source(source, path="bad.py")
    assert (info.value.path, info.value.line, info.value.col) == ("bad.py", 4, 11)
    assert str(info.value).startswith("bad.py:4:11: syntax error")


def test_existing_import_after_docstring_comment_block() -> None:
    source = '"""Doc."""\n# comment\nimport os\n\nclass A:\n' + INIT
    code = annotate_source(source).code.decode()
    assert code.startswith('"""Doc."""\n# comment\nimport os\n\nfrom graftlab import symbolize\n')


def test_only_symbolize_name_taken_by_assignment() -> None:
    source = "symbolize = None\n\nclass A:\n" + INIT
    code = annotate_source(source).code.decode()
    assert code.startswith("import graftlab\n\nsymbolize = None\n")
    assert "@graftlab.symbolize\nclass A" in code


def test_graftlab_submodule_import_is_reused() -> None:
    source = "import graftlab.ml\n\n\nclass A:\n" + INIT
    code = annotate_source(source).code.decode()
    assert code == "import graftlab.ml\n\n\n@graftlab.symbolize\nclass A:\n" + INIT


def test_from_graftlab_submodule_symbolize_is_reused() -> None:
    source = "from graftlab.symbolic import symbolize\n\n\nclass A:\n" + INIT
    code = annotate_source(source).code.decode()
    assert code == "from graftlab.symbolic import symbolize\n\n\n@symbolize\nclass A:\n" + INIT


def test_pyglove_symbolize_counts_as_already_symbolized() -> None:
    source = "import pyglove as pg\n\n\n@pg.symbolize\nclass A:\n" + INIT
    result = annotate_source(source)
    assert not result.changed
    assert result.skips[0].reason == "already-symbolized"


def test_empty_and_comment_only_files() -> None:
    for source in (b"", b"# just a comment\n", b"\n\n"):
        assert annotate_source(source).code == source


def test_class_keyword_in_string_only_is_harmless() -> None:
    source = b'TEXT = "class Foo: pass"\n'
    result = annotate_source(source)
    assert not result.changed and result.annotations == [] and result.skips == []


def test_main_guard_does_not_shift_lines() -> None:
    source = (
        "if __name__ == '__main__':\n    class A:\n        pass\n\n"
        "class A:\n    def __init__(self, x):\n        pass\n"
    )
    result = annotate_source(source)
    assert [(a.name, a.line) for a in result.annotations] == [("A", 5)]


def test_slots_classes_and_metaclasses_are_skipped_with_reasons() -> None:
    from graftlab.annotate import annotate_source

    source = (
        "import dataclasses\n\n"
        "@dataclasses.dataclass(frozen=True, slots=True)\n"
        "class SizeBytes:\n    size: int\n\n"
        "class Point:\n    __slots__ = ('x', 'y')\n\n    def __init__(self, x: int, y: int):\n"
        "        self.x = x\n        self.y = y\n\n"
        "class TagType(type):\n    def __init__(cls, name: str, bases: tuple, ns: dict):\n"
        "        super().__init__(name, bases, ns)\n\n"
        "class Fine:\n    __slots__ = ('__dict__', 'x')\n\n    def __init__(self, x: int):\n        self.x = x\n"
    )
    result = annotate_source(source)
    reasons = {s.name: s.reason for s in result.skips}
    assert reasons["SizeBytes"] == "slots"
    assert reasons["Point"] == "slots"
    assert reasons["TagType"] == "metaclass"
    assert [a.name for a in result.annotations] == ["Fine"]
    compile(result.code, "<annotated>", "exec")


# --- issue #12: minor codemod defects -------------------------------------------------------


def test_import_goes_to_a_new_third_party_section_not_the_first_party_one(tmp_path: Path) -> None:
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text("X = 1\n")
    target = pkg / "model.py"
    source = "import os\n\nfrom mypkg.layers import X\n\n\nclass Model:\n" + INIT
    target.write_text(source)
    out = annotate_source(source, AnnotateConfig(), str(target)).code.decode()
    assert out.startswith("import os\n\nfrom graftlab import symbolize\n\nfrom mypkg.layers")
    target.write_text(out)
    import subprocess
    import sys

    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "I", str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    only_first = "from mypkg.layers import X\n\n\nclass Model:\n" + INIT
    target.write_text(only_first)
    out = annotate_source(only_first, AnnotateConfig(), str(target)).code.decode()
    assert out.startswith("from graftlab import symbolize\n\nfrom mypkg.layers import X\n")


def test_error_named_bases_that_are_not_exceptions_are_annotated() -> None:
    assert not is_exception_base("mylib.losses.ReconstructionError", subclass="MeanSquared")
    assert is_exception_base("mylib.errors.ClientError", subclass="Timeout")
    assert is_exception_base("mylib.ClientError", subclass="TimeoutError")
    source = (
        "from mylib.losses import ReconstructionError\n\n\nclass MeanSquared(ReconstructionError):\n"
        + INIT
    )
    result = annotate_source(source, AnnotateConfig())
    assert [a.name for a in result.annotations] == ["MeanSquared"]


def test_linen_subclasses_adding_fields_are_annotated_not_no_init() -> None:
    source = (
        "import flax.linen as nn\n"
        "from .blocks import Block\n\n\n"
        "class Wide(nn.Dense):\n    extra: int = 2\n\n\n"
        "class Deep(Block):\n    depth: int = 3\n\n\n"
        "class Plain(Block):\n    pass\n"
    )
    result = annotate_source(source, AnnotateConfig())
    assert sorted(a.name for a in result.annotations) == ["Deep", "Wide"]
    assert "Plain" in {s.name for s in result.skips}  # adds nothing: left alone
    linen = [a.category for a in result.annotations]
    assert linen == ["linen", "linen"]


def test_classes_in_except_handlers_and_match_cases_are_annotated() -> None:
    source = (
        "import sys\n\n"
        "match sys.platform:\n"
        '    case "linux":\n'
        "        class A:\n"
        "            def __init__(self, x: int = 1) -> None:\n"
        "                self.x = x\n"
        "    case _:\n"
        "        pass\n\n"
        "try:\n"
        "    import numpy\n"
        "except ImportError:\n"
        "    class C:\n"
        "        def __init__(self, z: int = 3) -> None:\n"
        "            self.z = z\n"
        "except OSError:\n"
        "    pass\n"
    )
    code = annotate_source(source).code.decode()
    assert code.count("@symbolize") == 2
    assert '    case "linux":\n        @symbolize\n        class A:' in code
    assert "except ImportError:\n    @symbolize\n    class C:" in code
    assert "    case _:\n        pass\n" in code and "except OSError:\n    pass\n" in code
