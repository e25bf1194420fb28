"""Model components (MLP, CNN, ResNet, Transformer) and factories for common shapes.

A model spec spells out every layer, so an experiment file shows (and a rule reaches) all
of them. The factories (``mlp``, ``cnn``, ``resnet``, ``transformer``) write those trees
for the usual shapes. ``model.adapt_to(dataset)`` gives the edits that fit the output layer
(and a Transformer's vocabulary) to a dataset.
"""

from __future__ import annotations

from typing import Any

from graftlab.ml.activations import GELU, ReLU
from graftlab.ml.attention import FeedForward, MultiHeadAttention, TransformerBlock
from graftlab.ml.base import Abstract, Builder, Component, struct
from graftlab.ml.blocks import ConvBlock, DenseBlock, Module, Residual, Sequential
from graftlab.ml.layers import (
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Embedding,
    GlobalAvgPool,
    LayerNorm,
    MaxPool,
    PositionEmbedding,
)
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize


def _input_shape(dataset: Any) -> tuple[int, ...]:
    return tuple(dataset.example_shapes[dataset.input_keys[0]])


class _Classifier(Component):
    _flatten_input = False
    _needs_images = False
    stem: Any = None
    pooling: Any = None

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml import _nnx

        if self._flatten_input:
            n = 1
            for d in x.shape[1:]:
                n *= int(d)
            x = struct((x.shape[0], n), x.dtype)
        stem = None
        if self.stem is not None:
            stem, x = b.build(self.stem, x, path.child("stem"))
        layers, x = b.build_list(list(self.layers), x, path.child("layers"))
        pooling = None
        if self.pooling is not None:
            pooling, x = b.build(self.pooling, x, path.child("pooling"))
        n = 1
        for d in x.shape[1:]:
            n *= int(d)
        head, y = b.build(self.head, struct((x.shape[0], n), x.dtype), path.child("head"))
        return _nnx.Classifier(stem, layers, pooling, head, self._flatten_input), y

    def adapt_to(self, dataset: Any) -> dict[str, Any]:
        """Edits that fit the output layer to ``dataset.num_classes``; a ``ValueError`` says
        why the model cannot read the dataset (a sequence task, vectors for a CNN)."""
        kind = type(self).__name__
        if dataset.task != "classification":
            raise ValueError(
                f"{kind} is a classifier but {dataset.name or type(dataset).__name__} is a "
                f"{dataset.task} task (use a Transformer)"
            )
        shape = _input_shape(dataset)
        if self._needs_images and len(shape) != 3:
            raise ValueError(
                f"{kind} convolves images of shape (height, width, channels) but "
                f"{dataset.name or type(dataset).__name__} gives examples of shape {shape} "
                "(use an MLP, or a dataset of images)"
            )
        return {"head.features": dataset.num_classes}


@symbolize
class MLP(_Classifier):
    """A multi-layer perceptron on flattened inputs.

    Args:
      layers: hidden blocks (``DenseBlock``...).
      head: the output layer (its features are the number of classes).
    """

    _flatten_input = True

    def __init__(self, layers: list[Module], head: Dense) -> None:
        self.layers = layers
        self.head = head


@symbolize
class CNN(_Classifier):
    """A convolutional classifier: ``layers``, global pooling, then the output layer.

    Args:
      layers: convolution blocks and pooling layers, in order.
      head: the output layer.
      pooling: reduces the spatial axes before the head (None: flatten).
    """

    def __init__(
        self,
        layers: list[Module],
        head: Dense,
        pooling: Module | None = GlobalAvgPool(),  # noqa: B008
    ) -> None:
        self.layers = layers
        self.head = head
        self.pooling = pooling

    _needs_images = True


@symbolize
class ResNet(_Classifier):
    """A residual network: a stem, residual blocks, global pooling and the output layer.

    Args:
      stem: the first layer(s).
      layers: residual blocks (``Residual``) and pooling layers.
      head: the output layer.
      pooling: reduces the spatial axes before the head.
    """

    def __init__(
        self,
        stem: Module,
        layers: list[Module],
        head: Dense,
        pooling: Module | None = GlobalAvgPool(),  # noqa: B008
    ) -> None:
        self.stem = stem
        self.layers = layers
        self.head = head
        self.pooling = pooling

    _needs_images = True


@symbolize
class Transformer(Component):
    """A sequence-to-sequence Transformer: encoder-decoder, or decoder-only.

    Called as ``model(inputs, decoder_inputs)``; returns logits for the decoder positions.
    Decoder-only models read ``[inputs, decoder_inputs]`` as one causal sequence.

    Args:
      embedding: token embeddings (shared by encoder and decoder).
      decoder: decoder blocks (with cross-attention in an encoder-decoder model).
      head: the output layer (its features are the vocabulary size).
      encoder: encoder blocks (empty for decoder-only models).
      positions: absolute position embeddings (None with relative position biases).
      final_norm: normalization after the last block (pre-norm models need it).
      decoder_only: one causal stack over inputs and outputs.
    """

    def __init__(
        self,
        embedding: Embedding,
        decoder: list[TransformerBlock],
        head: Dense,
        encoder: list[TransformerBlock] = (),  # type: ignore[assignment]
        positions: PositionEmbedding | None = PositionEmbedding(),  # noqa: B008
        final_norm: Module | None = LayerNorm(),  # noqa: B008
        decoder_only: bool = False,
    ) -> None:
        self.embedding = embedding
        self.decoder = decoder
        self.head = head
        self.encoder = encoder
        self.positions = positions
        self.final_norm = final_norm
        self.decoder_only = decoder_only

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml import _nnx

        src, tgt = x
        if self.decoder_only and self.encoder:
            raise ValueError("a decoder-only Transformer has no encoder blocks")
        emb, e = b.build(self.embedding, src, path.child("embedding"))
        d = int(e.shape[-1])
        total = (
            src.shape[1] + tgt.shape[1] if self.decoder_only else max(src.shape[1], tgt.shape[1])
        )
        pos = None
        if self.positions is not None:
            if total > self.positions.max_length:
                raise ValueError(
                    f"sequences of length {total} exceed positions.max_length="
                    f"{self.positions.max_length}"
                )
            pos, _ = b.build(self.positions, struct((1, total, d)), path.child("positions"))
        seq = struct((src.shape[0], src.shape[1], d), e.dtype)
        encoder, memory = b.build_list(list(self.encoder), seq, path.child("encoder"))
        enc_norm = None
        if self.encoder and self.final_norm is not None:
            enc_norm, _ = b.build(self.final_norm, memory, path.child("final_norm"))
        dec_len = total if self.decoder_only else tgt.shape[1]
        h = struct((tgt.shape[0], dec_len, d), e.dtype)
        decoder = []
        for i, block in enumerate(self.decoder):
            if self.decoder_only and block.cross_attention is not None:
                raise ValueError(f"decoder[{i}] has cross-attention but the model is decoder-only")
            inp = h if self.decoder_only or block.cross_attention is None else (h, memory)
            m, h = b.build(block, inp, path.child("decoder").child(i))
            decoder.append(m)
        norm = None
        if self.final_norm is not None:
            norm, h = b.build(self.final_norm, h, path.child("final_norm"))
        out = struct((tgt.shape[0], tgt.shape[1], d), e.dtype)
        head, y = b.build(self.head, out, path.child("head"))
        model = _nnx.Transformer(
            emb, pos, encoder, decoder, enc_norm, norm, head, self.decoder_only
        )
        return model, y

    def adapt_to(self, dataset: Any) -> dict[str, Any]:
        """Edits that fit the vocabulary (embedding and output layer) and the position
        embeddings to ``dataset``; a ``ValueError`` if it is not a task of token sequences."""
        if dataset.task != "sequence":
            raise ValueError(
                f"a Transformer maps token sequences to token sequences but "
                f"{dataset.name or type(dataset).__name__} is a {dataset.task} task "
                "(use an MLP or a CNN)"
            )
        shapes = dataset.example_shapes
        keys = list(dataset.input_keys)
        if len(keys) != 2 or any(len(shapes[k]) != 1 for k in keys):
            raise ValueError(
                f"a Transformer reads (inputs, decoder_inputs) token sequences; "
                f"{dataset.name or type(dataset).__name__} gives "
                + ", ".join(f"{k} {tuple(shapes[k])}" for k in keys)
            )
        vocab = dataset.num_classes
        edits: dict[str, Any] = {"embedding.num_embeddings": vocab, "head.features": vocab}
        if self.positions is not None:
            need = shapes[keys[0]][0] + shapes[keys[1]][0]
            if self.positions.max_length < need:
                edits["positions.max_length"] = need
        return edits


# --- factories --------------------------------------------------------------------------


def mlp(
    hidden: list[int] | tuple[int, ...] = (64,),
    num_classes: int = 10,
    activation: Module | None = None,
    dropout: float = 0.0,
) -> MLP:
    """An ``MLP`` with one ``DenseBlock`` per hidden width."""
    return MLP(
        layers=[
            DenseBlock(
                Dense(w),
                activation=activation if activation is not None else ReLU(),
                dropout=Dropout(dropout) if dropout else None,
            )
            for w in hidden
        ],
        head=Dense(num_classes),
    )


def cnn(
    widths: list[int] | tuple[int, ...] = (16, 32),
    num_classes: int = 10,
    kernel_size: int = 3,
    pool_every: int = 1,
    batch_norm: bool = True,
    activation: Module | None = None,
) -> CNN:
    """A ``CNN``: a ``ConvBlock`` per width, ``MaxPool(2)`` after every ``pool_every`` blocks
    but the last."""
    layers: list[Any] = []
    for i, w in enumerate(widths):
        layers.append(
            ConvBlock(
                Conv(w, kernel_size=kernel_size),
                norm=BatchNorm() if batch_norm else None,
                activation=activation if activation is not None else ReLU(),
            )
        )
        if pool_every and (i + 1) % pool_every == 0 and i + 1 < len(widths):
            layers.append(MaxPool(2))
    return CNN(layers=layers, head=Dense(num_classes))


def resnet(
    widths: list[int] | tuple[int, ...] = (16, 32),
    blocks_per_stage: int = 1,
    num_classes: int = 10,
) -> ResNet:
    """A small ``ResNet``: a conv stem, then per stage ``blocks_per_stage`` two-conv residual
    blocks (a 1x1 projection where the width changes) and ``MaxPool(2)`` between stages."""
    layers: list[Any] = []
    width = widths[0]
    for s, w in enumerate(widths):
        for _ in range(blocks_per_stage):
            body = Sequential(
                [
                    ConvBlock(Conv(w), norm=BatchNorm(), activation=ReLU()),
                    ConvBlock(Conv(w), norm=BatchNorm()),
                ]
            )
            proj = Conv(w, kernel_size=1) if w != width else None
            layers.append(Residual(body, projection=proj, activation=ReLU()))
            width = w
        if s + 1 < len(widths):
            layers.append(MaxPool(2))
    stem = ConvBlock(Conv(widths[0]), norm=BatchNorm(), activation=ReLU())
    return ResNet(stem=stem, layers=layers, head=Dense(num_classes))


def transformer(
    vocab_size: int,
    features: int = 64,
    num_heads: int = 4,
    encoder_layers: int = 2,
    decoder_layers: int = 2,
    hidden: int | None = None,
    max_length: int = 128,
    dropout: float = 0.0,
    pre_norm: bool = True,
    decoder_only: bool = False,
) -> Transformer:
    """A ``Transformer`` (encoder-decoder by default; ``decoder_only=True`` for an LM)."""
    hidden = hidden or 4 * features

    def block(cross: bool) -> TransformerBlock:
        return TransformerBlock(
            attention=MultiHeadAttention(num_heads=num_heads),
            feed_forward=FeedForward(hidden=hidden, activation=GELU()),
            cross_attention=MultiHeadAttention(num_heads=num_heads) if cross else None,
            pre_norm=pre_norm,
            dropout=dropout,
        )

    encoder = [] if decoder_only else [block(False) for _ in range(encoder_layers)]
    decoder = [block(not decoder_only) for _ in range(decoder_layers)]
    return Transformer(
        embedding=Embedding(vocab_size, features),
        encoder=encoder,
        decoder=decoder,
        positions=PositionEmbedding(max_length),
        final_norm=LayerNorm(),
        head=Dense(vocab_size),
        decoder_only=decoder_only,
    )


__all__ = [
    "CNN",
    "MLP",
    "ResNet",
    "Transformer",
    "cnn",
    "mlp",
    "resnet",
    "transformer",
]
