"""The standard rule library: what each rule changes, and that the result still learns."""

from __future__ import annotations

from pathlib import Path

import ml_testutil as U
import pytest

import graftlab as gl
import graftlab.ml as ml
import graftlab.ml.rules


def test_every_rule_is_registered() -> None:
    names = {r.__sym_rule_name__ for r in graftlab.ml.rules.RULES}
    for name in names:
        assert gl.get_rule(name) is not None


def test_change_dataset_fixes_the_output_layer() -> None:
    exp = gl.patch(U.tiny_mlp(), "change_dataset?name=wine")
    assert isinstance(exp.dataset, ml.Wine)
    assert exp.model.head.features == 3
    seq = gl.patch(U.tiny_transformer(), "change_dataset?name=sort")
    assert isinstance(seq.dataset, ml.SortTask)
    # the task's options carry over: 6 symbols (+ PAD and BOS), length 5
    assert (seq.dataset.num_symbols, seq.dataset.length) == (6, 5)
    assert seq.model.embedding.num_embeddings == seq.dataset.num_classes == 8
    assert seq.model.head.features == 8


def test_change_dataset_keeps_options_that_apply_and_lets_the_uri_set_others() -> None:
    rev = ml.Experiment(
        model=ml.transformer(18, features=16, num_heads=2), dataset=ml.ReverseTask(num_symbols=16)
    )
    copy = gl.patch(rev, "change_dataset?name=copy")
    assert copy.dataset.num_symbols == 16 and copy.model.head.features == 18
    # the same task with the same options: nothing to do (it used to shrink the model to 12)
    srt = ml.Experiment(
        model=ml.transformer(18, features=16, num_heads=2), dataset=ml.SortTask(num_symbols=16)
    )
    with pytest.raises(gl.NoChangeError):
        gl.patch(srt, "change_dataset?name=sort")
    longer = gl.patch(srt, "change_dataset?name=sort&num_symbols=30&length=40")
    assert longer.model.embedding.num_embeddings == longer.model.head.features == 32
    assert longer.model.positions.max_length >= 80
    big = gl.patch(U.tiny_cnn(), "change_dataset?name=digits&image_size=16")
    assert big.dataset.image_size == 16 and big.dataset.test_fraction == 0.2


@pytest.mark.parametrize(
    ("make", "uri", "says"),
    [
        (U.tiny_cnn, "change_dataset?name=wine", "CNN convolves images"),
        (U.tiny_cnn, "change_dataset?name=digits&flat=true", "(64,)"),
        (U.tiny_cnn, "change_dataset?name=copy", "sequence task"),
        (U.tiny_transformer, "change_dataset?name=digits", "classification task"),
        (U.tiny_transformer, "change_dataset?name=sort&image_size=4", "no option 'image_size'"),
    ],
)
def test_change_dataset_refuses_a_model_that_does_not_fit(make, uri, says) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(gl.PatchError) as info:
        gl.patch(make(), uri)
    assert info.value.uri == uri and info.value.position == 0
    assert says in str(info.value)


def test_change_lr_wherever_it_sits() -> None:
    exp = gl.patch(U.tiny_cnn(), "change_lr?0.05")
    assert exp.optimizer.learning_rate == 0.05
    assert gl.provenance(exp, "optimizer.learning_rate").uri == "change_lr?0.05"


def test_scale_width_spares_the_head() -> None:
    exp = gl.patch(U.tiny_cnn(), "scale_width?factor=2&minimum=4")
    convs = [c.features for c in gl.query(exp, ml.Conv).values()]
    assert convs == [16, 32]
    assert exp.model.head.features == 10
    t = gl.patch(U.tiny_transformer(), "scale_width?factor=1.6")
    assert t.model.embedding.features % 2 == 0  # stays divisible by the heads


def test_scale_depth_repeats_blocks() -> None:
    exp = gl.patch(U.tiny_cnn(), "scale_depth?factor=2")
    kinds = [type(x).__name__ for x in exp.model.layers]
    assert kinds == ["ConvBlock", "ConvBlock", "MaxPool", "ConvBlock", "ConvBlock"]


def test_swap_conv_carries_every_argument() -> None:
    exp = U.tiny_cnn()
    exp.rebind({"model.layers[0].conv.kernel_size": 5, "model.layers[0].conv.use_bias": False})
    out = gl.patch(exp, "swap_conv?include_stem=true")
    conv = out.model.layers[0].conv
    assert isinstance(conv, ml.SeparableConv)
    assert (conv.features, conv.kernel_size, conv.use_bias) == (8, 5, False)
    assert not gl.query(out, ml.Conv)


def test_change_activation_all_or_some() -> None:
    exp = gl.patch(U.tiny_cnn(), "change_activation?to=gelu")
    assert all(isinstance(b.activation, ml.GELU) for b in exp.model.layers if hasattr(b, "conv"))
    exp.rebind({"model.layers[0].activation": ml.Tanh()})
    some = gl.patch(exp, "change_activation?to=silu&from_=tanh")
    assert isinstance(some.model.layers[0].activation, ml.SiLU)
    assert isinstance(some.model.layers[2].activation, ml.GELU)


def test_add_skip_connections_adds_projections_where_needed() -> None:
    exp = gl.patch(U.tiny_cnn(), "add_skip_connections")
    first, _, second = exp.model.layers
    assert isinstance(first, ml.Residual) and isinstance(second, ml.Residual)
    assert first.projection.features == 8 and second.projection.features == 16
    wide = U.tiny_cnn()
    wide.rebind({"model.layers[2].conv.features": 8})
    again = gl.patch(wide, "add_skip_connections")
    assert again.model.layers[2].projection is None


def test_scale_lr_with_batch_size_is_linear() -> None:
    exp = gl.patch(U.tiny_cnn(), "scale_lr_with_batch_size?64")
    assert exp.trainer.batch_size == 64
    assert exp.optimizer.learning_rate == pytest.approx(6e-3)


def test_mixed_precision_sets_every_layers_dtype() -> None:
    exp = gl.patch(U.tiny_cnn(), "mixed_precision")
    dtypes = {o.dtype for o in gl.query(exp, (ml.Conv, ml.Dense, ml.BatchNorm)).values()}
    assert dtypes == {"bfloat16"}


def test_compound_scaling_scales_depth_width_and_resolution() -> None:
    exp = gl.patch(U.tiny_cnn(), "compound_scaling?phi=2")
    assert exp.dataset.image_size == round(8 * 1.15**2)
    assert [c.features for c in gl.query(exp, ml.Conv).values()] == [10, 10, 19, 19]


def test_lamda_like_turns_the_transformer_into_a_decoder_only_lm() -> None:
    base = U.tiny_transformer()
    lm = gl.patch(base, "lamda_like")
    m = lm.model
    assert m.decoder_only and not m.encoder and m.positions is None
    assert len(m.decoder) == 4  # (1 encoder + 1 decoder) layers, depth x2
    for block in m.decoder:
        assert block.pre_norm and block.cross_attention is None
        assert block.attention.relative_bias
        assert block.feed_forward.gated and isinstance(block.feed_forward.activation, ml.GELU)
        assert block.feed_forward.hidden == 128
    assert m.embedding.features == 32
    assert not base.model.decoder_only  # the base is untouched
    assert gl.loads(gl.dumps(lm), allowed_modules=["graftlab"]) == lm


def test_a_rule_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(gl.NoChangeError):
        gl.patch(U.tiny_cnn(), "decoder_only")


CASES = [
    ("cnn", "change_dataset?name=digits", True),
    ("mlp", "change_dataset?name=breast_cancer", False),
    ("cnn", "change_lr?0.01", False),
    ("cnn", "scale_width?factor=1.5", False),
    ("cnn", "scale_depth?factor=2", False),
    ("cnn", "swap_conv", False),
    ("cnn", "change_activation?to=leaky_relu", False),
    ("cnn", "add_skip_connections", False),
    ("cnn", "scale_lr_with_batch_size?64", False),
    ("mlp", "mixed_precision", False),
    ("cnn", "compound_scaling?phi=1", False),
    ("seq", "lamda_like?depth=1&width=1", False),
    ("seq", "change_dataset?name=reverse", False),
]


@pytest.mark.parametrize(("base", "uri", "optional"), CASES, ids=[c[1] for c in CASES])
def test_patched_experiments_still_learn(
    base: str, uri: str, optional: bool, tmp_path: Path
) -> None:
    exp = {"cnn": U.tiny_cnn, "mlp": U.tiny_mlp, "seq": U.tiny_transformer}[base](steps=40)
    exp.rebind({"trainer.checkpoint_every": 0})
    patched = gl.patch(exp, uri, optional=optional)
    ctx = U.context(tmp_path)
    final = patched.run(ctx)
    curve = U.losses(ctx)
    assert curve[-1] < curve[0], curve
    assert final["eval_loss"] == final["eval_loss"]  # not NaN


def test_scale_depth_finds_blocks_in_a_resnet_with_pooling() -> None:
    # Regression: the ResNet's MaxPool between stages, and the residual bodies' own conv
    # lists, made the rule edit `layers[2].body` under a MaxPool.
    exp = gl.patch(ml.Experiment(model=ml.resnet(), dataset=ml.Digits()), "scale_depth")
    kinds = [type(x).__name__ for x in exp.model.layers]
    assert kinds == ["Residual", "Residual", "MaxPool", "Residual", "Residual"]
    assert all(len(r.body.layers) == 2 for r in exp.model.layers if isinstance(r, ml.Residual))
    # the copy of the widening block needs no projection (its input is already 32 wide)
    assert exp.model.layers[3].projection is not None and exp.model.layers[4].projection is None
    scaled = gl.patch(ml.Experiment(model=ml.resnet(), dataset=ml.Digits()), "compound_scaling")
    assert len(scaled.model.layers) == 5 and scaled.dataset.image_size == 9


def test_swap_conv_leaves_the_stem_alone_unless_asked() -> None:
    exp = gl.patch(U.tiny_cnn(), "swap_conv")
    assert type(exp.model.layers[0].conv) is ml.Conv  # the 1-channel input conv
    assert isinstance(exp.model.layers[2].conv, ml.SeparableConv)
    every = gl.patch(U.tiny_cnn(), "swap_conv?include_stem=true")
    assert not gl.query(every, ml.Conv)
    res = gl.patch(ml.Experiment(model=ml.resnet(), dataset=ml.Digits()), "swap_conv")
    assert type(res.model.stem.conv) is ml.Conv
    assert isinstance(res.model.layers[0].body.layers[0].conv, ml.SeparableConv)


def test_a_rule_argument_of_nan_is_refused() -> None:
    with pytest.raises(gl.PatchError, match="not a number"):
        gl.patch(U.tiny_cnn(), "change_lr?nan")
