"""Fuzzing the language server's document handling (the pure service over text): whatever
the document, every feature answers without an exception."""

from __future__ import annotations

import pytest
from fuzz_corpus import FUZZ, mutated, template_repo
from graftlab_lsp.service import LanguageService
from hypothesis import given
from hypothesis import strategies as st

from graftlab.index import Index


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> LanguageService:
    root = template_repo()
    cache = tmp_path_factory.mktemp("fuzz-cache")
    return LanguageService(Index.for_workspace(root, cache_dir=cache))


@st.composite
def document(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(mutated())
    lines = text.split("\n")
    line = draw(st.integers(-1, len(lines)))
    width = len(lines[line]) if 0 <= line < len(lines) else 3
    return text, line, draw(st.integers(-1, width + 1))


@FUZZ
@given(doc=document())
def test_every_feature_answers_any_document(
    service: LanguageService, doc: tuple[str, int, int]
) -> None:
    text, line, column = doc
    diags = service.static_diagnostics(text, "experiments/fuzz.py")
    assert all(d.line >= 0 and d.column >= 0 for d in diags)
    service.symbols(text)
    service.code_actions(text, diags)
    if line >= 0 and column >= 0:
        service.complete(text, line, column)
        service.hover(text, line, column)
        service.definition(text, line, column)


def test_the_fixture_index_knows_the_template(service: LanguageService) -> None:
    text = (template_repo() / "experiments" / "baseline.py").read_text()
    assert service.static_diagnostics(text) == []
    assert any(i.label == "Conv" for i in service.complete("from graftlab.ml import Co", 0, 26))
