"""The loader's cost is linear in the file and bounded by limits (issue #16, item 3).

Growth is measured by counting work (every Python and builtin call the load makes, which is
deterministic), never by timing: doubling a file may at most about double the work.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _support.work import work

import graftlab as gl
from graftlab.io import limits


def ratio(make: Callable[[int], str], n: int, name: str = "b") -> float:
    small, large = make(n), make(2 * n)
    w1 = work(lambda: gl.loads(small, name))
    w2 = work(lambda: gl.loads(large, name))
    return w2 / w1


def test_name_reuse_is_linear_in_the_file() -> None:
    # a name with a few values, used n times, next to n other values
    def make(n: int) -> str:
        filler = ", ".join(str(i) for i in range(n))
        uses = ", ".join(["a"] * n)
        return f"a = [1, [2, 3], {{'k': 4}}]\nf = [{filler}]\nb = [{uses}]\n"

    assert ratio(make, 150) < 2.4


def test_many_names_each_used_once_is_linear() -> None:
    def make(n: int) -> str:
        lines = [f"a{i} = [{i}, {{'k': {i}}}]" for i in range(n)]
        return "\n".join(lines) + f"\nb = [{', '.join(f'a{i}' for i in range(n))}]\n"

    assert ratio(make, 100) < 2.3


def test_literals_are_linear() -> None:
    def make(n: int) -> str:
        return "b = [" + ", ".join(f'{i}.5, "s{i}"' for i in range(n)) + "]\n"

    assert ratio(make, 500) < 2.3


def test_nested_calls_are_linear() -> None:
    def make(n: int) -> str:
        items = ", ".join(f"Conv(features={i + 1}, kernel_size=3)" for i in range(n))
        return f"from graftlab.cli.demo_components import Conv\nb = [{items}]\n"

    assert ratio(make, 100) < 2.3


def test_billion_laughs_stops_at_the_node_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_NODES", 20_000)  # the real limit takes seconds to reach
    lines = ["a0 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    lines += [f"a{i} = [{', '.join([f'a{i - 1}'] * 10)}]" for i in range(1, 12)]
    text = "\n".join(lines) + "\n"
    with pytest.raises(gl.FormatError) as info:
        gl.loads(text, "a11")
    err = info.value
    assert "more than 20,000 values" in err.message
    assert "each use of a name copies its value" in err.message
    assert err.line == 5  # a4 = [a3 x 10]: the use that crosses the limit
    assert not isinstance(err, gl.FormatErrors)  # reported once, not once per use


def test_name_use_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_NAME_USES", 50)
    text = "a = 1\nb = [" + ", ".join(["a"] * 51) + "]\n"
    with pytest.raises(gl.FormatError, match="names are used more than 50 times") as info:
        gl.loads(text, "b")
    assert (info.value.line, info.value.column) == (2, 5 + 3 * 50)
    gl.loads("a = 1\nb = [" + ", ".join(["a"] * 50) + "]\n", "b")


def test_depth_through_names_is_limited() -> None:
    deep = "[" * 60 + "1" + "]" * 60
    text = f"a = {deep}\nb = {'[' * 45}a{']' * 45}\n"
    with pytest.raises(gl.FormatError, match="using 'a' here nests values deeper than 100"):
        gl.loads(text, "b")
    ok = f"a = {deep}\nb = {'[' * 39}a{']' * 39}\n"
    assert gl.loads(ok, "b") is not None


def test_the_limits_are_what_the_docs_say() -> None:
    from graftlab.io import syntax

    assert syntax.MAX_DEPTH == limits.MAX_DEPTH == 100
    assert syntax.MAX_BYTES == limits.MAX_BYTES == 50 * 1024 * 1024
    assert limits.MAX_NODES >= 1_000_000 and limits.MAX_NAME_USES >= 10_000


def test_billion_laughs_is_rejected_before_anything_is_built() -> None:
    lines = ["from graftlab.ml import Dense", "a0 = [Dense(features=1)]"]
    lines += [f"a{i} = [{', '.join([f'a{i - 1}'] * 10)}]" for i in range(1, 12)]
    text = "\n".join(lines) + "\n"

    def load() -> None:
        with pytest.raises(gl.FormatError, match=f"more than {limits.MAX_NODES:,} values"):
            gl.loads(text, "a11")

    # counted before importing or building: a few thousand calls, not millions
    assert work(load) < 50_000


def test_text_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_BYTES", 1000)
    text = "x = [" + ", ".join(["1"] * 400) + "]\n"
    with pytest.raises(gl.FormatError, match="over 1000 bytes"):
        gl.loads_file(text)  # text given directly (the language server's worker does)
    assert gl.loads("x = ['é']\n", "x") == ["é"]  # under the limit: loads
