"""Losses and metrics as symbolic specs; their ``__call__`` runs inside the jitted step.

A loss maps ``(logits, labels)`` to per-example values (averaged by the trainer); labels
are integer classes (or token ids). ``Accuracy`` and ``Loss`` are the metrics the trainer
reports; a metric is a function of ``(logits, labels)`` averaged over examples.
"""

from __future__ import annotations

from typing import Annotated, Any

from graftlab.symbolic.constraints import Range
from graftlab.symbolic.symbolize import symbolize


class LossFn:
    """Base class of losses: ``loss(logits, labels) -> per-example loss``."""

    def __call__(self, logits: Any, labels: Any) -> Any:
        raise NotImplementedError

    def plain(self) -> LossFn:
        """This loss without training-only terms (label smoothing): what evaluation reports."""
        return self


@symbolize
class CrossEntropy(LossFn):
    """Softmax cross-entropy with integer labels, optionally with label smoothing."""

    def __init__(self, label_smoothing: Annotated[float, Range(0.0, 1.0)] = 0.0) -> None:
        self.label_smoothing = label_smoothing

    def plain(self) -> LossFn:
        return CrossEntropy() if self.label_smoothing else self

    def __call__(self, logits: Any, labels: Any) -> Any:
        import jax
        import jax.numpy as jnp
        import optax

        logits = logits.astype(jnp.float32)
        if not self.label_smoothing:
            return optax.softmax_cross_entropy_with_integer_labels(logits, labels)
        n = logits.shape[-1]
        onehot = jax.nn.one_hot(labels, n)
        smooth = onehot * (1 - self.label_smoothing) + self.label_smoothing / n
        return optax.softmax_cross_entropy(logits, smooth)


@symbolize
class MSE(LossFn):
    """Squared error between the outputs and one-hot labels (or float targets)."""

    def __init__(self) -> None:
        pass

    def __call__(self, logits: Any, labels: Any) -> Any:
        import jax
        import jax.numpy as jnp

        logits = logits.astype(jnp.float32)
        if jnp.issubdtype(labels.dtype, jnp.integer):
            labels = jax.nn.one_hot(labels, logits.shape[-1])
        return ((logits - labels) ** 2).mean(axis=-1)


class Metric:
    """Base class of metrics: ``metric(logits, labels) -> per-example values``."""

    name = ""

    def __call__(self, logits: Any, labels: Any) -> Any:
        raise NotImplementedError


@symbolize
class Accuracy(Metric):
    """The share of examples (or tokens) whose arg-max prediction is the label."""

    name = "accuracy"

    def __init__(self) -> None:
        pass

    def __call__(self, logits: Any, labels: Any) -> Any:
        import jax.numpy as jnp

        return (jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32)


@symbolize
class SequenceAccuracy(Metric):
    """The share of sequences predicted entirely right (for sequence tasks)."""

    name = "sequence_accuracy"

    def __init__(self) -> None:
        pass

    def __call__(self, logits: Any, labels: Any) -> Any:
        import jax.numpy as jnp

        right = jnp.argmax(logits, axis=-1) == labels
        return right.all(axis=tuple(range(1, right.ndim))).astype(jnp.float32)
