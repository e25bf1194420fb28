"""Symbolic classes whose annotations are evaluated eagerly (no ``__future__`` import).

String annotations here are forward references resolved at symbolization time: a name bound
before the class resolves, a later one (or one imported only under ``TYPE_CHECKING``) makes
the runtime fall back to ``Any`` — and the index must say the same.
"""

# ruff: noqa: UP006, UP007, UP037, UP045, RUF013, RUF036, RUF041, RUF100, F821, B006, I001

import typing
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import graftlab
from graftlab import Range
from graftlab import symbolize as sym
from parity_corpus import Activation, Conv, DType, PlainBase, Width

if TYPE_CHECKING:
    from parity_corpus import Tree


class Early:
    pass


@sym
class Eager:
    """Eager annotations.

    Args:
        a: an int.
        b: forward reference, bound before.
    """

    def __init__(
        self,
        a: int,
        b: "Early",
        d: Optional["Conv"] = None,
        e: "Tree | None" = None,
        f: list["Early"] = [],  # noqa: B006
        g: Annotated[int, Range(2, 8)] = 4,
        h: DType = None,
        i: Width = 3,
        j: Activation = Activation.GELU,
        k: "typing.Optional[Activation]" = None,
    ) -> None:
        pass


@sym
class LateRefs:
    """A string naming a class bound after this one: the runtime falls back to Any."""

    def __init__(self, c: "Late", d: int = 1) -> None:  # noqa: F821
        pass


class Late:
    pass


@graftlab.symbolize(runtime=["ctx"])
class Imported(PlainBase):
    """Pass-through to a base in another module."""

    def __init__(self, conv: Conv, ctx: object = None, **kwargs: float) -> None:
        super().__init__(**kwargs)


class ImportedChild(Conv):
    """A subclass, in another module, of a symbolic class: auto-symbolized."""

    def __init__(self, features: int, note: Literal["n", "m"] = "n", **kwargs) -> None:
        super().__init__(features, **kwargs)


@graftlab.symbolize(runtime=("seed",))
def seeded(width: int, seed: int = 0, scale: "float" = 1.0) -> Conv:
    return Conv(width)
