"""Rules against roles: ``swap_role`` and ``[roles]`` in graft.toml, through a derived file."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import graftlab as gl
from graftlab.symbolic import roles as R


@gl.symbolize(roles={"conv": {"features": "out_channels", "kernel_size": "kernel"}})
class TeamAConv:
    def __init__(self, out_channels: int, kernel: int = 3) -> None:
        self.out_channels = out_channels


@gl.symbolize(roles={"conv": {"features": "width", "kernel_size": "k", "strides": "s"}})
class TeamBConv:
    def __init__(self, width: int, k: int = 3, s: int = 1, experts: int = 4) -> None:
        self.width = width


@gl.symbolize
class Model:
    def __init__(self, layers: list) -> None:
        self.layers = layers


def test_swap_role_carries_role_arguments_across_classes():
    m = Model([TeamAConv(8, kernel=5), TeamAConv(16)])
    out = gl.patch(m, [f"swap_role?role=conv&to={gl.type_name(TeamBConv)}"])
    assert [type(x) for x in out.layers] == [TeamBConv, TeamBConv]
    assert [x.sym_init_args.width for x in out.layers] == [8, 16]
    assert out.layers[0].sym_init_args.k == 5
    assert gl.provenance(out, "layers[0]").rule == "swap_role"


def test_swap_role_refuses_what_the_target_cannot_take():
    m = Model([TeamBConv(8, s=2)])
    with pytest.raises(gl.PatchError, match=r"TeamAConv has no argument for conv.strides \(= 2\)"):
        gl.patch(m, [f"swap_role?role=conv&to={gl.type_name(TeamAConv)}"])
    with pytest.raises(gl.PatchError, match="does not play role 'conv'"):
        gl.patch(m, [f"swap_role?role=conv&to={gl.type_name(Model)}"])


def test_roles_in_graft_toml_reach_an_unannotated_class(tmp_path: Path, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    mod = f"thirdparty_{tag}"
    monkeypatch.setattr(sys, "path", [*sys.path])
    (tmp_path / f"{mod}.py").write_text(
        textwrap.dedent("""
        import graftlab as gl

        @gl.symbolize
        class Filter:
            def __init__(self, filters: int, size: int = 3) -> None:
                self.filters = filters

        @gl.symbolize
        class Stack:
            def __init__(self, layers: list) -> None:
                self.layers = layers
    """)
    )
    (tmp_path / "graft.toml").write_text(
        textwrap.dedent(f"""
        [graft]
        allowed_modules = ["{mod}", "{__name__}"]

        [roles.classes."{mod}.Filter"]
        conv = {{ features = "filters", kernel_size = "size" }}
    """)
    )
    exp = tmp_path / "experiments"
    exp.mkdir()
    (exp / "base.py").write_text(
        f"from {mod} import Filter, Stack\n\n"
        "experiment = Stack(layers=[Filter(filters=4), Filter(filters=6, size=5)])\n"
    )
    (exp / "swapped.py").write_text(
        "from graftlab import Derived\n\n"
        'experiment = Derived(\n    base="base",\n'
        f'    patches=["swap_role?role=conv&to={gl.type_name(TeamAConv)}"],\n)\n'
    )
    try:
        out = gl.load(exp / "swapped.py")
        assert [type(x) for x in out.layers] == [TeamAConv, TeamAConv]
        assert [x.out_channels for x in out.layers] == [4, 6]
        assert out.layers[1].sym_init_args.kernel == 5
    finally:
        R.forget_roles(f"{mod}.Filter")


def test_unknown_namespaced_rule_names_its_package():
    from graftlab.patching import registry

    with pytest.raises(
        gl.UnknownRuleError, match="no installed rule package provides namespace 'zz_team'"
    ):
        gl.patch(Model([]), ["zz_team/widen"])
    registry.set_known_providers({"zz_team": "zz-team-rules==2.0"})
    try:
        with pytest.raises(gl.UnknownRuleError, match=r"pip install 'zz-team-rules==2.0'"):
            gl.patch(Model([]), ["zz_team/widen"])
    finally:
        registry._KNOWN_PROVIDERS.pop("zz_team")


def test_patcher_roles_must_be_known():
    with pytest.raises(R.RoleError, match="unknown role 'convolution'"):

        @gl.patcher("t/needs_bad_role", roles=("convolution",))
        def bad(target):
            return {}
