"""End to end: the real server over stdio, driven like VS Code (its client capabilities), on
a temporary team workspace — completion, hover, diagnostics while typing, definitions,
symbols, quick fixes, formatting and the commands."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_client import Session, apply_edits, start_server
from lsp_workspace import BASELINE, PATCHES, TEAM, WIDE, position
from lsprotocol import types as t

pytestmark = pytest.mark.asyncio(loop_scope="module")

CYCLE = {
    "experiments/cyc_a.py": 'from graftlab import Derived\n\nexperiment = Derived(base="cyc_b", patches=[])\n',
    "experiments/cyc_b.py": 'from graftlab import Derived\n\nexperiment = Derived(base="cyc_a", patches=[])\n',
}
HEADER = "from team import Act, Conv, Trainer\n\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lsp(new_workspace: Callable[..., Path]) -> AsyncIterator[Session]:
    session = await start_server(new_workspace(CYCLE, name="e2e"))
    yield session
    await session.stop()


def span(d: t.Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def at(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    return position(text, needle, offset)


async def complete_at(lsp: Session, uri: str, text: str, needle: str) -> list[t.CompletionItem]:
    """Replace the document with ``text`` and complete just after ``needle``."""
    lsp.replace(uri, text)
    i = text.rindex(needle) + len(needle)
    line = text.count("\n", 0, i)
    return await lsp.complete(uri, line, i - (text.rfind("\n", 0, i) + 1))


def by_label(items: list[t.CompletionItem]) -> dict[str, t.CompletionItem]:
    return {i.label: i for i in items}


# --- completion -----------------------------------------------------------------------------


async def test_initialize_advertises_the_features(lsp: Session) -> None:
    assert lsp.initialize_result is not None
    caps = lsp.initialize_result.capabilities
    assert caps.completion_provider is not None and caps.hover_provider
    assert caps.definition_provider and caps.document_symbol_provider
    assert caps.code_action_provider and caps.document_formatting_provider
    assert caps.execute_command_provider is not None
    assert {"graftlab.lastRunError", "graftlab.materialized"} <= set(
        caps.execute_command_provider.commands
    )


async def test_completion_of_classes_with_an_import(lsp: Session) -> None:
    uri = lsp.open("experiments/c_classes.py", "")
    text = HEADER + "x = Trainer(optimizer=Ad"
    items = await complete_at(lsp, uri, text, "optimizer=Ad")
    assert [i.label for i in items] == ["Adam", "Optimizer"]
    adam = items[0]
    assert adam.kind == t.CompletionItemKind.Class
    assert adam.detail == "team.Adam(learning_rate, beta)"
    # the docstring comes when the item is resolved (lists of every class stay small)
    assert adam.documentation is None
    resolved = await lsp.client.completion_item_resolve_async(adam)
    assert isinstance(resolved.documentation, t.MarkupContent)
    assert resolved.documentation.value.startswith("Adam.")
    [edit] = adam.additional_text_edits or []
    assert edit.new_text == "from team import Adam\n"
    new = apply_edits(text, [edit]) + "am()"
    assert new.startswith("from team import Act, Conv, Trainer\nfrom team import Adam\n")
    # every workspace class at the start of a value; names already imported need no edit
    items = by_label(await complete_at(lsp, uri, HEADER + "x = ", "x = "))
    assert {"Conv", "Dense", "Layer", "Trainer"} <= set(items)
    assert items["Conv"].additional_text_edits is None


async def test_completion_of_keyword_arguments(lsp: Session) -> None:
    uri = lsp.open("experiments/c_keywords.py", "")
    text = HEADER + "x = Conv(\n    features=3,\n    padding='valid',\n    "
    items = await complete_at(lsp, uri, text, "'valid',\n    ")
    keywords = [i for i in items if i.label.endswith("=")]
    assert [i.label for i in keywords] == ["kernel_size=", "activation=", "use_bias="]
    assert [i.detail for i in keywords] == [
        "int (default 3)",
        "Act (default Act.RELU)",
        "bool (default True)",
    ]
    assert keywords[0].documentation is not None
    assert keywords[0].documentation.value == "square kernel size."
    assert keywords[0].kind == t.CompletionItemKind.Property


async def test_completion_of_values(lsp: Session) -> None:
    uri = lsp.open("experiments/c_values.py", "")
    for needle, expected in [
        ("activation=", ["Act.RELU", "Act.GELU", "Act.TANH"]),
        ("padding=", ['"same"', '"valid"']),
        ("use_bias=", ["True", "False"]),
    ]:
        items = await complete_at(lsp, uri, HEADER + f"x = Conv(1, {needle}", needle)
        assert [i.label for i in items] == expected, needle
    # inside quotes, and after a dotted prefix: the edit replaces what was typed
    text = HEADER + 'x = Conv(1, padding="va'
    items = await complete_at(lsp, uri, text, '"va')
    assert [i.label for i in items] == ["same", "valid"]
    edit = items[1].text_edit
    assert isinstance(edit, t.TextEdit)
    assert apply_edits(text, [edit]) == HEADER + 'x = Conv(1, padding="valid'
    text = HEADER + "x = Conv(1, activation=Act.GE"
    items = await complete_at(lsp, uri, text, "Act.GE")
    gelu = by_label(items)["Act.GELU"]
    assert isinstance(gelu.text_edit, t.TextEdit)
    assert apply_edits(text, [gelu.text_edit]) == HEADER + "x = Conv(1, activation=Act.GELU"


async def test_completion_of_nested_classes_by_argument_type(lsp: Session) -> None:
    uri = lsp.open("experiments/c_nested.py", "")
    items = await complete_at(lsp, uri, HEADER + "x = Trainer(layers=[Conv(features=1), ", "1), ")
    assert [i.label for i in items] == ["Conv", "Dense", "Layer"]


DERIVED = 'from graftlab import Derived\n\nexperiment = Derived(\n    base="baseline",\n    patches=[\n        "team/widen?factor=2",\n        "'


async def test_completion_inside_patch_uris(lsp: Session) -> None:
    uri = lsp.open("experiments/c_uris.py", "")
    text = DERIVED + "team/w"
    items = by_label(await complete_at(lsp, uri, text, "team/w"))
    assert {"team/widen", "team/lr", "team/act", "team/pad"} <= set(items)
    widen = items["team/widen"]
    assert widen.kind == t.CompletionItemKind.Event
    assert isinstance(widen.text_edit, t.TextEdit)
    assert apply_edits(text, [widen.text_edit]).endswith('"team/widen')
    text = DERIVED + "team/lr?"
    [value] = await complete_at(lsp, uri, text, "lr?")
    assert (value.label, value.detail) == ("value=", "float")
    text = DERIVED + "team/act?activation=G"
    items = await complete_at(lsp, uri, text, "=G")
    assert [i.label for i in items] == ["RELU", "GELU", "TANH"]
    assert isinstance(items[1].text_edit, t.TextEdit)
    assert apply_edits(text, [items[1].text_edit]).endswith('"team/act?activation=GELU')
    items = await complete_at(lsp, uri, DERIVED + "team/pad?mode=", "mode=")
    assert [i.label for i in items] == ["same", "valid"]


async def test_completion_of_base_experiments(lsp: Session) -> None:
    uri = lsp.open("experiments/c_base.py", "")
    text = 'from graftlab import Derived\n\nexperiment = Derived(base="'
    items = await complete_at(lsp, uri, text, 'base="')
    assert {"baseline", "broken", "wide", "cyc_a"} <= {i.label for i in items}
    assert all(i.kind == t.CompletionItemKind.File for i in items)


# --- hover ---------------------------------------------------------------------------------------


async def test_hover_on_classes_and_arguments(lsp: Session) -> None:
    text = HEADER + "x = Conv(features=1, padding='same')\n"
    uri = lsp.open("experiments/h_classes.py", text)
    hover = await lsp.hover(uri, *at(text, "Conv(features", 1))
    assert hover is not None and hover.startswith("**class** `team.Conv`")
    assert "- `features`: int, >= 1 and <= 4096 — output channels." in hover
    hover = await lsp.hover(uri, *at(text, "padding", 2))
    assert hover is not None
    assert hover.startswith("**Conv.padding**: `Literal['same', 'valid']` (default `\"same\"`)")
    assert "how borders are handled." in hover
    assert await lsp.hover(uri, 1, 0) is None


async def test_hover_on_a_derived_experiment(lsp: Session) -> None:
    text = (Path(lsp.root) / "experiments" / "wide.py").read_text()
    uri, diags = await lsp.open_checked("experiments/wide.py")
    assert diags == []
    hover = await lsp.hover(uri, *at(text, "experiment =", 2))
    assert hover is not None
    assert hover.startswith("**materialized experiment**")
    assert "layers=[Conv(features=48), Dense()]" in hover
    assert "- `layers[0].features` ← `team/widen?factor=3` (#0)" in hover
    assert "- `optimizer.learning_rate` ← `team/lr?0.5` (#1)" in hover
    hover = await lsp.hover(uri, *at(text, "team/widen", 3))
    assert hover is not None and hover.startswith("**patch rule** `team/widen`")
    assert "**sets:** `layers[0].features`" in hover
    text2 = await lsp.command("graftlab.materialized", uri)
    assert isinstance(text2, str) and "Conv(features=48)" in text2 and "Derived" not in text2
    assert await lsp.command("graftlab.materialized", {"uri": uri}) == text2


# --- diagnostics ---------------------------------------------------------------------------------


async def test_syntax_error_then_fixed_while_typing(lsp: Session) -> None:
    text = HEADER + "x = Conv(features=1\n"
    uri, diags = await lsp.open_checked("experiments/d_syntax.py", text)
    [d] = diags
    assert span(d)[:2] == at(text, "(features")
    assert "syntax error: '(' was never closed" in d.message
    assert d.source == "graftlab" and d.severity == t.DiagnosticSeverity.Error
    # type the closing parenthesis: one incremental insertion
    line, col = at(text, "=1", 2)
    diags = await lsp.edit_checked(
        uri, (t.Range(t.Position(line, col), t.Position(line, col)), ")")
    )
    assert diags == []
    assert lsp.texts[uri] == HEADER + "x = Conv(features=1)\n"


async def test_disallowed_constructs_and_imports(lsp: Session) -> None:
    text = "from team import Conv\nimport os\n\nx = [i for i in [1]]\ndef f():\n    pass\n"
    uri, diags = await lsp.open_checked("experiments/d_constructs.py", text)
    got = {span(d)[:2]: d.message for d in diags}
    assert got.keys() == {at(text, "os"), at(text, "[i for"), at(text, "def f")}
    assert got[at(text, "os")].startswith("import of 'os' is not allowed")
    assert "a list comprehension is not allowed" in got[at(text, "[i for")]
    assert "a function definition is not allowed here" in got[at(text, "def f")]
    # one publication for the version: the parser's errors are in the loader's list
    assert len(lsp.published[uri]) == 1
    fixed = "from team import Conv\n\nx = [Conv(features=1)]\n"
    assert await lsp.replace_checked(uri, fixed) == []


SEMANTIC = HEADER + (
    "a = Cnv(1)\n"
    "b = Conv(featurs=3)\n"
    'c = Conv(features="a")\n'
    "d = Conv(features=5000)\n"
    "e = Conv(1, activation=Act.RELUX)\n"
    'f = Conv(1, padding="full")\n'
    "g = Trainer(layers=[])\n"
)


async def test_every_kind_of_value_error_at_its_range(lsp: Session) -> None:
    text = SEMANTIC
    uri, diags = await lsp.open_checked("experiments/d_values.py", text)
    got = {span(d): d.message for d in diags}
    expected = {
        (*at(text, "Cnv"), *at(text, "Cnv", 3)): "unknown name 'Cnv'",
        (*at(text, "featurs"), *at(text, "featurs", 7)): "did you mean 'features'?",
        (*at(text, '"a"'), *at(text, '"a"', 3)): "expected int, got str 'a'",
        (*at(text, "5000"), *at(text, "5000", 4)): "5000 is out of range",
        (
            *at(text, "Act.RELUX"),
            *at(text, "Act.RELUX", 9),
        ): "no member 'RELUX'; did you mean 'RELU'?",
        (*at(text, '"full"'), *at(text, '"full"', 6)): "expected one of 'same', 'valid'",
        (
            *at(text, "Trainer(layers=[])"),
            *at(text, "Trainer(layers=[])", 18),
        ): "missing required argument 'optimizer'",
    }
    assert got.keys() == expected.keys(), got
    for key, needle in expected.items():
        assert needle in got[key]
    codes = {d.code for d in diags}
    assert {"did-you-mean", "missing-argument"} <= codes
    # a later edit that fixes every line clears them
    fixed = HEADER + "a = Conv(1)\ng = Trainer(layers=[a], optimizer=Conv(2))\n"
    diags = await lsp.replace_checked(uri, fixed)
    assert [d.message for d in diags] == [
        "expected Optimizer, got Conv(features=2, kernel_size=3, activation=Act.RELU, padding='same', use_bias=True)"
    ] or (len(diags) == 1 and "expected Optimizer" in diags[0].message)
    line, col = at(fixed, "Conv(2)")
    assert span(diags[0])[:2] == (line, col)
    fixed = fixed.replace("Conv(2)", "Adam()").replace("Act, ", "Act, Adam, ")
    assert await lsp.replace_checked(uri, fixed) == []


PATCH_DOC = DERIVED + '%s",\n    ],\n)\n'


@pytest.mark.parametrize(
    ("uri_text", "needle", "length", "message"),
    [
        (
            "team/wdien",
            "team/wdien",
            10,
            "no patch rule named 'team/wdien'; did you mean 'team/widen'",
        ),
        (
            "team/widen?factr=2",
            "factr",
            5,
            "rule 'team/widen' has no argument 'factr'; did you mean 'factor'?",
        ),
        (
            "team/widen?factor=x",
            "=x",
            1,
            "argument 'factor' of rule 'team/widen': expected an integer, got 'x'",
        ),
        ("team/pad?mode=full", "full", 4, "expected one of 'same', 'valid', got 'full'"),
        (
            "team/widen?factor=-1",
            '"team/widen?factor=-1"',
            22,
            "rule 'team/widen' made an invalid edit",
        ),
        (
            "team/act?activation=relu",
            '"team/act?activation=relu"',
            26,
            "rule 'team/act' changed nothing",
        ),
    ],
)
async def test_patch_chain_errors_at_the_uri(
    lsp: Session, uri_text: str, needle: str, length: int, message: str
) -> None:
    text = PATCH_DOC % uri_text
    name = "experiments/d_patch_" + uri_text.replace("/", "_").replace("?", "_").replace("=", "_")
    uri, diags = await lsp.open_checked(name, text)
    [d] = diags
    start = at(text, needle, 1 if needle == "=x" else 0)
    line = start[0]
    assert span(d) == (line, start[1], line, start[1] + length), d
    assert message in d.message
    good = await lsp.replace_checked(uri, PATCH_DOC % "team/lr?0.25")
    assert good == []
    lsp.close(uri)


async def test_a_cycle_of_bases(lsp: Session) -> None:
    text = CYCLE["experiments/cyc_a.py"]
    uri, diags = await lsp.open_checked("experiments/cyc_a.py")
    [d] = diags
    assert span(d) == (*at(text, '"cyc_b"'), *at(text, '"cyc_b"', 7))
    assert "derived experiments form a cycle: cyc_a -> cyc_b -> cyc_a" in d.message
    assert await lsp.replace_checked(uri, text.replace("cyc_b", "baseline")) == []


async def test_closing_a_document_clears_its_diagnostics(lsp: Session) -> None:
    uri, diags = await lsp.open_checked("experiments/d_close.py", HEADER + "x = Cnv(1)\n")
    assert diags
    lsp.close(uri)
    await lsp.wait_diagnostics(uri, lambda d: d == [])


# --- definition and symbols --------------------------------------------------------------------


async def test_go_to_definition(lsp: Session) -> None:
    root = Path(lsp.root)
    text = HEADER + "x = Conv(features=1)\n" + 'y = "unused"\n'
    uri = lsp.open("experiments/g_def.py", text)
    loc = await lsp.definition(uri, *at(text, "Conv(", 1))
    assert loc is not None and loc.uri == (root / "team.py").resolve().as_uri()
    assert loc.range.start.line == TEAM.split("\n").index("class Conv(Layer):")
    loc = await lsp.definition(uri, *at(text, "features", 1))
    assert loc is not None and loc.uri.endswith("/team.py")
    text = PATCH_DOC % "team/lr?0.2"
    uri2 = lsp.open("experiments/g_def2.py", text)
    loc = await lsp.definition(uri2, *at(text, "team/lr", 2))
    assert loc is not None and loc.uri.endswith("/patches.py")
    assert PATCHES.split("\n")[loc.range.start.line].startswith(
        ('@gl.patcher("team/lr")', "def lr")
    )
    loc = await lsp.definition(uri2, *at(text, "baseline", 2))
    assert loc is not None and loc.uri == (root / "experiments" / "baseline.py").resolve().as_uri()


async def test_document_symbols(lsp: Session) -> None:
    uri = lsp.open("experiments/baseline.py")
    syms = await lsp.symbols(uri)
    [exp] = syms
    assert exp.name == "experiment" and exp.detail == "Trainer(...)"
    assert [c.name for c in exp.children or []] == ["layers", "optimizer", "steps"]
    layers = (exp.children or [])[0]
    assert [c.name for c in layers.children or []] == ["[0]", "[1]"]
    assert layers.range.start == t.Position(*at(BASELINE, "[Conv"))


# --- quick fixes and formatting ------------------------------------------------------------------


async def test_quick_fixes_make_the_file_load(lsp: Session) -> None:
    text = "from team import Conv, Trainer\n\nexperiment = Trainer(layers=[Conv(featurs=4), Dense()])\n"
    uri, diags = await lsp.open_checked("experiments/q_fix.py", text)
    assert len(diags) == 2, diags  # the call with bad arguments is checked once they are fixed
    for _ in range(4):
        diags = lsp.published[uri][-1]
        if not diags:
            break
        actions = await lsp.code_actions(uri, diags[:1])
        assert actions, diags[0].message
        action = actions[0]
        assert action.kind == t.CodeActionKind.QuickFix and action.is_preferred
        assert action.diagnostics and action.diagnostics[0].message == diags[0].message
        assert action.edit is not None and action.edit.changes is not None
        new = apply_edits(lsp.texts[uri], action.edit.changes[uri])
        await lsp.replace_checked(uri, new)
    assert lsp.published[uri][-1] == []
    assert lsp.texts[uri] == (
        "from team import Conv, Trainer\nfrom team import Dense\nfrom team import Optimizer\n\n"
        "experiment = Trainer(layers=[Conv(features=4), Dense()], optimizer=Optimizer())\n"
    )


async def test_formatting_through_the_canonical_writer(lsp: Session) -> None:
    text = "from team import Trainer, Conv, Optimizer\nexperiment = Trainer(optimizer = Optimizer(), layers=[Conv(features=1)])\n"
    uri, _ = await lsp.open_checked("experiments/f_fmt.py", text)
    edits = await lsp.format(uri)
    new = apply_edits(text, edits)
    assert new == (
        "from team import Conv, Optimizer, Trainer\n\n"
        "experiment = Trainer(layers=[Conv(features=1)], optimizer=Optimizer())\n"
    )
    assert await lsp.replace_checked(uri, new) == []
    assert await lsp.format(uri) == []  # already canonical
    lsp.replace(uri, "x = (\n")
    assert await lsp.format(uri) == []  # nothing to do for a file that does not load


# --- issue 19: definitions of arguments, untyped arguments, internal modules ------------------


async def test_definition_of_an_argument_lands_on_its_parameter(lsp: Session) -> None:
    text = HEADER + "x = Conv(features=3)\ny = Trainer(layers=[], steps=2)\n"
    uri = lsp.open("experiments/def_args.py", text)
    team = (lsp.root / "team.py").read_text()
    lines = team.split("\n")
    loc = await lsp.definition(uri, *at(text, "features="))
    assert loc is not None and loc.uri.endswith("/team.py")
    line = lines[loc.range.start.line]
    assert line.strip().startswith("features: Annotated[int")
    assert line[loc.range.start.character :].startswith("features")
    # a parameter in a one-line signature
    loc = await lsp.definition(uri, *at(text, "steps="))
    assert loc is not None
    line = lines[loc.range.start.line]
    assert line.strip().startswith("def __init__(self, layers: list[Layer]")
    assert line[loc.range.start.character :].startswith("steps: int = 3")


async def test_an_untyped_argument_offers_classes_ranked_by_fit(lsp: Session) -> None:
    uri = lsp.open("experiments/c_untyped.py", "")
    text = "from graftlab.ml import Experiment\n\nexperiment = Experiment(model="
    items = await complete_at(lsp, uri, text, "model=")
    assert items, "an argument typed Any offers the symbolic classes"
    ranked = sorted(items, key=lambda i: i.sort_text or i.label)
    assert (ranked[0].detail or "").startswith("graftlab.ml.models.")
    # internal modules (the command line's demo components) are not in the index
    assert not [i for i in items if (i.detail or "").startswith("graftlab.cli.")]


async def test_workspace_symbols_and_document_links(lsp: Session) -> None:
    result = await lsp.client.workspace_symbol_async(t.WorkspaceSymbolParams(query="wid"))
    names = {(s.name, s.kind) for s in result or []}  # type: ignore[union-attr]
    assert ("wide", t.SymbolKind.File) in names
    assert ("team/widen", t.SymbolKind.Function) in names
    uri = lsp.open("experiments/links.py", WIDE)
    links = await lsp.client.text_document_document_link_async(
        t.DocumentLinkParams(t.TextDocumentIdentifier(uri))
    )
    got = {
        WIDE.split("\n")[lk.range.start.line][lk.range.start.character : lk.range.end.character]: lk
        for lk in links or []
    }
    assert set(got) == {"baseline", "team/widen?factor=3", "team/lr?0.5"}
    assert (got["baseline"].target or "").startswith(lsp.uri("experiments/baseline.py"))
    patches = lsp.uri("patches.py")
    assert (got["team/lr?0.5"].target or "").startswith(patches + "#L")
    line = int((got["team/lr?0.5"].target or "").rsplit("#L", 1)[1])
    assert PATCHES.split("\n")[line - 1].startswith("def lr(")
