"""A rule function that never reads its key path is not given one (issue #20).

Building a key path for every node a rule function visits is most of a patch walk's cost;
a plain function whose code never touches its first argument cannot tell. These tests pin
which functions are known not to read it, and that both walks write the same edits.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

import patch_classes as pc
import pytest

import graftlab as gl

apply_module = importlib.import_module("graftlab.patching.apply")


def _unused(path: Any, value: Any) -> Any:
    return pc.Dense(value.features) if isinstance(value, pc.Conv) else value


def _unused_three(path: Any, value: Any, parent: Any) -> Any:
    return value


def _reads(path: Any, value: Any) -> Any:
    return value if len(path) < 100 else None


def _closure(path: Any, value: Any) -> Any:
    return (lambda: path)() and value


def _locals(path: Any, value: Any) -> Any:
    return locals()["value"]


def _frame(path: Any, value: Any) -> Any:
    return sys._getframe().f_locals["value"]


def _rebinds(path: Any, value: Any) -> Any:
    path = value
    return path


def _star(*args: Any) -> Any:
    return args[1]


class _Callable:
    def __call__(self, path: Any, value: Any) -> Any:
        return value


@pytest.mark.parametrize(
    ("fn", "reads"),
    [
        (_unused, False),
        (_unused_three, False),
        (lambda p, v: v, False),
        (_reads, True),
        (_closure, True),
        (_locals, True),
        (_frame, True),
        (_rebinds, True),
        (_star, True),
        (_Callable(), True),
        (functools.partial(_unused), True),
    ],
)
def test_which_rule_functions_read_their_path(fn: Any, reads: bool) -> None:
    assert apply_module._reads_first_argument(fn) is reads


def _nested() -> Any:
    return pc.Experiment(
        model=pc.Sequential(
            [pc.Conv(8), pc.Residual(pc.Sequential([pc.Conv(16), pc.Relu()])), pc.Conv(32)]
        ),
        optimizer=pc.Adam(),
        tags=["a"],
    )


@gl.patcher("t/paths/dense_no_path")
def dense_no_path(target: Any) -> Any:
    return lambda path, value: pc.Dense(value.features) if isinstance(value, pc.Conv) else value


@gl.patcher("t/paths/dense_with_path")
def dense_with_path(target: Any) -> Any:
    seen.append([])

    def rule(path: Any, value: Any, parent: Any) -> Any:
        seen[-1].append(str(path))
        return pc.Dense(value.features) if isinstance(value, pc.Conv) else value

    return rule


seen: list[list[str]] = []


def test_both_walks_write_the_same_edits_with_the_same_provenance() -> None:
    a = gl.patch(_nested(), "t/paths/dense_no_path")
    b = gl.patch(_nested(), "t/paths/dense_with_path")
    assert gl.format(a) == gl.format(b).replace("t/paths/dense_with_path", "t/paths/dense_no_path")
    convs = ["model.layers[0]", "model.layers[1].body.layers[0]", "model.layers[2]"]
    for path in convs:
        assert isinstance(gl.get(a, path), pc.Dense)
        assert gl.provenance(a, path).rule == "t/paths/dense_no_path"
        assert gl.provenance(b, path).rule == "t/paths/dense_with_path"
    # The rule that reads its path saw every node in pre-order, with its key path.
    assert seen[-1][:6] == [
        "model",
        "model.layers",
        "model.layers[0]",
        "model.layers[1]",
        "model.layers[1].body",
        "model.layers[1].body.layers",
    ]
    assert "model.layers[1].body.layers[1]" in seen[-1] and "tags[0]" in seen[-1]
