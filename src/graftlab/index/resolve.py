"""From per-file scans to schemas: names across modules, MROs, effective ``__init__``s.

The resolver mirrors what ``symbolize`` does at runtime, statically: which classes are
symbolic (decorated, symbolized from outside, or subclasses of a symbolic class), which
runtime arguments they exclude (``runtime=``, NNX ``rngs``, Linen ``parent``/``name``), which
``__init__`` gives their schema (their own, a base's, a dataclass's), what ``**kwargs``
pass through to, and how every annotation reads as a spec. Annotations that the runtime
evaluates lazily (string annotations, ``from __future__ import annotations``) resolve only to
names bound *before* the class was symbolized, as ``typing.get_type_hints`` would.

Its concerns live in their own modules: ``names`` (global names), ``hierarchy`` (classes,
MROs, symbolic-ness), ``schema`` (arguments) and ``infos`` (the index's infos).
"""

from __future__ import annotations

from collections.abc import Callable

from graftlab.index.hierarchy import ClassNode
from graftlab.index.infos import build_infos
from graftlab.index.names import ModuleContext, Ref
from graftlab.index.records import ExternalSymbolize, ModuleScan, RawFunction
from graftlab.index.schema import Schemas

__all__ = ["ClassNode", "ModuleContext", "Ref", "Resolver", "build_infos"]


class Resolver(Schemas):
    """Cross-module resolution over a set of module scans (see the module doc)."""

    def __init__(
        self,
        modules: dict[str, ModuleScan],
        load: Callable[[str], ModuleScan | None] | None = None,
    ) -> None:
        self.modules = modules
        self._load = load
        self.outside: set[str] = set()  # modules loaded on demand from outside the scope
        self._ext_targets: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]] | None = None
        self.nodes: dict[str, ClassNode] = {}
        self.functions: dict[str, tuple[ModuleScan, RawFunction]] = {}
        self.external: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]] = {}
        self._lookup_cache: dict[str, Ref] = {}
        self._index()

    def _index(self) -> None:
        for scan in list(self.modules.values()):
            self._add(scan)

    def _add(self, scan: ModuleScan) -> None:
        for rc in scan.classes:
            q = f"{scan.module}.{rc.qualname}"
            self.nodes[q] = ClassNode(q, scan.module, rc)
        for fn in scan.functions:
            self.functions[f"{scan.module}.{fn.qualname}"] = (scan, fn)
        for ext in scan.external:
            self.external.setdefault("?" + ext.target, []).append((scan, ext))
