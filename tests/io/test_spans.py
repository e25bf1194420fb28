"""Source spans: key paths to positions (value and keyword) and back; copies; code points."""

from __future__ import annotations

import textwrap

import format_classes as fc
import pytest
from format_classes import ALLOWED, errors_of, load_all

import graftlab as gl
from graftlab.io.spans import Span

TEXT = textwrap.dedent(
    """\
    from format_classes import Act, Conv, Model

    stem = Conv(features=32, kernel_size=5)
    experiment = Model(
        layers=[
            stem,
            Conv(64, activation=Act.GELU),
        ],
        num_classes=10,
    )
    """
)
LINES = TEXT.splitlines()


def text_at(span: Span | None, lines: list[str] = LINES) -> str:
    """The source text a span covers."""
    assert span is not None
    if span.line == span.end_line:
        return lines[span.line - 1][span.column : span.end_column]
    parts = [lines[span.line - 1][span.column :]]
    parts += lines[span.line : span.end_line - 1]
    parts.append(lines[span.end_line - 1][: span.end_column])
    return "\n".join(parts)


@pytest.fixture
def exp() -> fc.Model:
    return gl.loads(TEXT, allowed_modules=ALLOWED)


def test_span_of_every_value(exp: fc.Model) -> None:
    smap = gl.source_map(exp)
    assert isinstance(smap, gl.SourceMap)
    assert smap.file == "<string>"
    assert text_at(smap.span_of("num_classes")) == "10"
    assert smap.span_of("num_classes") == Span(9, 16, 9, 18)
    assert text_at(smap.span_of("layers[1]")) == "Conv(64, activation=Act.GELU)"
    assert text_at(smap.span_of("layers[1].features")) == "64"
    assert text_at(smap.span_of("layers[1].activation")) == "Act.GELU"
    assert text_at(smap.span_of("layers")).startswith("[\n") and text_at(
        smap.span_of("layers")
    ).endswith("]")
    assert smap.span_of("") == Span(4, 13, 10, 1)
    assert smap.span_of(gl.KeyPath.parse("layers[1].features")) == Span(7, 13, 7, 15)


def test_key_span_is_the_keyword(exp: fc.Model) -> None:
    smap = gl.source_map(exp)
    assert text_at(smap.key_span_of("num_classes")) == "num_classes"
    assert text_at(smap.key_span_of("layers")) == "layers"
    assert text_at(smap.key_span_of("layers[1].activation")) == "activation"
    # positional arguments and list items have no keyword
    assert smap.key_span_of("layers[1].features") is None
    assert smap.key_span_of("layers[1]") is None
    # a value that was not written (a default) has no span of its own ...
    assert smap.key_span_of("dropout") is None
    # ... and span_of falls back to the nearest written ancestor
    assert smap.span_of("dropout") == smap.span_of("")
    assert smap.span_of("layers[1].kernel_size") == smap.span_of("layers[1]")


def test_path_at_maps_positions_back_to_key_paths(exp: fc.Model) -> None:
    smap = gl.source_map(exp)
    kp = gl.KeyPath.parse
    assert smap.path_at(7, 13) == kp("layers[1].features")
    assert smap.path_at(7, 14) == kp("layers[1].features")
    assert smap.path_at(7, 33) == kp("layers[1].activation")  # inside Act.GELU
    assert smap.path_at(7, 20) == kp("layers[1].activation")  # on the keyword
    assert smap.path_at(7, 9) == kp("layers[1]")  # on "Conv"
    assert smap.path_at(9, 5) == kp("num_classes")
    assert smap.path_at(5, 12) == kp("layers")  # the opening bracket
    assert smap.path_at(10, 0) == kp("")  # the closing parenthesis
    assert smap.path_at(1, 0) is None
    assert smap.path_at(3, 0) is None  # another name's line
    for path in ["layers[1].features", "layers[1].activation", "num_classes", "layers[1]"]:
        span = smap.span_of(path)
        assert smap.path_at(span.line, span.column) == kp(path)


def test_names_used_twice_point_at_the_definition(exp: fc.Model) -> None:
    text = TEXT.replace("        Conv(64", "        stem,\n        Conv(64")
    assert text.count("stem,") == 2
    loaded = load_all(text)
    smap = gl.source_map(loaded.experiment)
    a, b = smap.span_of("layers[0]"), smap.span_of("layers[1]")
    assert a != b
    assert text_at(a, loaded.source_map.text.splitlines()) == "stem"
    # the copies' inner spans point at the definition of stem (line 3)
    for i in (0, 1):
        assert smap.span_of(f"layers[{i}].features") == Span(3, 21, 3, 23)
        assert smap.key_span_of(f"layers[{i}].kernel_size") == Span(3, 25, 3, 36)
    # the file's map has both names
    fmap = loaded.source_map
    assert fmap.span_of("stem.features") == Span(3, 21, 3, 23)
    assert fmap.span_of("experiment.layers[0]") == a
    assert text_at(fmap.key_span_of("stem"), fmap.text.splitlines()) == "stem"
    assert gl.source_map(loaded["stem"]).span_of("features") == Span(3, 21, 3, 23)


def test_columns_count_code_points_after_non_ascii() -> None:
    text = 'from format_classes import Conv, Node\nexperiment = Node(value=["éü🙂漢", Conv(features=7)])\n'
    exp = gl.loads(text, allowed_modules=ALLOWED)
    smap = gl.source_map(exp)
    line = text.splitlines()[1]
    span = smap.span_of("value[1].features")
    assert span == Span(2, line.index("7"), 2, line.index("7") + 1)
    assert line[span.column : span.end_column] == "7"
    assert line[smap.key_span_of("value[1].features").column :].startswith("features=7")
    assert line[smap.span_of("value[1]").column :].startswith("Conv(")
    assert smap.path_at(2, line.index("7")) == gl.KeyPath.parse("value[1].features")
    # errors use the same columns
    errs = errors_of(text.replace("features=7", "features=0"))
    assert errs[0].column == line.index("7")
    assert "^" in errs[0].render().splitlines()[-1]
    caret_line = errs[0].render().splitlines()[-1]
    assert caret_line.index("^") - 4 == line.index("7")


def test_strings_with_line_separators_do_not_shift_lines() -> None:
    text = (
        "from format_classes import Conv, Node\n"
        'a = "x\u2028y\x0cz\x85"\n'
        'experiment = Node(value=["é", Conv(features=7)])\n'
    )
    exp = gl.loads(text, allowed_modules=ALLOWED)
    line = text.split("\n")[2]
    assert gl.source_map(exp).span_of("value[1].features") == Span(
        3, line.index("7"), 3, line.index("7") + 1
    )
    errs = errors_of(text.replace("features=7", "features=0"))
    assert (errs[0].line, errs[0].column) == (3, line.index("7"))
    assert errs[0].source_line == line.replace("7", "0")


def test_dict_entries_have_key_spans() -> None:
    text = 'experiment = {"lr": 0.1, "inner": {"b": [1, 2]}}\n'
    # a plain dict cannot carry a map of its own: the file's map has it
    smap = gl.loads_file(text).source_map.sub("experiment")
    lines = text.splitlines()
    assert text_at(smap.span_of("lr"), lines) == "0.1"
    assert text_at(smap.key_span_of("lr"), lines) == '"lr"'
    assert text_at(smap.span_of("inner.b[1]"), lines) == "2"
    assert smap.path_at(1, text.index("2]")) == gl.KeyPath.parse("inner.b[1]")


def test_source_map_of_unloaded_objects_is_none() -> None:
    assert gl.source_map(fc.Conv(1)) is None
    assert gl.source_map([1]) is None
    assert gl.source_map(3) is None


def test_sub_maps_and_len(exp: fc.Model) -> None:
    smap = gl.source_map(exp)
    sub = smap.sub("layers[1]")
    assert sub.span_of("features") == smap.span_of("layers[1].features")
    assert sub.span_of("") == smap.span_of("layers[1]")
    assert len(sub) == 3
    paths = ["", "layers", "layers[0]", "layers[0].features", "layers[0].kernel_size"]
    paths += ["layers[1]", "layers[1].features", "layers[1].activation", "num_classes"]
    assert sorted(map(str, smap.entries)) == sorted(paths)


def test_span_contains_and_str() -> None:
    s = Span(2, 4, 3, 1)
    assert s.contains(2, 4) and s.contains(2, 100) and s.contains(3, 1)
    assert not s.contains(2, 3) and not s.contains(3, 2) and not s.contains(1, 50)
    assert str(s) == "2:5-3:2"


def test_loaded_file_map_covers_every_name() -> None:
    loaded = load_all(TEXT, file="exp.py")
    fmap = gl.source_map(loaded)
    assert fmap is loaded.source_map and fmap.file == "exp.py"
    assert fmap.span_of("stem.kernel_size") == Span(3, 37, 3, 38)
    assert fmap.path_at(3, 37) == gl.KeyPath.parse("stem.kernel_size")
    assert fmap.path_at(7, 13) == gl.KeyPath.parse("experiment.layers[1].features")
