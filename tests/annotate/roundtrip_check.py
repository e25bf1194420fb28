"""Run in a subprocess: import an annotated package and round-trip its symbolic classes.

Prints a JSON summary: modules imported, classes built from sampled arguments, classes whose
experiment text loads back equal (and writes back the same), and the failures.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from typing import Any

import graftlab as gl
from graftlab.symbolic import typespec as ts


def sample(spec: Any) -> Any:
    """A plain value of a spec's type (LookupError when none is easy to make)."""
    if isinstance(spec, ts.BoolSpec):
        return True
    if isinstance(spec, ts.IntSpec):
        return 3
    if isinstance(spec, ts.FloatSpec):
        return 0.5
    if isinstance(spec, ts.StrSpec):
        return "x"
    if isinstance(spec, ts.LiteralSpec):
        return spec.choices[0]
    if isinstance(spec, ts.EnumSpec):
        return next(iter(spec.enum_type))
    if isinstance(spec, ts.ListSpec):
        return []
    if isinstance(spec, ts.UnionSpec):
        for option in spec.options:
            try:
                return sample(option)
            except LookupError:
                continue
    raise LookupError(spec)


def main(package: str, prefix: str) -> None:
    pkg = importlib.import_module(package)
    assert pkg.__file__ and pkg.__file__.startswith(prefix), pkg.__file__
    imported, tried, ok, failures = 0, 0, 0, []
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if "test" in info.name:
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception as e:
            failures.append(f"import {info.name}: {type(e).__name__}: {e}")
            continue
        imported += 1
        for obj in list(vars(module).values()):
            if not (
                isinstance(obj, type)
                and "__sym_schema__" in obj.__dict__
                and obj.__module__ == info.name
            ):
                continue
            try:
                args = {
                    f.name: sample(f.spec) for f in gl.schema_of(obj).fields.values() if f.required
                }
                value = obj(**args)
            except Exception:
                continue
            tried += 1
            try:
                text = gl.dumps(value)
                back = gl.loads(text, allowed_modules=[package])
                if gl.eq(back, value) and gl.dumps(back) == text:
                    ok += 1
                else:
                    failures.append(f"{obj.__qualname__}: differs after the round trip")
            except Exception as e:
                failures.append(f"{obj.__qualname__}: {type(e).__name__}: {e}")
    print(json.dumps({"imported": imported, "tried": tried, "ok": ok, "failures": failures}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
