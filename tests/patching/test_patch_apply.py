"""``gl.patch``: chains in order, new tree or in place, validators after the whole chain, and
no silent no-ops."""

from __future__ import annotations

from typing import Any

import patch_classes as pc
import pytest

import graftlab as gl


@gl.patcher("t/apply/set_batch")
def set_batch(target: Any, n: int) -> Any:
    return {"batch_size": n}


@gl.patcher("t/apply/double_batch")
def double_batch(target: Any) -> Any:
    return {"batch_size": target.batch_size * 2}


@gl.patcher("t/apply/add_tag")
def add_tag(target: Any, tag: str) -> Any:
    return {"tags": [*target.tags, tag]}


@gl.patcher("t/apply/nothing")
def nothing(target: Any) -> Any:
    return {}


@gl.patcher("t/apply/nothing_optional", optional=True)
def nothing_optional(target: Any) -> Any:
    return {}


@gl.patcher("t/apply/to_dense")
def to_dense(target: Any) -> Any:
    """Matches nothing when there are no convs (a function that keeps every value)."""
    return lambda p, v: pc.Dense(v.features) if isinstance(v, pc.Conv) else v


def _even_batch(result: Any) -> None:
    if result.batch_size % 2:
        raise ValueError(f"batch size {result.batch_size} is odd")


@gl.patcher("t/apply/odd_then_fix", validator=_even_batch)
def odd_then_fix(target: Any, n: int = 63) -> Any:
    """Leaves an odd batch size; a later rule may fix it."""
    return {"batch_size": n}


def _at_most_128(result: Any, rule: Any) -> None:
    assert result.batch_size <= 128, f"{rule.rule_name}: batch size {result.batch_size} > 128"


@gl.patcher("t/apply/bounded", validator=_at_most_128)
def bounded(target: Any, n: int = 100) -> Any:
    return {"batch_size": n}


def test_chain_applies_in_order_and_returns_a_new_tree() -> None:
    exp = pc.small_cnn()
    snapshot = gl.clone(exp)
    new = gl.patch(exp, ["t/apply/set_batch?3", "t/apply/double_batch", "t/apply/add_tag?tag=a"])
    assert new is not exp
    assert new.batch_size == 6 and list(new.tags) == ["a"]
    assert gl.eq(exp, snapshot)  # the original is untouched
    assert exp.batch_size == 64 and list(exp.tags) == []
    assert new.model is not exp.model and new.model.layers[0] is not exp.model.layers[0]


def test_chain_order_matters() -> None:
    exp = pc.small_cnn()
    a = gl.patch(exp, ["t/apply/set_batch?3", "t/apply/double_batch"])
    b = gl.patch(exp, ["t/apply/double_batch", "t/apply/set_batch?3"])
    assert (a.batch_size, b.batch_size) == (6, 3)


def test_single_rule_or_uri_as_chain() -> None:
    exp = pc.small_cnn()
    assert gl.patch(exp, "t/apply/set_batch?5").batch_size == 5
    assert gl.patch(exp, set_batch(n=6)).batch_size == 6
    assert gl.patch(exp, (u for u in ["t/apply/set_batch?7"])).batch_size == 7  # any iterable
    assert gl.patch(exp, double_batch).batch_size == 128  # a rule class without arguments
    assert gl.eq(gl.patch(exp, []), exp)


def test_inplace_edits_the_object() -> None:
    exp = pc.small_cnn()
    out = gl.patch(exp, ["t/apply/set_batch?5", "t/apply/add_tag?tag=x"], inplace=True)
    assert out is exp
    assert exp.batch_size == 5 and list(exp.tags) == ["x"]
    assert gl.provenance(exp, "batch_size").uri == "t/apply/set_batch?5"


def test_patching_a_subtree_or_a_container() -> None:
    exp = pc.small_cnn()
    model = gl.patch(exp.model, "t/shared/scale_width?factor=2")
    assert [c.features for c in gl.query(model, pc.Conv).values()] == [32, 64]
    assert exp.model.layers[0].features == 16
    layers = gl.patch(exp.model.layers, "t/shared/scale_width?factor=0.5&minimum=1")
    assert isinstance(layers, gl.SymList) and layers is not exp.model.layers
    assert [c.features for c in layers if isinstance(c, pc.Conv)] == [8, 16]


# --- no silent no-ops -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chain", "position", "rule"),
    [
        (["t/apply/nothing"], 0, "t/apply/nothing"),
        (["t/apply/set_batch?3", "t/apply/set_batch?3"], 1, "t/apply/set_batch"),  # equal value
        (["t/apply/set_batch?64"], 0, "t/apply/set_batch"),
        (["t/apply/double_batch", "t/apply/to_dense", "t/apply/to_dense"], 2, "t/apply/to_dense"),
    ],
)
def test_rule_that_changes_nothing_is_an_error(chain: list[str], position: int, rule: str) -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.NoChangeError) as info:
        gl.patch(exp, chain)
    err = info.value
    assert isinstance(err, gl.PatchError)
    assert err.position == position and err.uri == chain[position]
    assert f"rule {rule!r} changed nothing" in str(err)
    assert str(err).startswith(f"chain[{position}] {chain[position]!r}: ")
    assert "optional" in str(err)  # says how to allow it


def test_optional_rule_or_call_allows_no_change() -> None:
    exp = pc.small_cnn()
    assert gl.eq(gl.patch(exp, "t/apply/nothing_optional"), exp)
    assert nothing_optional().optional and not nothing().optional
    assert gl.eq(gl.patch(exp, ["t/apply/nothing", "t/apply/set_batch?64"], optional=True), exp)
    out = gl.patch(exp, ["t/apply/nothing_optional", "t/apply/set_batch?8"])
    assert out.batch_size == 8
    # optional only waives "changed nothing", not real errors
    with pytest.raises(gl.URIError):
        gl.patch(exp, ["t/apply/set_batch?x"], optional=True)


def test_nothing_to_change_in_a_rule_function_when_no_match() -> None:
    plain = pc.Experiment(model=pc.Sequential([pc.Dense(4)]))
    with pytest.raises(gl.NoChangeError):
        gl.patch(plain, "t/apply/to_dense")
    assert gl.eq(gl.patch(plain, "t/apply/to_dense", optional=True), plain)


# --- validators -------------------------------------------------------------------------------


def test_validator_runs_after_the_whole_chain() -> None:
    exp = pc.small_cnn()
    # after odd_then_fix the batch is odd (the validator would fail here), but the chain
    # ends even: it passes.
    out = gl.patch(exp, ["t/apply/odd_then_fix", "t/apply/double_batch"])
    assert out.batch_size == 126


def test_validator_rejects_the_final_result() -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.PatchValidationError) as info:
        gl.patch(exp, ["t/apply/set_batch?2", "t/apply/odd_then_fix?n=5"])
    err = info.value
    assert err.position == 1 and err.uri == "t/apply/odd_then_fix?n=5"
    assert "rule 't/apply/odd_then_fix' rejected the result: batch size 5 is odd" in str(err)
    assert isinstance(err.__cause__, ValueError)
    assert exp.batch_size == 64


def test_validator_sees_the_end_state_even_if_a_later_rule_breaks_it() -> None:
    exp = pc.small_cnn()
    gl.patch(exp, ["t/apply/bounded"])
    with pytest.raises(gl.PatchValidationError) as info:
        gl.patch(exp, ["t/apply/bounded?n=100", "t/apply/double_batch"])
    assert info.value.position == 0
    assert "t/apply/bounded: batch size 200 > 128" in str(info.value)


def test_validator_failure_leaves_the_original_untouched() -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.PatchValidationError):
        gl.patch(exp, ["t/apply/odd_then_fix?n=7"])
    assert exp.batch_size == 64  # a new tree was patched, the original is untouched


@gl.patcher("t/apply/buggy")
def buggy(target: Any) -> Any:
    return {"batch_size": target.no_such_attribute}


def test_exception_in_a_rule_body_names_rule_and_position() -> None:
    with pytest.raises(gl.PatchError) as info:
        gl.patch(pc.small_cnn(), ["t/apply/set_batch?2", "t/apply/buggy"])
    err = info.value
    assert err.position == 1 and err.uri == "t/apply/buggy"
    assert "rule 't/apply/buggy' failed: AttributeError" in str(err)
    assert isinstance(err.__cause__, AttributeError)  # the cause is kept for tracebacks


@gl.patcher("t/apply/composite_with_validated_part")
def composite_with_validated_part(target: Any, n: int = 7) -> Any:
    """A composite whose part has a validator: that validator runs too."""
    return [odd_then_fix(n=n)]


def test_validators_of_rules_inside_a_composite_run() -> None:
    exp = pc.small_cnn()
    assert gl.patch(exp, "t/apply/composite_with_validated_part?n=8").batch_size == 8
    with pytest.raises(gl.PatchValidationError) as info:
        gl.patch(exp, ["t/apply/set_batch?2", "t/apply/composite_with_validated_part?n=9"])
    err = info.value
    assert err.position == 1 and err.uri == "t/apply/composite_with_validated_part?n=9"
    assert "rule 't/apply/odd_then_fix' rejected the result: batch size 9 is odd" in str(err)
    # fixed later in the chain: passes
    out = gl.patch(exp, ["t/apply/composite_with_validated_part?n=9", "t/apply/double_batch"])
    assert out.batch_size == 18


_SEEN: list[tuple[str, str]] = []


@gl.patcher("t/apply/record_order")
def record_order(target: Any) -> Any:
    """Records every (path, holder type) the rule function is called with; replaces the
    first Conv only, so that the walk must skip what is under a replaced value."""

    def rule(path: gl.KeyPath, value: Any, parent: Any) -> Any:
        _SEEN.append((str(path), type(parent).__name__))
        return pc.Dense(value.features) if str(path) == "model.layers[0]" else value

    return rule


def test_rule_function_sees_nodes_in_pre_order_and_not_below_a_replacement() -> None:
    exp = pc.Experiment(
        model=pc.Sequential([pc.Conv(8), pc.Sequential([pc.Conv(16)]), pc.Conv(4)]),
        dataset=pc.Dataset("digits"),
    )
    _SEEN.clear()
    gl.patch(exp, "t/apply/record_order", inplace=True)
    seen = [p for p, _ in _SEEN]
    walk = [str(p) for p, _ in gl.walk(exp, include_root=False)]
    # Pre-order, a subtree before the next sibling; nothing under the replaced Conv.
    assert seen.index("model.layers[1].layers[0].features") < seen.index("model.layers[2]")
    assert "model.layers[0].features" not in seen
    assert seen[: seen.index("model.layers[0]") + 1] == ["model", "model.layers", "model.layers[0]"]
    assert [p for p in walk if not p.startswith("model.layers[0].")] == seen
    assert dict(_SEEN)["model.layers[1].layers[0]"] == "SymList"
    assert isinstance(exp.model.layers[0], pc.Dense) and isinstance(exp.model.layers[2], pc.Conv)


def test_rule_function_reaches_nodes_deeper_than_the_recursion_limit() -> None:
    deep: Any = pc.Conv(8)
    for _ in range(1500):
        deep = pc.Sequential([deep])
    out = gl.patch(deep, "t/apply/to_dense", inplace=True)
    assert isinstance(gl.get(out, ".".join(["layers[0]"] * 1500)), pc.Dense)
