"""Signature help (issue #19, "beyond every anchor"): in calls and inside patch URIs, from the
pure service and over real stdio."""

from __future__ import annotations

import pytest
from graftlab_lsp.service import LanguageService
from lsp_client import start_server
from lsp_workspace import position
from lsprotocol import types as t

from graftlab.index import Index

HEADER = "from team import Act, Conv, Dense, Trainer\n\n"
CURSOR = "§"


@pytest.fixture(scope="module")
def service(team_index: Index) -> LanguageService:
    return LanguageService(team_index)


def at(service: LanguageService, text: str):  # type: ignore[no-untyped-def]
    i = text.index(CURSOR)
    line = text.count("\n", 0, i)
    col = i - (text.rfind("\n", 0, i) + 1)
    return service.signature_help(text.replace(CURSOR, ""), line, col)


def active_text(sig) -> str:  # type: ignore[no-untyped-def]
    start, end, _doc = sig.parameters[sig.active]
    return str(sig.label[start:end])


def test_a_call_shows_the_class_arguments_types_and_defaults(service: LanguageService) -> None:
    sig = at(service, HEADER + "x = Conv(§")
    assert sig.label == (
        "Conv(features: int (>= 1 and <= 4096), kernel_size: int = 3, activation: Act = Act.RELU,"
        " padding: Literal['same', 'valid'] = \"same\", use_bias: bool = True)"
    )
    assert [sig.label[s:e].split(":")[0] for s, e, _ in sig.parameters] == [
        "features",
        "kernel_size",
        "activation",
        "padding",
        "use_bias",
    ]
    assert active_text(sig) == "features: int (>= 1 and <= 4096)"
    assert sig.parameters[1][2] == "square kernel size."
    assert "A convolution." in sig.documentation


@pytest.mark.parametrize(
    ("text", "active"),
    [
        ("x = Conv(16, §", "kernel_size"),
        ("x = Conv(features=16, §", "kernel_size"),
        ("x = Conv(features=16, padding=§", "padding"),
        ("x = Conv(kernel_size=3, §", "features"),
        ("x = Conv(\n    features=16,\n    use_bias=§", "use_bias"),
        ("x = Trainer(layers=[Conv(features=1), §", "layers"),
    ],
)
def test_the_active_argument(service: LanguageService, text: str, active: str) -> None:
    sig = at(service, HEADER + text)
    assert active_text(sig).split(":")[0] == active


def test_inner_call_wins(service: LanguageService) -> None:
    sig = at(service, HEADER + "x = Trainer(layers=[Dense(§")
    assert sig.label.startswith("Dense(units: int = 8")


def test_no_signature_outside_calls_or_for_unknown_callees(service: LanguageService) -> None:
    assert at(service, HEADER + "x = §") is None
    assert at(service, HEADER + "x = Nope(§") is None
    assert at(service, HEADER + "x = [§") is None


def test_a_patch_uri_shows_the_rules_arguments(service: LanguageService) -> None:
    text = 'from graftlab import Derived\n\nexperiment = Derived(base="baseline", patches=["team/widen?§'
    sig = at(service, text)
    assert sig.label == "team/widen?factor: int = 2"
    assert active_text(sig) == "factor: int = 2"
    assert sig.parameters[0][2] == "how much wider."
    sig = at(service, text.replace("team/widen?", "team/lr?value="))
    assert sig.label == "team/lr?value: float"
    assert active_text(sig) == "value: float"


def test_no_signature_in_other_strings(service: LanguageService) -> None:
    assert at(service, HEADER + 'x = Conv(padding="sa§') is None
    assert at(service, 'x = Derived(base="team/widen?§') is None


@pytest.mark.asyncio(loop_scope="function")
@pytest.mark.parametrize("editor", ["visual-studio-code", "neovim"])
async def test_signature_help_over_stdio(team_root, editor: str) -> None:  # type: ignore[no-untyped-def]
    lsp = await start_server(team_root, editor=editor)
    try:
        text = HEADER + "x = Conv(features=16, §)\n"
        line, col = position(text, CURSOR)
        uri = lsp.open("experiments/sig.py", text.replace(CURSOR, ""))
        result = await lsp.client.text_document_signature_help_async(
            t.SignatureHelpParams(t.TextDocumentIdentifier(uri), t.Position(line, col))
        )
        assert result is not None
        [sig] = result.signatures
        assert sig.label.startswith("Conv(features: int")
        start, end = sig.parameters[result.active_parameter].label  # type: ignore[misc]
        assert sig.label[start:end] == "kernel_size: int = 3"
        caps = lsp.initialize_result.capabilities  # type: ignore[union-attr]
        assert caps.signature_help_provider is not None
        assert "(" in (caps.signature_help_provider.trigger_characters or [])
    finally:
        await lsp.stop()
