"""Role views: read and write an object through a role's arguments, whatever its class.

``query_roles(model, "conv")`` finds every object whose class plays ``conv`` and gives a
:class:`RoleView` of each; ``view["features"]`` reads the class's own argument
(``out_channels`` for a torch ``Conv2d``), ``view.edit("features", 64)`` gives the edit at the
class's own key path, ``view.set(...)`` writes it. :func:`carry` builds an object of another
class that plays the same role, carrying every role argument across.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graftlab.symbolic.errors import ValidationError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import get, state_of
from graftlab.symbolic.roles.bindings import RoleBinding, roles_of
from graftlab.symbolic.roles.vocabulary import Role, RoleError, get_role


class RoleView:
    """One object seen through one role: role arguments read and written by the class's names."""

    __slots__ = ("binding", "obj", "path", "role")

    def __init__(self, obj: Any, role: Role, binding: RoleBinding, path: KeyPath) -> None:
        self.obj = obj
        self.role = role
        self.binding = binding
        self.path = path

    def _arg_path(self, arg: str) -> str:
        if arg not in self.role.args:
            raise RoleError(
                f"role {self.role.name!r} has no argument {arg!r} "
                f"(it has: {', '.join(self.role.args) or 'none'})"
            )
        target = self.binding.arg_path(arg)
        if target is None:
            raise RoleError(
                f"{type(self.obj).__qualname__} at {self.path or '<root>'} plays "
                f"{self.role.name!r} without a {arg!r} argument"
            )
        return target

    def __contains__(self, arg: object) -> bool:
        return isinstance(arg, str) and self.binding.arg_path(arg) is not None

    def __getitem__(self, arg: str) -> Any:
        return get(self.obj, self._arg_path(arg))

    def __getattr__(self, arg: str) -> Any:
        if arg.startswith("_"):
            raise AttributeError(arg)
        try:
            return self[arg]
        except RoleError as e:
            raise AttributeError(str(e)) from None

    def __iter__(self) -> Iterator[str]:
        return (a for a in self.role.args if a in self)

    def values(self) -> dict[str, Any]:
        """Every role argument this object has, by role argument name."""
        return {a: self[a] for a in self}

    def arg_name(self, arg: str) -> str:
        """The class's own name (key path) for a role argument: ``out_channels``."""
        return self._arg_path(arg)

    def path_to(self, arg: str) -> KeyPath:
        """The key path (from the query's root) of the argument that holds ``arg``."""
        return self.path + KeyPath.parse(self._arg_path(arg))

    def check(self, arg: str, value: Any) -> Any:
        """``value`` checked against the role argument's type."""
        self._arg_path(arg)
        try:
            return self.role.args[arg].spec.check(value)
        except ValidationError as e:
            raise ValidationError(
                f"{self.role.name}.{arg}: {e.message}", self.path_to(arg)
            ) from None

    def edit(self, arg: str, value: Any) -> tuple[str, Any]:
        """``(key path, value)`` that writes ``arg`` through the class's own argument name."""
        return str(self.path_to(arg)), self.check(arg, value)

    def set(self, arg: str, value: Any) -> None:
        """Write ``arg`` on the object itself (validated by the role and the class)."""
        from graftlab.symbolic.rebind import rebind

        rebind(self.obj, {self._arg_path(arg): self.check(arg, value)})

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{a}={self[a]!r}"
            + (f" ({self.binding.arg_path(a)})" if self.binding.arg_path(a) != a else "")
            for a in self
        )
        return (
            f"<{self.role.name} {type(self.obj).__qualname__} at {self.path or '<root>'}: {inner}>"
        )


def view(obj: Any, role: str, path: KeyPath | None = None) -> RoleView:
    """``obj`` seen as ``role``; ``RoleError`` if its class does not play it."""
    r = get_role(role)
    binding = roles_of(obj).get(role)
    if binding is None:
        raise RoleError(f"{type(obj).__qualname__} does not play role {role!r}")
    return RoleView(obj, r, binding, path if path is not None else KeyPath())


def query_roles(root: Any, role: str, *, include_root: bool = False) -> dict[KeyPath, RoleView]:
    """``{path: view}`` of every symbolic object under ``root`` whose class plays ``role``."""
    from graftlab.symbolic.query import walk

    r = get_role(role)
    out: dict[KeyPath, RoleView] = {}
    for path, value in walk(root, include_root=include_root):
        if state_of(value) is None:
            continue
        binding = roles_of(value).get(role)
        if binding is not None:
            out[path] = RoleView(value, r, binding, path)
    return out


def carry(source: RoleView, to: type, **extra: Any) -> Any:
    """A new ``to`` object that plays the same role with every role argument of ``source``.

    ``extra`` adds arguments of ``to`` by its own names. A role argument that ``to`` cannot
    take is an error, unless it is at its neutral value (``strides=1``).
    """
    role = source.role
    binding = roles_of(to).get(role.name)
    if binding is None:
        raise RoleError(
            f"{to.__qualname__} does not play role {role.name!r}: declare it "
            f"(@symbolize(roles=...) or [roles.classes] in graft.toml) before swapping to it"
        )
    kwargs: dict[str, Any] = {}
    for arg in source:
        value = source[arg]
        target = binding.arg_path(arg)
        if target is None:
            spec = role.args[arg]
            if spec.has_neutral and _same(value, spec.neutral):
                continue
            raise RoleError(
                f"cannot swap {type(source.obj).__qualname__} at {source.path or '<root>'} "
                f"for {to.__qualname__}: {to.__qualname__} has no argument for "
                f"{role.name}.{arg} (= {value!r}); declare one in its {role.name!r} role or "
                f"leave this object alone"
            )
        if "." in target or "[" in target:
            raise RoleError(
                f"cannot swap to {to.__qualname__}: {role.name}.{arg} maps to the nested "
                f"argument {target!r}; only direct arguments can be carried"
            )
        kwargs[target] = _plain(value)
    kwargs.update(extra)
    from graftlab.symbolic.clone import clone

    return to(**{k: clone(v) if state_of(v) is not None else v for k, v in kwargs.items()})


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) and not isinstance(b, (tuple, list)):
        return all(x == b for x in a)
    return bool(a == b)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(x) for x in value]
    return value
