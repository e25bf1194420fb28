"""The hyper values: ``oneof``, ``manyof``, ``floatv``, ``intv`` (and ``uri`` for patches).

Each stands where a value stands, in an experiment file or in Python::

    Conv(features=oneof([32, 64, 128]), kernel_size=intv(1, 7))
    Adam(learning_rate=floatv(1e-4, 1e-1, scale="log"))
    Derived(base="baseline", patches=[oneof(["swap_conv", "add_skip", None])])

They are symbolic classes (so the safe loader builds them, the writer writes them back and
diffs show them) and placeholders of the symbolic core: a field accepts one when every
value it can become fits the field (choices of the right type, bounds inside its range).
Names default to the key path where the value stands; ``name=`` overrides it, and two
values with the same explicit name are one decision.
"""

from __future__ import annotations

import math
from typing import Any

from graftlab.hyper.errors import HyperError
from graftlab.symbolic import nodes, placeholder
from graftlab.symbolic.clone import clone
from graftlab.symbolic.errors import ValidationError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize


def _chain_item_spec() -> Any:
    """The spec of one entry of ``Derived.patches`` (where ``None`` and lists mean more)."""
    from graftlab.patching.derived import Derived

    return Derived.__sym_schema__.fields["patches"].spec.item  # type: ignore[attr-defined]


def _check_candidate(spec: Any, value: Any, path: KeyPath) -> None:
    """Whether ``value`` could stand in a field of ``spec`` (without touching ``value``)."""
    if spec is _chain_item_spec() and (value is None or isinstance(value, list)):
        # In a patch chain, None drops the entry and a list of patches is spliced in.
        for i, v in enumerate(value or ()):
            _check_candidate(spec, v, path.child(i))
        return
    if type(value) in placeholder.TYPES:
        value.sym_stand_in(spec)
        return
    if placeholder.TEMPLATE_KEY in getattr(value, "__dict__", {}):
        return  # an object with choices inside: its own fields were checked when it was built
    try:
        spec.check(clone(value) if nodes.is_node(value) else value)
    except ValidationError as e:
        e.path = KeyPath((*path, *(e.path or ())))
        e.args = (e._render(),)
        raise


class _Hyper:
    """Common behaviour of hyper values (placeholders of the symbolic core)."""

    name: str | None

    def sym_stand_in(self, spec: Any) -> None:
        raise NotImplementedError


@symbolize
class oneof(_Hyper):
    """One of ``candidates``; a candidate may be a whole sub-tree with choices of its own.

    Args:
      candidates: the values to choose from (at least one).
      name: the decision's name (default: the key path where it stands).
    """

    def __init__(self, candidates: list[Any], /, *, name: str | None = None) -> None:
        placeholder.activate()
        if len(candidates) == 0:
            raise HyperError("oneof needs at least one candidate")
        self.candidates = candidates
        self.name = name

    def sym_stand_in(self, spec: Any) -> None:
        args = self.__dict__["_sym_"].args
        for i, c in enumerate(args["candidates"]):
            _check_candidate(spec, c, KeyPath(("candidates", i)))


@symbolize
class manyof(_Hyper):
    """``k`` of ``candidates`` as a list: ``distinct`` picks each at most once, ``sorted``
    keeps the candidates' order (so only the set matters).

    Args:
      k: how many to pick.
      candidates: the values to pick from (fixed values: no choices inside).
      distinct: pick each candidate at most once.
      sorted: keep the picked candidates in the order they are listed.
      name: the decision's name (default: the key path where it stands).
    """

    def __init__(
        self,
        k: int,
        candidates: list[Any],
        /,
        *,
        distinct: bool = True,
        sorted: bool = False,
        name: str | None = None,
    ) -> None:
        placeholder.activate()
        if k < 0:
            raise HyperError(f"manyof: k must be >= 0, got {k}")
        if distinct and k > len(candidates):
            raise HyperError(
                f"manyof: cannot pick {k} distinct values from {len(candidates)} candidates"
            )
        if not candidates and k:
            raise HyperError("manyof needs candidates")
        self.k = k
        self.candidates = candidates
        self.distinct = distinct
        self.sorted = sorted
        self.name = name

    def sym_stand_in(self, spec: Any) -> None:
        args = self.__dict__["_sym_"].args
        k = args["k"]
        for i, c in enumerate(args["candidates"]):
            if placeholder.holds_choices(c):
                raise ValidationError(
                    "manyof candidates must be fixed values (use oneof for choices inside)",
                    KeyPath(("candidates", i)),
                )
            _check_candidate(spec, [clone(c) for _ in range(max(k, 1))], KeyPath(("candidates", i)))


def _number_check(spec: Any, lo: Any, hi: Any) -> None:
    for key, v in (("lo", lo), ("hi", hi)):
        _check_candidate(spec, v, KeyPath((key,)))


@symbolize
class floatv(_Hyper):
    """A float in ``[lo, hi]``, searched on a ``linear`` or ``log`` scale.

    Args:
      lo: the smallest value.
      hi: the largest value.
      scale: ``"linear"`` or ``"log"`` (``lo`` must then be > 0).
      name: the decision's name (default: the key path where it stands).
    """

    def __init__(
        self, lo: float, hi: float, /, *, scale: str = "linear", name: str | None = None
    ) -> None:
        placeholder.activate()
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise HyperError(f"floatv: need finite lo <= hi, got {lo} and {hi}")
        if scale not in ("linear", "log"):
            raise HyperError(f"floatv: scale must be 'linear' or 'log', got {scale!r}")
        if scale == "log" and lo <= 0:
            raise HyperError(f"floatv: a log scale needs lo > 0, got {lo}")
        self.lo, self.hi, self.scale, self.name = lo, hi, scale, name

    def sym_stand_in(self, spec: Any) -> None:
        args = self.__dict__["_sym_"].args
        _number_check(spec, args["lo"], args["hi"])


@symbolize
class intv(_Hyper):
    """An int in ``[lo, hi]`` (both included).

    Args:
      lo: the smallest value.
      hi: the largest value.
      name: the decision's name (default: the key path where it stands).
    """

    def __init__(self, lo: int, hi: int, /, *, name: str | None = None) -> None:
        placeholder.activate()
        if lo > hi:
            raise HyperError(f"intv: need lo <= hi, got {lo} and {hi}")
        self.lo, self.hi, self.name = lo, hi, name

    def sym_stand_in(self, spec: Any) -> None:
        args = self.__dict__["_sym_"].args
        _number_check(spec, args["lo"], args["hi"])


@symbolize
class uri(_Hyper):
    """A patch URI whose arguments may be hyper values: ``uri("scale_width", factor=floatv(1, 3))``.

    Materialized, it is the URI string ``scale_width?factor=2.25``.

    Args:
      rule: the patch rule's name.
      args: the rule's arguments (values or hyper values).
    """

    def __init__(self, rule: str, /, **args: Any) -> None:
        self.rule = rule
        self.args = args
        self.name = None

    def sym_stand_in(self, spec: Any) -> None:
        _check_candidate(spec, "uri", KeyPath())


for _cls in (oneof, manyof, floatv, intv, uri):
    placeholder.register(_cls)

HYPER_TYPES: tuple[type, ...] = (oneof, manyof, floatv, intv)
