"""The core benchmark: graftlab next to PyGlove 0.4.5 and Fiddle 0.3.1, measured honestly.

The same workload for all three: creating 10,000 objects of a class with 4 typed fields,
and a model of 1,000 layers (each Layer holds Conv, Activation, BatchNorm, Dropout: 5,001
objects, 10,002 nodes) that is built, deep-cloned, edited at one leaf by key path, queried
for every Conv, dumped to and loaded from JSON, diffed (10 leaves differ), compared for
equality, patched in place by a rule named by URI (every Conv -> SeparableConv carrying all
its arguments), and measured for retained memory (tracemalloc while building it).

How it measures (``python benchmarks/run.py core``; ``--quick`` for a short pass):

- each library runs in its own worker process, driven by this one over a pipe; only one
  process works at a time and the rounds are interleaved (round 1: every case for
  graftlab, PyGlove, Fiddle; round 2: the same in rotated order; ...);
- GC stays on; ``gc.collect()`` runs before each sample, outside the timed region;
- a sample of a fast case repeats the call until it takes ~20 ms and reports the time per
  call; the first sample of every case is a warm-up and is dropped;
- every case runs at 1,000 layers, or at the largest size of 1,000 / 300 / 100 / 30 layers
  whose setup and one sample finish within the budget (10 s a sample and 30 s of setup,
  3 s and 15 s with ``--quick``; a worker that overruns is stopped and the next size tried). Such a cell is labelled with its size; nothing is extrapolated, and
  a ratio is only computed between cells of the same size;
- medians over the rounds, with the spread (half the range, in % of the median);
- ``GRAFT_BENCH_LIBS=graftlab`` (comma-separated) measures only the libraries named;
- wall-clock time by default; ``GRAFT_BENCH_CLOCK=cpu`` reports each worker's CPU time
  instead (the cases are single-threaded: on an idle machine the two agree; on a shared,
  loaded one the CPU time is what the code costs). The load average is printed with it.

A growth table follows: graftlab at 100 / 1,000 / 10,000 layers for rebind (first and last
layer), query, clone and patch.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import select
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import graftlab as gl

CLOCK = os.environ.get("GRAFT_BENCH_CLOCK", "wall")  # or "cpu": the worker's CPU time
N_OBJECTS = 10_000
N_LAYERS = 1_000
LADDER = (1_000, 300, 100, 30)
GROWTH = (100, 1_000, 10_000)
LIBS = ("graftlab", "pyglove", "fiddle")


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


@gl.patcher("bench/swap_conv")
def swap_conv(tree):
    """Every Conv becomes a SeparableConv with the same arguments."""
    return lambda path, value: (
        GSepConv(**value.sym_init_args) if isinstance(value, GConv) else value
    )


def g_tree(n: int, width: int = 32) -> Any:
    return GModel(
        [
            GLayer(GConv(width + i % 7, 3, True), GAct("relu"), GBatchNorm(0.9), GDropout(0.1))
            for i in range(n)
        ]
    )


@dataclass
class Case:
    """``run(setup())`` is timed ``inner`` times per sample; ``setup`` is not timed."""

    run: Callable[[Any], Any]
    setup: Callable[[], Any] | None = None
    fast: bool = False  # repeat the call within a sample until it takes ~20 ms


def _leaf_edit(edit: Callable[[int], Any]) -> Case:
    step = [0]

    def run(_: Any) -> None:
        step[0] += 1
        edit(16 + step[0] % 3)

    return Case(run, fast=True)


def graftlab_cases(n: int, which: str) -> Case:
    """One case of the workload for graftlab at ``n`` layers."""
    if which == "create 10,000 4-field objects":
        return Case(lambda _: [GFour(1, 2.0, "x", True) for _ in range(N_OBJECTS)])
    if which == "build the tree":
        return Case(lambda _: g_tree(n))
    if which == "retained memory of the tree":
        return Case(lambda _: g_tree(n))
    if which == "patch rule by URI, in place":
        return Case(lambda t: gl.patch(t, "bench/swap_conv", inplace=True), lambda: g_tree(n))
    tree = g_tree(n)
    if which == "deep clone":
        return Case(lambda _: gl.clone(tree))
    if which.startswith("rebind one leaf"):
        layer = {"first": 0, "last": n - 1}.get(which.rsplit(" ", 1)[-1], n // 2)
        path = f"layers[{layer}].conv.features"
        return _leaf_edit(lambda v: tree.rebind({path: v}))
    if which == "query all nodes of one type":
        return Case(lambda _: gl.query(tree, GConv))
    if which == "to_json + dumps":
        return Case(lambda _: json.dumps(gl.to_json(tree)))
    if which == "loads + from_json":
        text = json.dumps(gl.to_json(tree))
        return Case(lambda _: gl.from_json(json.loads(text)))
    if which == "diff, 10 leaves differ":
        other = g_tree(n)
        for i in range(10):
            other.rebind({f"layers[{i * (n // 10)}].conv.features": 999})
        return Case(lambda _: gl.diff(tree, other))
    if which == "eq of equal trees":
        other = g_tree(n)
        return Case(lambda _: gl.eq(tree, other))
    raise KeyError(which)


# --- PyGlove --------------------------------------------------------------------------

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

    @pg.patcher(name="bench_swap_conv")
    def _swap(unused_src: Any) -> Any:
        return lambda k, v, p: SepConv(**v.sym_init_args) if isinstance(v, Conv) else v

    _PG.update(Conv=Conv, SepConv=SepConv, Four=Four, tree=tree)
    return _PG


def pyglove_cases(n: int, which: str) -> Case:
    """One case of the workload for PyGlove at ``n`` layers."""
    import pyglove as pg

    P = _pyglove_classes(pg)
    if which == "create 10,000 4-field objects":
        return Case(lambda _: [P["Four"](1, 2.0, "x", True) for _ in range(N_OBJECTS)])
    if which in ("build the tree", "retained memory of the tree"):
        return Case(lambda _: P["tree"](n))
    if which == "patch rule by URI, in place":
        return Case(lambda t: pg.patch(t, ["bench_swap_conv"]), lambda: P["tree"](n))
    tree = P["tree"](n)
    if which == "deep clone":
        return Case(lambda _: tree.clone(deep=True))
    if which.startswith("rebind one leaf"):
        path = f"layers[{n // 2}].conv.features"
        return _leaf_edit(lambda v: tree.rebind({path: v}))
    if which == "query all nodes of one type":
        conv = P["Conv"]
        return Case(lambda _: pg.query(tree, where=lambda v: isinstance(v, conv)))
    if which == "to_json + dumps":
        return Case(lambda _: json.dumps(tree.to_json()))
    if which == "loads + from_json":
        text = json.dumps(tree.to_json())
        return Case(lambda _: pg.from_json(json.loads(text)))
    if which == "diff, 10 leaves differ":
        other = P["tree"](n)
        for i in range(10):
            other.rebind({f"layers[{i * (n // 10)}].conv.features": 999})
        return Case(lambda _: pg.diff(tree, other))
    if which == "eq of equal trees":
        other = P["tree"](n)
        return Case(lambda _: pg.eq(tree, other))
    raise KeyError(which)


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


def f_tree(n: int) -> Any:
    import fiddle as fdl

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


def _fiddle_swap_conv(cfg: Any) -> None:
    """Fiddle has no rule registry or URIs: the same rule as a function over the config
    tree, in place (every ``Config(FConv)`` argument or list item becomes ``FSepConv``)."""
    import fiddle as fdl

    def replace(v: Any) -> Any:
        if isinstance(v, fdl.Config) and fdl.get_callable(v) is FConv:
            return fdl.Config(FSepConv, **fdl.ordered_arguments(v))
        return v

    def visit(node: Any) -> None:
        if isinstance(node, fdl.Buildable):
            for name, v in fdl.ordered_arguments(node).items():
                new = replace(v)
                if new is not v:
                    setattr(node, name, new)
                else:
                    visit(v)
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                new = replace(v)
                if new is not v:
                    node[i] = new
                else:
                    visit(v)

    visit(cfg)


_FIDDLE_RULES = {"swap_conv": _fiddle_swap_conv}


def fiddle_cases(n: int, which: str) -> Case:
    """One case of the workload for Fiddle at ``n`` layers."""
    import fiddle as fdl
    from fiddle import diffing, selectors
    from fiddle.experimental import serialization

    if which == "create 10,000 4-field objects":
        return Case(lambda _: [fdl.Config(FFour, 1, 2.0, "x", True) for _ in range(N_OBJECTS)])
    if which in ("build the tree", "retained memory of the tree"):
        return Case(lambda _: f_tree(n))
    if which == "patch rule by URI, in place":
        return Case(lambda t: _FIDDLE_RULES["swap_conv"](t), lambda: f_tree(n))
    t = f_tree(n)
    if which == "deep clone":
        return Case(lambda _: copy.deepcopy(t))
    if which.startswith("rebind one leaf"):

        def edit(v: int) -> None:
            t.layers[n // 2].conv.features = v

        return _leaf_edit(edit)
    if which == "query all nodes of one type":
        return Case(lambda _: list(selectors.select(t, FConv)))
    if which == "to_json + dumps":
        return Case(lambda _: serialization.dump_json(t))
    if which == "loads + from_json":
        text = serialization.dump_json(t)
        return Case(lambda _: serialization.load_json(text))
    if which == "diff, 10 leaves differ":
        other = f_tree(n)
        for i in range(10):
            other.layers[i * (n // 10)].conv.features = 999
        return Case(lambda _: diffing.build_diff(t, other))
    if which == "eq of equal trees":
        other = f_tree(n)
        return Case(lambda _: t == other)
    raise KeyError(which)


FACTORIES = {"graftlab": graftlab_cases, "pyglove": pyglove_cases, "fiddle": fiddle_cases}

# case -> (target kind, value, issue figure for graftlab in seconds)
#   ("time", s): graftlab's median at most s;  ("ratio", r): best anchor / graftlab >= r;
#   ("mem", r): graftlab's bytes / best anchor's <= r.  "keep" rows use the figures.
CASES: dict[str, tuple[str, float]] = {
    "create 10,000 4-field objects": ("ratio", 10.0),
    "build the tree": ("time", 14.5e-3),
    "deep clone": ("time", 13e-3),
    "rebind one leaf by key path": ("time", 2e-6),
    "query all nodes of one type": ("time", 4e-3),
    "to_json + dumps": ("time", 8.2e-3),
    "loads + from_json": ("time", 23.1e-3),
    "diff, 10 leaves differ": ("time", 17.7e-3),
    "eq of equal trees": ("time", 3.8e-3),
    "patch rule by URI, in place": ("time", 9e-3),
    "retained memory of the tree": ("mem", 0.5),
}
SIZE_FREE = {"create 10,000 4-field objects"}
MEMORY = {"retained memory of the tree"}
GROWTH_CASES = (
    "rebind one leaf, first",
    "rebind one leaf, last",
    "query all nodes of one type",
    "deep clone",
    "patch rule by URI, in place",
)


# --- worker ---------------------------------------------------------------------------


def _sample(case: Case) -> tuple[float, float, int]:
    """One sample: ``(wall seconds per call, CPU seconds per call, calls)``; GC on,
    collected before. The CPU time is this process's (the cases are single-threaded)."""
    if case.fast and not hasattr(case, "_inner"):
        # Calibrate (this is the warm-up sample, dropped): as many calls as take ~20 ms of
        # wall time, at least 20 -- one call right after a collection is a cold outlier.
        gc.collect()
        n, t0 = 0, time.perf_counter()
        while n < 20 or time.perf_counter() - t0 < 0.02:
            case.run(None)
            n += 1
        case._inner = min(100_000, n)  # type: ignore[attr-defined]
    inner = getattr(case, "_inner", 1)
    arg = case.setup() if case.setup is not None else None
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(inner):
        case.run(arg)
    dt = time.perf_counter() - t0
    dc = time.process_time() - c0
    return dt / inner, dc / inner, inner


def _memory(case: Case) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tree = case.run(None)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del tree
    return after - before


def worker(lib: str) -> None:
    """Serve ``{"op": "setup"|"sample", "case", "n"}`` requests on stdin, one JSON line each."""
    factory = FACTORIES[lib]
    cases: dict[tuple[str, int], Case] = {}
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    for line in sys.stdin:
        req = json.loads(line)
        key = (req["case"], req["n"])
        try:
            if req["op"] == "hello" and lib != "graftlab":
                __import__(lib)  # the import is not part of any case's budget
            reply: dict[str, Any] = {"ok": True, "total": 0.0}
            if req["op"] != "hello" and key not in cases:
                c0, t0 = time.process_time(), time.perf_counter()
                cases[key] = factory(req["n"], req["case"])
                reply["total"] = (
                    time.process_time() - c0 if CLOCK == "cpu" else time.perf_counter() - t0
                )
            if req["op"] == "sample":
                if req["case"] in MEMORY:
                    reply["value"] = _memory(cases[key])
                else:
                    wall, cpu, reply["inner"] = _sample(cases[key])
                    reply["value"] = cpu if CLOCK == "cpu" else wall
                    reply["total"] = reply["value"] * reply["inner"]
        except Exception as e:  # report, keep serving
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


# --- driver ---------------------------------------------------------------------------


class Worker:
    """A library's worker process; requests time out (the process is then killed)."""

    def __init__(self, lib: str) -> None:
        self.lib = lib
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "--worker", self.lib],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
        return self.proc

    def ask(self, op: str, case: str, n: int, timeout: float) -> dict[str, Any] | None:
        """The reply, or ``None`` if it did not come within ``timeout`` seconds."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"op": op, "case": case, "n": n}) + "\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            return None
        line = proc.stdout.readline()
        if not line:
            self.close()
            return {"ok": False, "error": "the worker exited"}
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@dataclass
class Cell:
    """What one library measured for one case."""

    n: int | None = None  # the size measured (None: nothing fits the budget)
    samples: list[float] | None = None
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def spread(self) -> float | None:
        if not self.samples or len(self.samples) < 2:
            return None
        m = statistics.median(self.samples)
        return (max(self.samples) - min(self.samples)) / 2 / m if m else None


def _installed(lib: str) -> bool:
    if lib == "graftlab":
        return True
    try:
        __import__(lib)
    except ImportError:
        return False
    return True


def measure(
    libs: tuple[str, ...],
    cases: list[str],
    sizes: tuple[int, ...],
    *,
    rounds: int,
    budget: float,
    setup_budget: float,
    fixed: bool = False,
    log: Callable[[str], None] = lambda s: None,
) -> dict[tuple[str, str, int], Cell]:
    """Cells for (case, lib, requested size), rounds interleaved across the workers.

    With ``fixed`` every size is measured as asked (or left empty); otherwise a case steps
    down the ``LADDER`` from its size until setup and one sample fit the budget.
    """
    workers = {lib: Worker(lib) for lib in libs}
    cells: dict[tuple[str, str, int], Cell] = {}
    # With the CPU clock the budget is CPU time; a loaded machine may stretch the wall
    # time, up to ``slack`` times the budget, before a worker is stopped.
    slack = 4.0 if CLOCK == "cpu" else 1.0

    def ask(lib: str, op: str, case: str, n: int, timeout: float) -> dict[str, Any] | None:
        if workers[lib].proc is None:  # (re)started: import the library outside the budget
            workers[lib].ask("hello", "", 0, 300.0)
        return workers[lib].ask(op, case, n, timeout)

    try:
        # Warm-up round: pick the size of each cell (the probe sample is dropped).
        for case in cases:
            for size in sizes:
                for lib in libs:
                    cell = Cell()
                    cells[(case, lib, size)] = cell
                    ladder = [size] if fixed else [s for s in LADDER if s <= size] or [size]
                    if case in SIZE_FREE:
                        ladder = [size]
                    for n in ladder:
                        t0 = time.perf_counter()
                        r = ask(lib, "setup", case, n, setup_budget * slack)
                        if r is not None and r["ok"] and r["total"] > setup_budget:
                            r = None
                        if r is not None and r["ok"]:
                            # Calibrating a fast case takes a few calls more; memory is traced
                            # (slow) and not a time: both get a longer limit.
                            scale = 3 if case.startswith("rebind") else 1
                            limit = setup_budget if case in MEMORY else budget * scale
                            r = ask(lib, "sample", case, n, limit * slack)
                            if r is not None and case not in MEMORY and r["total"] > limit:
                                r = None
                        if r is None:
                            log(
                                f"{lib:8} {case} at {n}: over budget ({time.perf_counter() - t0:.0f} s)"
                            )
                            continue
                        if not r["ok"]:
                            cell.error = r["error"]
                            break
                        cell.n, cell.samples = n, []
                        break
        for rnd in range(rounds):
            order = libs[rnd % len(libs) :] + libs[: rnd % len(libs)]
            for case in cases:
                for size in sizes:
                    for lib in order:
                        cell = cells[(case, lib, size)]
                        if cell.n is None or cell.samples is None:
                            continue
                        r = ask(lib, "sample", case, cell.n, max(60.0, 10 * budget))
                        if r is None or not r["ok"]:
                            cell.error = "failed in round" if r is None else r["error"]
                            continue
                        cell.samples.append(r["value"])
            log(f"round {rnd + 1}/{rounds} done")
    finally:
        for w in workers.values():
            w.close()
    return cells


# --- report ---------------------------------------------------------------------------


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs" if s < 1e-5 else f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s:.2f} s"


def _fmt_mem(b: float | None) -> str:
    return "-" if b is None else f"{b / 2**20:.2f} MiB"


def _cell_text(cell: Cell, case: str, full: int) -> str:
    if cell.error and not cell.samples:
        return f"error: {cell.error[:40]}"
    if cell.n is None:
        return "over budget"
    fmt = _fmt_mem if case.startswith("retained") else _fmt_time
    text = fmt(cell.median)
    if cell.spread is not None:
        text += f" ±{cell.spread:.0%}"
    if cell.n != full and case not in SIZE_FREE:
        text += f" @{cell.n}"
    return text


def verdict(case: str, cells: dict[str, Cell], full: int) -> tuple[str, str, bool | None]:
    """(vs best, target, met) for one row; ratios only between cells of the same size."""
    g = cells.get("graftlab")
    gm = g.median if g is not None and (g.n == full or case in SIZE_FREE) else None
    same = [
        c.median
        for lib, c in cells.items()
        if lib != "graftlab" and c.median is not None and (c.n == full or case in SIZE_FREE)
    ]
    kind, value = CASES.get(case, ("", 0.0))
    best = min(same) if same else None
    if gm is None:
        return "-", "", None
    if kind == "mem":
        ratio = gm / best if best else None
        return (
            (f"{ratio:.2f}x" if ratio else "-"),
            f"<= {value}x",
            (ratio <= value if ratio else None),
        )
    ratio = best / gm if best else None
    vs = f"{ratio:.1f}x" if ratio else "-"
    if kind == "ratio":
        return vs, f">= {value:.0f}x", (ratio >= value if ratio else None)
    return vs, f"<= {_fmt_time(value)}", gm <= value


def print_report(title: str, rows: list[dict[str, Any]], console: Any = None) -> None:
    """The side-by-side table and the growth table (rows as ``run`` returns them)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=max(150, Console().width))
    main = [r for r in rows if r["table"] == "main"]
    table = Table(title=title)
    for col in ("case", "PyGlove 0.4.5", "Fiddle 0.3.1", "graftlab", "vs best", "target", "ok"):
        table.add_column(col, justify="left" if col == "case" else "right")
    for r in main:
        ok = r["ok"]
        table.add_row(
            r["case"],
            r["pyglove"],
            r["fiddle"],
            r["graftlab"],
            r["vs_best"],
            r["target"],
            "-" if ok is None else ("[green]yes[/]" if ok else "[red]no[/]"),
        )
    console.print(table)
    load = rows[0].get("load") if rows else None
    console.print(
        f"  clock: {CLOCK} time"
        + (" (GRAFT_BENCH_CLOCK=cpu: each worker's CPU time)" if CLOCK == "cpu" else "")
        + (f"; load average before / after: {load}" if load else "")
    )
    console.print(
        "  median ±half-range over the rounds; @N: measured at N layers, the largest size that"
        " fit the budget (never extrapolated); vs best: fastest anchor at the same size /"
        " graftlab (memory: graftlab / smallest anchor)."
    )
    growth = [r for r in rows if r["table"] == "growth"]
    if growth:
        g = Table(title="growth: graftlab at 100 / 1,000 / 10,000 layers")
        g.add_column("case")
        for n in GROWTH:
            g.add_column(f"{n:,} layers", justify="right")
        g.add_column("10,000 / 100", justify="right")
        for r in growth:
            g.add_row(r["case"], *r["cells"], r["growth"])
        console.print(g)
    out_dir = os.environ.get("GRAFT_BENCH_OUT")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "core.json"), "w") as f:
            json.dump(rows, f, indent=1)


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure everything; rows for ``print_report`` (formatted cells plus raw samples)."""
    rounds = 3 if quick else 5
    budget = 3.0 if quick else 10.0
    setup_budget = 15.0 if quick else 30.0
    only = os.environ.get("GRAFT_BENCH_LIBS")  # e.g. "graftlab": re-measure one column
    libs = tuple(lib for lib in LIBS if _installed(lib) and (not only or lib in only.split(",")))

    def log(s: str) -> None:
        print(f"  [core] {s}", file=sys.stderr, flush=True)

    cases = list(CASES)
    load_before = os.getloadavg()[0]
    cells = measure(
        libs, cases, (N_LAYERS,), rounds=rounds, budget=budget, setup_budget=setup_budget, log=log
    )
    rows: list[dict[str, Any]] = []
    for case in cases:
        by_lib = {lib: cells[(case, lib, N_LAYERS)] for lib in libs}
        vs, target, ok = verdict(case, by_lib, N_LAYERS)
        row: dict[str, Any] = {
            "table": "main",
            "case": case,
            "vs_best": vs,
            "target": target,
            "ok": ok,
        }
        for lib in LIBS:
            c = by_lib.get(lib)
            row[lib] = (
                _cell_text(c, case, N_LAYERS)
                if c is not None
                else ("not measured" if _installed(lib) else "not installed")
            )
            row[f"{lib}_raw"] = {"n": c.n, "samples": c.samples} if c is not None else None
        rows.append(row)
    rows[0]["load"] = f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    growth = measure(
        ("graftlab",),
        list(GROWTH_CASES),
        GROWTH,
        rounds=3 if quick else 5,
        budget=budget * 4,
        setup_budget=setup_budget,
        fixed=True,
        log=log,
    )
    for case in GROWTH_CASES:
        cs = [growth[(case, "graftlab", n)] for n in GROWTH]
        lo, hi = cs[0].median, cs[-1].median
        rows.append(
            {
                "table": "growth",
                "case": case,
                "cells": [_cell_text(c, case, n) for c, n in zip(cs, GROWTH, strict=True)],
                "growth": f"{hi / lo:.1f}x" if lo and hi else "-",
                "raw": [c.samples for c in cs],
            }
        )
    return rows


TITLE = "core: the same 1,000-layer tree (10,002 nodes) in PyGlove 0.4.5, Fiddle 0.3.1, graftlab"


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "--worker":
        worker(argv[1])
        return
    print_report(TITLE, run(quick="--quick" in argv))


if __name__ == "__main__":
    main(sys.argv[1:])
