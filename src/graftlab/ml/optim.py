"""Optimizers (optax) and learning-rate schedules as symbolic specs.

``Adam(learning_rate=1e-3, schedule=WarmupCosine(warmup_steps=100))``: the schedule scales
the peak ``learning_rate``; its length defaults to the run's total number of steps.
``optimizer.create(total_steps)`` imports optax and returns the ``GradientTransformation``.
"""

from __future__ import annotations

from typing import Annotated, Any

from graftlab.symbolic.constraints import Range
from graftlab.symbolic.symbolize import symbolize

LearningRate = Annotated[float, Range(0.0, 10.0)]


class Schedule:
    """Base class of learning-rate schedules (a multiplier of the peak rate over steps)."""

    def create(self, peak: float, total_steps: int) -> Any:
        raise NotImplementedError


@symbolize
class Constant(Schedule):
    """The same learning rate at every step."""

    def __init__(self) -> None:
        pass

    def create(self, peak: float, total_steps: int) -> Any:
        import optax

        return optax.constant_schedule(peak)


@symbolize
class Cosine(Schedule):
    """Cosine decay from the peak to ``alpha * peak`` over ``decay_steps`` (None: the run)."""

    def __init__(self, decay_steps: int | None = None, alpha: float = 0.0) -> None:
        self.decay_steps = decay_steps
        self.alpha = alpha

    def create(self, peak: float, total_steps: int) -> Any:
        import optax

        return optax.cosine_decay_schedule(peak, self.decay_steps or total_steps, self.alpha)


@symbolize
class WarmupCosine(Schedule):
    """Linear warmup from ``init_fraction * peak`` over ``warmup_steps``, then cosine decay."""

    def __init__(
        self,
        warmup_steps: Annotated[int, Range(0, None)] = 100,
        decay_steps: int | None = None,
        init_fraction: float = 0.0,
        end_fraction: float = 0.0,
    ) -> None:
        self.warmup_steps = warmup_steps
        self.decay_steps = decay_steps
        self.init_fraction = init_fraction
        self.end_fraction = end_fraction

    def create(self, peak: float, total_steps: int) -> Any:
        import optax

        decay = max(self.decay_steps or total_steps, self.warmup_steps + 1)
        return optax.warmup_cosine_decay_schedule(
            init_value=peak * self.init_fraction,
            peak_value=peak,
            warmup_steps=self.warmup_steps,
            decay_steps=decay,
            end_value=peak * self.end_fraction,
        )


class Optimizer:
    """Base class of optimizer specs: ``create(total_steps)`` gives an optax transformation."""

    learning_rate: float
    schedule: Schedule
    clip_norm: float | None

    def _rate(self, total_steps: int) -> Any:
        return self.schedule.create(self.learning_rate, total_steps)

    def _base(self, lr: Any) -> Any:
        raise NotImplementedError

    def create(self, total_steps: int) -> Any:
        import optax

        tx = self._base(self._rate(total_steps))
        if self.clip_norm:
            tx = optax.chain(optax.clip_by_global_norm(self.clip_norm), tx)
        return tx


@symbolize
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Args:
      learning_rate: the (peak) learning rate.
      momentum: momentum coefficient (0: none).
      nesterov: use Nesterov momentum.
      schedule: how the rate changes over the run.
      clip_norm: clip gradients to this global norm.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.1,
        momentum: Annotated[float, Range(0.0, 1.0)] = 0.9,
        nesterov: bool = False,
        schedule: Schedule = Constant(),  # noqa: B008
        clip_norm: float | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.clip_norm = clip_norm

    def _base(self, lr: Any) -> Any:
        import optax

        return optax.sgd(lr, momentum=self.momentum or None, nesterov=self.nesterov)


@symbolize
class Adam(Optimizer):
    """Adam.

    Args:
      learning_rate: the (peak) learning rate.
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: numerical stability term.
      schedule: how the rate changes over the run.
      clip_norm: clip gradients to this global norm.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 1e-3,
        b1: Annotated[float, Range(0.0, 1.0)] = 0.9,
        b2: Annotated[float, Range(0.0, 1.0)] = 0.999,
        eps: float = 1e-8,
        schedule: Schedule = Constant(),  # noqa: B008
        clip_norm: float | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.b1 = b1
        self.b2 = b2
        self.eps = eps
        self.schedule = schedule
        self.clip_norm = clip_norm

    def _base(self, lr: Any) -> Any:
        import optax

        return optax.adam(lr, b1=self.b1, b2=self.b2, eps=self.eps)


@symbolize
class AdamW(Optimizer):
    """Adam with decoupled weight decay.

    Args:
      learning_rate: the (peak) learning rate.
      weight_decay: decay coefficient.
      b1: decay of the first moment.
      b2: decay of the second moment.
      eps: numerical stability term.
      schedule: how the rate changes over the run.
      clip_norm: clip gradients to this global norm.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 1e-3,
        weight_decay: Annotated[float, Range(0.0, None)] = 1e-4,
        b1: Annotated[float, Range(0.0, 1.0)] = 0.9,
        b2: Annotated[float, Range(0.0, 1.0)] = 0.999,
        eps: float = 1e-8,
        schedule: Schedule = Constant(),  # noqa: B008
        clip_norm: float | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.b1 = b1
        self.b2 = b2
        self.eps = eps
        self.schedule = schedule
        self.clip_norm = clip_norm

    def _base(self, lr: Any) -> Any:
        import optax

        return optax.adamw(lr, b1=self.b1, b2=self.b2, eps=self.eps, weight_decay=self.weight_decay)
