"""``Experiment`` and ``Trainer``: what to train, on what, and how (hyperparameters only).

``Experiment(model, dataset, optimizer, trainer).run(context)`` builds the model, trains it
and returns the final metrics. Nothing here imports JAX: the run does, when it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from graftlab.ml.datasets import Dataset
from graftlab.ml.losses import Accuracy, CrossEntropy, LossFn, Metric, SequenceAccuracy
from graftlab.ml.optim import Adam, Optimizer
from graftlab.symbolic.constraints import Range
from graftlab.symbolic.symbolize import symbolize

if TYPE_CHECKING:
    from graftlab.repo.context import RunContext


@symbolize
class Trainer:
    """How to train: length, batches, evaluation, checkpoints, seed.

    Args:
      steps: optimizer steps; None trains for ``epochs`` instead.
      epochs: passes over the training split (used when ``steps`` is None; default 10).
      batch_size: global batch (split over every device; must divide by their count).
      eval_every: evaluate on the test split (and report metrics) every N steps and at the end.
      eval_batch_size: batch for evaluation (None: ``batch_size``).
      loss: the training loss.
      metrics: metrics reported at each evaluation (the loss is always reported); None:
        accuracy, and for sequence tasks also whole-sequence accuracy.
      decoding: how sequence tasks are evaluated: ``free_running`` (the model reads its own
        greedy predictions, as when it is used) or ``teacher_forced`` (it reads the true
        previous tokens); None: free-running for sequence tasks.
      checkpoint_every: save a checkpoint every N steps (None: at each evaluation; 0: never).
      keep_checkpoints: how many checkpoints to keep.
      seed: seed of initialization, data order and dropout (a run's seed overrides it).
      fail_on_nonfinite: a NaN/inf training loss or metric fails the run (naming the step
        and the suspicious values); False keeps training and reports the non-finite values.
    """

    def __init__(
        self,
        steps: Annotated[int, Range(1, None)] | None = None,
        epochs: Annotated[int, Range(1, None)] | None = None,
        batch_size: Annotated[int, Range(1, None)] = 64,
        eval_every: Annotated[int, Range(1, None)] = 100,
        eval_batch_size: int | None = None,
        loss: LossFn = CrossEntropy(),  # noqa: B008
        metrics: list[Metric] | None = None,
        checkpoint_every: int | None = None,
        keep_checkpoints: Annotated[int, Range(1, None)] = 2,
        seed: int = 0,
        fail_on_nonfinite: bool = True,
        decoding: Literal["free_running", "teacher_forced"] | None = None,
    ) -> None:
        self.steps = steps
        self.epochs = epochs
        self.batch_size = batch_size
        self.eval_every = eval_every
        self.eval_batch_size = eval_batch_size
        self.loss = loss
        self.metrics = metrics
        self.checkpoint_every = checkpoint_every
        self.keep_checkpoints = keep_checkpoints
        self.seed = seed
        self.fail_on_nonfinite = fail_on_nonfinite
        self.decoding = decoding

    def metrics_for(self, dataset: Dataset) -> list[Metric]:
        """The metrics reported on ``dataset``: ``metrics``, or the defaults of its task."""
        if self.metrics is not None:
            return list(self.metrics)
        if dataset.task == "sequence":
            return [Accuracy(), SequenceAccuracy()]
        return [Accuracy()]

    def free_running(self, dataset: Dataset) -> bool:
        """Whether evaluation decodes autoregressively (sequence tasks with a decoder input)."""
        if self.decoding == "teacher_forced" or dataset.task != "sequence":
            return False
        return len(tuple(dataset.input_keys)) == 2

    def total_steps(self, train_size: int) -> int:
        """The number of optimizer steps for a training split of ``train_size`` examples."""
        if self.steps is not None:
            return self.steps
        per_epoch = max(1, train_size // self.batch_size)
        return per_epoch * (self.epochs or 10)


@symbolize
class Experiment:
    """A training run: a model, a dataset, an optimizer and a trainer.

    Args:
      model: the model (a graftlab.ml component, a symbolized nnx.Module or a Linen module).
      dataset: the data, with its train/test split.
      optimizer: the optimizer and its learning-rate schedule.
      trainer: how long and how to train.
    """

    def __init__(
        self,
        model: Any,
        dataset: Dataset,
        optimizer: Optimizer = Adam(),  # noqa: B008
        trainer: Trainer = Trainer(),  # noqa: B008
    ) -> None:
        self.model = model
        self.dataset = dataset
        self.optimizer = optimizer
        self.trainer = trainer

    def run(self, context: RunContext | None = None) -> dict[str, float]:
        """Train and evaluate; returns the final metrics (also streamed to ``context``)."""
        from graftlab.ml.runtime.loop import run_experiment

        return run_experiment(self, context)
