"""Symbolic functions: partial binding, re-calling, overrides, signature, serialization."""

from __future__ import annotations

import inspect
import pickle

import pytest

import graftlab as gl


@gl.symbolize
def sgd(lr: float, momentum: float = 0.9, *, nesterov: bool = False) -> dict[str, object]:
    """Plain SGD.

    Args:
      lr: learning rate.
    """
    return {"lr": lr, "momentum": momentum, "nesterov": nesterov}


@gl.symbolize
def pos_only(a: int = 1, b: int = 2, /, c: int = 3) -> tuple[int, int, int]:
    return (a, b, c)


def test_signature_is_the_functions_own() -> None:
    sig = inspect.signature(sgd)
    assert str(sig) == (
        "(lr: 'float', momentum: 'float' = 0.9, *, nesterov: 'bool' = False) -> 'dict[str, object]'"
    )
    assert sgd.__name__ == "sgd" and sgd.__doc__.startswith("Plain SGD.")
    assert gl.schema_of(sgd).fields["lr"].help == "learning rate."


def test_partial_binding_and_calling() -> None:
    call = sgd(momentum=0.5)
    assert gl.is_call(call) and not call.is_complete
    assert call.sym_init_args == {"momentum": 0.5, "nesterov": False}
    with pytest.raises(gl.MissingArgumentError, match="missing 'lr'") as info:
        call()
    assert info.value.path == gl.KeyPath(["lr"])
    assert call(lr=1) == {"lr": 1.0, "momentum": 0.5, "nesterov": False}
    # overrides do not change the bound call
    assert "lr" not in call.sym_init_args
    call.rebind(lr=0.1)
    assert call.is_complete
    assert call() == {"lr": 0.1, "momentum": 0.5, "nesterov": False}
    assert call() == call()  # re-callable
    assert call(momentum=0.0)["momentum"] == 0.0
    assert call.sym_init_args["momentum"] == 0.5


def test_validation_of_bound_and_override_values() -> None:
    with pytest.raises(gl.ValidationError) as info:
        sgd(lr="fast")
    assert info.value.path == gl.KeyPath(["lr"])
    call = sgd(0.1)
    with pytest.raises(gl.ValidationError):
        call(nesterov="yes")
    with pytest.raises(gl.UnknownArgumentError):
        call(beta=1)
    with pytest.raises(gl.ValidationError):
        call.rebind(lr=[1])
    assert call.sym_init_args["lr"] == 0.1


def test_arguments_stay_in_signature_order_after_rebind() -> None:
    call = sgd(momentum=0.5)
    call.rebind(lr=0.2)
    assert list(call.sym_init_args) == ["lr", "momentum", "nesterov"]
    assert gl.format(call) == gl.format(sgd(lr=0.2, momentum=0.5))
    assert gl.to_json_str(call) == gl.to_json_str(sgd(lr=0.2, momentum=0.5))


def test_positional_only_parameters() -> None:
    assert pos_only(5)() == (5, 2, 3)
    assert pos_only(1, 5, c=7)() == (1, 5, 7)
    assert gl.format(pos_only(1, 5), hide_defaults=True) == "pos_only(1, 5)"
    assert gl.format(pos_only(5, 2), hide_defaults=True) == "pos_only(5)"
    assert gl.format(pos_only(c=4), hide_defaults=True) == "pos_only(c=4)"
    assert str(inspect.signature(pos_only)).startswith("(a: 'int' = 1, b: 'int' = 2, /")


def test_equality_clone_pickle_json() -> None:
    a = sgd(0.1, nesterov=True)
    assert gl.eq(a, sgd(lr=0.1, nesterov=True))
    assert not gl.eq(a, sgd(0.2, nesterov=True))
    assert gl.eq(gl.clone(a), a)
    assert gl.eq(pickle.loads(pickle.dumps(a)), a)
    assert gl.eq(gl.from_json(gl.to_json(a)), a)
    partial = sgd(momentum=0.3)
    back = gl.from_json(gl.to_json(partial))
    assert gl.eq(back, partial) and not back.is_complete
    assert gl.format(a) == "sgd(lr=0.1, momentum=0.9, nesterov=True)"


class Opt:
    pass


@gl.symbolize
class Trainer:
    def __init__(self, opt: Opt, steps: int = 1) -> None:
        self.opt = opt


@gl.symbolize
def make_opt() -> Opt:
    return Opt()


def test_call_inside_a_tree_is_accepted_by_its_return_type() -> None:
    t = Trainer(make_opt())
    assert gl.is_call(t.opt) and t.opt.sym_path == gl.KeyPath(["opt"])
    built = gl.build(t)
    assert isinstance(built.opt, Opt) and type(built) is Trainer
    assert gl.is_call(t.opt)  # the tree itself is unchanged
    with pytest.raises(gl.ValidationError) as info:
        Trainer(sgd(0.1))
    assert "expected Opt, got sgd" in str(info.value)
