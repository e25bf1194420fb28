"""Golden-file tests: every fixture's exact output, idempotence, parse, insert-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, only_insertions, parses

from graftlab.annotate import AnnotateConfig, annotate_source

ALL = frozenset({"classes", "dataclasses", "flax", "functions"})
CONFIGS = {
    "factories": AnnotateConfig(select=ALL),
    "skips": AnnotateConfig(exclude=("Private*",)),
}
CASES = sorted(p.name[: -len(".in.py")] for p in FIXTURES.glob("*.in.py"))


def _load(name: str) -> tuple[bytes, bytes]:
    return (FIXTURES / f"{name}.in.py").read_bytes(), (FIXTURES / f"{name}.out.py").read_bytes()


def test_fixture_set_is_complete() -> None:
    assert len(CASES) >= 25
    for name in CASES:
        assert (FIXTURES / f"{name}.out.py").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_exact_output(name: str) -> None:
    source, expected = _load(name)
    result = annotate_source(source, CONFIGS.get(name), f"{name}.in.py")
    assert result.code == expected


@pytest.mark.parametrize("name", CASES)
def test_idempotent(name: str) -> None:
    _, expected = _load(name)
    again = annotate_source(expected, CONFIGS.get(name))
    assert not again.changed
    assert again.code == expected
    assert again.annotations == []


@pytest.mark.parametrize("name", CASES)
def test_output_parses_and_only_inserts(name: str) -> None:
    source, expected = _load(name)
    assert parses(expected)
    # Merging into an existing ``from graftlab import ...`` edits inside that line.
    assert only_insertions(source, expected, by_char=name.startswith("merge"))


@pytest.mark.parametrize("name", ["crlf", "latin1", "bom"])
def test_encoding_and_newlines_preserved(name: str) -> None:
    _, expected = _load(name)
    if name == "crlf":
        assert expected.count(b"\r\n") == expected.count(b"\n")
        assert b"from graftlab import symbolize\r\n" in expected
    if name == "latin1":
        assert "Café".encode("latin-1") in expected
        expected.decode("latin-1")
        with pytest.raises(UnicodeDecodeError):
            expected.decode("utf-8")
    if name == "bom":
        assert expected.startswith(b"\xef\xbb\xbf")
        assert expected.count(b"\xef\xbb\xbf") == 1


def test_str_input_is_accepted() -> None:
    result = annotate_source("class A:\n    def __init__(self, x):\n        pass\n")
    assert result.code.decode().startswith("from graftlab import symbolize\n\n\n@symbolize\n")


def _names(name: str, config: AnnotateConfig | None = None) -> tuple[dict, dict]:
    source, _ = _load(name)
    result = annotate_source(source, config or CONFIGS.get(name))
    return (
        {a.name: a for a in result.annotations},
        {s.name: s.reason for s in result.skips},
    )


def test_skip_reasons() -> None:
    annotated, skipped = _names("skips")
    assert skipped == {
        "Color": "enum",
        "MoreColor": "enum",
        "Oops": "exception",
        "LibError": "exception",
        "Shape": "protocol",
        "Point": "namedtuple",
        "OldPoint": "namedtuple",
        "Movie": "typeddict",
        "GenericProto": "protocol",
        "Meta": "metaclass",
        "WithMeta": "metaclass",
        "VarArgs": "varargs-only",
        "KwargsOnly": "varargs-only",
        "NoParams": "no-hyperparameters",
        "NoInit": "no-init",
        "A": "already-symbolized",
        "B": "already-symbolized",
        "C": "already-symbolized",
        "InheritsA": "already-symbolized",
        "PrivateExcluded": "excluded",
    }
    assert set(annotated) == {"Abstract", "OwnInit", "Positional", "KeywordOnly"}


def test_flax_rules() -> None:
    annotated, skipped = _names("flax_modules")
    assert annotated["Linear"].decorator == '@symbolize(runtime=("rngs",))'
    assert annotated["Linear"].category == "nnx"
    assert annotated["MLP"].decorator == '@symbolize(runtime=("rngs",))'
    assert annotated["Dropout"].decorator == "@symbolize"
    assert annotated["Dense"].category == "linen"
    assert annotated["FullyQualified"].category == "linen"
    assert skipped["OnlyRngs"] == "no-hyperparameters"
    assert skipped["NoFields"] == "no-hyperparameters"
    assert skipped["WiderDense"] == "already-symbolized"
    for name in ("State", "State2", "ChexState", "Node", "Registered"):
        assert skipped[name] == "pytree-dataclass", name


def test_nested_rules_and_lines() -> None:
    annotated, skipped = _names("nested")
    assert set(annotated) == {"Outer", "Outer.Inner", "Outer.Inner.Deepest"}
    assert skipped["Outer.method.<locals>.InMethod"] == "nested-in-function"
    assert skipped["factory.<locals>.InFunction"] == "nested-in-function"
    assert skipped["Outer.NoInit"] == "no-init"
    assert skipped["GrandChild"] == "already-symbolized"
    assert annotated["Outer.Inner.Deepest"].line == 11


def test_factories_only_when_selected() -> None:
    annotated, skipped = _names("factories", AnnotateConfig())
    assert annotated == {}
    assert "make_model" not in skipped
    annotated, skipped = _names("factories")
    assert set(annotated) == {"make_model", "build_optimizer"}
    assert skipped["create_anything"] == "varargs-only"
    assert skipped["make_default"] == "no-hyperparameters"
    assert "make_async" not in annotated and "helper" not in skipped


def test_select_restricts_categories() -> None:
    annotated, skipped = _names("decorators", AnnotateConfig(select=frozenset({"classes"})))
    assert set(annotated) == {"Registered", "Dense", "Commented"}
    assert skipped["RegisteredData"] == "not-selected"


def test_include_glob() -> None:
    annotated, skipped = _names("decorators", AnnotateConfig(include=("Reg*",)))
    assert set(annotated) == {"Registered", "RegisteredData"}
    assert skipped["Dense"] == "excluded"


def test_nothing_to_do_is_byte_identical(fixtures_dir: Path) -> None:
    source = (fixtures_dir / "nothing.in.py").read_bytes()
    result = annotate_source(source)
    assert result.code is source
