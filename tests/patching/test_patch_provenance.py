"""Provenance: every value a chain writes records its rule, URI and chain position."""

from __future__ import annotations

from typing import Any

import patch_classes as pc
import pytest

import graftlab as gl


@gl.patcher("t/prov/new_head")
def new_head(target: Any, n: int = 5) -> Any:
    last = len(target.model.layers) - 1
    return {f"model.layers[{last}]": pc.Dense(n, activation=pc.Act.TANH)}


@gl.patcher("t/prov/drop_first_act")
def drop_first_act(target: Any) -> Any:
    return {"model.layers[1]": gl.MISSING}


@gl.patcher("t/prov/leaky")
def leaky(target: Any) -> Any:
    return lambda p, v: pc.LeakyRelu() if isinstance(v, pc.Relu) else v


CHAIN = [
    "t/shared/change_lr?0.003",
    "t/shared/scale_width?factor=2",
    "t/shared/change_dataset?name=iris",
]


def test_every_written_value_records_rule_uri_and_position() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN)
    lr = gl.provenance(new, "optimizer.learning_rate")
    assert isinstance(lr, gl.Provenance)
    assert (lr.rule, lr.uri, lr.position) == ("t/shared/change_lr", CHAIN[0], 0)
    assert lr.args == {"lr": 0.003}
    width = gl.provenance(new, "model.layers[2].features")
    assert (width.rule, width.uri, width.position) == ("t/shared/scale_width", CHAIN[1], 1)
    assert width.args == {"factor": 2.0, "minimum": 8}
    head = gl.provenance(new, "model.layers[4].features")
    assert (head.rule, head.position) == ("t/shared/change_dataset", 2)
    assert str(lr) == "t/shared/change_lr?0.003 (chain[0])"
    assert lr.to_json() == {"rule": "t/shared/change_lr", "uri": CHAIN[0], "position": 0}


def test_untouched_values_have_no_provenance() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN)
    assert gl.provenance(new, "batch_size") is None
    assert gl.provenance(new, "model.layers[0].kernel_size") is None
    assert gl.provenance(new, "model.layers[1]") is None
    assert gl.provenance(new) is None
    assert gl.provenances(pc.small_cnn()) == {}


def test_values_inside_a_written_subtree_inherit() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN)
    whole = gl.provenance(new, "dataset")
    assert whole.rule == "t/shared/change_dataset"
    for path in ("dataset.name", "dataset.num_classes", "dataset.split"):
        assert gl.provenance(new, path) == whole
    assert gl.provenance(new, gl.KeyPath.parse("dataset.name")) == whole


def test_provenances_lists_every_write() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN)
    got = {str(p): (v.rule, v.position) for p, v in gl.provenances(new).items()}
    assert got == {
        "optimizer.learning_rate": ("t/shared/change_lr", 0),
        "model.layers[0].features": ("t/shared/scale_width", 1),
        "model.layers[2].features": ("t/shared/scale_width", 1),
        "model.layers[4].features": ("t/shared/change_dataset", 2),
        "dataset": ("t/shared/change_dataset", 2),
    }


def test_diff_entries_can_show_their_provenance() -> None:
    base = pc.small_cnn()
    new = gl.patch(base, CHAIN)
    shown = {str(e.path): str(gl.provenance(new, e.path)) for e in gl.diff(base, new)}
    assert shown == {
        "model.layers[0].features": "t/shared/scale_width?factor=2 (chain[1])",
        "model.layers[2].features": "t/shared/scale_width?factor=2 (chain[1])",
        "model.layers[4].features": "t/shared/change_dataset?name=iris (chain[2])",
        "optimizer.learning_rate": "t/shared/change_lr?0.003 (chain[0])",
        "dataset.name": "t/shared/change_dataset?name=iris (chain[2])",
        "dataset.num_classes": "t/shared/change_dataset?name=iris (chain[2])",
    }


def test_a_later_write_overrides_an_earlier_one() -> None:
    new = gl.patch(pc.small_cnn(), ["t/shared/change_lr?0.1", "t/shared/change_lr?0.2"])
    prov = gl.provenance(new, "optimizer.learning_rate")
    assert (prov.uri, prov.position) == ("t/shared/change_lr?0.2", 1)


def test_the_deepest_write_wins_over_an_enclosing_one() -> None:
    new = gl.patch(pc.small_cnn(), ["t/prov/new_head?n=7", "t/shared/change_dataset?name=iris"])
    assert gl.provenance(new, "model.layers[4]").rule == "t/prov/new_head"
    assert gl.provenance(new, "model.layers[4].features").rule == "t/shared/change_dataset"
    assert gl.provenance(new, "model.layers[4].activation").rule == "t/prov/new_head"


def test_rule_function_writes_record_provenance_per_value() -> None:
    new = gl.patch(pc.small_cnn(), ["t/shared/change_lr?0.5", "t/prov/leaky"])
    got = {str(p): v.rule for p, v in gl.provenances(new).items()}
    assert got == {
        "optimizer.learning_rate": "t/shared/change_lr",
        "model.layers[1]": "t/prov/leaky",
        "model.layers[3]": "t/prov/leaky",
    }
    assert gl.provenance(new, "model.layers[1].negative_slope").rule == "t/prov/leaky"


def test_provenance_survives_clone_and_a_second_chain() -> None:
    first = gl.patch(pc.small_cnn(), ["t/shared/change_lr?0.3"])
    second = gl.patch(first, ["t/shared/scale_width?factor=3"])
    assert gl.provenance(second, "optimizer.learning_rate").uri == "t/shared/change_lr?0.3"
    assert gl.provenance(second, "model.layers[0].features").uri == "t/shared/scale_width?factor=3"
    assert gl.provenance(gl.clone(second), "optimizer.learning_rate").rule == "t/shared/change_lr"
    assert gl.provenances(first).keys() == {gl.KeyPath.parse("optimizer.learning_rate")}


def test_composite_rule_records_outer_and_inner_uri() -> None:
    @gl.patcher("t/prov/composite")
    def composite(target: Any, lr: float = 0.01) -> Any:
        return [f"t/shared/change_lr?{lr}", pc.scale_width(factor=2)]

    try:
        new = gl.patch(
            pc.small_cnn(), ["t/shared/change_dataset?name=mnist", "t/prov/composite?lr=0.05"]
        )
        lr = gl.provenance(new, "optimizer.learning_rate")
        assert lr.rule == "t/shared/change_lr" and lr.position == 1
        assert lr.uri == "t/prov/composite?lr=0.05 > t/shared/change_lr?0.05"
        width = gl.provenance(new, "model.layers[0].features")
        assert width.uri == "t/prov/composite?lr=0.05 > t/shared/scale_width"
    finally:
        gl.unregister_rule("t/prov/composite")


def test_source_is_kept_with_provenance() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN, source=["a", "b", "c"])
    assert gl.provenance(new, "dataset").source == "c"
    assert gl.provenance(new, "optimizer.learning_rate").source == "a"


def test_provenance_of_a_bad_path_is_an_error() -> None:
    new = gl.patch(pc.small_cnn(), CHAIN)
    with pytest.raises(gl.KeyPathError, match="nothing_here"):
        gl.provenance(new, "model.nothing_here")
    with pytest.raises(gl.KeyPathError):
        gl.provenance(new, "model.layers[9]")


def test_provenance_follows_list_items_after_a_deletion() -> None:
    new = gl.patch(pc.small_cnn(), ["t/prov/new_head", "t/prov/drop_first_act"])
    assert [type(x).__name__ for x in new.model.layers] == ["Conv", "Conv", "Relu", "Dense"]
    assert gl.provenance(new, "model.layers[3]").rule == "t/prov/new_head"
    assert set(map(str, gl.provenances(new))) == {"model.layers[3]"}


@gl.patcher("t/prov/to_separable")
def to_separable(target: Any) -> Any:
    return lambda p, v: pc.SeparableConv(**dict(v.sym_init_args)) if isinstance(v, pc.Conv) else v


def test_replacing_an_object_keeps_provenance_of_carried_arguments() -> None:
    new = gl.patch(pc.small_cnn(), ["t/shared/scale_width?factor=2", "t/prov/to_separable"])
    assert isinstance(new.model.layers[0], pc.SeparableConv)
    assert gl.provenance(new, "model.layers[0]").rule == "t/prov/to_separable"
    # features was written by scale_width and carried across unchanged
    width = gl.provenance(new, "model.layers[0].features")
    assert (width.rule, width.position) == ("t/shared/scale_width", 0)
    # the other arguments came with the replacement
    assert gl.provenance(new, "model.layers[0].kernel_size").rule == "t/prov/to_separable"


def test_provenance_json_carries_the_file_position() -> None:
    span = gl.Span(3, 8, 3, 30)
    new = gl.patch(pc.small_cnn(), "t/shared/change_lr?0.2", source=[("exp.py", span)])
    data = gl.provenance(new, "optimizer.learning_rate").to_json()
    assert data == {
        "rule": "t/shared/change_lr",
        "uri": "t/shared/change_lr?0.2",
        "position": 0,
        "file": "exp.py",
        "line": 3,
        "column": 9,
    }
