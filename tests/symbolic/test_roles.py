"""Roles: the standard vocabulary, declarations in code and configuration, views, swaps."""

from __future__ import annotations

import pytest

import graftlab as gl
from graftlab.symbolic import roles as R


@pytest.fixture(autouse=True)
def _clean():
    yield
    R.forget_roles(f"{__name__}.ThirdPartyConv")
    R.forget_role("team_b/dynamic")


@gl.symbolize(roles={"conv": {"features": "out_channels", "kernel_size": "kernel"}})
class StdConv:
    def __init__(self, out_channels: int, kernel: int | tuple[int, int] = 3) -> None:
        self.out_channels = out_channels
        self.kernel = kernel


@gl.symbolize(roles="conv")
class PlainConv:
    def __init__(self, features: int, kernel_size: int = 3, strides: int = 1) -> None:
        self.features = features


@gl.symbolize
class ThirdPartyConv:
    def __init__(self, filters: int, size: int = 3, step: int = 1) -> None:
        self.filters = filters


@gl.symbolize
class Net:
    def __init__(self, layers: list, num_classes: int = 10) -> None:
        self.layers = layers


def test_standard_vocabulary_is_typed_and_versioned():
    assert R.VOCABULARY_VERSION == "1.0"
    names = set(R.STANDARD)
    for n in (
        "conv",
        "norm",
        "activation",
        "dense",
        "attention",
        "block",
        "residual",
        "classifier_head",
        "optimizer",
        "dataset",
        "trainer",
    ):
        assert n in names
    assert R.get_role("conv").args["features"].describe() == "features: int"
    assert R.get_role("attention").args["num_heads"].annotation is int
    with pytest.raises(R.RoleError, match="did you mean 'conv'"):
        R.get_role("convv")


def test_declared_in_code_maps_through_class_names():
    net = Net([StdConv(8, kernel=5), PlainConv(4)])
    found = gl.query(net, role="conv")
    assert [str(p) for p in found] == ["layers[0]", "layers[1]"]
    std = found[gl.KeyPath.parse("layers[0]")]
    assert std["features"] == 8 and std.kernel_size == 5
    assert std.arg_name("features") == "out_channels"
    assert "strides" not in std  # StdConv has no stride argument
    assert std.edit("features", 16) == ("layers[0].out_channels", 16)
    std.set("features", 16)
    assert net.layers[0].out_channels == 16
    plain = found[gl.KeyPath.parse("layers[1]")]
    assert plain.values() == {"features": 4, "kernel_size": 3, "strides": 1}


def test_role_views_check_types():
    v = R.view(StdConv(8), "conv")
    with pytest.raises(gl.ValidationError, match=r"out_channels: conv.features: expected int"):
        v.set("features", "wide")
    with pytest.raises(R.RoleError, match="without a 'strides' argument"):
        v["strides"]


def test_declared_in_configuration_by_name_without_touching_code():
    n = R.declare_from_config(
        {
            "classes": {
                f"{__name__}.ThirdPartyConv": {
                    "conv": {"features": "filters", "kernel_size": "size", "strides": "step"}
                }
            }
        },
        file="graft.toml",
    )
    assert n == 1
    v = next(iter(gl.query(Net([ThirdPartyConv(3)]), role="conv").values()))
    assert v.values() == {"features": 3, "kernel_size": 3, "strides": 1}
    assert v.path_to("features") == gl.KeyPath.parse("layers[0].filters")


def test_configuration_errors_say_where():
    with pytest.raises(
        R.RoleError, match=r"graft.toml: roles.classes.'x.Y'.*role 'conv' has no argument 'width'"
    ):
        R.declare_from_config({"classes": {"x.Y": {"conv": {"width": "w"}}}})
    with pytest.raises(R.RoleError, match="unknown key"):
        R.declare_from_config({"clases": {}})
    R.declare_from_config(
        {"classes": {f"{__name__}.ThirdPartyConv": {"conv": {"features": "width"}}}}
    )
    with pytest.raises(R.RoleError, match="ThirdPartyConv has no argument 'width'"):
        R.roles_of(ThirdPartyConv)


def test_teams_add_namespaced_roles():
    with pytest.raises(R.RoleError, match="needs a namespace"):
        R.define_role("dynamic", {"experts": int})
    R.declare_from_config(
        {"define": {"team_b/dynamic": {"args": {"experts": "int"}, "doc": "MoE"}}}
    )
    assert R.get_role("team_b/dynamic").args["experts"].annotation is int
    R.declare_roles(ThirdPartyConv, {"team_b/dynamic": {"experts": "filters"}})
    assert R.view(ThirdPartyConv(7), "team_b/dynamic")["experts"] == 7
    with pytest.raises(R.RoleError, match="already defined with other arguments"):
        R.define_role("team_b/dynamic", {"experts": float})


def test_subclasses_inherit_roles():
    class Wider(StdConv):
        def __init__(self, out_channels: int, kernel: int = 3, groups: int = 1) -> None:
            super().__init__(out_channels, kernel)

    assert R.view(Wider(2), "conv")["features"] == 2


def test_carry_moves_role_arguments_to_the_target_names():
    R.declare_roles(
        ThirdPartyConv, {"conv": {"features": "filters", "kernel_size": "size", "strides": "step"}}
    )
    src = R.view(StdConv(8, kernel=5), "conv")
    new = R.carry(src, ThirdPartyConv)
    assert type(new) is ThirdPartyConv and new.sym_init_args.size == 5 and new.filters == 8


def test_carry_refuses_an_argument_the_target_cannot_take():
    R.declare_roles(
        ThirdPartyConv, {"conv": {"features": "filters", "kernel_size": "size", "strides": "step"}}
    )
    # StdConv has no strides: a conv with stride 2 cannot become one...
    with pytest.raises(R.RoleError, match=r"StdConv has no argument for conv.strides \(= 2\)"):
        R.carry(R.view(ThirdPartyConv(8, step=2), "conv"), StdConv)
    # ...but stride 1 is the neutral value and is dropped.
    assert R.carry(R.view(ThirdPartyConv(8, size=5), "conv"), StdConv).out_channels == 8
    with pytest.raises(R.RoleError, match="Net does not play role 'conv'"):
        R.carry(R.view(StdConv(8), "conv"), Net)


def test_roles_on_functions_are_refused():
    with pytest.raises(gl.SchemaError, match="roles are declared on classes"):
        gl.symbolize(lambda x: x, roles="conv")


def test_query_role_combines_with_path_and_type():
    net = Net([StdConv(8), PlainConv(4)])
    assert list(gl.query(net, PlainConv, role="conv")) == [gl.KeyPath.parse("layers[1]")]
    assert list(gl.query(net, role="conv", path="layers[0]")) == [gl.KeyPath.parse("layers[0]")]
