"""``query``, ``walk`` and ``transform``."""

from __future__ import annotations

from typing import Any

import pytest

import graftlab as gl


@gl.symbolize
class Conv:
    def __init__(self, features: int, kernel: int = 3) -> None:
        self.features = features


@gl.symbolize
class Dense:
    def __init__(self, features: int) -> None:
        self.features = features


@gl.symbolize
class Net:
    def __init__(
        self, layers: list[Any], head: Any = None, opts: dict[str, Any] | None = None
    ) -> None:
        self.layers = layers


def net() -> Net:
    return Net(
        [Conv(8), Conv(16, kernel=5), Net([Conv(32)])],
        head=Dense(10),
        opts={"lr": 0.1, "sched": {"warmup": 5}},
    )


def paths(result: dict[gl.KeyPath, Any]) -> list[str]:
    return [str(p) for p in result]


def test_walk_is_preorder_in_signature_order() -> None:
    order = [str(p) for p, _ in gl.walk(net())]
    assert order[:6] == [
        "",
        "layers",
        "layers[0]",
        "layers[0].features",
        "layers[0].kernel",
        "layers[1]",
    ]
    assert order.index("layers[2].layers[0].features") < order.index("head")
    assert order.index("head.features") < order.index("opts") < order.index("opts.sched.warmup")
    assert str(next(p for p, _ in gl.walk(net(), include_root=False))) == "layers"


def test_query_by_type_in_traversal_order() -> None:
    r = gl.query(net(), Conv)
    assert paths(r) == ["layers[0]", "layers[1]", "layers[2].layers[0]"]
    assert [c.features for c in r.values()] == [8, 16, 32]
    assert paths(gl.query(net(), (Dense, Net))) == ["layers[2]", "head"]
    assert paths(gl.query(net(), Net, include_root=True)) == ["", "layers[2]"]


def test_query_by_type_agrees_with_the_walk() -> None:
    """Selecting by type (key paths built for the matches only) finds exactly what a
    predicate over the full walk finds, leaves and values inside tuples included."""
    n = Net(
        [Conv(8), (Conv(4), 2.5)],
        head=Net([Dense(3)], opts={"k": (1, True)}),
        opts={"lr": 0.1, "sched": {"warmup": 5}},
    )
    for where in (Conv, int, float, bool, (Dense, Conv), object, tuple, Net):
        expected = {p: v for p, v in gl.walk(n, include_root=False) if isinstance(v, where)}
        got = gl.query(n, where)
        assert list(got) == list(expected), where
        assert all(got[p] is v for p, v in expected.items())
    assert paths(gl.query(n, int)) == [
        "layers[0].features",
        "layers[0].kernel",
        "layers[1][0].features",
        "layers[1][0].kernel",
        "head.layers[0].features",
        "head.opts.k[0]",
        "head.opts.k[1]",
        "opts.sched.warmup",
    ]
    assert gl.query(Conv(3), Conv, include_root=True) == {gl.KeyPath(): Conv(3)}


def test_query_by_type_has_no_recursion_limit() -> None:
    deep: Any = Conv(1)
    for _ in range(3000):
        deep = Net([deep])
    found = gl.query(deep, Conv)
    assert len(found) == 1 and len(next(iter(found))) == 6000


def test_query_by_path_pattern() -> None:
    n = net()
    assert paths(gl.query(n, path="layers[*]")) == ["layers[0]", "layers[1]", "layers[2]"]
    assert paths(gl.query(n, path="layers[*].features")) == [
        "layers[0].features",
        "layers[1].features",
    ]
    assert paths(gl.query(n, path="**.features")) == [
        "layers[0].features",
        "layers[1].features",
        "layers[2].layers[0].features",
        "head.features",
    ]
    assert paths(gl.query(n, path="*.features")) == ["head.features"]
    assert paths(gl.query(n, path="opts.*")) == ["opts.lr", "opts.sched"]
    assert paths(gl.query(n, path="opts.**")) == ["opts.lr", "opts.sched", "opts.sched.warmup"]
    assert paths(gl.query(n, Conv, path="**.layers[*]")) == [
        "layers[0]",
        "layers[1]",
        "layers[2].layers[0]",
    ]
    assert gl.query(n, path="nothing.here") == {}


def test_query_by_predicate_with_one_or_two_parameters() -> None:
    n = net()
    big = gl.query(n, lambda v: isinstance(v, int) and v >= 10)
    assert paths(big) == ["layers[1].features", "layers[2].layers[0].features", "head.features"]

    def under_layers(path: gl.KeyPath, value: Any) -> bool:
        return len(path) > 1 and path[0] == "layers" and isinstance(value, Conv)

    assert paths(gl.query(n, under_layers)) == ["layers[0]", "layers[1]", "layers[2].layers[0]"]
    with pytest.raises(TypeError, match="'where' must be"):
        gl.query(n, 3)


def test_transform_top_down_returns_a_new_tree() -> None:
    n = net()
    seen: list[str] = []

    def swap(path: gl.KeyPath, v: Any) -> Any:
        seen.append(str(path))
        if isinstance(v, Conv):
            return Dense(v.features * 2)
        return v

    out = gl.transform(n, swap)
    assert out is not n
    assert paths(gl.query(n, Conv)) == ["layers[0]", "layers[1]", "layers[2].layers[0]"]
    assert [d.features for d in gl.query(out, Dense).values()] == [16, 32, 64, 10]
    assert "layers[0].features" not in seen  # replaced nodes are not descended into
    assert seen.index("layers") < seen.index("layers[0]")
    assert out.layers[0].sym_path == gl.KeyPath.parse("layers[0]")


def test_transform_bottom_up_sees_rewritten_children() -> None:
    n = net()
    seen: list[str] = []

    def visit(path: gl.KeyPath, v: Any) -> Any:
        seen.append(str(path))
        if isinstance(v, int) and not isinstance(v, bool):
            return v + 1
        if isinstance(v, Net):
            return Net([Dense(sum(x.features for x in v.layers))])
        return v

    out = gl.transform(n, visit, order="bottom_up", inplace=True)
    assert out is n
    assert seen.index("layers[2].layers[0].features") < seen.index("layers[2]")
    assert seen.index("layers[0].features") < seen.index("layers[0]") < seen.index("layers")
    assert n.layers[2].layers[0].features == 33
    assert n.layers[0].features == 9
    assert gl.get(n, "opts.sched.warmup") == 6
    with pytest.raises(ValueError, match="order must be"):
        gl.transform(n, visit, order="sideways")  # type: ignore[arg-type]


def test_get_and_paths() -> None:
    n = net()
    assert gl.get(n, "layers[2].layers[0].features") == 32
    assert gl.get(n, "") is n
    c = gl.get(n, "layers[2].layers[0]")
    assert gl.path_of(c) == gl.KeyPath.parse("layers[2].layers[0]")
    assert gl.root_of(c) is n
    assert gl.parent_of(c) is n.layers[2].layers
    with pytest.raises(gl.KeyPathError) as info:
        gl.get(n, "layers[2].layerz")
    assert "no 'layerz' under Net at layers[2]" in str(info.value)
    assert "did you mean 'layers'" in str(info.value)
    with pytest.raises(gl.KeyPathError, match="no 9 under SymList"):
        gl.get(n, "layers[9]")
