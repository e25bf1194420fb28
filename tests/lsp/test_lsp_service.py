"""The pure language service over a real index of a small workspace: completion, hover,
definition, symbols, static diagnostics and quick fixes, without a client or a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftlab_lsp.features.code_actions import placeholder
from graftlab_lsp.service import Diag, Edit, Item, LanguageService
from lsp_workspace import TEAM

from graftlab.index import Index

HEADER = "from team import Act, Conv, Dense, Trainer\n\n"
CURSOR = "§"


@pytest.fixture(scope="module")
def service(team_index: Index) -> LanguageService:
    return LanguageService(team_index)


def split(text: str) -> tuple[str, int, int]:
    """Text with a cursor marker -> (text, line, column)."""
    i = text.index(CURSOR)
    line = text.count("\n", 0, i)
    return text.replace(CURSOR, ""), line, i - (text.rfind("\n", 0, i) + 1)


def complete(service: LanguageService, text: str) -> list[Item]:
    return service.complete(*split(text))


def labels(items: list[Item]) -> list[str]:
    return [i.label for i in items]


def apply(text: str, edits: list[Edit]) -> str:
    lines = text.split("\n")

    def offset(line: int, col: int) -> int:
        return sum(len(x) + 1 for x in lines[:line]) + col

    for e in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        text = text[: offset(e.line, e.column)] + e.text + text[offset(e.end_line, e.end_column) :]
    return text


# --- completion -----------------------------------------------------------------------------


def test_class_names_at_the_start_of_a_value(service: LanguageService) -> None:
    items = complete(service, HEADER + "x = §")
    by = {i.label: i for i in items}
    assert {"Conv", "Dense", "Layer", "Trainer", "Adam", "Optimizer"} <= set(by)
    assert by["Conv"].import_line is None  # already imported
    assert by["Layer"].import_line == "from team import Layer"
    assert by["Conv"].detail.startswith("team.Conv(features, kernel_size")
    assert "A convolution." in by["Conv"].documentation
    assert "Act" not in by  # enums are not called


def test_keyword_arguments_not_yet_given(service: LanguageService) -> None:
    items = complete(service, HEADER + "x = Conv(features=3, padding='same', §")
    assert labels(items)[:3] == ["kernel_size=", "activation=", "use_bias="]
    kernel = items[0]
    assert kernel.detail == "int (default 3)"
    assert kernel.documentation == "square kernel size."
    assert kernel.insert_text == "kernel_size="
    # keywords sort before the (low-priority) class names
    assert all(i.sort_text and i.sort_text.startswith("0") for i in items[:3])
    assert all(i.sort_text and i.sort_text.startswith("2") for i in items[3:])


def test_class_items_are_shared_but_never_changed_by_a_later_request(
    service: LanguageService,
) -> None:
    """Class items are made once per classes and imports: a request that ranks them for an
    argument (an untyped value) or replaces a dotted name makes new items instead."""
    plain = {i.label: i.sort_text for i in complete(service, HEADER + "x = §")}
    assert plain["Layer"] == "1Layer"
    ranked = {i.label: i.sort_text for i in complete(service, HEADER + "x = Conv(features=§")}
    assert ranked["Layer"] != "1Layer" and ranked["Layer"].endswith("1Layer")
    again = complete(service, HEADER + "x = §")
    assert {i.label: i.sort_text for i in again} == plain
    assert all(i.replace_from is None for i in again)
    complete(service, HEADER + "x = team.§")
    assert all(i.replace_from is None for i in complete(service, HEADER + "x = §"))


def test_positional_arguments_count_as_given(service: LanguageService) -> None:
    items = complete(service, HEADER + "x = Conv(16, 5, §")
    keywords = [x for x in labels(items) if x.endswith("=")]
    assert keywords == ["activation=", "padding=", "use_bias="]


def test_required_arguments_say_so(service: LanguageService) -> None:
    items = complete(service, HEADER + "x = Conv(§")
    assert items[0].label == "features="
    assert items[0].detail == "int, >= 1 and <= 4096 (required)"


def test_keywords_on_later_lines_of_a_call(service: LanguageService) -> None:
    text = HEADER + "x = Trainer(\n    layers=[Conv(features=1)],\n    §\n)\n"
    keywords = [x for x in labels(complete(service, text)) if x.endswith("=")]
    assert keywords == ["optimizer=", "steps="]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = Conv(1, activation=§", ["Act.RELU", "Act.GELU", "Act.TANH"]),
        ("x = Conv(1, padding=§", ['"same"', '"valid"']),
        ("x = Conv(1, use_bias=§", ["True", "False"]),
    ],
)
def test_values_of_enums_literals_and_bools(
    service: LanguageService, text: str, expected: list[str]
) -> None:
    assert labels(complete(service, HEADER + text)) == expected


def test_a_dotted_enum_member_replaces_what_was_typed(service: LanguageService) -> None:
    text, line, col = split(HEADER + "x = Conv(1, activation=Act.GE§")
    items = service.complete(text, line, col)
    assert "Act.GELU" in labels(items)
    assert all(i.replace_from == col - len("Act.GE") for i in items)


def test_literal_choices_inside_the_quotes(service: LanguageService) -> None:
    text, line, col = split(HEADER + 'x = Conv(1, padding="§')
    items = service.complete(text, line, col)
    assert labels(items) == ["same", "valid"]
    assert items[0].replace_from == col


def test_nested_classes_compatible_with_the_argument(service: LanguageService) -> None:
    assert labels(complete(service, HEADER + "x = Trainer(optimizer=§")) == ["Adam", "Optimizer"]
    layers = labels(complete(service, HEADER + "x = Trainer(layers=[Conv(features=1), §"))
    assert layers == ["Conv", "Dense", "Layer"]


DERIVED = 'from graftlab import Derived\n\nexperiment = Derived(\n    base="baseline",\n'


def test_patch_rule_names_in_a_chain(service: LanguageService) -> None:
    text, line, col = split(DERIVED + '    patches=["team/w§')
    items = service.complete(text, line, col)
    by = {i.label: i for i in items}
    assert {"team/widen", "team/lr", "team/act", "team/pad"} <= set(by)
    assert by["team/widen"].detail == "team/widen?factor="
    assert "Multiply every conv" in by["team/widen"].documentation
    assert by["team/widen"].replace_from == col - len("team/w")


def test_patch_argument_names_and_values(service: LanguageService) -> None:
    text, line, col = split(DERIVED + '    patches=["team/widen?§')
    items = service.complete(text, line, col)
    assert labels(items) == ["factor="]
    assert items[0].detail == "int (default 2)"
    assert items[0].documentation == "how much wider."
    assert items[0].replace_from == col
    text, line, col = split(DERIVED + '    patches=["team/act?activation=G§')
    items = service.complete(text, line, col)
    assert labels(items) == ["RELU", "GELU", "TANH"]
    assert items[0].replace_from == col - 1
    assert labels(complete(service, DERIVED + '    patches=["team/pad?mode=§')) == ["same", "valid"]
    # a second chain entry, and the arguments already given are left out
    text = DERIVED + '    patches=["team/lr?0.1", "team/widen?factor=2&§'
    assert labels(complete(service, text)) == []
    assert labels(complete(service, DERIVED + '    patches=["team/lr?§')) == ["value="]
    assert labels(complete(service, DERIVED + '    patches=["team/lr?0.5&§')) == []


def test_base_experiment_names(service: LanguageService) -> None:
    text, line, col = split('from graftlab import Derived\n\nexperiment = Derived(base="ba§')
    items = service.complete(text, line, col)
    assert labels(items) == ["baseline", "broken", "wide"]
    assert items[0].replace_from == col - 2
    assert items[0].detail.endswith("baseline.py")


def test_modules_and_their_exports_in_imports(service: LanguageService) -> None:
    assert "team" in labels(complete(service, "from te§"))
    exports = labels(complete(service, "from team import §"))
    assert {"Act", "Conv", "Dense", "Trainer"} <= set(exports)


def test_nothing_known_without_an_index() -> None:
    bare = LanguageService(None)
    assert bare.complete(HEADER + "x = Conv(", 2, 9) == []
    assert bare.hover(HEADER + "x = Conv(1)", 2, 5) is None
    assert bare.definition(HEADER + "x = Conv(1)", 2, 5) is None


# --- hover and definition ---------------------------------------------------------------------


def test_hover_on_a_class(service: LanguageService) -> None:
    text = service.hover(*split(HEADER + "x = Co§nv(features=1)"))
    assert text is not None
    assert text.startswith("**class** `team.Conv`")
    assert "A convolution." in text
    assert "- `kernel_size`: int = `3` — square kernel size." in text


def test_hover_on_an_argument(service: LanguageService) -> None:
    text = service.hover(*split(HEADER + "x = Conv(features=1, paddi§ng='same')"))
    assert text == (
        "**Conv.padding**: `Literal['same', 'valid']` (default `\"same\"`)\n\n"
        'how borders are handled.\n\none of: `"same"`, `"valid"`'
    )
    text = service.hover(*split(HEADER + "x = Conv(feat§ures=1)"))
    assert text is not None and "(required)" in text and "output channels." in text


def test_hover_on_an_enum_and_a_patch_uri(service: LanguageService) -> None:
    text = service.hover(*split(HEADER + "x = Conv(1, activation=A§ct.RELU)"))
    assert text is not None and "**enum** `team.Act`" in text and "`GELU`" in text
    text = service.hover(*split(DERIVED + '    patches=["team/wi§den?factor=3"],\n)\n'))
    assert text is not None
    assert text.startswith("**patch rule** `team/widen` — patches.widen")
    assert "- `factor`: int = 2 — how much wider." in text


def test_hover_on_a_derived_experiment_shows_what_the_chain_set(service: LanguageService) -> None:
    derived = {
        "materialized": "experiment = Trainer(steps=9)\n",
        "provenance": {"steps": {"uri": "team/widen?factor=3", "position": 0}},
    }
    text = DERIVED + '    patches=["team/widen?factor=3"],\n)\n'
    hover = service.hover(text, 2, 3, derived)
    assert hover is not None
    assert "experiment = Trainer(steps=9)" in hover
    assert "- `steps` ← `team/widen?factor=3` (#0)" in hover
    line = text.split("\n").index('    patches=["team/widen?factor=3"],')
    uri_hover = service.hover(text, line, 20, derived)
    assert uri_hover is not None and "**sets:** `steps`" in uri_hover


def test_definitions(service: LanguageService, team_root: Path) -> None:
    team = str(team_root / "team.py")
    loc = service.definition(*split(HEADER + "x = Co§nv(features=1)"))
    assert (loc.file, loc.line) == (team, TEAM.split("\n").index("class Conv(Layer):") + 1)
    loc = service.definition(*split(HEADER + "x = Conv(featu§res=1)"))
    assert loc.file == team  # the argument (or its class)
    text = DERIVED + '    patches=["team/wi§den?factor=3"],\n)\n'
    loc = service.definition(*split(text))
    assert loc.file == str(team_root / "patches.py") and loc.line > 1
    loc = service.definition(
        *split('from graftlab import Derived\n\nexperiment = Derived(base="basel§ine")')
    )
    assert Path(loc.file) == team_root / "experiments" / "baseline.py"
    assert service.definition(*split(HEADER + "x = 1§")) is None


# --- symbols ---------------------------------------------------------------------------------


def test_document_symbols_follow_the_tree(service: LanguageService) -> None:
    text = (
        HEADER
        + "stem = Conv(features=1)\nexperiment = Trainer(\n    layers=[stem, Dense()],\n    steps=2,\n)\n"
    )
    syms = service.symbols(text)
    assert [s.name for s in syms] == ["stem", "experiment"]
    exp = syms[1]
    assert (exp.line, exp.end_line) == (3, 6)
    assert exp.detail == "Trainer(...)"
    assert [c.name for c in exp.children] == ["layers", "steps"]
    assert [c.name for c in exp.children[0].children] == ["[0]", "[1]"]
    assert exp.children[1].detail == "2"


def test_symbols_of_text_that_does_not_parse_are_empty(service: LanguageService) -> None:
    assert service.symbols("x = Conv(\n") == []


# --- static diagnostics --------------------------------------------------------------------------


def test_static_diagnostics_are_the_parsers(service: LanguageService) -> None:
    diags = service.static_diagnostics(HEADER + "x = [i for i in [1]]\ndef f(): pass\n", "f.py")
    assert [(d.line, d.column) for d in diags] == [(2, 4), (3, 0)]
    assert "a list comprehension is not allowed" in diags[0].message
    assert "a function definition is not allowed" in diags[1].message
    assert service.static_diagnostics(HEADER + "x = Conv(features=1)\n") == []
    [syntax] = service.static_diagnostics("x = Conv(features=1\n")
    assert (syntax.line, syntax.column) == (0, 8) and "syntax error" in syntax.message


def test_worker_results_become_diagnostics(service: LanguageService) -> None:
    result = {
        "errors": [
            {
                "message": "Conv has no argument 'featurs'; did you mean 'features'?",
                "line": 3,
                "column": 9,
                "end_line": 3,
                "end_column": 16,
                "path": "x",
            }
        ]
    }
    [d] = service.worker_diagnostics(result)
    assert (d.line, d.column, d.end_line, d.end_column) == (2, 9, 2, 16)
    assert d.code == "did-you-mean" and d.data == {"path": "x"}


# --- quick fixes ---------------------------------------------------------------------------------


def fixes(service: LanguageService, text: str, diag: Diag) -> list[tuple[str, str]]:
    return [(a.title, apply(text, a.edits)) for a in service.code_actions(text, [diag])]


def test_did_you_mean_replaces_only_the_misspelled_part(service: LanguageService) -> None:
    text = HEADER + "x = Conv(1, activation=Act.RELUX)\n"
    d = Diag(2, 23, 2, 32, "Act has no member 'RELUX'; did you mean 'RELU'?")
    assert fixes(service, text, d) == [
        ("Change to 'RELU'", HEADER + "x = Conv(1, activation=Act.RELU)\n")
    ]
    text = HEADER + "x = Conv(featurs=1)\n"
    d = Diag(
        2,
        9,
        2,
        16,
        "Conv has no argument 'featurs'; did you mean 'features'? (arguments: features)",
    )
    assert fixes(service, text, d)[0][1] == HEADER + "x = Conv(features=1)\n"


def test_did_you_mean_with_several_suggestions(service: LanguageService) -> None:
    text = 'experiment = Derived(base="b", patches=["team/wdien?factor=2"])\n'
    d = Diag(
        0, 41, 0, 51, "no patch rule named 'team/wdien'; did you mean 'team/widen' or 'team/pad'?"
    )
    got = fixes(service, text, d)
    assert [title for title, _ in got] == ["Change to 'team/widen'", "Change to 'team/pad'"]
    assert got[0][1] == text.replace("wdien", "widen")


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("Trainer(layers=[])", "Trainer(layers=[], optimizer=Optimizer())"),
        ("Conv()", "Conv(features=1)"),
        ("Conv(kernel_size=3,)", "Conv(kernel_size=3, features=1)"),
    ],
)
def test_add_a_missing_required_argument(service: LanguageService, call: str, fixed: str) -> None:
    text = HEADER + f"x = {call}\n"
    name = "optimizer" if "Trainer" in call else "features"
    d = Diag(2, 4, 2, 4 + len(call), f"{call.split('(')[0]} is missing required argument '{name}'")
    [(title, new)] = fixes(service, text, d)
    assert title == f"Add argument '{name}'"
    if "Optimizer()" in fixed:  # the class it needs is imported too
        assert (
            new == HEADER.replace("\n\n", "\nfrom team import Optimizer\n\n", 1) + f"x = {fixed}\n"
        )
    else:
        assert new == HEADER + f"x = {fixed}\n"


def test_add_a_missing_argument_to_a_call_over_several_lines(service: LanguageService) -> None:
    text = HEADER + "x = Trainer(\n    layers=[],\n    steps=2\n)\n"
    d = Diag(2, 4, 5, 1, "Trainer is missing required argument 'optimizer'")
    [(_, new)] = fixes(service, text, d)
    assert "    steps=2,\n    optimizer=Optimizer(),\n)\n" in new
    text = HEADER + "x = Trainer(\n    layers=[],\n)\n"
    d = Diag(2, 4, 4, 1, "Trainer is missing required argument 'optimizer'")
    [(_, new)] = fixes(service, text, d)
    assert new.endswith("    layers=[],\n    optimizer=Optimizer(),\n)\n")


def test_placeholders_for_enum_and_literal_arguments(service: LanguageService) -> None:
    class Arg:
        type = "Act"
        choices = ["Act.RELU", "Act.GELU"]
        classes: list[str] = []

    value, imports = placeholder(service.index, "x = 1\n", Arg())
    assert (value, imports) == ("Act.RELU", ["from team import Act"])
    assert placeholder(service.index, HEADER, Arg()) == ("Act.RELU", [])


def test_import_a_class_from_the_modules_that_define_it(service: LanguageService) -> None:
    text = "from team import Conv\n\nx = Layer()\n"
    d = Diag(2, 4, 2, 9, "unknown name 'Layer': it is neither imported nor assigned earlier")
    [(title, new)] = fixes(service, text, d)
    assert title == "Import Layer from team"
    assert new == "from team import Conv\nfrom team import Layer\n\nx = Layer()\n"
    # a name that several modules define: the file's own modules first, graftlab's last
    d = Diag(2, 4, 2, 9, "unknown name 'Dense': it is neither imported nor assigned earlier")
    titles = [t for t, _ in fixes(service, text.replace("Layer", "Dense"), d)]
    assert titles[0] == "Import Dense from team"
    assert titles[1:] == ["Import Dense from graftlab.ml.layers"]


def test_no_fix_for_other_errors(service: LanguageService) -> None:
    assert service.code_actions(HEADER, [Diag(2, 4, 2, 5, "expected int, got str 'a'")]) == []
