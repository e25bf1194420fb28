"""Small symbolic classes (and a few shared rules) that the patching tests build and patch.

Test files say ``import patch_classes as pc`` (the tests directory is on ``sys.path``);
experiment files in temporary repositories say ``from patch_classes import ...`` with
``allowed_modules = ["patch_classes"]``. Rules registered here live under ``t/shared/``.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import graftlab as gl

ALLOWED = ["patch_classes"]

# Number of classes of each (pretend) dataset, as a rule would look it up.
NUM_CLASSES = {"digits": 10, "cifar100": 100, "iris": 3, "mnist": 10, "imagenet": 1000}


class Act(enum.Enum):
    RELU = "relu"
    LEAKY_RELU = "leaky_relu"
    GELU = "gelu"
    TANH = "tanh"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@gl.symbolize
class Conv:
    """A convolution.

    Args:
      features: output channels.
      kernel_size: square kernel size.
      strides: step of the kernel.
      padding: how borders are handled.
      activation: the nonlinearity after the convolution.
      use_bias: whether to add a bias.
    """

    def __init__(
        self,
        features: Annotated[int, gl.Range(1, 4096)],
        kernel_size: int = 3,
        strides: int = 1,
        padding: Literal["same", "valid"] = "same",
        activation: Act = Act.RELU,
        use_bias: bool = True,
    ) -> None:
        self.features = features
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.use_bias = use_bias


@gl.symbolize
class SeparableConv:
    """A depthwise-separable convolution (same arguments as Conv, plus a multiplier)."""

    def __init__(
        self,
        features: Annotated[int, gl.Range(1, 4096)],
        kernel_size: int = 3,
        strides: int = 1,
        padding: Literal["same", "valid"] = "same",
        activation: Act = Act.RELU,
        use_bias: bool = True,
        depth_multiplier: int = 1,
    ) -> None:
        self.features = features
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.use_bias = use_bias
        self.depth_multiplier = depth_multiplier


@gl.symbolize
class Dense:
    def __init__(
        self, features: Annotated[int, gl.Range(1, 100_000)], activation: Act | None = None
    ) -> None:
        self.features = features
        self.activation = activation


@gl.symbolize
class Relu:
    def __init__(self) -> None:
        pass


@gl.symbolize
class LeakyRelu:
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope


@gl.symbolize
class Gelu:
    def __init__(self, approximate: bool = False) -> None:
        self.approximate = approximate


@gl.symbolize
class Sequential:
    def __init__(self, layers: list[Any], name: str = "net") -> None:
        self.layers = layers
        self.name = name


@gl.symbolize
class Residual:
    def __init__(self, body: Any, activation: Any = None) -> None:
        self.body = body
        self.activation = activation


@gl.symbolize
class Adam:
    def __init__(
        self, learning_rate: Annotated[float, gl.Range(0.0, 10.0)] = 1e-3, b1: float = 0.9
    ) -> None:
        self.learning_rate = learning_rate
        self.b1 = b1


@gl.symbolize
class Sgd:
    def __init__(
        self, lr: Annotated[float, gl.Range(0.0, 10.0)] = 0.1, momentum: float = 0.0
    ) -> None:
        self.lr = lr
        self.momentum = momentum


@gl.symbolize
class Dataset:
    def __init__(
        self,
        name: str,
        num_classes: Annotated[int, gl.Range(1, 100_000)] = 10,
        split: str = "train",
    ) -> None:
        self.name = name
        self.num_classes = num_classes
        self.split = split


@gl.symbolize
class Experiment:
    """An experiment: a model, an optimizer, a dataset and a batch size."""

    def __init__(
        self,
        model: Any,
        optimizer: Any = None,
        dataset: Dataset | None = None,
        batch_size: Annotated[int, gl.Range(1, 1 << 20)] = 64,
        tags: list[str] = [],  # noqa: B006 - symbolic lists are copied
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.dataset = dataset
        self.batch_size = batch_size
        self.tags = tags


def small_cnn(num_classes: int = 10) -> Experiment:
    """A small CNN on digits: two convs, activations in the list, a classifier head."""
    return Experiment(
        model=Sequential(
            [
                Conv(
                    16,
                    kernel_size=5,
                    strides=2,
                    padding="valid",
                    activation=Act.GELU,
                    use_bias=False,
                ),
                Relu(),
                Conv(32),
                Relu(),
                Dense(num_classes),
            ]
        ),
        optimizer=Adam(learning_rate=1e-3),
        dataset=Dataset("digits", num_classes=num_classes),
        batch_size=64,
    )


# --- shared rules (for experiment files in temporary repositories) -------------------------


@gl.patcher("t/shared/change_lr")
def change_lr(target: Any, lr: Annotated[float, gl.Range(0.0, 10.0)]) -> Any:
    """Set the learning rate wherever it is (``lr`` or ``learning_rate``)."""
    out: dict[str, Any] = {}
    for path, opt in gl.query(target, (Adam, Sgd)).items():
        out[f"{path}.learning_rate" if isinstance(opt, Adam) else f"{path}.lr"] = lr
    return out


@gl.patcher("t/shared/scale_width")
def scale_width(target: Any, factor: float = 2.0, minimum: int = 8) -> Any:
    """Scale the width of every conv, never below ``minimum``.

    Args:
      factor: the width multiplier.
      minimum: the smallest width.
    """
    return {
        f"{path}.features": max(minimum, int(conv.features * factor))
        for path, conv in gl.query(target, (Conv, SeparableConv)).items()
    }


@gl.patcher("t/shared/change_dataset")
def change_dataset(
    target: Any, name: Literal["digits", "cifar100", "iris", "mnist", "imagenet"]
) -> Any:
    """Move to another dataset, and fix the classifier's output size to its classes."""
    n = NUM_CLASSES[name]
    last = len(target.model.layers) - 1
    return {
        "dataset": Dataset(name, num_classes=n),
        f"model.layers[{last}].features": n,
    }
