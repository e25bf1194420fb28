"""Symbolic classes covering the annotation forms the static index translates.

Imported by the parity test (the index itself only reads this file): each class's runtime
schema must equal what the index derives statically. Annotations are lazy here
(``from __future__ import annotations``); parity_corpus_eager.py has them evaluated eagerly.
"""

# ruff: noqa: UP006, UP007, UP037, UP045, RUF013, RUF036, RUF041, RUF100, F821, B006, I001

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Optional, Union

import graftlab as gl
from graftlab import symbolize as sym_alias
from graftlab.symbolic.constraints import Length, NonEmpty, Predicate, Range

DType = Literal["float32", "bfloat16"] | None
Padding = Literal["SAME", "VALID"]
MAX_WIDTH = 4096
Width = Annotated[int, Range(1, MAX_WIDTH)]


class Activation(enum.Enum):
    """Activations."""

    RELU = "relu"
    GELU = "gelu"
    TANH = "tanh"
    ALIAS = "relu"  # an alias: not a member of its own


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mode(enum.StrEnum):
    TRAIN = enum.auto()
    EVAL = enum.auto()


@gl.symbolize
class Conv:
    """A convolution.

    Args:
      features: output channels.
      kernel_size: the kernel's size, square.
      activation: what follows it.
    """

    def __init__(
        self,
        features: int,
        kernel_size: int = 3,
        activation: Activation = Activation.RELU,
        padding: Padding = "SAME",
    ) -> None:
        self.features = features


@gl.symbolize
class SepConv(Conv):
    """A separable convolution (a symbolic subclass with its own __init__)."""

    def __init__(self, features: int, multiplier: int = 1, **kwargs: Any) -> None:
        super().__init__(features, **kwargs)


class DeepConv(SepConv):
    """Auto-symbolized: a subclass of a symbolic class, without __init__ of its own."""


class WideConv(Conv):
    """Auto-symbolized subclass with its own signature (NumPy docstring).

    Parameters
    ----------
    width : int
        How wide, in channels.
    dropout : float, optional
        Dropout rate.
    """

    def __init__(self, width: Width = 64, *, dropout: Optional[float] = None) -> None:
        super().__init__(width)


@sym_alias
class Scalars:
    """Scalars and their defaults (Sphinx docstring).

    :param a: an int.
    :param b: a float.
    :param c: a string,
        on two lines.
    """

    def __init__(
        self,
        a: int,
        b: float = 1.0,
        c: str = "x",
        d: bool = False,
        e: int = None,  # type: ignore[assignment]
        f: Any = None,
        g: object = 3,
        h=5,
        i: None = None,
    ) -> None:
        pass


@gl.symbolize
class Optionals:
    def __init__(
        self,
        a: Optional[int],
        b: int | None,
        d: Union[int, str],
        c: Union[int, None] = None,
        e: Union[int, str, None] = None,
        f: Optional[Union[int, str]] = None,
        g: int | Optional[str] = None,
        h: Union[int, int] = 1,
        i: Optional[Optional[float]] = None,
        j: Conv | SepConv = None,  # type: ignore[assignment]
        k: Union[None, Conv, WideConv] = None,
    ) -> None:
        pass


@gl.symbolize
class Literals:
    def __init__(
        self,
        a: Literal["a", "b"],
        b: Literal[1, 2, 3] = 1,
        c: Literal["x", None] = None,
        d: Literal[True, False] = True,
        e: Literal[Literal["p"], "q"] = "p",
        f: Literal[-1, 0] = 0,
        g: DType = None,
        h: Padding = "VALID",
        i: Literal["a", "a", "b"] = "a",
        j: Optional[Literal["x", "y"]] = None,
    ) -> None:
        pass


@gl.symbolize
class Containers:
    def __init__(
        self,
        a: list[int],
        b: list = [],  # noqa: B006
        c: typing.List[float] = [],  # noqa: B006, UP006
        d: Sequence[str] = (),
        e: dict[str, int] = {},  # noqa: B006
        f: dict = {},  # noqa: B006
        g: typing.Dict[str, Conv] = {},  # noqa: B006, UP006
        h: Mapping[str, float] = {},  # noqa: B006
        i: tuple[int, ...] = (),
        j: tuple[int, str] = (1, "a"),
        k: tuple = (),
        m: typing.Tuple[int, int] = (1, 2),  # noqa: UP006
        n: list[dict[str, list[int]]] = [],  # noqa: B006
        o: dict[str, list[Conv | None]] = {},  # noqa: B006
        p: list[Optional[int]] = [],  # noqa: B006
        q: typing.Sequence[int] = (),  # noqa: UP006
        r: typing.Mapping[str, str] = {},  # noqa: B006, UP006
        s: tuple[()] = (),
    ) -> None:
        pass


@gl.symbolize
class Constrained:
    """Constraints.

    Args:
      a: between 1 and 4096.
    """

    def __init__(
        self,
        a: Annotated[int, gl.Range(1, 4096)],
        b: Annotated[float, Range(0.0, 1.0, min_inclusive=False)] = 0.5,
        c: Annotated[str, Length(1, 10)] = "x",
        d: Annotated[list[int], NonEmpty()] = [1],  # noqa: B006
        e: Annotated[int, Predicate(lambda x: x % 2 == 0, "even")] = 2,
        f: Optional[Annotated[int, Range(1, None)]] = None,
        g: Annotated[int, Range(max=10), Range(min=-5)] = 0,
        h: Annotated[Optional[int], Range(0)] = None,
        i: list[Annotated[int, Range(0, 9)]] = [],  # noqa: B006
        j: Width = 8,
        k: Annotated[int, "help text", Range(1e-3)] = 1,
        m: Annotated[float, gl.Range(min=1e-5, max=1.5, max_inclusive=False)] = 0.1,
    ) -> None:
        pass


@gl.symbolize
class Kinds:
    """Parameter kinds.

    Args:
      a: positional only.
      rest: the rest.
      kw: keyword only.
    """

    def __init__(self, a: int, b: str = "b", /, c: float = 1.0, *rest: int, kw: bool, kw2: int = 2):
        pass


@gl.symbolize
class Star:
    def __init__(self, *items: Conv, **extra: int) -> None:
        pass


@gl.symbolize
class Callables:
    def __init__(
        self,
        a: Callable,
        b: Callable[[int], int] | None = None,
        c: typing.Callable[..., Any] = print,  # noqa: UP006
        d: type[Conv] = Conv,
        e: type = int,
        f: Any = 1,
    ) -> None:
        pass


@gl.symbolize
class Enums:
    def __init__(
        self,
        act: Activation,
        level: Level = Level.LOW,
        mode: Optional[Mode] = None,
        acts: list[Activation] = [],  # noqa: B006
    ) -> None:
        pass


@gl.symbolize
class Strings:
    """String annotations: names defined before the class resolve, later ones do not."""

    def __init__(
        self,
        a: "Conv",  # noqa: UP037
        b: "list[Conv]" = [],  # noqa: B006, UP037
        c: "Optional[int]" = None,  # noqa: UP037
        d: Later | None = None,
        e: list[Strings] = [],  # noqa: B006
        f: "Literal['x', 'y']" = "x",  # noqa: UP037
    ) -> None:
        pass


class Later:
    pass


class Node:
    pass


@gl.symbolize
class Tree(Node):
    """A symbolic class with a plain base (no pass-through)."""

    def __init__(self, value: int, children: list[Node] = []) -> None:  # noqa: B006
        pass


class PlainBase:
    """A plain (non-symbolic) base whose parameters pass through ``**kwargs``."""

    def __init__(self, rate: float = 0.1, name: str | None = None, *, seed: int = 0) -> None:
        pass


@gl.symbolize
class PassThrough(PlainBase):
    """Pass-through to a plain base.

    Args:
      size: the size.
      rate: documented here, used by the base.
    """

    def __init__(self, size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)


class MiddleBase(PlainBase):
    def __init__(self, depth: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)


@gl.symbolize
class TwoLevels(MiddleBase):
    def __init__(self, top: str = "t", **kwargs: Any) -> None:
        super().__init__(**kwargs)


@gl.symbolize(runtime=("rng",))
class WithRuntime:
    def __init__(self, width: int, rng: Any = None) -> None:
        pass


class RuntimeChild(WithRuntime):
    def __init__(self, width: int, depth: int = 1, rng: Any = None) -> None:
        super().__init__(width, rng)


@gl.symbolize
@dataclass
class Data:
    """A dataclass.

    Attributes:
      x: the x.
      y: the y.
    """

    x: int
    y: float = 1.0
    tags: list[str] = field(default_factory=list)
    mode: Literal["a", "b"] = field(default="a")
    hidden: int = field(default=0, init=False)
    counter: ClassVar[int] = 0
    maybe: Optional[Conv] = None


@gl.symbolize
@dataclass(frozen=True)
class Frozen:
    name: str
    size: Width = 16


@gl.symbolize
@dataclass(kw_only=True)
class KwOnlyData:
    a: int
    b: str = "b"


@gl.symbolize
@dataclass
class MarkerData:
    a: int
    _: KW_ONLY
    b: int = 2
    c: str = field(default="c", kw_only=False)


class DataChild(Data):
    """Auto-symbolized subclass of a symbolic dataclass, not a dataclass itself."""


@dataclass
class DataGrandChild(Data):
    z: int = 0


@gl.symbolize
def make_optimizer(
    learning_rate: Annotated[float, Range(0.0)],
    momentum: float = 0.9,
    schedule: Literal["constant", "cosine"] = "constant",
    *,
    nesterov: bool = False,
) -> Conv:
    """Build an optimizer.

    Args:
      learning_rate: the step size.
      momentum: the momentum.
    """
    return Conv(1)


@gl.symbolize
def make_layers(n: int, *convs: Conv, **options: float) -> list:
    return []


class ThirdParty:
    """A class symbolized from outside its definition."""

    def __init__(self, alpha: float, beta: int = 2) -> None:
        pass


ThirdPartySym = gl.symbolize(ThirdParty)


class ThirdPartyChild(ThirdParty):
    """Defined after the outside symbolization: auto-symbolized too."""

    def __init__(self, alpha: float, gamma: str = "g") -> None:
        super().__init__(alpha)


@gl.symbolize
class UsesAll:
    """Unions of classes, nested symbolic types."""

    def __init__(
        self,
        layers: list[Conv | Tree],
        data: Data | None = None,
        by_name: dict[str, Optional[Conv]] = {},  # noqa: B006
        factory: make_optimizer | None = None,
        thing: ThirdParty | None = None,
    ) -> None:
        pass
