"""``format_text`` (``graft fmt``): canonical layout that keeps what was written."""

from __future__ import annotations

import textwrap

import format_classes as fc
import pytest
from format_classes import ALLOWED, errors_of

import graftlab as gl


def fmt(text: str) -> str:
    out = gl.format_text(textwrap.dedent(text).lstrip("\n"), allowed_modules=ALLOWED)
    assert gl.format_text(out, allowed_modules=ALLOWED) == out  # idempotent
    return out


def canon(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MESSY = '''
"""My experiment.

Second line of the docstring."""
# about the imports
from format_classes import Model, Conv, Act, Wide, Pair  # unused Wide and Pair go
import format_classes as fc

# the stem
stem = Conv(32, kernel_size=3)  # kernel_size=3 is the default: it stays
experiment = Model(
    # before layers
    layers=[stem, Conv(64, activation=Act.GELU),  # a GELU conv
        fc.Conv(features=5)],
    num_classes=10,  # eol on num_classes
    # a closing comment
)
# trailing comment
'''

MESSY_FORMATTED = '''
"""My experiment.

Second line of the docstring."""

# about the imports
# unused Wide and Pair go

import format_classes as fc
from format_classes import Act, Conv, Model

# the stem
stem = Conv(features=32, kernel_size=3)  # kernel_size=3 is the default: it stays

experiment = Model(
    # before layers
    layers=[
        stem,
        Conv(features=64, activation=Act.GELU),  # a GELU conv
        fc.Conv(features=5),
    ],
    num_classes=10,  # eol on num_classes
    # a closing comment
)

# trailing comment
'''


def test_messy_file() -> None:
    assert fmt(MESSY) == canon(MESSY_FORMATTED)


def test_formatting_keeps_the_meaning() -> None:
    before = gl.loads_file(canon(MESSY), allowed_modules=ALLOWED)
    after = gl.loads_file(fmt(MESSY), allowed_modules=ALLOWED)
    assert list(before.values) == list(after.values)
    for name in before.values:
        assert gl.eq(before[name], after[name])
    assert before.docstring == after.docstring


def test_docstring_is_kept() -> None:
    out = fmt('"""Doc."""\nx = 1\n')
    assert out == '"""Doc."""\n\nx = 1\n'
    out = fmt("'single quoted doc'\nx = 1\n")
    assert out == '"""single quoted doc"""\n\nx = 1\n'


def test_written_defaults_and_name_references_stay() -> None:
    out = fmt(
        """
        from format_classes import Conv, Model
        stem = Conv(features=1, kernel_size=3, padding="same")
        experiment = Model(layers=[stem, stem], num_classes=10, dropout=0.0)
        """
    )
    assert out == canon(
        """
        from format_classes import Conv, Model

        stem = Conv(features=1, kernel_size=3, padding="same")

        experiment = Model(layers=[stem, stem], num_classes=10, dropout=0.0)
        """
    )


def test_arguments_in_signature_order_and_positional_to_keyword() -> None:
    out = fmt(
        """
        from format_classes import Conv, KwOnly, PosOnly, Stack, make_opt
        a = Conv(padding='valid', features=3)
        b = Conv(3, 5)
        c = PosOnly(1, 2)
        d = Stack(1, 2, scale=2.0)
        e = KwOnly(y=1, x=2)
        f = make_opt(0.5)
        """
    )
    assert out == canon(
        """
        from format_classes import Conv, KwOnly, PosOnly, Stack, make_opt

        a = Conv(features=3, padding="valid")

        b = Conv(features=3, kernel_size=5)

        c = PosOnly(1, b=2)

        d = Stack(1, 2, scale=2.0)

        e = KwOnly(x=2, y=1)

        f = make_opt(lr=0.5)
        """
    )


def test_imports_of_several_modules() -> None:
    text = canon(
        """
        from format_clash_b import Conv as BConv
        import format_clash_a
        from format_classes import Node, Act, Conv
        import format_clash_b as unused
        experiment = Node(value=[Conv(1), format_clash_a.Conv(), BConv(features=2)])
        """
    )
    allowed = [*ALLOWED, "format_clash_a", "format_clash_b"]
    out = gl.format_text(text, allowed_modules=allowed)
    assert out == canon(
        """
        import format_clash_a
        from format_clash_b import Conv as BConv
        from format_classes import Conv, Node

        experiment = Node(value=[Conv(features=1), format_clash_a.Conv(), BConv(features=2)])
        """
    )
    assert gl.format_text(out, allowed_modules=allowed) == out


def test_long_calls_are_split_and_short_ones_joined() -> None:
    out = fmt(
        """
        from format_classes import Wide, Conv
        w = Wide(1.0, 2.0, 3.0, 4.0, "a name")
        c = Conv(
            features=1,
        )
        """
    )
    assert out == canon(
        """
        from format_classes import Conv, Wide

        w = Wide(
            alpha_parameter=1.0,
            beta_parameter=2.0,
            gamma_parameter=3.0,
            delta_parameter=4.0,
            name="a name",
        )

        c = Conv(features=1)
        """
    )


def test_literals_are_canonical() -> None:
    out = fmt(
        """
        x = {'a': 'it', "b": [1., 1e3, -0.0, float('inf'), 0x10, (1,), ()], 'c': None}
        """
    )
    assert out == (
        'x = {"a": "it", "b": [1.0, 1000.0, -0.0, float("inf"), 16, (1,), ()], "c": None}\n'
    )


def test_comments_between_arguments_keep_their_place() -> None:
    out = fmt(
        """
        from format_classes import Conv

        x = Conv(
            # why 3
            kernel_size=3,
            # the width
            features=1,
        )
        """
    )
    # arguments move into signature order; each comment moves with its argument
    assert out == canon(
        """
        from format_classes import Conv

        x = Conv(
            # the width
            features=1,
            # why 3
            kernel_size=3,
        )
        """
    )


def test_comment_only_and_empty_files() -> None:
    assert fmt("# just a note\n") == "# just a note\n"
    assert gl.format_text("") == ""
    assert gl.format_text("\n\n") == ""


def test_files_with_errors_are_not_formatted() -> None:
    text = "from format_classes import Conv\nx = Conv(featurs=1)\n"
    with pytest.raises(gl.FormatError) as info:
        gl.format_text(text, file="bad.py", allowed_modules=ALLOWED)
    assert (info.value.file, info.value.line, info.value.column) == ("bad.py", 2, 9)
    assert errors_of(text)[0].message == info.value.message


def test_format_text_is_a_fixed_point_of_dumps() -> None:
    exp = fc.Model(layers=[fc.Conv(1), fc.Conv(2, activation=fc.Act.TANH)], num_classes=3)
    text = gl.dumps_module({"stem": fc.Conv(5), "experiment": exp}, docstring="Doc.")
    assert gl.format_text(text, allowed_modules=ALLOWED) == text


TRICKY = [
    """from format_classes import Node
x = Node(table={
    # about a
    "a": 1,  # eol a
    "b": [  # after bracket
        1,
        # before 2
        2,
    ],
    # end of dict
})  # after all
""",
    "# only imports\nfrom format_classes import Node  # eol\n",
    """from format_classes import Wide
w = Wide(1.0, 2.0, 3.0, 4.0, "a very long name that does not fit on the line at all")  # eol
""",
    """from format_classes import Conv
x = Conv(
    features=1)  # end
y = Conv(features=2)
# between
z = [
    # first
]
""",
    """from format_classes import Conv, Model
x = Model(layers=[
    Conv(1),  # one
    Conv(2),  # two
])
""",
    """from format_classes import Conv
x = Conv(features=1,  # feat
         kernel_size=2)  # ks
""",
    "x = [1,\n  2]  # c1\n# c2\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_comment_is_kept_and_formatting_is_idempotent(text: str) -> None:
    from graftlab.io.syntax import comments

    out = gl.format_text(text, allowed_modules=ALLOWED)
    assert sorted(c[2] for c in comments(out)) == sorted(c[2] for c in comments(text))
    assert gl.format_text(out, allowed_modules=ALLOWED) == out
    a = gl.loads_file(text, allowed_modules=ALLOWED)
    b = gl.loads_file(out, allowed_modules=ALLOWED)
    assert list(a.values) == list(b.values)
    assert all(gl.eq(a[k], b[k]) for k in a.values)


def test_end_of_line_comments_follow_the_last_item_on_their_line() -> None:
    out = gl.format_text(TRICKY[4], allowed_modules=ALLOWED)
    assert "        Conv(features=1),  # one\n        Conv(features=2),  # two\n" in out
    out = gl.format_text(TRICKY[5], allowed_modules=ALLOWED)
    assert "    features=1,  # feat\n    kernel_size=2,\n)  # ks\n" in out


def test_an_empty_container_past_the_width_is_not_split() -> None:
    """Found by the round-trip property test: a long key before an empty list made ``graft
    fmt`` split ``[]`` over two lines, unlike the writer."""
    values = {"_": [{"k" * 90: []}]}
    text = gl.dumps_module(values)
    assert '": [],' in text
    assert gl.format_text(text) == text


def test_a_long_from_import_is_wrapped_alike_by_the_writer_and_fmt() -> None:
    exp = fc.Node(
        value=[fc.Pair(fc.Conv(1), fc.Wide()), fc.KwOnly(x=1), fc.PosOnly(1), fc.Picky()],
        children=[fc.Model(layers=[]), fc.Stack(scale=2.0)],
        level=fc.Level.HIGH,
    )
    text = gl.dumps_module({"experiment": exp})
    wrapped = [
        "from format_classes import (",
        "    Conv,",
        "    KwOnly,",
        "    Level,",
        "    Model,",
        "    Node,",
        "    Pair,",
        "    Picky,",
        "    PosOnly,",
        "    Stack,",
        "    Wide,",
        ")",
    ]
    assert text.splitlines()[: len(wrapped)] == wrapped  # one name a line: 95 > 88 columns
    assert gl.format_text(text, allowed_modules=ALLOWED) == text
    # fmt wraps a one-line import that grew too long the same way, and joins a short one
    names = ", ".join(n.strip(" ,") for n in wrapped[1:-1])
    one_line = text.replace("\n".join(wrapped), f"from format_classes import {names}")
    assert len(one_line.splitlines()[0]) > 88
    assert gl.format_text(one_line, allowed_modules=ALLOWED) == text
    short = "from format_classes import (\n    Conv,\n)\n\nexperiment = Conv(features=1)\n"
    assert gl.format_text(short, allowed_modules=ALLOWED) == (
        "from format_classes import Conv\n\nexperiment = Conv(features=1)\n"
    )
