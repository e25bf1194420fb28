"""The PyGlove paper's examples of ideas as patch rules, on small test classes."""

from __future__ import annotations

from typing import Annotated, Any

import patch_classes as pc
import pytest

import graftlab as gl

# --- the rules ------------------------------------------------------------------------------


@gl.patcher("t/paper/absolute")
def absolute(target: Any, kernel: int = 5, lr: float = 0.02) -> Any:
    """Edits by absolute key paths."""
    return {
        "model.layers[0].kernel_size": kernel,
        "optimizer.learning_rate": lr,
        "model.name": "edited",
    }


@gl.patcher("t/paper/separable")
def separable(target: Any, depth_multiplier: int = 1) -> Any:
    """Swap every Conv for a SeparableConv that keeps every argument."""

    def fn(path: gl.KeyPath, value: Any) -> Any:
        if isinstance(value, pc.Conv):
            return pc.SeparableConv(**dict(value.sym_init_args), depth_multiplier=depth_multiplier)
        return value

    return fn


@gl.patcher("t/paper/leaky")
def leaky(target: Any, slope: float = 0.1) -> Any:
    """relu -> leaky relu everywhere: activation objects and activation arguments."""

    def fn(path: gl.KeyPath, value: Any) -> Any:
        if isinstance(value, pc.Relu):
            return pc.LeakyRelu(negative_slope=slope)
        if value is pc.Act.RELU:
            return pc.Act.LEAKY_RELU
        return value

    return fn


@gl.patcher("t/paper/scale_lr_with_batch")
def scale_lr_with_batch(target: Any, batch_size: Annotated[int, gl.Range(1, 1 << 16)]) -> Any:
    """Linear scaling rule: the learning rate grows with the batch size."""
    ratio = batch_size / target.batch_size
    out: dict[str, Any] = {"batch_size": batch_size}
    for path, opt in gl.query(target, (pc.Adam, pc.Sgd)).items():
        if isinstance(opt, pc.Adam):
            out[f"{path}.learning_rate"] = opt.learning_rate * ratio
        else:
            out[f"{path}.lr"] = opt.lr * ratio
    return out


@gl.patcher("t/paper/drop_acts")
def drop_acts(target: Any) -> Any:
    """Remove every activation object from the lists (deleting items by gl.MISSING)."""
    acts = (pc.Relu, pc.LeakyRelu, pc.Gelu)
    return {
        str(p): gl.MISSING
        for p, v in gl.query(target, acts).items()
        if isinstance(gl.parent_of(v), list)
    }


@gl.patcher("t/paper/filter_acts")
def filter_acts(target: Any) -> Any:
    """Remove every activation object (a rule function returning filtered lists).

    Top-down, a replaced value is not visited further: so the items kept are filtered too.
    """
    acts = (pc.Relu, pc.LeakyRelu, pc.Gelu)

    def fn(path: gl.KeyPath, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, acts) for v in value):
            kept = [v for v in value if not isinstance(v, acts)]
            return [gl.patch(v, filter_acts(), optional=True) for v in kept]
        return value

    return fn


@gl.patcher("t/paper/delete_acts_fn")
def delete_acts_fn(target: Any) -> Any:
    """Remove every activation object from lists (a rule function returning gl.MISSING)."""
    acts = (pc.Relu, pc.LeakyRelu, pc.Gelu)
    return lambda p, v, parent: (
        gl.MISSING if isinstance(v, acts) and isinstance(parent, list) else v
    )


def _widths_even(result: Any) -> None:
    odd = [
        str(p) for p, c in gl.query(result, (pc.Conv, pc.SeparableConv)).items() if c.features % 2
    ]
    if odd:
        raise ValueError(f"odd widths at {', '.join(odd)}")


@gl.patcher("t/paper/scale_width_even", validator=_widths_even)
def scale_width_even(target: Any, factor: float = 2.0) -> Any:
    """Scale widths; the validator insists on even widths at the end of the chain."""
    return {
        f"{p}.features": max(1, round(c.features * factor))
        for p, c in gl.query(target, (pc.Conv, pc.SeparableConv)).items()
    }


def _fits_classes(result: Any) -> None:
    head = result.model.layers[-1]
    if head.features != result.dataset.num_classes:
        raise ValueError(
            f"head has {head.features} outputs for {result.dataset.num_classes} classes"
        )


@gl.patcher("t/paper/set_head", validator=_fits_classes)
def set_head(target: Any, n: int) -> Any:
    return {f"model.layers[{len(target.model.layers) - 1}].features": n}


def resnetish() -> pc.Experiment:
    """Convs and activations at several depths, and an Sgd optimizer."""
    return pc.Experiment(
        model=pc.Sequential(
            [
                pc.Conv(
                    8,
                    kernel_size=7,
                    strides=2,
                    padding="valid",
                    activation=pc.Act.RELU,
                    use_bias=False,
                ),
                pc.Residual(
                    pc.Sequential(
                        [pc.Conv(8, activation=pc.Act.TANH), pc.Relu(), pc.Conv(8, kernel_size=1)]
                    ),
                    activation=pc.Relu(),
                ),
                pc.Gelu(approximate=True),
                pc.Dense(10),
            ]
        ),
        optimizer=pc.Sgd(lr=0.1, momentum=0.9),
        dataset=pc.Dataset("digits", num_classes=10),
        batch_size=32,
    )


# --- the examples -------------------------------------------------------------------------


def test_absolute_path_edits() -> None:
    exp = pc.small_cnn()
    new = gl.patch(exp, "t/paper/absolute?kernel=7&lr=0.5")
    assert new.model.layers[0].kernel_size == 7
    assert new.optimizer.learning_rate == 0.5
    assert new.model.name == "edited"
    assert {str(e.path) for e in gl.diff(exp, new)} == {
        "model.layers[0].kernel_size",
        "model.name",
        "optimizer.learning_rate",
    }


@pytest.mark.parametrize("make", [pc.small_cnn, resnetish])
def test_conv_to_separable_conv_carries_every_argument(make: Any) -> None:
    exp = make()
    before = list(gl.query(exp, pc.Conv).items())
    assert before
    new = gl.patch(exp, "t/paper/separable?depth_multiplier=2")
    assert not gl.query(new, pc.Conv)
    after = gl.query(new, pc.SeparableConv)
    assert list(after) == [p for p, _ in before]  # at the same places
    for path, conv in before:
        sep = after[path]
        conv_args = dict(conv.sym_init_args)
        sep_args = dict(sep.sym_init_args)
        assert set(conv_args) == set(gl.schema_of(pc.Conv).fields)
        for name, value in conv_args.items():  # every argument, activation included
            assert sep_args[name] == value, (path, name)
        assert sep_args["depth_multiplier"] == 2
        assert gl.provenance(new, path).rule == "t/paper/separable"
    # the non-default arguments really are carried (not just equal defaults)
    first = after[before[0][0]]
    assert (first.kernel_size, first.strides, first.padding, first.use_bias) != (3, 1, "same", True)
    assert first.activation is before[0][1].activation


@pytest.mark.parametrize(
    ("exp", "path"),
    [
        (pc.small_cnn(), "optimizer.learning_rate"),
        (resnetish(), "optimizer.lr"),
    ],
)
def test_change_learning_rate_wherever_it_sits(exp: Any, path: str) -> None:
    new = gl.patch(exp, "t/shared/change_lr?0.003")
    assert gl.get(new, path) == 0.003
    assert gl.provenance(new, path).rule == "t/shared/change_lr"
    assert len(gl.diff(exp, new)) == 1


def test_change_learning_rate_of_several_optimizers_of_different_classes() -> None:
    tree = gl.SymDict({"a": pc.Adam(learning_rate=0.1), "b": [pc.Sgd(lr=0.2), pc.Adam()]})
    new = gl.patch(tree, "t/shared/change_lr?lr=0.05")
    assert (new["a"].learning_rate, new["b"][0].lr, new["b"][1].learning_rate) == (0.05, 0.05, 0.05)
    assert new["b"][0].momentum == 0.0 and new["a"].b1 == 0.9


def test_relu_to_leaky_relu_everywhere() -> None:
    exp = resnetish()
    new = gl.patch(exp, "t/paper/leaky?slope=0.2")
    assert not gl.query(new, pc.Relu)
    assert not gl.query(new, lambda v: v is pc.Act.RELU)
    leaky = gl.query(new, pc.LeakyRelu)
    assert set(map(str, leaky)) == {"model.layers[1].body.layers[1]", "model.layers[1].activation"}
    assert all(v.negative_slope == 0.2 for v in leaky.values())
    assert new.model.layers[0].activation is pc.Act.LEAKY_RELU
    assert new.model.layers[1].body.layers[0].activation is pc.Act.TANH  # other activations stay
    assert isinstance(new.model.layers[2], pc.Gelu)
    assert gl.provenance(new, "model.layers[0].activation").uri == "t/paper/leaky?slope=0.2"


@pytest.mark.parametrize(("name", "classes"), [("cifar100", 100), ("iris", 3), ("imagenet", 1000)])
def test_change_dataset_and_fix_the_last_layer(name: str, classes: int) -> None:
    exp = pc.small_cnn()
    new = gl.patch(exp, f"t/shared/change_dataset?name={name}")
    assert new.dataset.name == name and new.dataset.num_classes == classes
    assert new.model.layers[-1].features == classes
    assert new.model.layers[0].features == 16  # the rest stays


def test_change_dataset_rejects_an_unknown_dataset() -> None:
    with pytest.raises(gl.URIError) as info:
        gl.patch(pc.small_cnn(), "t/shared/change_dataset?name=cifar10")
    assert info.value.argument == "name"
    assert "expected one of 'digits', 'cifar100'" in str(info.value)


@pytest.mark.parametrize(
    ("uri", "widths"),
    [
        ("t/shared/scale_width?factor=2", [16, 16, 16]),
        ("t/shared/scale_width?factor=0.25&minimum=4", [4, 4, 4]),  # the minimum wins
        ("t/shared/scale_width?factor=0.5&minimum=2", [4, 4, 4]),
        ("t/shared/scale_width?3&1", [24, 24, 24]),
    ],
)
def test_scale_width_with_a_minimum(uri: str, widths: list[int]) -> None:
    exp = resnetish()
    new = gl.patch(exp, uri)
    assert [c.features for c in gl.query(new, pc.Conv).values()] == widths
    assert new.model.layers[-1].features == 10  # a Dense is not a conv


def test_scale_width_that_stays_at_the_minimum_changes_nothing() -> None:
    small = pc.Experiment(model=pc.Sequential([pc.Conv(8)]))
    with pytest.raises(gl.NoChangeError) as info:
        gl.patch(small, "t/shared/scale_width?factor=0.5&minimum=8")
    assert "t/shared/scale_width" in str(info.value)


@pytest.mark.parametrize(("batch", "lr_adam", "lr_sgd"), [(128, 0.002, 0.4), (16, 0.00025, 0.05)])
def test_scale_learning_rate_linearly_with_batch_size(
    batch: int, lr_adam: float, lr_sgd: float
) -> None:
    adam = gl.patch(pc.small_cnn(), f"t/paper/scale_lr_with_batch?{batch}")  # 64 -> batch
    assert adam.batch_size == batch
    assert adam.optimizer.learning_rate == pytest.approx(lr_adam)
    sgd = gl.patch(resnetish(), f"t/paper/scale_lr_with_batch?batch_size={batch}")  # 32 -> batch
    assert sgd.optimizer.lr == pytest.approx(lr_sgd)
    assert sgd.optimizer.momentum == 0.9


@pytest.mark.parametrize(
    "uri", ["t/paper/drop_acts", "t/paper/filter_acts", "t/paper/delete_acts_fn"]
)
def test_remove_all_activations_from_a_list(uri: str) -> None:
    exp = pc.small_cnn()
    new = gl.patch(exp, uri)
    assert [type(v).__name__ for v in new.model.layers] == ["Conv", "Conv", "Dense"]
    assert gl.eq(new.model.layers[0], exp.model.layers[0])
    assert gl.eq(new.model.layers[1], exp.model.layers[2])
    assert len(exp.model.layers) == 5
    deep = gl.patch(resnetish(), uri)
    assert [type(v).__name__ for v in deep.model.layers] == ["Conv", "Residual", "Dense"]
    assert [type(v).__name__ for v in deep.model.layers[1].body.layers] == ["Conv", "Conv"]
    assert isinstance(deep.model.layers[1].activation, pc.Relu)  # not in a list: kept


def test_remove_activations_twice_is_a_no_op_error() -> None:
    once = gl.patch(pc.small_cnn(), "t/paper/drop_acts")
    with pytest.raises(gl.NoChangeError):
        gl.patch(once, "t/paper/filter_acts")


def test_the_three_rule_chain() -> None:
    exp = pc.small_cnn()
    chain = [
        "t/shared/change_lr?0.003",
        "t/shared/scale_width?factor=2",
        "t/shared/change_dataset?name=cifar100",
    ]
    new = gl.patch(exp, chain)
    expected = pc.Experiment(
        model=pc.Sequential(
            [
                pc.Conv(
                    32,
                    kernel_size=5,
                    strides=2,
                    padding="valid",
                    activation=pc.Act.GELU,
                    use_bias=False,
                ),
                pc.Relu(),
                pc.Conv(64),
                pc.Relu(),
                pc.Dense(100),
            ]
        ),
        optimizer=pc.Adam(learning_rate=0.003),
        dataset=pc.Dataset("cifar100", num_classes=100),
        batch_size=64,
    )
    assert gl.eq(new, expected)
    assert gl.eq(exp, pc.small_cnn())
    assert {p.position for p in gl.provenances(new).values()} == {0, 1, 2}
    # the same chain as bound rules gives the same tree
    bound = [pc.change_lr(lr=0.003), pc.scale_width(factor=2), pc.change_dataset(name="cifar100")]
    assert gl.eq(gl.patch(exp, bound), expected)


def test_chain_order_matters() -> None:
    exp = pc.small_cnn()
    a = gl.patch(exp, ["t/paper/scale_lr_with_batch?256", "t/shared/change_lr?0.01"])
    b = gl.patch(exp, ["t/shared/change_lr?0.01", "t/paper/scale_lr_with_batch?256"])
    assert a.optimizer.learning_rate == pytest.approx(0.01)
    assert b.optimizer.learning_rate == pytest.approx(0.04)
    assert gl.diff(a, b)
    c = gl.patch(exp, ["t/paper/separable", "t/shared/scale_width?factor=2"])
    d = gl.patch(exp, ["t/shared/scale_width?factor=2", "t/paper/separable"])
    assert gl.eq(c, d)  # these two commute; provenance tells them apart
    assert gl.provenance(c, "model.layers[0]").position == 0
    assert gl.provenance(d, "model.layers[0]").position == 1


def test_validator_rejects_the_result() -> None:
    exp = pc.small_cnn()
    widths = gl.query(gl.patch(exp, "t/paper/scale_width_even?factor=1.5"), pc.Conv).values()
    assert [c.features for c in widths] == [24, 48]
    # a later rule keeps the widths even (36, 72): the validator passes
    ok = gl.patch(
        exp, ["t/paper/scale_width_even?factor=1.5", "t/shared/scale_width?factor=1.5&minimum=1"]
    )
    assert [c.features for c in gl.query(ok, pc.Conv).values()] == [36, 72]
    # a later rule makes a width odd (25, 51): the validator rejects the end result
    with pytest.raises(gl.PatchValidationError) as info:
        gl.patch(
            exp,
            ["t/paper/scale_width_even?factor=1.5", "t/shared/scale_width?factor=1.0625&minimum=1"],
        )
    err = info.value
    assert err.position == 0 and err.uri == "t/paper/scale_width_even?factor=1.5"
    assert "rule 't/paper/scale_width_even' rejected the result" in str(err)
    assert "odd widths at model.layers[0], model.layers[2]" in str(err)


def test_validator_of_head_size_passes_only_when_dataset_follows() -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.PatchValidationError, match="head has 100 outputs for 10 classes"):
        gl.patch(exp, ["t/paper/set_head?100"])
    # wrong in between, right at the end of the chain: passes
    new = gl.patch(exp, ["t/paper/set_head?100", "t/shared/change_dataset?name=iris"])
    assert new.model.layers[-1].features == 3 and new.dataset.num_classes == 3


@pytest.mark.parametrize(
    ("uri", "cls", "argument", "fragment"),
    [
        (
            "t/shared/chnage_lr?0.003",
            gl.UnknownRuleError,
            None,
            "did you mean 't/shared/change_lr'",
        ),
        ("t/shared/change_lr?rate=0.003", gl.URIError, "rate", "has no argument 'rate'"),
        ("t/shared/change_lr", gl.URIError, "lr", "needs argument 'lr'"),
        ("t/shared/change_lr?fast", gl.URIError, "lr", "expected a number, got 'fast'"),
        ("t/shared/change_lr?20", gl.URIError, "lr", "out of range"),
        ("t/shared/scale_width?factor=2&3", gl.URIError, None, "follows a keyword argument"),
        ("t/shared/scale_width?2&8&9", gl.URIError, None, "takes 2 positional arguments"),
        ("t/shared/scale_width?2&factor=3", gl.URIError, "factor", "given twice"),
        ("t/shared/scale_width?factor=2&factor=3", gl.URIError, "factor", "given twice"),
        ("t/shared/scale_width?minimum=1.5", gl.URIError, "minimum", "expected an integer"),
        ("t/shared/scale_width?fator=2", gl.URIError, "fator", "did you mean 'factor'"),
        ("t/shared/change_dataset?name=cifar10", gl.URIError, "name", "expected one of"),
        ("t/shared/change_dataset?name=iris&&", gl.URIError, None, "empty argument"),
        ("t//change_lr?1", gl.URIError, None, "a rule name is made of"),
    ],
)
def test_uri_errors_in_a_chain(
    uri: str, cls: type[Exception], argument: str | None, fragment: str
) -> None:
    with pytest.raises(cls) as info:
        gl.patch(pc.small_cnn(), ["t/shared/change_lr?0.1", uri])
    err = info.value
    assert isinstance(err, gl.URIError)
    assert err.position == 1 and err.uri == uri
    assert err.argument == argument
    assert fragment in str(err)
    assert err.offset is not None and 0 <= err.offset <= len(uri)
