"""The role vocabulary: what a ``conv``, a ``norm``, a ``classifier_head`` is, as typed arguments.

A role names a part every codebase has under its own class names ("this is a convolution",
"this is the classifier head"). Rules are written against roles and their arguments
(``conv.features``), never against a team's classes, so one rule reaches every codebase whose
classes declare the role. graftlab ships a small standard vocabulary (unnamespaced names,
versioned by :data:`VOCABULARY_VERSION`); teams add their own roles under a namespace
(``team_b/dynamic_conv``) with :func:`define_role`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graftlab.symbolic.errors import GraftError
from graftlab.symbolic.typespec import Spec, spec_for

#: Version of the standard vocabulary. Minor versions only add roles or arguments; a major
#: version would rename or retype one (rules and declarations written against 1.x keep working).
VOCABULARY_VERSION = "1.0"

_UNSET: Any = object()
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*(/[A-Za-z_][A-Za-z0-9_.-]*)?$")


class RoleError(GraftError):
    """A role is unknown, declared wrongly, or cannot be carried to another class."""


@dataclass(frozen=True)
class RoleArg:
    """One typed argument of a role (``conv.features: int``).

    ``neutral`` is the value that means "nothing special" (``strides=1``): a swap may drop a
    role argument at its neutral value when the target class cannot take it.
    """

    name: str
    annotation: Any
    doc: str
    neutral: Any = _UNSET

    @property
    def spec(self) -> Spec:
        """The value spec that checks values written through a role view."""
        return spec_for(self.annotation, where=f"role argument {self.name!r}")

    @property
    def has_neutral(self) -> bool:
        return self.neutral is not _UNSET

    def describe(self) -> str:
        """``features: int`` (and the neutral value when there is one)."""
        text = f"{self.name}: {self.spec.describe()}"
        return text + (f" (neutral {self.neutral!r})" if self.has_neutral else "")


@dataclass(frozen=True)
class Role:
    """A role: its name, what it means, its typed arguments and the version that added it."""

    name: str
    doc: str
    args: Mapping[str, RoleArg] = field(default_factory=dict)
    since: str = VOCABULARY_VERSION
    provider: str = "graftlab"

    @property
    def namespace(self) -> str | None:
        """``team_b`` for ``team_b/dynamic_conv``; ``None`` for standard roles."""
        return self.name.split("/", 1)[0] if "/" in self.name else None


def _role(name: str, doc: str, *args: RoleArg) -> Role:
    return Role(name, doc, {a.name: a for a in args})


_PAIR = int | tuple[int, int]

STANDARD: dict[str, Role] = {
    r.name: r
    for r in (
        _role(
            "conv",
            "A convolution.",
            RoleArg("features", int, "output channels"),
            RoleArg("kernel_size", _PAIR, "kernel height and width"),
            RoleArg("strides", _PAIR, "step between windows", neutral=1),
        ),
        _role("norm", "A normalization layer.", RoleArg("epsilon", float, "added to the variance")),
        _role("activation", "An element-wise non-linearity."),
        _role("dense", "A fully connected layer.", RoleArg("features", int, "output width")),
        _role(
            "attention",
            "Multi-head attention.",
            RoleArg("num_heads", int, "number of heads"),
            RoleArg("head_dim", int, "width of each head"),
        ),
        _role("block", "A repeatable block of layers (a run of them sets the depth)."),
        _role("residual", "A block with a skip connection around it."),
        _role(
            "classifier_head",
            "The output layer of a classifier (rules that scale width leave it alone).",
            RoleArg("num_classes", int, "number of classes"),
        ),
        _role(
            "optimizer", "An optimizer.", RoleArg("learning_rate", float, "(peak) learning rate")
        ),
        _role(
            "dataset",
            "A dataset.",
            RoleArg("num_classes", int, "number of classes"),
            RoleArg("input_shape", tuple[int, ...], "shape of one example"),
        ),
        _role(
            "trainer",
            "The training loop.",
            RoleArg("steps", int, "optimization steps"),
            RoleArg("batch_size", int, "examples per step"),
        ),
    )
}

_ROLES: dict[str, Role] = dict(STANDARD)


def _annotation(value: Any, where: str) -> Any:
    if isinstance(value, str):
        names = {"int": int, "float": float, "str": str, "bool": bool, "any": Any}
        if value not in names:
            raise RoleError(f"{where}: type {value!r} is not one of {', '.join(names)}")
        return names[value]
    return value


def define_role(
    name: str,
    args: Mapping[str, Any] | None = None,
    doc: str = "",
    *,
    provider: str = "",
    neutral: Mapping[str, Any] | None = None,
) -> Role:
    """Add a team's role. Its name must be namespaced (``team_b/dynamic_conv``).

    ``args`` maps argument names to types (``int``, ``float``, ... or their names as text, as
    in ``graft.toml``); ``neutral`` gives optional neutral values. Defining the same role
    again with the same arguments is allowed (a module reload); a different one is an error.
    """
    if not _NAME.match(name) or "/" not in name:
        raise RoleError(
            f"role {name!r}: a team's role needs a namespace ('team/{name.split('/')[-1]}'); "
            "unnamespaced names are graftlab's standard vocabulary"
        )
    neutral = dict(neutral or {})
    role_args = {
        k: RoleArg(k, _annotation(v, f"role {name!r}"), "", neutral.get(k, _UNSET))
        for k, v in (args or {}).items()
    }
    role = Role(name, doc, role_args, since="", provider=provider)
    existing = _ROLES.get(name)
    if existing is not None and (
        {k: a.annotation for k, a in existing.args.items()}
        != {k: a.annotation for k, a in role.args.items()}
    ):
        raise RoleError(f"role {name!r} is already defined with other arguments")
    _ROLES[name] = role
    return role


def get_role(name: str) -> Role:
    """The role called ``name``; ``RoleError`` (with close names) if there is none."""
    role = _ROLES.get(name)
    if role is not None:
        return role
    import difflib

    close = difflib.get_close_matches(name, list(_ROLES), n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise RoleError(f"unknown role {name!r}{hint} (known: {', '.join(sorted(_ROLES))})")


def all_roles() -> dict[str, Role]:
    """Every known role (standard and defined), by name."""
    return dict(sorted(_ROLES.items()))


def forget_role(name: str) -> None:
    """Remove a team's role (tests, interactive sessions); standard roles stay."""
    if name not in STANDARD:
        _ROLES.pop(name, None)
