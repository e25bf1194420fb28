"""Datasets that need no download: scikit-learn's bundled sets and synthetic sequence tasks.

A dataset spec holds its options only; ``load()`` returns the arrays (NumPy, so loading
never imports JAX). Splits are deterministic for a given ``seed``. A team's own dataset
subclasses ``Dataset`` (see docs/training.md): it says what a batch holds (``input_keys``,
``label_key``), how many classes (or vocabulary entries) it has, and returns ``Splits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from graftlab.symbolic.constraints import Range
from graftlab.symbolic.symbolize import symbolize


@dataclass
class Splits:
    """The train and test arrays of a dataset: ``{key: array}`` with a common first axis."""

    train: dict[str, np.ndarray]
    test: dict[str, np.ndarray]

    @property
    def train_size(self) -> int:
        return len(next(iter(self.train.values())))

    @property
    def test_size(self) -> int:
        return len(next(iter(self.test.values())))


class Dataset:
    """Base class of datasets.

    Subclasses (``@gl.symbolize``d, holding their options) define ``name``, ``task``
    (``"classification"`` or ``"sequence"``), ``num_classes`` (the vocabulary size for
    sequence tasks) and ``load() -> Splits``. A classification batch holds ``x`` and ``y``;
    a sequence batch holds ``inputs``, ``decoder_inputs`` and ``targets``.
    """

    name: ClassVar[str] = ""
    task: ClassVar[str] = "classification"

    @property
    def num_classes(self) -> int:
        raise NotImplementedError

    @property
    def input_keys(self) -> tuple[str, ...]:
        """The batch entries passed to the model, in order."""
        return ("x",) if self.task == "classification" else ("inputs", "decoder_inputs")

    @property
    def label_key(self) -> str:
        """The batch entry the loss compares the model's output with."""
        return "y" if self.task == "classification" else "targets"

    @property
    def example_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of one example of each batch entry (no batch axis), e.g.
        ``{"x": (8, 8, 1), "y": ()}``. Rules use it to fit a model to the data; the default
        loads the data, built-in datasets declare it without loading."""
        s = self.load()
        return {k: tuple(v.shape[1:]) for k, v in s.train.items()}

    def load(self) -> Splits:
        raise NotImplementedError


def split(arrays: dict[str, np.ndarray], test_fraction: float, seed: int) -> Splits:
    """A seeded shuffle-and-split of ``arrays`` (same permutation for every key)."""
    n = len(next(iter(arrays.values())))
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, round(n * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Splits(
        train={k: v[train] for k, v in arrays.items()},
        test={k: v[test] for k, v in arrays.items()},
    )


class _Sklearn(Dataset):
    _loader = ""
    _classes = 0
    _features_count = 0
    test_fraction: float
    seed: int
    standardize: bool

    @property
    def num_classes(self) -> int:
        return self._classes

    def _features(self) -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, self._loader)()
        return bunch.data.astype(np.float32), bunch.target.astype(np.int32)

    def _finish(self, x: np.ndarray, y: np.ndarray) -> Splits:
        s = split({"x": x, "y": y}, self.test_fraction, self.seed)
        if self.standardize:
            axes = tuple(range(s.train["x"].ndim - 1)) if s.train["x"].ndim > 2 else 0
            mean = s.train["x"].mean(axis=axes, keepdims=True)
            std = s.train["x"].std(axis=axes, keepdims=True) + 1e-6
            s.train["x"] = ((s.train["x"] - mean) / std).astype(np.float32)
            s.test["x"] = ((s.test["x"] - mean) / std).astype(np.float32)
        return s

    @property
    def example_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"x": (self._features_count,), "y": ()}

    def load(self) -> Splits:
        x, y = self._features()
        return self._finish(x, y)


@symbolize
class Digits(_Sklearn):
    """8x8 grey-level images of handwritten digits (1,797 samples, 10 classes).

    Args:
      test_fraction: share of the samples held out for evaluation.
      seed: seed of the split.
      image_size: side of the (square) images; other than 8 resizes them (bilinear).
      flat: give vectors of ``image_size**2`` values instead of ``(H, W, 1)`` images.
      standardize: scale inputs to zero mean and unit variance (train statistics).
    """

    name = "digits"
    _loader = "load_digits"
    _classes = 10

    def __init__(
        self,
        test_fraction: Annotated[float, Range(0.05, 0.95)] = 0.2,
        seed: int = 0,
        image_size: Annotated[int, Range(4, 256)] = 8,
        flat: bool = False,
        standardize: bool = True,
    ) -> None:
        self.test_fraction = test_fraction
        self.seed = seed
        self.image_size = image_size
        self.flat = flat
        self.standardize = standardize

    @property
    def example_shapes(self) -> dict[str, tuple[int, ...]]:
        s = self.image_size
        return {"x": (s * s,) if self.flat else (s, s, 1), "y": ()}

    def load(self) -> Splits:
        x, y = self._features()
        images = x.reshape(-1, 8, 8)
        if self.image_size != 8:
            from scipy.ndimage import zoom

            f = self.image_size / 8
            images = np.stack([zoom(im, f, order=1) for im in images]).astype(np.float32)
        s = self.image_size
        x = images.reshape(-1, s * s) if self.flat else images.reshape(-1, s, s, 1)
        return self._finish(x, y)


@symbolize
class _Tabular(_Sklearn):
    """A table of measurements from scikit-learn's bundled data sets.

    Args:
      test_fraction: share of the samples held out for evaluation.
      seed: seed of the split.
      standardize: scale inputs to zero mean and unit variance (train statistics).
    """

    def __init__(
        self,
        test_fraction: Annotated[float, Range(0.05, 0.95)] = 0.2,
        seed: int = 0,
        standardize: bool = True,
    ) -> None:
        self.test_fraction = test_fraction
        self.seed = seed
        self.standardize = standardize


@symbolize
class Iris(_Tabular):
    """Iris flowers: 4 measurements, 3 classes, 150 samples."""

    name = "iris"
    _loader = "load_iris"
    _features_count = 4
    _classes = 3


@symbolize
class Wine(_Tabular):
    """Wine cultivars: 13 chemical measurements, 3 classes, 178 samples."""

    name = "wine"
    _loader = "load_wine"
    _features_count = 13
    _classes = 3


@symbolize
class BreastCancer(_Tabular):
    """Breast cancer diagnosis: 30 features, 2 classes, 569 samples."""

    name = "breast_cancer"
    _loader = "load_breast_cancer"
    _features_count = 30
    _classes = 2


# --- synthetic sequence tasks -------------------------------------------------------------

PAD, BOS = 0, 1
_SPECIAL = 2


@symbolize
class _SequenceTask(Dataset):
    """Random token sequences and a deterministic transformation of each.

    Args:
      num_symbols: distinct tokens (the vocabulary adds PAD and BOS).
      length: tokens per sequence.
      train_size: training sequences.
      test_size: evaluation sequences.
      seed: seed of the generator.
    """

    task = "sequence"

    def __init__(
        self,
        num_symbols: Annotated[int, Range(2, None)] = 10,
        length: Annotated[int, Range(1, None)] = 8,
        train_size: Annotated[int, Range(1, None)] = 2048,
        test_size: Annotated[int, Range(1, None)] = 256,
        seed: int = 0,
    ) -> None:
        self.num_symbols = num_symbols
        self.length = length
        self.train_size = train_size
        self.test_size = test_size
        self.seed = seed

    @property
    def num_classes(self) -> int:
        """The vocabulary size: the symbols plus PAD and BOS."""
        return self.num_symbols + _SPECIAL

    @property
    def input_length(self) -> int:
        return self.length

    @property
    def target_length(self) -> int:
        return self.length

    @property
    def example_shapes(self) -> dict[str, tuple[int, ...]]:
        return {
            "inputs": (self.input_length,),
            "decoder_inputs": (self.target_length,),
            "targets": (self.target_length,),
        }

    def transform(self, seqs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _make(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        inputs = rng.integers(_SPECIAL, self.num_classes, size=(n, self.length)).astype(np.int32)
        targets = self.transform(inputs).astype(np.int32)
        decoder_inputs = np.concatenate([np.full((n, 1), BOS, np.int32), targets[:, :-1]], axis=1)
        return {"inputs": inputs, "decoder_inputs": decoder_inputs, "targets": targets}

    def load(self) -> Splits:
        rng = np.random.default_rng(self.seed)
        return Splits(train=self._make(self.train_size, rng), test=self._make(self.test_size, rng))


@symbolize
class CopyTask(_SequenceTask):
    """Copy the input sequence."""

    name = "copy"

    def transform(self, seqs: np.ndarray) -> np.ndarray:
        return seqs.copy()


@symbolize
class ReverseTask(_SequenceTask):
    """Reverse the input sequence."""

    name = "reverse"

    def transform(self, seqs: np.ndarray) -> np.ndarray:
        return seqs[:, ::-1].copy()


@symbolize
class SortTask(_SequenceTask):
    """Sort the input sequence."""

    name = "sort"

    def transform(self, seqs: np.ndarray) -> np.ndarray:
        return np.sort(seqs, axis=1)


DATASETS: dict[str, type[Dataset]] = {
    c.name: c for c in (Digits, Iris, Wine, BreastCancer, CopyTask, ReverseTask, SortTask)
}


def dataset(name: str, **options: Any) -> Dataset:
    """The dataset called ``name`` (``digits``, ``iris``, ``copy``...) with ``options``."""
    try:
        cls = DATASETS[name]
    except KeyError:
        raise ValueError(
            f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}"
        ) from None
    return cls(**options)


DatasetName = Literal["digits", "iris", "wine", "breast_cancer", "copy", "reverse", "sort"]
