"""What an experiment file says about itself without building anything (for ``graft ls``).

Parses the file (nothing is imported or run) and reads the derivation form if there is
one: the base name and the chain length. Fast enough for thousands of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graftlab.io.syntax import CallE, DottedE, ListE, Lit, NameE, decode, parse


@dataclass(frozen=True)
class StaticInfo:
    """The derivation of an experiment as written (``base`` is None for a root experiment)."""

    base: str | None
    patches: tuple[str, ...]
    error: str | None = None


def static_info(path: Path) -> StaticInfo:
    """Base and chain of the file's ``experiment``, read from its syntax only."""
    try:
        module, errors, _src = parse(decode(path.read_bytes(), str(path)), str(path))
    except Exception as e:
        return StaticInfo(None, (), str(e))
    if errors:
        return StaticInfo(None, (), errors[0].render(with_source=False))
    for a in module.assigns:
        if a.name != "experiment":
            continue
        v = a.value
        if isinstance(v, CallE) and _callee_name(v) == "Derived":
            base = None
            patches: list[str] = []
            args = dict(zip(("base", "patches"), v.args, strict=False))
            args.update({k.name: k.value for k in v.kwargs})
            b = args.get("base")
            if isinstance(b, Lit) and isinstance(b.value, str):
                base = b.value
            p = args.get("patches")
            if isinstance(p, ListE):
                patches = [x.value if isinstance(x, Lit) else "<rule>" for x in p.items]
            return StaticInfo(base, tuple(patches))
        return StaticInfo(None, ())
    return StaticInfo(None, (), "no `experiment` is assigned")


def _callee_name(call: CallE) -> str:
    c = call.callee
    return c.name if isinstance(c, NameE) else c.parts[-1] if isinstance(c, DottedE) else ""
