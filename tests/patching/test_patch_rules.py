"""``@gl.patcher``: functions become named, typed rules; what a body may return; rules are
symbolic objects (stored, serialized, diffed, composed)."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import patch_classes as pc
import pytest

import graftlab as gl
from graftlab.cli.patches import describe

# --- defining rules -----------------------------------------------------------------------


@gl.patcher
def t_rules_named_after_function(target: Any, n: int = 1) -> Any:
    return {"batch_size": n}


@gl.patcher("t/rules/bump_batch")
def bump_batch(target: Any, by: Annotated[int, gl.Range(1, 1024)] = 1) -> Any:
    """Grow the batch size.

    Args:
      by: how much to add.
    """
    return {"batch_size": target.batch_size + by}


def test_patcher_without_name_uses_function_name() -> None:
    cls = t_rules_named_after_function
    assert isinstance(cls, type) and issubclass(cls, gl.Rule)
    assert gl.get_rule("t_rules_named_after_function") is cls
    rule = cls(n=7)
    assert rule.rule_name == "t_rules_named_after_function"
    assert rule.uri() == "t_rules_named_after_function?n=7"
    assert gl.patch(pc.small_cnn(), rule).batch_size == 7


def test_patcher_with_name() -> None:
    assert gl.get_rule("t/rules/bump_batch") is bump_batch
    rule = bump_batch(by=3)
    assert rule.rule_name == "t/rules/bump_batch"
    assert gl.is_rule(rule) and not gl.is_rule(bump_batch) and not gl.is_rule("t/rules/bump_batch")
    assert rule.bound_args == {"by": 3}


def test_schema_from_arguments_after_target() -> None:
    schema = bump_batch.__sym_schema__
    assert list(schema.fields) == ["by"]  # the target is not an argument
    assert schema.fields["by"].help == "how much to add."
    assert "Grow the batch size" in schema.description
    assert list(inspect.signature(bump_batch).parameters) == ["by"]


def test_rule_arguments_are_validated_when_bound() -> None:
    with pytest.raises(gl.ValidationError, match="out of range"):
        bump_batch(by=0)
    with pytest.raises(gl.ValidationError):
        bump_batch(by="three")
    with pytest.raises(gl.SymbolicError):
        bump_batch(bye=3)


def test_describe_lists_arguments_types_defaults_and_help() -> None:
    d = describe(bump_batch)
    assert d["name"] == "t/rules/bump_batch"
    assert d["function"].endswith("bump_batch")
    assert "Grow the batch size" in d["help"]
    (arg,) = d["arguments"]
    assert arg["name"] == "by" and arg["required"] is False and arg["default"] == "1"
    assert "int" in arg["type"] and arg["help"] == "how much to add."
    lr = describe(pc.change_lr)["arguments"][0]
    assert lr["required"] is True and "default" not in lr


def test_rule_needs_a_target_parameter() -> None:
    def no_params() -> Any:
        return {}

    with pytest.raises(gl.RuleRegistryError, match="target as its first argument"):
        gl.patcher("t/rules/no_target")(no_params)

    def kw_only(*, x: int = 1) -> Any:
        return {}

    with pytest.raises(gl.RuleRegistryError, match="target"):
        gl.patcher("t/rules/kw_only")(kw_only)
    with pytest.raises(gl.UnknownRuleError):
        gl.get_rule("t/rules/no_target")


@pytest.mark.parametrize("name", ["9start", "a//b", "sp ace", "a/", "/a", "a?b", ""])
def test_malformed_rule_names(name: str) -> None:
    def fn(target: Any) -> Any:
        return {}

    with pytest.raises(gl.RuleRegistryError, match="bad rule name"):
        gl.patcher(name)(fn)
    with pytest.raises(gl.UnknownRuleError):
        gl.get_rule("fn")


def test_calling_a_rule_returns_the_raw_result_without_applying() -> None:
    exp = pc.small_cnn()
    out = bump_batch(by=2)(exp)
    assert out == {"batch_size": 66}
    assert exp.batch_size == 64
    assert bump_batch(by=2)(exp, by=5) == {"batch_size": 69}


# --- what a body may return ----------------------------------------------------------------


@gl.patcher("t/rules/ret_fn2")
def ret_fn2(target: Any, slope: float = 0.2) -> Any:
    """Replace every Relu object by a LeakyRelu (a rule function over (path, value))."""
    return lambda path, value: pc.LeakyRelu(slope) if isinstance(value, pc.Relu) else value


@gl.patcher("t/rules/ret_fn3")
def ret_fn3(target: Any, k: int = 7) -> Any:
    """Set kernel_size of convs inside a Sequential only (uses the parent)."""

    def fn(path: gl.KeyPath, value: Any, parent: Any) -> Any:
        if isinstance(value, int) and path.key == "kernel_size" and isinstance(parent, pc.Conv):
            return k
        return value

    return fn


@gl.patcher("t/rules/ret_obj")
def ret_obj(target: Any) -> Any:
    return pc.Experiment(model=pc.Sequential([pc.Dense(3)]), batch_size=8)


@gl.patcher("t/rules/ret_rule")
def ret_rule(target: Any) -> Any:
    return bump_batch(by=10)


@gl.patcher("t/rules/ret_rule_class")
def ret_rule_class(target: Any) -> Any:
    return bump_batch  # a rule class whose arguments all have defaults


@gl.patcher("t/rules/ret_uri")
def ret_uri(target: Any) -> Any:
    return "t/rules/bump_batch?by=100"


@gl.patcher("t/rules/ret_list")
def ret_list(target: Any) -> Any:
    return [
        {"batch_size": 1},
        "t/rules/bump_batch?by=2",
        bump_batch(by=4),
        lambda p, v: pc.Gelu() if isinstance(v, pc.Relu) else v,
    ]


@gl.patcher("t/rules/ret_none")
def ret_none(target: Any) -> Any:
    return None


@gl.patcher("t/rules/ret_int")
def ret_int(target: Any) -> Any:
    return 3


@gl.patcher("t/rules/ret_self")
def ret_self(target: Any) -> Any:
    return "t/rules/ret_self"


@gl.patcher("t/rules/ret_bad_path")
def ret_bad_path(target: Any) -> Any:
    return {"model.layers[0].features": 0}  # out of Conv's range


def test_return_dict_of_key_paths() -> None:
    exp = pc.small_cnn()
    new = gl.patch(exp, "t/rules/bump_batch?by=6")
    assert new.batch_size == 70 and exp.batch_size == 64


def test_return_rule_function_over_path_and_value() -> None:
    new = gl.patch(pc.small_cnn(), "t/rules/ret_fn2?slope=0.3")
    acts = [v for v in new.model.layers if isinstance(v, (pc.Relu, pc.LeakyRelu))]
    assert len(acts) == 2
    assert all(isinstance(a, pc.LeakyRelu) and a.negative_slope == 0.3 for a in acts)


def test_return_rule_function_with_parent() -> None:
    exp = pc.small_cnn()
    gl.rebind(exp, {"optimizer": pc.Sgd(lr=0.1, momentum=7.0)})
    new = gl.patch(exp, "t/rules/ret_fn3?k=1")
    assert [c.kernel_size for c in gl.query(new, pc.Conv).values()] == [1, 1]
    assert new.optimizer.momentum == 7.0  # not a Conv's kernel_size: untouched


def test_return_replacement_object() -> None:
    exp = pc.small_cnn()
    new = gl.patch(exp, "t/rules/ret_obj")
    assert gl.eq(new, pc.Experiment(model=pc.Sequential([pc.Dense(3)]), batch_size=8))
    assert gl.provenance(new).rule == "t/rules/ret_obj"
    assert gl.provenance(new, "model.layers[0].features").rule == "t/rules/ret_obj"
    assert gl.eq(exp, pc.small_cnn())


def test_return_another_rule_a_rule_class_or_a_uri() -> None:
    exp = pc.small_cnn()
    assert gl.patch(exp, "t/rules/ret_rule").batch_size == 74
    assert gl.patch(exp, "t/rules/ret_rule_class").batch_size == 65
    new = gl.patch(exp, "t/rules/ret_uri")
    assert new.batch_size == 164
    prov = gl.provenance(new, "batch_size")
    assert prov.rule == "t/rules/bump_batch"
    assert prov.uri == "t/rules/ret_uri > t/rules/bump_batch?by=100"
    assert prov.position == 0


def test_return_list_applies_in_order() -> None:
    new = gl.patch(pc.small_cnn(), "t/rules/ret_list")
    assert new.batch_size == 1 + 2 + 4
    assert sum(isinstance(v, pc.Gelu) for v in new.model.layers) == 2


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("t/rules/ret_none", "returned None"),
        ("t/rules/ret_int", "returned a int, which says nothing to change"),
        ("t/rules/ret_self", "expands into itself"),
    ],
)
def test_bad_returns_are_patch_errors(uri: str, message: str) -> None:
    with pytest.raises(gl.PatchError, match=message) as info:
        gl.patch(pc.small_cnn(), ["t/rules/bump_batch", uri])
    assert info.value.position == 1
    assert info.value.uri == uri


def test_invalid_edit_names_rule_and_position() -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.PatchError) as info:
        gl.patch(exp, ["t/rules/bump_batch", "t/rules/ret_bad_path"])
    err = info.value
    assert err.position == 1 and err.uri == "t/rules/ret_bad_path"
    assert "rule 't/rules/ret_bad_path' made an invalid edit" in str(err)
    assert "model.layers[0].features" in str(err)
    assert gl.eq(exp, pc.small_cnn())


def test_bad_chain_items() -> None:
    with pytest.raises(gl.PatchError, match="a chain holds URIs"):
        gl.patch(pc.small_cnn(), [42])  # type: ignore[list-item]
    with pytest.raises(gl.URIError, match="needs argument 'lr'") as info:
        gl.patch(pc.small_cnn(), ["t/rules/bump_batch", pc.change_lr])
    assert info.value.position == 1


# --- rules are symbolic objects ------------------------------------------------------------


def test_bound_rule_text_round_trip() -> None:
    rule = pc.scale_width(factor=3, minimum=4)
    text = gl.dumps(rule)
    assert "scale_width(factor=3.0, minimum=4)" in text
    back = gl.loads(text, allowed_modules=pc.ALLOWED)
    assert type(back) is pc.scale_width
    assert gl.eq(back, rule) and gl.hash(back) == gl.hash(rule)
    assert back.uri() == "t/shared/scale_width?factor=3.0&minimum=4"


def test_chain_of_rules_json_and_text_round_trip() -> None:
    chain = [pc.change_lr(lr=0.003), pc.scale_width(factor=2), pc.change_dataset(name="iris")]
    data = gl.to_json(chain)
    back = gl.from_json(data)
    assert gl.eq(back, chain)
    assert [r.uri() for r in back] == [
        "t/shared/change_lr?lr=0.003",
        "t/shared/scale_width",
        "t/shared/change_dataset?name=iris",
    ]
    text = gl.dumps(chain)
    assert gl.eq(gl.loads(text, allowed_modules=pc.ALLOWED), chain)
    # a chain read back applies exactly like the original
    assert gl.eq(gl.patch(pc.small_cnn(), back), gl.patch(pc.small_cnn(), chain))


def test_rules_are_diffed_and_edited_like_any_symbolic_value() -> None:
    a = [pc.change_lr(lr=0.1), pc.scale_width(factor=2)]
    b = [pc.change_lr(lr=0.2), pc.scale_width(factor=2)]
    d = gl.diff(a, b)
    assert [(e.kind, str(e.path), e.old, e.new) for e in d] == [("changed", "[0].lr", 0.1, 0.2)]
    assert not gl.diff(a, gl.clone(a))
    c = [pc.change_lr(lr=0.1), pc.scale_width(factor=2), pc.change_dataset(name="iris")]
    assert [e.kind for e in gl.diff(a, c)] == ["added"]
    rule = pc.scale_width(factor=2)
    gl.rebind(rule, factor=5.0)
    assert rule.uri() == "t/shared/scale_width?factor=5.0"
    assert gl.ne(rule, pc.scale_width(factor=2))


def test_rule_inside_an_experiment_value() -> None:
    d = gl.Derived(base="baseline", patches=["t/shared/change_lr?0.1", pc.scale_width(factor=4)])
    text = gl.dumps(d)
    assert "scale_width(factor=4.0)" in text and '"t/shared/change_lr?0.1"' in text
    back = gl.loads(text, allowed_modules=pc.ALLOWED, materialize=False)
    assert gl.eq(back, d)


@gl.patcher("t/rules/wider_and_faster")
def wider_and_faster(target: Any, factor: float = 2.0, lr: float = 0.01) -> Any:
    """A composite idea: a chain of other rules."""
    return [pc.scale_width(factor=factor), pc.change_lr(lr=lr)]


def test_composite_rule_is_a_chain_of_other_rules() -> None:
    exp = pc.small_cnn()
    composite = gl.patch(exp, "t/rules/wider_and_faster?factor=3&lr=0.5")
    chained = gl.patch(exp, ["t/shared/scale_width?factor=3", "t/shared/change_lr?0.5"])
    assert gl.eq(composite, chained)
    prov = gl.provenance(composite, "optimizer.learning_rate")
    assert prov.rule == "t/shared/change_lr"
    assert prov.uri.startswith("t/rules/wider_and_faster?factor=3&lr=0.5 > ")
    assert prov.args == {"lr": 0.5}


def test_chain_composes_with_a_stored_chain() -> None:
    first = [pc.change_lr(lr=0.2)]
    second = ["t/shared/scale_width?factor=2"]
    exp = pc.small_cnn()
    assert gl.eq(gl.patch(gl.patch(exp, first), second), gl.patch(exp, [*first, *second]))
