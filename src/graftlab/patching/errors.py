"""Errors of patch rules: each names the rule, the argument and what was expected."""

from __future__ import annotations

from graftlab.symbolic.errors import GraftError


class PatchError(GraftError):
    """A patch rule or chain cannot be parsed, resolved or applied.

    ``uri`` is the rule's URI, ``position`` its index in the chain, ``argument`` the
    argument concerned and ``offset`` the character offset inside the URI, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        uri: str | None = None,
        position: int | None = None,
        argument: str | None = None,
        offset: int | None = None,
        length: int | None = None,
    ) -> None:
        self.message = message
        self.uri = uri
        self.position = position
        self.argument = argument
        self.offset = offset
        self.length = length
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.position is not None:
            where.append(f"chain[{self.position}]")
        if self.uri is not None:
            where.append(repr(self.uri))
        return (" ".join(where) + ": " if where else "") + self.message

    def at(self, position: int) -> PatchError:
        """This error placed at a chain position."""
        self.position = position
        self.args = (self.render(),)
        return self


class URIError(PatchError):
    """A URI that does not parse, or whose arguments do not fit the rule."""


class UnknownRuleError(URIError):
    """A URI names no registered rule."""


class RuleRegistryError(PatchError):
    """A rule name is taken, or malformed."""


class NoChangeError(PatchError):
    """A rule changed nothing (and was not marked optional)."""


class PatchValidationError(PatchError):
    """A rule's validator rejected the patched result."""
