"""The canonical writer: imports, argument order, layout, floats, defaults, name clashes."""

from __future__ import annotations

import math
import struct
import textwrap

import format_clash_a
import format_clash_b
import format_classes as fc
import pytest
from format_classes import ALLOWED

import graftlab as gl

CLASH = ["format_classes", "format_clash_a", "format_clash_b"]


def canon(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_small_experiment() -> None:
    exp = fc.Model(
        layers=[fc.Conv(32, kernel_size=5), fc.Conv(64, activation=fc.Act.GELU)], num_classes=3
    )
    assert gl.dumps(exp) == canon(
        """
        from format_classes import Act, Conv, Model

        experiment = Model(
            layers=[Conv(features=32, kernel_size=5), Conv(features=64, activation=Act.GELU)],
            num_classes=3,
        )
        """
    )


def test_arguments_in_signature_order_whatever_the_call_order() -> None:
    a = fc.Conv(padding="valid", activation=fc.Act.TANH, kernel_size=1, features=2)
    assert gl.dumps(a) == canon(
        """
        from format_classes import Act, Conv

        experiment = Conv(features=2, kernel_size=1, activation=Act.TANH, padding="valid")
        """
    )
    assert gl.dumps(fc.KwOnly(y=5, x=1)).endswith("experiment = KwOnly(x=1, y=5)\n")


def test_positional_only_and_var_positional_values_are_positional() -> None:
    assert gl.dumps(fc.PosOnly(3, b=2)).endswith("experiment = PosOnly(3, b=2)\n")
    assert gl.dumps(fc.PosOnly(3)).endswith("experiment = PosOnly(3)\n")
    assert gl.dumps(fc.Stack(1, "a", scale=2.0)).endswith('experiment = Stack(1, "a", scale=2.0)\n')
    assert gl.dumps(fc.Stack()).endswith("experiment = Stack()\n")


def test_one_argument_per_line_past_88_columns_with_trailing_commas() -> None:
    text = gl.dumps(fc.Wide(1.0, 2.0, 3.0, 4.0, "x"))
    assert text == canon(
        """
        from format_classes import Wide

        experiment = Wide(
            alpha_parameter=1.0,
            beta_parameter=2.0,
            gamma_parameter=3.0,
            delta_parameter=4.0,
            name="x",
        )
        """
    )
    assert all(len(line) <= 88 for line in text.splitlines())


def test_width_boundary_is_88_columns() -> None:
    # "experiment = Node(value=" is 24 columns, the quotes and ")" three more
    fits = gl.dumps(fc.Node(value="x" * 61))
    assert fits.splitlines()[-1] == 'experiment = Node(value="' + "x" * 61 + '")'
    assert len(fits.splitlines()[-1]) == 88
    too_long = gl.dumps(fc.Node(value="x" * 62))
    assert too_long.splitlines()[-3:] == [
        "experiment = Node(",
        '    value="' + "x" * 62 + '",',
        ")",
    ]
    narrow = gl.dumps(fc.Node(value=[100000, 200000]), width=20)
    assert narrow.splitlines()[-6:] == [
        "experiment = Node(",
        "    value=[",
        "        100000,",
        "        200000,",
        "    ],",
        ")",
    ]


def test_nested_containers_break_innermost_last() -> None:
    value = {"first": ["a" * 20, "b" * 20, "c" * 20], "second": (1,), "third": {}}
    assert gl.dumps(value) == canon(
        f"""
        experiment = {{
            "first": ["{"a" * 20}", "{"b" * 20}", "{"c" * 20}"],
            "second": (1,),
            "third": {{}},
        }}
        """
    )


def test_import_header_is_sorted_and_minimal() -> None:
    exp = fc.Node(value=[fc.Stack(), fc.Conv(1)], children=[fc.Pair(fc.Act.GELU, fc.Level.HIGH)])
    text = gl.dumps(exp)
    assert text.splitlines()[0] == "from format_classes import Act, Conv, Level, Node, Pair, Stack"
    # a default that is not written imports nothing (Conv's activation, Node's level)
    text = gl.dumps(fc.Node(value=fc.Conv(1)))
    assert text.splitlines()[0] == "from format_classes import Conv, Node"
    text = gl.dumps(fc.Node(value=fc.Conv(1)), include_defaults=True)
    assert text.splitlines()[0] == "from format_classes import Act, Conv, Level, Node"
    assert gl.dumps([1, "a"]) == 'experiment = [1, "a"]\n'


def test_long_import_lines_are_wrapped() -> None:
    exp = [
        fc.Act.RELU,
        fc.Conv(1),
        fc.KwOnly(x=1),
        fc.Model([]),
        fc.Node(),
        fc.Pair(),
        fc.PosOnly(1),
    ]
    exp += [fc.Stack(), fc.Wide(), fc.make_opt(), fc.Level.LOW]
    text = gl.dumps(exp)
    head = text.split("\n\n")[0]
    assert head == canon(
        """
        from format_classes import (
            Act,
            Conv,
            KwOnly,
            Level,
            Model,
            Node,
            Pair,
            PosOnly,
            Stack,
            Wide,
            make_opt,
        )
        """
    ).rstrip("\n")
    assert gl.eq(gl.loads(text, allowed_modules=ALLOWED), exp)


def test_name_clashes_use_plain_imports_and_dotted_names() -> None:
    exp = format_clash_a.Conv(
        features=2,
        inner=[
            format_clash_b.Conv(features=3, mode=format_clash_b.Mode.SLOW),
            fc.Conv(4),
            format_clash_a.Mode.SLOW,
        ],
    )
    text = gl.dumps(exp)
    assert text == canon(
        """
        import format_clash_a
        import format_clash_b
        import format_classes

        experiment = format_clash_a.Conv(
            features=2,
            inner=[
                format_clash_b.Conv(features=3, mode=format_clash_b.Mode.SLOW),
                format_classes.Conv(features=4),
                format_clash_a.Mode.SLOW,
            ],
        )
        """
    )
    back = gl.loads(text, allowed_modules=CLASH)
    assert gl.eq(back, exp)
    assert type(back) is format_clash_a.Conv
    assert type(back.sym_init_args.inner[0]) is format_clash_b.Conv
    assert gl.dumps(back) == text


def test_only_the_clashing_names_are_dotted() -> None:
    exp = [format_clash_a.Conv(), format_clash_b.Conv(mode=format_clash_b.Mode.SLOW), fc.Act.GELU]
    text = gl.dumps(exp)
    assert text.split("\n\n")[0] == canon(
        """
        import format_clash_a
        import format_clash_b
        from format_clash_b import Mode
        from format_classes import Act
        """
    ).rstrip("\n")
    assert gl.eq(gl.loads(text, allowed_modules=CLASH), exp)


def test_a_class_named_like_an_assigned_name_is_dotted() -> None:
    text = gl.dumps_module({"Conv": fc.Conv(1), "experiment": fc.Model([fc.Conv(2)])})
    assert text == canon(
        """
        import format_classes
        from format_classes import Model

        Conv = format_classes.Conv(features=1)

        experiment = Model(layers=[format_classes.Conv(features=2)])
        """
    )
    loaded = gl.loads_file(text, allowed_modules=ALLOWED)
    assert loaded["Conv"] == fc.Conv(1)


@pytest.mark.parametrize(
    "x",
    [
        0.0,
        -0.0,
        1e-300,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        0.1,
        1 / 3,
        1e16,
        123456789.123456789,
        math.pi,
        math.inf,
        -math.inf,
        math.nan,
    ],
)
def test_floats_read_back_bit_identical(x: float) -> None:
    text = gl.dumps(fc.Node(value=[x]))
    back = gl.loads(text, allowed_modules=ALLOWED).sym_init_args.value[0]
    assert type(back) is float
    assert struct.pack("<d", back) == struct.pack("<d", x)


def test_special_floats_are_spelled_with_float() -> None:
    text = gl.dumps([math.inf, -math.inf, math.nan, -0.0, 1e-300, 5e-324])
    assert (
        text == 'experiment = [float("inf"), float("-inf"), float("nan"), -0.0, 1e-300, 5e-324]\n'
    )


def test_strings_prefer_double_quotes() -> None:
    assert gl.dumps("plain") == 'experiment = "plain"\n'
    assert gl.dumps("it's") == 'experiment = "it\'s"\n'
    assert gl.dumps('say "hi"') == "experiment = 'say \"hi\"'\n"
    assert gl.dumps("both ' and \"") == "experiment = 'both \\' and \"'\n"
    assert gl.dumps("back\\slash\nnewline\ttab é 🙂") == (
        'experiment = "back\\\\slash\\nnewline\\ttab é 🙂"\n'
    )
    assert gl.dumps({"key's": 1, 'say "k"': 2}) == ('experiment = {"key\'s": 1, \'say "k"\': 2}\n')
    for s in ["it's", 'say "hi"', "both ' and \"", "\\", "\x00\r\u2028", ""]:
        assert gl.loads(gl.dumps(s)) == s


def test_dict_keys_are_written_like_strings() -> None:
    text = gl.dumps(fc.Node(table={"a": 1, "b": [2]}))
    assert text.endswith('experiment = Node(table={"a": 1, "b": [2]})\n')


def test_defaults_are_omitted_unless_asked() -> None:
    c = fc.Conv(features=8, kernel_size=3, activation=fc.Act.RELU)
    assert gl.dumps(c).endswith("experiment = Conv(features=8)\n")
    assert gl.dumps(c, include_defaults=True).endswith(
        'experiment = Conv(features=8, kernel_size=3, activation=Act.RELU, padding="same")\n'
    )
    assert gl.dumps(fc.Conv(8, kernel_size=4)).endswith("Conv(features=8, kernel_size=4)\n")
    assert gl.dumps(fc.Node()).endswith("experiment = Node()\n")
    full = gl.dumps(fc.Node(), include_defaults=True)
    assert full.endswith(
        "experiment = Node(value=None, children=[], table=None, level=Level.LOW)\n"
    )
    assert gl.eq(gl.loads(full, allowed_modules=ALLOWED), fc.Node())
    # a partially bound symbolic function writes only what is bound
    assert gl.dumps(fc.make_opt()).endswith("experiment = make_opt()\n")
    assert gl.dumps(fc.make_opt(lr=0.5, momentum=0.9)).endswith("experiment = make_opt(lr=0.5)\n")


def test_classes_and_enums_as_values() -> None:
    text = gl.dumps(fc.Node(value=[fc.Conv, fc.Act, fc.Act.TANH]))
    assert text.endswith("experiment = Node(value=[Conv, Act, Act.TANH])\n")
    assert gl.loads(text, allowed_modules=ALLOWED).sym_init_args.value == [
        fc.Conv,
        fc.Act,
        fc.Act.TANH,
    ]


def test_docstring_and_module() -> None:
    text = gl.dumps_module(
        {"stem": fc.Conv(3), "experiment": fc.Model([fc.Conv(4)])}, docstring="The baseline."
    )
    assert text == canon(
        '''
        """The baseline."""

        from format_classes import Conv, Model

        stem = Conv(features=3)

        experiment = Model(layers=[Conv(features=4)])
        '''
    )
    loaded = gl.loads_file(text, allowed_modules=ALLOWED)
    assert loaded.docstring == "The baseline."
    assert list(loaded.values) == ["stem", "experiment"]
    assert gl.dumps(1, name="other").startswith("other = 1")


@pytest.mark.parametrize(
    "doc",
    ['ends with a quote"', 'has """ inside', "back\\slash", "nul\x00", "cr\rlf", "multi\nline"],
)
def test_awkward_docstrings_round_trip(doc: str) -> None:
    text = gl.dumps(1, docstring=doc)
    loaded = gl.loads_file(text)
    assert loaded.docstring == doc
    assert loaded["experiment"] == 1


def test_deterministic_output() -> None:
    def build() -> object:
        return fc.Node(
            value={"z": fc.Pair(fc.Act.RELU, fc.Level.HIGH), "a": [fc.Stack(1), fc.Conv(2)]},
            children=[format_clash_a.Conv(), format_clash_b.Conv()],
        )

    texts = {gl.dumps(build()) for _ in range(5)}
    assert len(texts) == 1
    # dict order is the dict's own: it is data, not sorted
    assert '"z": ' in next(iter(texts)).split('"a": ')[0]


@pytest.mark.parametrize(
    ("value", "path", "what"),
    [
        (fc.Node(value=object()), "experiment.value", "a object cannot be written"),
        (fc.Node(value=[1, {2, 3}]), "experiment.value[1]", "a set cannot be written"),
        ({"a": [1, b"x"]}, "experiment.a[1]", "bytes values cannot be written"),
        ([1j], "experiment[0]", "complex values cannot be written"),
        ({1: "x"}, "experiment['1']", "dict keys must be strings"),
        (fc.Node(value=fc.Plain()), "experiment.value", "a Plain cannot be written"),
        (fc.Node(value=fc.helper), "experiment.value", "a function cannot be written"),
        ([10**5000], "experiment[0]", "integers over 4300 digits cannot be written"),
    ],
)
def test_unwritable_values_name_the_key_path(value: object, path: str, what: str) -> None:
    with pytest.raises(gl.WriteError) as info:
        gl.dumps(value)
    message = str(info.value)
    assert message.startswith(path + ": "), message
    assert what in message


def test_locally_defined_classes_cannot_be_written() -> None:
    @gl.symbolize
    class Local:
        def __init__(self, x: int = 0) -> None:
            pass

    with pytest.raises(gl.WriteError, match="defined inside a function"):
        gl.dumps(Local(1))


def test_write_error_is_a_graft_error_not_a_format_error() -> None:
    assert issubclass(gl.WriteError, gl.GraftError)
    assert not issubclass(gl.WriteError, gl.FormatError)


def test_dumps_of_loaded_text_is_a_fixed_point() -> None:
    text = canon(
        """
        from format_classes import Model, Conv, Act
        stem = Conv(32, 3)
        experiment = Model(layers=[stem, Conv(kernel_size=1, features=64, activation=Act.RELU)], num_classes=10)
        """
    )
    loaded = gl.loads_file(text, allowed_modules=ALLOWED)
    once = gl.dumps_module(loaded.values)
    assert once == canon(
        """
        from format_classes import Conv, Model

        stem = Conv(features=32)

        experiment = Model(layers=[Conv(features=32), Conv(features=64, kernel_size=1)])
        """
    )
    again = gl.dumps_module(gl.loads_file(once, allowed_modules=ALLOWED).values)
    assert again == once
