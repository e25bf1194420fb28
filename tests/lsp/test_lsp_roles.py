"""Roles in the language server, read statically: a class's roles (from ``symbolize(roles=...)``,
``graft.toml``'s ``[roles.classes]`` and graftlab's own table) on hover, and role names
completed where a rule takes one (``swap_role?role=``, ``widen?role=``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from graftlab_lsp.service import LanguageService
from lsp_client import start_server
from lsp_workspace import GRAFT_TOML, position

from graftlab.index import Index

NETS = '''\
"""A team's layers, declaring roles in code (and one in graft.toml)."""

import graftlab as gl

ROLES = {"conv": {}}


@gl.symbolize(roles={"conv": {"features": "out_channels"}})
class StdConv:
    def __init__(self, out_channels: int, kernel_size: int = 3) -> None:
        self.out_channels = out_channels


class WideConv(StdConv):
    """Inherits StdConv's roles."""


@gl.symbolize(roles=["block", "residual"])
class Skip:
    def __init__(self, depth: int = 1) -> None:
        self.depth = depth


@gl.symbolize(roles=ROLES)
class Dynamic:
    def __init__(self, features: int = 1) -> None:
        self.features = features


@gl.symbolize
class Head:
    def __init__(self, n_classes: int = 10) -> None:
        self.n_classes = n_classes


class Plain:
    def __init__(self, units: int = 4) -> None:
        self.units = units


Fc = gl.symbolize(Plain, roles={"dense": {"features": "units"}})
'''

TOML = (
    GRAFT_TOML.replace('"patches"]\npatch', '"patches", "nets"]\npatch')
    + """
[roles.classes."nets.Head"]
classifier_head = { num_classes = "n_classes" }

[roles.define."team_b/dynamic_conv"]
args = { experts = "int" }
doc = "a convolution that mixes expert kernels"
"""
)

EXPERIMENT = """\
from graftlab.ml.layers import Conv
from graftlab.ml.models import CNN
from nets import Dynamic, Fc, Head, Skip, StdConv, WideConv

experiment = [StdConv(8), WideConv(4), Head(), Skip(), Dynamic(), Fc(), Conv(features=3), CNN()]
"""

DERIVED = 'from graftlab import Derived\n\nexperiment = Derived(\n    base="roles",\n    patches=["'


def uri_position(text: str) -> tuple[int, int]:
    """0-based (line, column) at the end of ``text``."""
    return text.count("\n"), len(text) - (text.rfind("\n") + 1)


FILES = {"graft.toml": TOML, "nets.py": NETS, "experiments/roles.py": EXPERIMENT}


@pytest.fixture(scope="module")
def root(new_workspace: Callable[..., Path]) -> Path:
    return new_workspace(FILES, name="roles")


@pytest.fixture(scope="module")
def service(root: Path) -> LanguageService:
    return LanguageService(Index.for_workspace(root))


def hover(service: LanguageService, name: str) -> str:
    found = re.search(rf"(?<![A-Za-z]){name}\(", EXPERIMENT)  # the call, not the import
    assert found is not None
    i = found.start() + 1
    line, column = EXPERIMENT.count("\n", 0, i), i - (EXPERIMENT.rfind("\n", 0, i) + 1)
    text = service.hover(EXPERIMENT, line, column)
    assert text is not None
    return text


def roles_line(text: str) -> str:
    return next(x for x in text.splitlines() if x.startswith("roles: "))


def test_hover_shows_roles_declared_with_symbolize(service: LanguageService) -> None:
    assert (
        roles_line(hover(service, "StdConv"))
        == "roles: conv (features <- out_channels, kernel_size)"
    )
    assert roles_line(hover(service, "Skip")) == "roles: block, residual"


def test_hover_shows_inherited_roles(service: LanguageService) -> None:
    assert (
        roles_line(hover(service, "WideConv"))
        == "roles: conv (features <- out_channels, kernel_size)"
    )


def test_hover_shows_roles_from_graft_toml(service: LanguageService) -> None:
    assert roles_line(hover(service, "Head")) == "roles: classifier_head (num_classes <- n_classes)"


def test_hover_shows_roles_of_a_class_symbolized_by_a_call(service: LanguageService) -> None:
    assert roles_line(hover(service, "Fc")) == "roles: dense (features <- units)"


def test_hover_shows_graftlab_s_own_roles(service: LanguageService) -> None:
    assert roles_line(hover(service, "Conv")) == "roles: conv (features, kernel_size, strides)"
    assert (
        roles_line(hover(service, "CNN")) == "roles: classifier_head (num_classes <- head.features)"
    )


def test_index_resolves_unmapped_role_arguments(root: Path) -> None:
    index = Index.for_workspace(root)
    assert index.roles_of("nets.StdConv") == {
        "conv": {"features": "out_channels", "kernel_size": "kernel_size", "strides": None}
    }
    assert index.roles_of("graftlab.ml.layers.DepthwiseConv")["conv"]["features"] is None
    assert index.roles_of("nets.Plain") == {"dense": {"features": "units"}}  # Fc is Plain
    assert index.roles_of("nets.Dynamic") == {}  # roles=ROLES is not literal data: left out


@pytest.mark.parametrize("uri", ["swap_role?role=", "widen?factor=2&role="])
def test_role_names_are_completed_in_rule_uris(service: LanguageService, uri: str) -> None:
    text = DERIVED + uri
    line, column = uri_position(text)
    items = service.complete(text + '"],\n)\n', line, column)
    by = {i.label: i for i in items}
    assert {"conv", "norm", "dense", "classifier_head", "team_b/dynamic_conv"} <= set(by)
    assert by["conv"].detail == "role (features, kernel_size, strides)"
    assert by["conv"].replace_from == column
    assert by["team_b/dynamic_conv"].documentation == "a convolution that mixes expert kernels"
    other = DERIVED + "swap_role?role=conv&to="  # not a role name: no roles offered
    assert "conv" not in {
        i.label for i in service.complete(other + '"],\n)\n', *uri_position(other))
    }


@pytest.mark.asyncio
async def test_roles_over_stdio_in_a_restricted_server(root: Path) -> None:
    lsp = await start_server(root, trusted=False)
    try:
        uri = lsp.open("experiments/roles.py", EXPERIMENT)
        line, column = position(EXPERIMENT, "StdConv(", 1)
        text = await lsp.hover(uri, line, column)
        assert text is not None
        assert "roles: conv (features <- out_channels, kernel_size)" in text
        source = DERIVED + "swap_role?role="
        doc = lsp.open("experiments/swap.py", source + '"],\n)\n')
        items = await lsp.complete(doc, *uri_position(source))
        assert {"conv", "team_b/dynamic_conv"} <= {i.label for i in items}
    finally:
        await lsp.stop()
