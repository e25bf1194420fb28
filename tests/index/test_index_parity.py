"""Parity: the static index derives the same schemas as the runtime, class by class.

The test imports the corpus modules (the index never does) and compares every symbolic
class's and patch rule's runtime schema with the index's ``ClassInfo``/``RuleInfo``.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

import pytest

import graftlab as gl
from graftlab.index import Index
from graftlab.index.model import ArgInfo

HERE = Path(__file__).parent
CORPUS = ("parity_corpus", "parity_corpus_eager") + (
    ("parity_flax",) if importlib.util.find_spec("flax") is not None else ()
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return Index.for_workspace(HERE, cache_dir=tmp_path_factory.mktemp("cache"))


def _runtime_fields(schema: Any) -> list[tuple[str, str, str, bool, str]]:
    return [
        (f.name, f.kind, f.spec.full_description(), f.required, f.help)
        for f in schema.fields.values()
    ]


def _static_fields(args: list[ArgInfo]) -> list[tuple[str, str, str, bool, str]]:
    return [(a.name, a.kind, a.type, a.required, a.help) for a in args]


def _symbolic_types(module: Any) -> list[type]:
    out: dict[int, type] = {}
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and value.__module__ == module.__name__
            and "__sym_schema__" in value.__dict__
        ):
            out[id(value)] = value
    return list(out.values())


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in CORPUS:
        module = importlib.import_module(name)
        cases += [(name, t.__qualname__) for t in _symbolic_types(module)]
    return cases


@pytest.mark.parametrize(("module", "qualname"), _cases())
def test_class_schema_parity(index: Index, module: str, qualname: str) -> None:
    cls = getattr(importlib.import_module(module), qualname)
    schema = gl.schema_of(cls)
    info = index.lookup(f"{module}.{qualname}")
    assert info is not None, f"{module}.{qualname} is not in the index"
    assert _static_fields(info.args) == _runtime_fields(schema)
    assert sorted(info.runtime) == sorted(schema.runtime)
    assert info.var_keyword == (schema.var_keyword is not None)
    assert info.kind == ("function" if issubclass(cls, gl.Call) else "class")


def test_corpus_is_covered(index: Index) -> None:
    """Every class the index calls symbolic is symbolic at runtime, and the reverse."""
    for name in CORPUS:
        module = importlib.import_module(name)
        runtime = {f"{name}.{t.__qualname__}" for t in _symbolic_types(module)}
        static = {i.qualname for i in index.symbolic_classes() if i.module == name}
        assert static == runtime
    assert len(_cases()) >= 35


@pytest.mark.skipif("parity_flax" not in CORPUS, reason="flax is not installed")
def test_flax_runtime_arguments(index: Index) -> None:
    assert index.classes["parity_flax.MLP"].runtime == ["rngs"]
    assert index.classes["parity_flax.DeeperMLP"].runtime == ["rngs"]
    assert sorted(index.classes["parity_flax.LinenDense"].runtime) == ["name", "parent"]
    assert index.classes["parity_flax.LinenDense"].dataclass


def test_enum_parity(index: Index) -> None:
    module = importlib.import_module("parity_corpus")
    for enum_name in ("Activation", "Level", "Mode"):
        enum_type = getattr(module, enum_name)
        info = index.lookup(f"parity_corpus.{enum_name}")
        assert info is not None and info.kind == "enum"
        assert info.members == [m.name for m in enum_type]


def _rule_cases() -> list[str]:
    importlib.import_module("parity_rules")
    return sorted(
        n for n, r in gl.rules().items() if getattr(r, "__module__", "") == "parity_rules"
    )


@pytest.mark.parametrize("name", _rule_cases())
def test_rule_schema_parity(index: Index, name: str) -> None:
    rule = gl.rules()[name]
    schema = gl.schema_of(rule)
    info = index.rules.get(name)
    assert info is not None, f"rule {name} is not in the index"
    assert _static_fields(info.args) == _runtime_fields(schema)
    assert info.optional == rule.__sym_optional__
    assert info.function == f"parity_rules.{rule.__sym_function__.__qualname__}"


def test_all_rules_found(index: Index) -> None:
    static = {n for n, r in index.rules.items() if r.function.startswith("parity_rules.")}
    assert static == set(_rule_cases())
    assert len(static) == 5
