"""Exception types of graftlab's symbolic core.

Every error carries the key path of the offending value (``model.layers[3].features``)
so that callers (the loader, the language server, run reports) can map it to a position.
"""

from __future__ import annotations

from typing import Any


class GraftError(Exception):
    """Base class of every error graftlab raises on purpose."""


class SymbolicError(GraftError):
    """An error about a value inside a symbolic tree, located by its key path."""

    def __init__(self, message: str, path: Any = None) -> None:
        self.message = message
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = str(self.path) if self.path is not None else ""
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.path))


class ValidationError(SymbolicError, TypeError):
    """A value does not match what the schema expects at its key path."""


class RangeError(ValidationError, ValueError):
    """A value has the right type but violates a constraint (range, non-empty, ...)."""


class MissingArgumentError(ValidationError):
    """A required argument was not given."""


class UnknownArgumentError(ValidationError):
    """An argument name that the schema does not declare."""


class LiveObjectError(SymbolicError):
    """An edit of the arguments of an object that holds built state (weights, variables,
    state added after construction) was refused; nothing changed. ``gl.rebuild(obj, edits)``
    makes a fresh object from the edited arguments instead."""


class SchemaError(GraftError):
    """A class or function cannot be symbolized as written (bad annotation, signature)."""


class KeyPathError(SymbolicError, KeyError):
    """A key path is malformed, or names a location that does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message otherwise.
        return self._render()


class RegistryError(GraftError):
    """A symbolic type cannot be registered or resolved by name."""


class ComponentError(SymbolicError):
    """A symbolic component failed at run time (building it, or calling it).

    ``path`` is the key path of the failing object in the experiment, so that the error can
    be shown at the argument of the experiment file that built it; ``cause`` is the original
    exception.
    """

    def __init__(self, message: str, path: Any = None, cause: BaseException | None = None) -> None:
        self.cause = cause
        super().__init__(message, path)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.path, None))
