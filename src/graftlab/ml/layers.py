"""Layer components: dense, convolutions, normalization, dropout, pooling, embedding.

Each is a symbolic spec of hyperparameters; input widths are never written (they follow
from the input when the model is built), so a rule that changes one layer's ``features``
needs to change nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from graftlab.ml.base import Abstract, Builder, Component, output_of
from graftlab.symbolic.constraints import Range
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize

DType = Literal["float32", "bfloat16", "float16"] | None
Padding = Literal["SAME", "VALID"]


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _in_features(x: Abstract, what: str) -> int:
    if isinstance(x, tuple):
        raise ValueError(f"{what} takes one input, got {len(x)}")
    return int(x.shape[-1])


@symbolize
class Dense(Component):
    """A fully connected layer.

    Args:
      features: output width.
      use_bias: add a learned bias.
      dtype: computation dtype (parameters stay float32); None follows the input.
    """

    def __init__(
        self,
        features: Annotated[int, Range(1, None)],
        use_bias: bool = True,
        dtype: DType = None,
    ) -> None:
        self.features = features
        self.use_bias = use_bias
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml._nnx import dtype_of

        m = nnx.Linear(
            _in_features(x, "Dense"),
            self.features,
            use_bias=self.use_bias,
            dtype=dtype_of(self.dtype),
            rngs=b.rngs,
        )
        return m, output_of(m, x)


@symbolize
class Conv(Component):
    """A 2-D convolution over ``(batch, height, width, channels)``.

    Args:
      features: output channels.
      kernel_size: kernel height and width.
      strides: step between windows.
      padding: SAME keeps the spatial size (at stride 1), VALID does not pad.
      use_bias: add a learned bias.
      feature_group_count: split channels into groups (depthwise when equal to channels).
      dtype: computation dtype.
    """

    def __init__(
        self,
        features: Annotated[int, Range(1, None)],
        kernel_size: int | tuple[int, int] = 3,
        strides: int = 1,
        padding: Padding = "SAME",
        use_bias: bool = True,
        feature_group_count: int = 1,
        dtype: DType = None,
    ) -> None:
        self.features = features
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.use_bias = use_bias
        self.feature_group_count = feature_group_count
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml._nnx import dtype_of

        m = nnx.Conv(
            _in_features(x, "Conv"),
            self.features,
            kernel_size=_pair(self.kernel_size),
            strides=self.strides,
            padding=self.padding,
            use_bias=self.use_bias,
            feature_group_count=self.feature_group_count,
            dtype=dtype_of(self.dtype),
            rngs=b.rngs,
        )
        return m, output_of(m, x)


def _depthwise(spec: Any, channels: int, use_bias: bool, dtype: Any, b: Builder) -> Any:
    """The depthwise step shared by ``DepthwiseConv`` and ``SeparableConv``."""
    from flax import nnx

    return nnx.Conv(
        channels,
        channels * spec.depth_multiplier,
        kernel_size=_pair(spec.kernel_size),
        strides=spec.strides,
        padding=spec.padding,
        use_bias=use_bias,
        feature_group_count=channels,
        dtype=dtype,
        rngs=b.rngs,
    )


@symbolize
class DepthwiseConv(Component):
    """A depthwise 2-D convolution: one filter (or ``depth_multiplier``) per input channel."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int] = 3,
        strides: int = 1,
        padding: Padding = "SAME",
        use_bias: bool = True,
        depth_multiplier: Annotated[int, Range(1, None)] = 1,
        dtype: DType = None,
    ) -> None:
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.use_bias = use_bias
        self.depth_multiplier = depth_multiplier
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:

        from graftlab.ml._nnx import dtype_of

        c = _in_features(x, "DepthwiseConv")
        m = _depthwise(self, c, self.use_bias, dtype_of(self.dtype), b)
        return m, output_of(m, x)


@symbolize
class SeparableConv(Component):
    """A depthwise-separable convolution: depthwise ``kernel_size`` then pointwise 1x1.

    Args:
      features: output channels.
      kernel_size: kernel of the depthwise step.
      strides: stride of the depthwise step.
      padding: SAME or VALID.
      use_bias: add learned biases.
      depth_multiplier: depthwise filters per input channel.
      dtype: computation dtype.
    """

    def __init__(
        self,
        features: Annotated[int, Range(1, None)],
        kernel_size: int | tuple[int, int] = 3,
        strides: int = 1,
        padding: Padding = "SAME",
        use_bias: bool = True,
        depth_multiplier: Annotated[int, Range(1, None)] = 1,
        dtype: DType = None,
    ) -> None:
        self.features = features
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.use_bias = use_bias
        self.depth_multiplier = depth_multiplier
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml import _nnx

        c = _in_features(x, "SeparableConv")
        dt = _nnx.dtype_of(self.dtype)
        depthwise = _depthwise(self, c, False, dt, b)
        pointwise = nnx.Conv(
            c * self.depth_multiplier,
            self.features,
            kernel_size=(1, 1),
            use_bias=self.use_bias,
            dtype=dt,
            rngs=b.rngs,
        )
        m = _nnx.SeparableConv(depthwise, pointwise)
        return m, output_of(m, x)


@symbolize
class BatchNorm(Component):
    """Batch normalization over the last axis (running averages in evaluation)."""

    def __init__(
        self,
        momentum: Annotated[float, Range(0.0, 1.0)] = 0.9,
        epsilon: float = 1e-5,
        dtype: DType = None,
    ) -> None:
        self.momentum = momentum
        self.epsilon = epsilon
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml._nnx import dtype_of

        m = nnx.BatchNorm(
            _in_features(x, "BatchNorm"),
            momentum=self.momentum,
            epsilon=self.epsilon,
            dtype=dtype_of(self.dtype),
            rngs=b.rngs,
        )
        return m, x


@symbolize
class _LastAxisNorm(Component):
    """A normalization over the last axis (see ``LayerNorm`` and ``RMSNorm``).

    Args:
      epsilon: added to the variance for numerical stability.
      dtype: the computation's dtype (``None``: the input's).
    """

    _flax_class = ""

    def __init__(self, epsilon: float = 1e-6, dtype: DType = None) -> None:
        self.epsilon = epsilon
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml._nnx import dtype_of

        cls = getattr(nnx, self._flax_class)
        m = cls(
            _in_features(x, type(self).__name__),
            epsilon=self.epsilon,
            dtype=dtype_of(self.dtype),
            rngs=b.rngs,
        )
        return m, x


@symbolize
class LayerNorm(_LastAxisNorm):
    """Layer normalization over the last axis."""

    _flax_class = "LayerNorm"


@symbolize
class RMSNorm(_LastAxisNorm):
    """Root-mean-square normalization over the last axis (no mean subtraction)."""

    _flax_class = "RMSNorm"


@symbolize
class Dropout(Component):
    """Dropout with probability ``rate`` during training (the identity in evaluation)."""

    def __init__(self, rate: Annotated[float, Range(0.0, 1.0)] = 0.1) -> None:
        self.rate = rate

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        return nnx.Dropout(self.rate, rngs=b.rngs), x


@symbolize
class MaxPool(Component):
    """Max pooling over ``window`` x ``window`` patches (``strides`` defaults to the window)."""

    def __init__(
        self,
        window: Annotated[int, Range(1, None)] = 2,
        strides: int | None = None,
        padding: Padding = "VALID",
    ) -> None:
        self.window = window
        self.strides = strides
        self.padding = padding

    _kind = "max"

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Pool

        m = Pool(self._kind, self.window, self.strides or self.window, self.padding)
        return m, output_of(m, x)


@symbolize
class AvgPool(MaxPool):
    """Average pooling over ``window`` x ``window`` patches."""

    _kind = "avg"


@symbolize
class GlobalAvgPool(Component):
    """The mean over every spatial axis: ``(batch, H, W, C) -> (batch, C)``."""

    def __init__(self) -> None:
        pass

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import GlobalPool

        m = GlobalPool("avg")
        return m, output_of(m, x)


@symbolize
class Flatten(Component):
    """``(batch, ...) -> (batch, features)``."""

    def __init__(self) -> None:
        pass

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Flatten as F

        m = F()
        return m, output_of(m, x)


@symbolize
class Reshape(Component):
    """``(batch, ...) -> (batch, *shape)``."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Reshape as R

        m = R(tuple(self.shape))
        return m, output_of(m, x)


@symbolize
class Embedding(Component):
    """A lookup table of ``num_embeddings`` vectors of width ``features``."""

    def __init__(
        self,
        num_embeddings: Annotated[int, Range(1, None)],
        features: Annotated[int, Range(1, None)],
        dtype: DType = None,
    ) -> None:
        self.num_embeddings = num_embeddings
        self.features = features
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        from graftlab.ml._nnx import dtype_of

        m = nnx.Embed(self.num_embeddings, self.features, dtype=dtype_of(self.dtype), rngs=b.rngs)
        return m, output_of(m, x)


@symbolize
class PositionEmbedding(Component):
    """Learned absolute position embeddings for sequences up to ``max_length``."""

    def __init__(self, max_length: Annotated[int, Range(1, None)] = 128) -> None:
        self.max_length = max_length

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from flax import nnx

        m = nnx.Embed(self.max_length, _in_features(x, "PositionEmbedding"), rngs=b.rngs)
        return m, x
