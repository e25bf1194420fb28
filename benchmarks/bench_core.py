"""The core benchmark: graftlab next to PyGlove 0.4.5 and Fiddle 0.3.1 on the same cases.

(a) creating 10,000 objects of a class with 4 typed fields (a plain dataclass for reference);
(b) a model of 1,000 layers (each Layer holds Conv, Activation, BatchNorm, Dropout; about
11,000 nodes): build, deep clone, rebind one leaf by key path, query every Conv, to_json +
json.dumps, json.loads + from_json, diff of two trees that differ in 10 leaves, equality of
two equal trees, and replacing every Conv with a SeparableConv that carries all arguments.

Run ``python benchmarks/run.py`` (all benchmarks) or ``python benchmarks/bench_core.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

from _timing import Measurement, median_time, scaled_time

import graftlab as gl

N_OBJECTS = 10_000
N_LAYERS = 1_000

# Targets from issue 2 (seconds); per-object for creation.
TARGETS = {
    "create 10k objects (per object)": 5e-6,
    "rebind one leaf": 30e-6,
    "diff (10 leaves differ)": 0.100,
    "loads + from_json": 0.150,
    "to_json + dumps": 0.060,
}


# --- graftlab -------------------------------------------------------------------------


@gl.symbolize
class GConv:
    def __init__(self, features: int, kernel_size: int = 3, use_bias: bool = True):
        self.features = features


@gl.symbolize
class GSepConv:
    def __init__(
        self, features: int, kernel_size: int = 3, use_bias: bool = True, depth_multiplier: int = 1
    ):
        self.features = features


@gl.symbolize
class GAct:
    def __init__(self, fn: str = "relu"):
        self.fn = fn


@gl.symbolize
class GBatchNorm:
    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum


@gl.symbolize
class GDropout:
    def __init__(self, rate: float = 0.1):
        self.rate = rate


@gl.symbolize
class GLayer:
    def __init__(self, conv: GConv | GSepConv, act: GAct, norm: GBatchNorm, dropout: GDropout):
        self.conv = conv


@gl.symbolize
class GModel:
    def __init__(self, layers: list[GLayer]):
        self.layers = layers


@gl.symbolize
class GFour:
    def __init__(self, a: int, b: float, c: str, d: bool = False):
        self.a = a


def g_tree(n: int, width: int = 32) -> Any:
    return GModel(
        [
            GLayer(GConv(width + i % 7, 3, True), GAct("relu"), GBatchNorm(0.9), GDropout(0.1))
            for i in range(n)
        ]
    )


def graftlab_cases(n: int) -> dict[str, Callable[[], Any]]:
    tree = g_tree(n)
    other = g_tree(n)
    for i in range(10):
        other.rebind({f"layers[{i * (n // 10)}].conv.features": 999})
    other_eq = g_tree(n)
    text = json.dumps(gl.to_json(tree))
    step = [0]

    def rebind_leaf() -> None:
        step[0] += 1
        tree.rebind({f"layers[{n // 2}].conv.features": 16 + step[0] % 3})

    def swap(path: Any, v: Any, parent: Any) -> Any:
        if isinstance(v, GConv):
            return GSepConv(**v.sym_init_args)
        return v

    return {
        "build tree": lambda: g_tree(n),
        "deep clone": lambda: gl.clone(tree),
        "rebind one leaf": rebind_leaf,
        "query all Conv": lambda: gl.query(tree, GConv),
        "to_json + dumps": lambda: json.dumps(gl.to_json(tree)),
        "loads + from_json": lambda: gl.from_json(json.loads(text)),
        "diff (10 leaves differ)": lambda: gl.diff(tree, other),
        "eq of equal trees": lambda: gl.eq(tree, other_eq),
        "replace every Conv": lambda: gl.clone(tree).rebind(swap),
    }


# --- PyGlove --------------------------------------------------------------------------


def pyglove_cases(n: int) -> dict[str, Callable[[], Any]] | None:
    try:
        import pyglove as pg
    except ImportError:
        return None
    P = _pyglove_classes(pg)
    tree = P["tree"](n)
    other = P["tree"](n)
    other_eq = P["tree"](n)
    for i in range(10):
        other.rebind({f"layers[{i * (n // 10)}].conv.features": 999})
    text = json.dumps(tree.to_json())
    step = [0]

    def rebind_leaf() -> None:
        step[0] += 1
        tree.rebind({f"layers[{n // 2}].conv.features": 16 + step[0] % 3})

    def swap(k: Any, v: Any, p: Any) -> Any:
        if isinstance(v, P["Conv"]):
            return P["SepConv"](**v.sym_init_args)
        return v

    return {
        "build tree": lambda: P["tree"](n),
        "deep clone": lambda: tree.clone(deep=True),
        "rebind one leaf": rebind_leaf,
        "query all Conv": lambda: pg.query(tree, where=lambda v: isinstance(v, P["Conv"])),
        "to_json + dumps": lambda: json.dumps(tree.to_json()),
        "loads + from_json": lambda: pg.from_json(json.loads(text)),
        "diff (10 leaves differ)": lambda: pg.diff(tree, other),
        "eq of equal trees": lambda: pg.eq(tree, other_eq),
        "replace every Conv": lambda: tree.clone(deep=True).rebind(swap),
    }


_PG: dict[str, Any] = {}


def _pyglove_classes(pg: Any) -> dict[str, Any]:
    if _PG:
        return _PG

    class Conv(pg.Object):
        features: int
        kernel_size: int = 3
        use_bias: bool = True

    class SepConv(pg.Object):
        features: int
        kernel_size: int = 3
        use_bias: bool = True
        depth_multiplier: int = 1

    class Act(pg.Object):
        fn: str = "relu"

    class BatchNorm(pg.Object):
        momentum: float = 0.9

    class Dropout(pg.Object):
        rate: float = 0.1

    class Layer(pg.Object):
        conv: pg.Object
        act: Act
        norm: BatchNorm
        dropout: Dropout

    class Model(pg.Object):
        layers: list[Layer]

    class Four(pg.Object):
        a: int
        b: float
        c: str
        d: bool = False

    def tree(n: int) -> Any:
        return Model(
            [
                Layer(Conv(32 + i % 7, 3, True), Act("relu"), BatchNorm(0.9), Dropout(0.1))
                for i in range(n)
            ]
        )

    _PG.update(Conv=Conv, SepConv=SepConv, Four=Four, tree=tree)
    return _PG


# --- Fiddle ---------------------------------------------------------------------------


class FConv:
    def __init__(self, features: int, kernel_size: int = 3, use_bias: bool = True):
        self.features = features


class FSepConv:
    def __init__(
        self, features: int, kernel_size: int = 3, use_bias: bool = True, depth_multiplier: int = 1
    ):
        self.features = features


class FAct:
    def __init__(self, fn: str = "relu"):
        self.fn = fn


class FBatchNorm:
    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum


class FDropout:
    def __init__(self, rate: float = 0.1):
        self.rate = rate


class FLayer:
    def __init__(self, conv: Any, act: FAct, norm: FBatchNorm, dropout: FDropout):
        self.conv = conv


class FModel:
    def __init__(self, layers: list[FLayer]):
        self.layers = layers


class FFour:
    def __init__(self, a: int, b: float, c: str, d: bool = False):
        self.a = a


def fiddle_cases(n: int) -> dict[str, Callable[[], Any]] | None:
    try:
        import fiddle as fdl
        from fiddle import diffing, selectors
        from fiddle.experimental import serialization
    except ImportError:
        return None

    def tree(n: int) -> Any:
        C = fdl.Config
        return C(
            FModel,
            [
                C(
                    FLayer,
                    C(FConv, 32 + i % 7, 3, True),
                    C(FAct, "relu"),
                    C(FBatchNorm, 0.9),
                    C(FDropout, 0.1),
                )
                for i in range(n)
            ],
        )

    t = tree(n)
    other = tree(n)
    other_eq = tree(n)
    for i in range(10):
        other.layers[i * (n // 10)].conv.features = 999
    text = serialization.dump_json(t)
    step = [0]

    def rebind_leaf() -> None:
        step[0] += 1
        t.layers[n // 2].conv.features = 16 + step[0] % 3

    def replace() -> Any:
        c = copy.deepcopy(t)
        for layer in selectors.select(c, FLayer):
            if fdl.get_callable(layer.conv) is FConv:
                layer.conv = fdl.Config(FSepConv, **fdl.ordered_arguments(layer.conv))
        return c

    return {
        "build tree": lambda: tree(n),
        "deep clone": lambda: copy.deepcopy(t),
        "rebind one leaf": rebind_leaf,
        "query all Conv": lambda: list(selectors.select(t, FConv)),
        "to_json + dumps": lambda: serialization.dump_json(t),
        "loads + from_json": lambda: serialization.load_json(text),
        "diff (10 leaves differ)": lambda: diffing.build_diff(t, other),
        "eq of equal trees": lambda: t == other_eq,
        "replace every Conv": replace,
    }


# --- runner ---------------------------------------------------------------------------

TREE_CASES = [
    "build tree",
    "deep clone",
    "rebind one leaf",
    "query all Conv",
    "to_json + dumps",
    "loads + from_json",
    "diff (10 leaves differ)",
    "eq of equal trees",
    "replace every Conv",
]


def _creation(quick: bool) -> dict[str, Measurement | None]:
    n = N_OBJECTS // (10 if quick else 1)
    out: dict[str, Measurement | None] = {}

    def loop(make: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n):
                make()

        return run

    out["graftlab"] = median_time(loop(lambda: GFour(1, 2.0, "x", True))).per(n)
    try:
        import pyglove as pg

        P = _pyglove_classes(pg)
        out["pyglove"] = median_time(loop(lambda: P["Four"](1, 2.0, "x", True)), budget=10).per(n)
    except ImportError:
        out["pyglove"] = None
    try:
        import fiddle as fdl

        out["fiddle"] = median_time(
            loop(lambda: fdl.Config(FFour, 1, 2.0, "x", True)), budget=10
        ).per(n)
    except ImportError:
        out["fiddle"] = None

    @dataclasses.dataclass
    class DC:
        a: int
        b: float
        c: str
        d: bool = False

    out["dataclass"] = median_time(loop(lambda: DC(1, 2.0, "x", True))).per(n)
    return out


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows of {case, graftlab, pyglove, fiddle, dataclass, target, notes}."""
    rows: list[dict[str, Any]] = []
    c = _creation(quick)
    rows.append(
        {
            "case": "create 10k objects (per object)",
            **{k: v for k, v in c.items()},
            "target": TARGETS["create 10k objects (per object)"],
        }
    )
    n = N_LAYERS
    budget = 3.0 if quick else 20.0
    impls = {"graftlab": graftlab_cases, "pyglove": pyglove_cases, "fiddle": fiddle_cases}
    cache: dict[tuple[str, int], dict[str, Callable[[], Any]] | None] = {}

    def cases(name: str, size: int) -> dict[str, Callable[[], Any]] | None:
        if (name, size) not in cache:
            cache[(name, size)] = impls[name](size)
        return cache[(name, size)]

    for case in TREE_CASES:
        row: dict[str, Any] = {"case": case, "target": TARGETS.get(case)}
        for name in impls:
            if cases(name, 100) is None:
                row[name] = None
                continue
            if name == "graftlab":
                fn = cases(name, n)[case]  # type: ignore[index]
                row[name] = median_time(fn, repeat=7 if case == "rebind one leaf" else 5)
                if case == "rebind one leaf":
                    row[name] = median_time(lambda fn=fn: [fn() for _ in range(100)], repeat=5).per(
                        100
                    )
            else:

                def make(size: int, name: str = name, case: str = case) -> Callable[[], Any]:
                    return cases(name, size)[case]  # type: ignore[index]

                row[name] = scaled_time(make, n, budget=budget)
        rows.append(row)
    return rows


TITLE = "core: graftlab vs PyGlove 0.4.5 vs Fiddle 0.3.1 (1,000 layers, ~11k nodes)"


def main() -> None:
    import sys

    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()
