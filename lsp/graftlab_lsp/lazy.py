"""A module imported on first use: the server answers ``initialize`` before the features
(and the parts of graftlab they need) are loaded."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for module ``name``; the first attribute read imports it (the import system's
    lock makes that safe from any thread), every read after that is a dictionary look-up."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
