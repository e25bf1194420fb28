"""Search spaces in the editor (issue #15, via #19): completion inside ``oneof([...])`` offers
what fits the argument; ranges and choice types are checked statically, at their positions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from graftlab_lsp.model import Diag
from graftlab_lsp.service import LanguageService
from lsp_client import start_server
from lsp_workspace import position

from graftlab.index import Index

HEADER = "from graftlab import Derived\nfrom graftlab.hyper import floatv, intv, manyof, oneof\nfrom team import Act, Adam, Conv, Dense, Optimizer, Trainer\n\n"
CURSOR = "§"


@pytest.fixture(scope="module")
def service(team_index: Index) -> LanguageService:
    return LanguageService(team_index)


def labels_at(service: LanguageService, text: str) -> list[str]:
    i = text.index(CURSOR)
    line = text.count("\n", 0, i)
    col = i - (text.rfind("\n", 0, i) + 1)
    return [item.label for item in service.complete(text.replace(CURSOR, ""), line, col)]


def diags(service: LanguageService, body: str) -> list[tuple[str, str]]:
    """(the text each diagnostic covers, its message) for HEADER + body."""
    text = HEADER + body
    lines = text.split("\n")
    out = []
    for d in service.index_diagnostics(text):
        assert isinstance(d, Diag)
        covered = lines[d.line][d.column : d.end_column] if d.line == d.end_line else "<lines>"
        out.append((covered, d.message))
    return out


def test_enum_members_inside_oneof(service: LanguageService) -> None:
    labels = labels_at(service, HEADER + "x = Conv(features=8, activation=oneof([§")
    assert labels[:3] == ["Act.RELU", "Act.GELU", "Act.TANH"]


def test_literal_strings_inside_oneof(service: LanguageService) -> None:
    labels = labels_at(service, HEADER + 'x = Conv(features=8, padding=oneof(["§')
    assert labels == ["same", "valid"]


def test_the_scales_of_floatv(service: LanguageService) -> None:
    assert labels_at(service, HEADER + 'x = Adam(learning_rate=floatv(1e-4, 1e-1, scale="§') == [
        "linear",
        "log",
    ]


def test_classes_that_fit_inside_oneof(service: LanguageService) -> None:
    labels = labels_at(service, HEADER + "x = Trainer(layers=[], optimizer=oneof([§")
    assert set(labels) == {"Adam", "Optimizer"}


def test_layers_inside_manyof(service: LanguageService) -> None:
    labels = labels_at(service, HEADER + "x = Trainer(layers=manyof(2, [Conv(features=1), §")
    assert {"Conv", "Dense", "Layer"} <= set(labels)
    assert "Adam" not in labels


def test_patch_rules_inside_a_oneof_of_a_chain(service: LanguageService) -> None:
    text = HEADER + 'x = Derived(base="baseline", patches=[oneof(["team/§'
    assert {"team/widen", "team/lr", "team/act", "team/pad"} <= set(labels_at(service, text))


def test_ranges(service: LanguageService) -> None:
    assert diags(service, "x = Adam(learning_rate=floatv(0.1, 0.01))\n") == [
        ("floatv(0.1, 0.01)", "floatv: need lo <= hi, got 0.1 and 0.01")
    ]
    assert diags(service, 'x = Adam(learning_rate=floatv(0.0, 0.1, scale="log"))\n') == [
        ("0.0", "floatv: a log scale needs lo > 0, got 0.0")
    ]
    assert diags(service, "x = Conv(features=intv(8, 64.5))\n") == [
        ("64.5", "intv: hi must be an int, got 64.5")
    ]
    assert diags(service, "x = Conv(features=intv(0, 64))\n") == [
        ("0", "intv: lo 0 is outside the range of 'features' (must be >= 1)")
    ]
    assert diags(service, "x = Conv(features=floatv(1.0, 64.0))\n") == [
        ("floatv(1.0, 64.0)", "floatv gives floats; 'features' is an int (use intv)")
    ]
    assert diags(service, 'x = Adam(learning_rate=floatv(1e-4, 1e-1, scale="log"))\n') == []
    assert diags(service, "x = Conv(features=intv(8, 64), kernel_size=intv(1, 7))\n") == []


def test_choice_types(service: LanguageService) -> None:
    assert diags(service, 'x = Conv(features=oneof([16, "wide", 0]))\n') == [
        ('"wide"', "candidate 1 of oneof cannot stand for 'features': expected int, got 'wide'"),
        (
            "0",
            "candidate 2 of oneof cannot stand for 'features': 0 is outside the argument's "
            "range (must be >= 1)",
        ),
    ]
    assert diags(service, 'x = Conv(features=8, padding=oneof(["same", "full"]))\n') == [
        (
            '"full"',
            "candidate 1 of oneof cannot stand for 'padding': expected one of 'same', 'valid', "
            "got 'full'",
        )
    ]
    assert diags(service, "x = Trainer(layers=[], optimizer=oneof([Adam(), Dense()]))\n") == [
        ("Dense()", "candidate 1 of oneof cannot stand for 'optimizer': Dense is not a Optimizer")
    ]
    assert diags(
        service, "x = Trainer(layers=manyof(3, [Conv(features=1), Dense()]), optimizer=Adam())\n"
    ) == [("3", "manyof: cannot pick 3 distinct values from 2 candidates")]
    # conditional spaces: a candidate's own choices are checked too
    assert diags(service, "x = Conv(features=oneof([8, intv(16, 8)]))\n") == [
        ("intv(16, 8)", "intv: need lo <= hi, got 16 and 8")
    ]
    ok = (
        "x = Trainer(\n"
        "    layers=[oneof([Conv(features=oneof([16, 32])), Dense(units=intv(4, 64))])],\n"
        "    optimizer=oneof([Adam(learning_rate=floatv(1e-4, 1e-2, scale='log')), Optimizer()]),\n"
        ")\n"
    )
    assert diags(service, ok) == []


def test_rule_names_in_a_oneof_of_a_chain(service: LanguageService) -> None:
    body = 'x = Derived(base="baseline", patches=[oneof(["team/widen", "team/wdien", None])])\n'
    [(covered, message)] = diags(service, body)
    assert covered == '"team/wdien"'
    assert message.startswith("no patch rule named 'team/wdien'; did you mean 'team/widen'")


@pytest.mark.asyncio(loop_scope="function")
async def test_search_space_checked_and_completed_over_stdio(
    new_workspace: Callable[..., Path],
) -> None:
    body = "experiment = Trainer(layers=[], optimizer=Adam(learning_rate=floatv(0.0, 0.1, scale='log')))\n"
    text = HEADER + body
    lsp = await start_server(new_workspace(name="space"), trusted=False)
    try:
        uri, found = await lsp.open_checked("experiments/space.py", text)
        [d] = found
        assert d.message == "floatv: a log scale needs lo > 0, got 0.0"
        line, col = position(text, "0.0, 0.1")
        assert (d.range.start.line, d.range.start.character) == (line, col)
        assert (d.range.end.line, d.range.end.character) == (line, col + 3)
        assert d.source == "graftlab (restricted)"
        items = await lsp.complete(uri, *position(text, "Adam(learning"))
        assert "Adam" in {i.label for i in items}
        completion_text = HEADER + "x = Conv(features=8, activation=oneof([\n"
        lsp.replace(uri, completion_text)
        items = await lsp.complete(
            uri, completion_text.count("\n") - 1, len(completion_text.split("\n")[-2])
        )
        assert [i.label for i in items][:3] == ["Act.RELU", "Act.GELU", "Act.TANH"]
    finally:
        await lsp.stop()
