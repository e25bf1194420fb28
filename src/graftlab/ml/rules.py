"""The standard rule library: common ML ideas as patch rules (importing it never imports JAX).

Rules take an experiment (or any tree of ``graftlab.ml`` components) and return the edits.
The output layer of a model is the argument called ``head``; width rules leave it alone.

| rule | what it changes |
|---|---|
| ``change_dataset?name=`` | the dataset, and the model's output layer (and vocabulary) |
| ``change_lr?lr`` | every ``lr`` / ``learning_rate`` argument |
| ``scale_width?factor&minimum`` | ``features``/``hidden`` of every layer but the head |
| ``scale_depth?factor`` | the number of blocks in every run of repeated blocks |
| ``swap_conv`` | every ``Conv`` becomes a ``SeparableConv`` with the same arguments |
| ``change_activation?to&from_`` | activations (all, or those of kind ``from_``) |
| ``add_skip_connections`` | conv/dense blocks become ``Residual`` blocks (with projections) |
| ``scale_lr_with_batch_size?batch_size`` | batch size, learning rate scaled linearly |
| ``mixed_precision?dtype`` | the computation ``dtype`` of every layer |
| ``compound_scaling?phi`` | EfficientNet's depth, width and resolution scaling |
| ``decoder_only`` | an encoder-decoder Transformer becomes decoder-only |
| ``relative_position_biases`` | relative position biases instead of absolute positions |
| ``gated_gelu`` | gated-GELU feed-forward layers |
| ``pre_norm`` | pre-normalization in every transformer block |
| ``lamda_like?depth&width`` | the five above: a LaMDA-style decoder-only language model |
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from graftlab.ml.activations import ACTIVATIONS, GELU, is_activation
from graftlab.ml.attention import FeedForward, MultiHeadAttention, TransformerBlock
from graftlab.ml.blocks import ConvBlock, DenseBlock, Residual
from graftlab.ml.datasets import DATASETS, Dataset, DatasetName
from graftlab.ml.experiment import Trainer
from graftlab.ml.layers import Conv, Dense, Embedding, LayerNorm, MaxPool, SeparableConv
from graftlab.ml.models import Transformer
from graftlab.patching.errors import PatchError
from graftlab.patching.rule import patcher
from graftlab.symbolic.clone import clone
from graftlab.symbolic.constraints import Range
from graftlab.symbolic.equality import eq
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import get, state_of
from graftlab.symbolic.query import query, walk

ActivationName = Literal["relu", "gelu", "leaky_relu", "tanh", "silu", "sigmoid", "elu", "identity"]
PrecisionName = Literal["bfloat16", "float16", "float32"]

_WIDTH_FIELDS = ("features", "hidden", "qkv_features")
_DEPTH_LISTS = ("layers", "encoder", "decoder")
_REPEATABLE = (ConvBlock, DenseBlock, Residual, TransformerBlock)


def _args(obj: Any) -> dict[str, Any]:
    st = state_of(obj)
    return dict(st.args) if st is not None else {}


def _is_head(path: KeyPath) -> bool:
    return bool(path) and path[-1] == "head"


def _objects(target: Any) -> list[tuple[KeyPath, Any]]:
    return [(p, v) for p, v in walk(target, include_root=True) if state_of(v) is not None]


def _at(path: KeyPath, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- data and optimization ----------------------------------------------------------------


@patcher("change_dataset")
def change_dataset(
    target: Any,
    name: DatasetName,
    num_symbols: int | None = None,
    length: int | None = None,
    train_size: int | None = None,
    test_size: int | None = None,
    image_size: int | None = None,
    flat: bool | None = None,
    test_fraction: float | None = None,
    standardize: bool | None = None,
    seed: int | None = None,
) -> Any:
    """Move to another bundled dataset and fit the model's input and output to it.

    Options of the current dataset that the new one also has are kept (a 16-symbol task
    stays 16 symbols); the URI sets others. The model is fitted from the dataset's declared
    shapes (output layer, vocabulary, position embeddings); a model that cannot read the
    dataset (a CNN on vectors, a Transformer on images) is refused.

    Args:
      name: the dataset (digits, iris, wine, breast_cancer, copy, reverse, sort).
      num_symbols: sequence tasks: distinct tokens.
      length: sequence tasks: tokens per sequence.
      train_size: sequence tasks: training sequences.
      test_size: sequence tasks: evaluation sequences.
      image_size: digits: side of the images.
      flat: digits: vectors instead of images.
      test_fraction: scikit-learn sets: share held out for evaluation.
      standardize: scikit-learn sets: zero mean, unit variance.
      seed: seed of the split or generator.
    """
    cls = DATASETS[name]
    fields = cls.__sym_schema__.fields  # type: ignore[attr-defined]
    options = {
        "num_symbols": num_symbols,
        "length": length,
        "train_size": train_size,
        "test_size": test_size,
        "image_size": image_size,
        "flat": flat,
        "test_fraction": test_fraction,
        "standardize": standardize,
        "seed": seed,
    }
    given = {k: v for k, v in options.items() if v is not None}
    for k in given:
        if k not in fields:
            raise PatchError(
                f"dataset {name!r} has no option {k!r} (its options: {', '.join(fields)})",
                argument=k,
            )
    edits: dict[str, Any] = {}
    for path, ds in query(target, Dataset, include_root=False).items():
        kept = {k: v for k, v in _args(ds).items() if k in fields}
        try:
            new = cls(**{**kept, **given})
        except Exception as e:
            raise PatchError(f"the options do not fit dataset {name!r}: {e}") from e
        if not eq(new, ds):
            edits[str(path)] = new
        parent = path.parent
        try:
            model = get(target, _at(parent, "model"))
        except Exception:
            continue
        model_path = parent.child("model")
        adapt = getattr(model, "adapt_to", None)
        if adapt is not None:
            try:
                fitted = adapt(new)
            except ValueError as e:
                raise PatchError(f"{model_path} does not fit dataset {name!r}: {e}") from None
            for k, v in fitted.items():
                edits[_at(model_path, k)] = v
            continue
        # A model of the team's own: the last Dense whose width is the old class count.
        old = getattr(ds, "num_classes", None)
        dense = [p for p, d in query(model, Dense).items() if d.features == old]
        if dense:
            edits[_at(model_path, str(dense[-1]) + ".features")] = new.num_classes
    return edits


def _lr_fields(target: Any) -> dict[str, float]:
    out = {}
    for path, obj in _objects(target):
        for k, v in _args(obj).items():
            if k in ("lr", "learning_rate") and isinstance(v, (int, float)):
                out[_at(path, k)] = float(v)
    return out


@patcher("change_lr")
def change_lr(target: Any, lr: Annotated[float, Range(0.0, 10.0)]) -> Any:
    """Set the learning rate wherever it sits (``lr`` or ``learning_rate``).

    Args:
      lr: the new (peak) learning rate.
    """
    return {p: lr for p in _lr_fields(target)}


@patcher("scale_lr_with_batch_size")
def scale_lr_with_batch_size(target: Any, batch_size: Annotated[int, Range(1, None)]) -> Any:
    """Change the batch size and scale the learning rate linearly with it.

    Args:
      batch_size: the new global batch size.
    """
    trainers = query(target, Trainer, include_root=True)
    if not trainers:
        return {}
    old = next(iter(trainers.values())).batch_size
    factor = batch_size / old
    edits: dict[str, Any] = {p: v * factor for p, v in _lr_fields(target).items()}
    for path in trainers:
        edits[_at(path, "batch_size")] = batch_size
    return edits


@patcher("mixed_precision")
def mixed_precision(target: Any, dtype: PrecisionName = "bfloat16") -> Any:
    """Compute every layer in ``dtype`` (parameters and the loss stay float32).

    Args:
      dtype: the computation dtype.
    """
    return {
        _at(p, "dtype"): dtype
        for p, obj in _objects(target)
        if "dtype" in type(obj).__sym_schema__.fields  # type: ignore[attr-defined]
    }


# --- width, depth, resolution -------------------------------------------------------------


def _heads_multiple(target: Any) -> int:
    m = 1
    for att in query(target, MultiHeadAttention).values():
        m = m * att.num_heads // math.gcd(m, att.num_heads)
    return m


def _scaled(value: int, factor: float, minimum: int, multiple: int = 1) -> int:
    v = max(minimum, round(value * factor))
    return max(multiple, round(v / multiple) * multiple) if multiple > 1 else v


@patcher("scale_width")
def scale_width(
    target: Any, factor: Annotated[float, Range(0.0, None)] = 2.0, minimum: int = 1
) -> Any:
    """Scale the width (``features``, ``hidden``) of every layer but the output layer.

    Args:
      factor: the width multiplier.
      minimum: the smallest width.
    """
    multiple = _heads_multiple(target)
    edits: dict[str, Any] = {}
    for path, obj in _objects(target):
        if _is_head(path):
            continue
        args = _args(obj)
        for name in _WIDTH_FIELDS:
            v = args.get(name)
            if not isinstance(v, int) or isinstance(v, bool):
                continue
            keep_heads = isinstance(obj, (Embedding, MultiHeadAttention))
            edits[_at(path, name)] = _scaled(v, factor, minimum, multiple if keep_heads else 1)
    return edits


def _runs(items: list[Any]) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of consecutive repeatable blocks."""
    out, start = [], None
    for i, v in enumerate([*items, None]):
        if isinstance(v, _REPEATABLE):
            start = i if start is None else start
        elif start is not None:
            out.append((start, i))
            start = None
    return out


def _strided(block: Any) -> bool:
    """Whether anything inside ``block`` downsamples (a stride other than 1)."""
    for _, obj in _objects(block):
        s = _args(obj).get("strides")
        if s not in (None, 1) and s != (1, 1):
            return True
    return False


def _repeat(block: Any) -> Any:
    """A copy of ``block`` to follow it: the copy's input already has the block's output
    shape, so a residual block drops a 1x1 projection that only changed the width."""
    copy = clone(block)
    if isinstance(copy, Residual) and copy.projection is not None and not _strided(copy):
        copy.rebind(projection=None)
    return copy


def _depth_lists(target: Any) -> list[tuple[KeyPath, str, list[Any]]]:
    """The lists of blocks depth scaling reaches: ``layers``/``encoder``/``decoder`` lists
    holding repeatable blocks, outside any repeatable block (a block's own insides, e.g. the
    two convs of a residual body, are part of the block, not a run to repeat)."""
    found = []
    inside: list[KeyPath] = []
    for path, obj in _objects(target):
        if any(p.is_prefix_of(path) for p in inside):
            continue
        if isinstance(obj, _REPEATABLE):
            inside.append(path)
            continue
        args = _args(obj)
        for name in _DEPTH_LISTS:
            items = args.get(name)
            if isinstance(items, list) and any(isinstance(x, _REPEATABLE) for x in items):
                found.append((path, name, list(items)))
    return found


@patcher("scale_depth")
def scale_depth(target: Any, factor: Annotated[float, Range(0.0, None)] = 2.0) -> Any:
    """Scale the number of blocks in each run of repeated blocks (repeating the last one).

    Repeatable blocks are found by what they are (conv, dense, residual and transformer
    blocks), wherever they sit in a list of layers; pooling and other layers between runs
    stay where they are, and the insides of a block are never repeated.

    Args:
      factor: the depth multiplier (runs keep at least one block).
    """
    edits: dict[str, Any] = {}
    for path, name, items in _depth_lists(target):
        new: list[Any] = []
        last = 0
        for start, stop in _runs(items):
            new.extend(clone(x) for x in items[last:start])
            n = stop - start
            want = max(1, math.ceil(n * factor - 1e-9))
            run = [clone(x) for x in items[start : start + min(n, want)]]
            run.extend(_repeat(items[stop - 1]) for _ in range(want - len(run)))
            new.extend(run)
            last = stop
        new.extend(clone(x) for x in items[last:])
        if len(new) != len(items):
            edits[_at(path, name)] = new
    return edits


@patcher("compound_scaling")
def compound_scaling(
    target: Any,
    phi: Annotated[float, Range(0.0, 10.0)] = 1.0,
    alpha: float = 1.2,
    beta: float = 1.1,
    gamma: float = 1.15,
) -> Any:
    """EfficientNet's compound scaling: depth ``alpha**phi``, width ``beta**phi`` and input
    resolution ``gamma**phi``.

    Args:
      phi: the compound coefficient.
      alpha: depth base.
      beta: width base.
      gamma: resolution base.
    """
    out: list[Any] = [
        f"scale_depth?factor={alpha**phi!r}",
        f"scale_width?factor={beta**phi!r}",
    ]
    sizes = {
        _at(p, "image_size"): round(ds.image_size * gamma**phi)
        for p, ds in query(target, Dataset, include_root=True).items()
        if isinstance(getattr(ds, "image_size", None), int)
    }
    if sizes:
        out.append(sizes)
    return out


# --- layers ------------------------------------------------------------------------------


def _stem_convs(target: Any) -> set[KeyPath]:
    """The convolutions that read a model's raw input: everything under a ``stem`` argument,
    or, in a model without one, its first ``Conv`` (layers are walked in forward order)."""
    convs = [p for p, v in _objects(target) if type(v) is Conv]
    stems = {p for p in convs if "stem" in [k for k in p if isinstance(k, str)]}
    if stems:
        return stems
    return {convs[0]} if convs else set()


@patcher("swap_conv")
def swap_conv(target: Any, include_stem: bool = False) -> Any:
    """Replace every ``Conv`` with a ``SeparableConv`` carrying all its arguments.

    The stem (the convolution that reads the raw input, often one channel wide, where a
    depthwise step learns almost nothing) is left alone unless ``include_stem`` is set.

    Args:
      include_stem: also swap the stem's convolution.
    """
    stems = set() if include_stem else _stem_convs(target)

    def fn(path: KeyPath, value: Any) -> Any:
        if type(value) is Conv and value.feature_group_count == 1 and path not in stems:
            a = _args(value)
            a.pop("feature_group_count", None)
            return SeparableConv(**a)
        return value

    return fn


@patcher("change_activation")
def change_activation(
    target: Any, to: ActivationName = "gelu", from_: ActivationName | None = None
) -> Any:
    """Swap activations for ``to`` (only those of kind ``from_`` if given).

    Args:
      to: the new activation.
      from_: the activation to replace (all when omitted).
    """
    new_cls = ACTIVATIONS[to]

    def fn(path: KeyPath, value: Any) -> Any:
        if is_activation(value) and type(value) is not new_cls:
            if from_ is None or value.kind == from_:
                return new_cls()
        return value

    return fn


@patcher("add_skip_connections")
def add_skip_connections(target: Any) -> Any:
    """Wrap every conv or dense block in a ``Residual`` (a 1x1 conv or dense projection
    where the width or stride changes)."""
    edits: dict[str, Any] = {}
    residuals: list[KeyPath] = []
    for path, obj in _objects(target):
        if any(r.is_prefix_of(path) for r in residuals):
            continue  # already inside a residual block
        if isinstance(obj, Residual):
            residuals.append(path)
            continue
        items = _args(obj).get("layers")
        if not isinstance(items, list):
            continue
        width: int | None = None
        stem = _args(obj).get("stem")
        if isinstance(stem, ConvBlock):
            width = stem.conv.features
        for i, item in enumerate(items):
            if isinstance(item, ConvBlock):
                f, s = item.conv.features, getattr(item.conv, "strides", 1)
                proj = None if (width == f and s == 1) else Conv(f, kernel_size=1, strides=s)
                edits[_at(path, f"layers[{i}]")] = Residual(clone(item), projection=proj)
                width = f
            elif isinstance(item, DenseBlock):
                f = item.dense.features
                proj = None if width == f else Dense(f)
                edits[_at(path, f"layers[{i}]")] = Residual(clone(item), projection=proj)
                width = f
            elif isinstance(item, MaxPool):
                continue
            else:
                width = getattr(item, "features", None)
    return edits


# --- transformers ------------------------------------------------------------------------


@patcher("decoder_only")
def decoder_only(target: Any) -> Any:
    """Make encoder-decoder Transformers decoder-only: one causal stack, as deep as the
    encoder and decoder together, without cross-attention."""
    edits: dict[str, Any] = {}
    for path, t in query(target, Transformer, include_root=True).items():
        if t.decoder_only:
            continue
        blocks = []
        for b in [*t.encoder, *t.decoder]:
            b = clone(b)
            b.rebind(cross_attention=None)
            blocks.append(b)
        edits[_at(path, "decoder_only")] = True
        edits[_at(path, "encoder")] = []
        edits[_at(path, "decoder")] = blocks
    return edits


@patcher("relative_position_biases")
def relative_position_biases(target: Any) -> Any:
    """Relative position biases in every attention, no absolute position embeddings."""
    edits: dict[str, Any] = {
        _at(p, "relative_bias"): True for p in query(target, MultiHeadAttention)
    }
    for p, t in query(target, Transformer, include_root=True).items():
        if t.positions is not None:
            edits[_at(p, "positions")] = None
    return edits


@patcher("gated_gelu")
def gated_gelu(target: Any) -> Any:
    """Gated-GELU (GEGLU) feed-forward layers."""
    edits: dict[str, Any] = {}
    for p, ff in query(target, FeedForward, include_root=True).items():
        edits[_at(p, "gated")] = True
        if type(ff.activation) is not GELU:
            edits[_at(p, "activation")] = GELU()
    return edits


@patcher("pre_norm")
def pre_norm(target: Any) -> Any:
    """Pre-normalization in every transformer block (and a final norm after the stack)."""
    edits: dict[str, Any] = {
        _at(p, "pre_norm"): True for p in query(target, TransformerBlock, include_root=True)
    }
    for p, t in query(target, Transformer, include_root=True).items():
        if t.final_norm is None:
            edits[_at(p, "final_norm")] = LayerNorm()
    return edits


@patcher("lamda_like")
def lamda_like(
    target: Any,
    depth: Annotated[float, Range(0.0, None)] = 2.0,
    width: Annotated[float, Range(0.0, None)] = 2.0,
) -> Any:
    """A LaMDA-style decoder-only language model from an encoder-decoder Transformer:
    decoder-only, relative position biases, gated-GELU, pre-norm, deeper and wider.

    Args:
      depth: depth multiplier.
      width: width multiplier.
    """
    if not query(target, Transformer, include_root=True):
        raise PatchError(
            "lamda_like turns an encoder-decoder Transformer into a decoder-only language "
            "model, and this experiment has no Transformer"
        )
    return [
        "decoder_only",
        "relative_position_biases",
        "gated_gelu",
        "pre_norm",
        f"scale_depth?factor={depth!r}",
        f"scale_width?factor={width!r}",
    ]


RULES = (
    change_dataset,
    change_lr,
    scale_width,
    scale_depth,
    swap_conv,
    change_activation,
    add_skip_connections,
    scale_lr_with_batch_size,
    mixed_precision,
    compound_scaling,
    decoder_only,
    relative_position_biases,
    gated_gelu,
    pre_norm,
    lamda_like,
)
