"""Drawing points of a space: random samples, mutations, and the grid.

All functions walk the space's decision tree, so a ``oneof`` that changes its candidate
brings the conditional decisions of the new candidate (sampled afresh) and drops those of
the old one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

from graftlab.hyper.space import Decision, Space


def _clamp(d: Decision, x: float) -> float:
    # exp(log(hi)) can round a hair above hi: keep every value inside the range
    return min(d.hi, max(d.lo, x))


def sample_value(d: Decision, rng: random.Random) -> Any:
    """A uniformly random value of one decision (log-uniform on a log scale)."""
    if d.kind == "oneof":
        return rng.randrange(d.n)
    if d.kind == "int":
        return rng.randint(int(d.lo), int(d.hi))
    if d.kind == "float":
        if d.scale == "log":
            return _clamp(d, math.exp(rng.uniform(math.log(d.lo), math.log(d.hi))))
        return _clamp(d, rng.uniform(d.lo, d.hi))
    picks = rng.sample(range(d.n), d.k) if d.distinct else [rng.randrange(d.n) for _ in range(d.k)]
    return sorted(picks) if d.sorted else picks


def sample(space: Space, rng: random.Random, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """A random point; values in ``given`` are kept where they are still active."""
    out: dict[str, Any] = {}
    stack = list(reversed(space.roots))
    while stack:
        d = stack.pop()
        if d.name in out:
            continue  # a shared (explicitly named) decision met twice
        v = given[d.name] if given is not None and d.name in given else sample_value(d, rng)
        out[d.name] = v
        if d.kind == "oneof" and v in d.children:
            stack.extend(reversed(d.children[v]))
    return out


def mutate(space: Space, point: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``point`` with one active decision changed (conditional decisions follow it)."""
    active = [d for d in space.active(point) if d.size != 1]
    if not active:
        return dict(point)
    d = rng.choice(active)
    old = point[d.name]
    new = old
    for _ in range(16):
        new = _mutated_value(d, old, rng)
        if new != old:
            break
    kept = {k: v for k, v in point.items() if k != d.name}
    kept[d.name] = new
    if d.kind == "oneof":
        # drop the old candidate's conditional decisions; the new ones are sampled
        for dropped in _below(d, old):
            kept.pop(dropped, None)
    return sample(space, rng, kept)


def _below(d: Decision, index: int) -> Iterator[str]:
    for child in d.children.get(index, []):
        yield child.name
        for i in child.children:
            yield from _below(child, i)


def _mutated_value(d: Decision, old: Any, rng: random.Random) -> Any:
    if d.kind == "float" and rng.random() < 0.5:
        # a local step: a fifth of the range (in log space on a log scale)
        lo, hi, x = d.lo, d.hi, old
        if d.scale == "log":
            lo, hi, x = math.log(lo), math.log(hi), math.log(old)
        x = min(hi, max(lo, x + rng.gauss(0.0, (hi - lo) / 5)))
        return _clamp(d, math.exp(x) if d.scale == "log" else x)
    if d.kind == "int" and rng.random() < 0.5:
        return min(int(d.hi), max(int(d.lo), old + rng.choice((-1, 1))))
    if d.kind == "manyof" and d.k:
        picks = list(old)
        i = rng.randrange(d.k)
        choices = [c for c in range(d.n) if not d.distinct or c not in picks]
        if choices:
            picks[i] = rng.choice(choices)
        return sorted(picks) if d.sorted else picks
    return sample_value(d, rng)


def grid_values(d: Decision, size: int) -> list[Any]:
    """The values of one decision on a grid: every value, ``size`` points for a float range."""
    if d.kind == "oneof":
        return list(range(d.n))
    if d.kind == "int":
        lo, hi = int(d.lo), int(d.hi)
        if hi - lo + 1 <= size:
            return list(range(lo, hi + 1))
        return sorted({round(lo + (hi - lo) * i / (size - 1)) for i in range(size)})
    if d.kind == "float":
        if size == 1 or d.lo == d.hi:
            return [d.lo]
        if d.scale == "log":
            a, b = math.log(d.lo), math.log(d.hi)
            inner = [math.exp(a + (b - a) * i / (size - 1)) for i in range(1, size - 1)]
            return [d.lo, *inner, d.hi]
        return [d.lo + (d.hi - d.lo) * i / (size - 1) for i in range(size)]
    import itertools

    n, k = d.n, d.k
    if d.distinct:
        gen = (
            itertools.combinations(range(n), k) if d.sorted else itertools.permutations(range(n), k)
        )
    else:
        gen = (
            itertools.combinations_with_replacement(range(n), k)
            if d.sorted
            else itertools.product(range(n), repeat=k)
        )
    return [list(p) for p in gen]


def grid(
    space: Space, sizes: dict[str, int] | None = None, default: int = 3
) -> Iterator[dict[str, Any]]:
    """Every point of the grid, in a fixed order (conditional decisions included)."""
    sizes = sizes or {}

    def points(decisions: list[Decision]) -> Iterator[dict[str, Any]]:
        if not decisions:
            yield {}
            return
        first, rest = decisions[0], decisions[1:]
        for v in grid_values(first, sizes.get(first.name, default)):
            head = {first.name: v}
            subs = first.children.get(v, []) if first.kind == "oneof" else []
            for sub in points(subs):
                for tail in points(rest):
                    yield {**head, **sub, **tail}

    yield from points(space.roots)


def grid_size(space: Space, sizes: dict[str, int] | None = None, default: int = 3) -> int:
    """How many points ``grid`` yields."""
    sizes = sizes or {}

    def count(decisions: list[Decision]) -> int:
        total = 1
        for d in decisions:
            values = grid_values(d, sizes.get(d.name, default))
            if d.kind == "oneof":
                total *= sum(count(d.children.get(v, [])) for v in values)
            else:
                total *= len(values)
        return total

    return count(space.roots)
