"""Derived experiments: a base experiment (by name) plus a patch chain, kept as written.

In a file::

    from graftlab import Derived

    experiment = Derived(base="baseline", patches=["change_lr?0.003", "scale_width?factor=2"])

``gl.load`` materializes it: it loads ``experiments/baseline.py`` (itself possibly derived),
applies the chain and returns the result, whose values record their provenance. With
``materialize=False`` the ``Derived`` object itself comes back. Errors inside the chain
point at the exact URI string in the file; cycles of bases are an error naming the cycle.
"""

from __future__ import annotations

import contextvars
import difflib
import importlib
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from graftlab.io import forms, load_cache
from graftlab.io.config import GraftConfig, config_for
from graftlab.io.errors import FormatError
from graftlab.io.loader import POISON, BuildContext, load_file
from graftlab.io.spans import Span
from graftlab.io.syntax import CallE
from graftlab.patching.apply import patch
from graftlab.patching.errors import PatchError
from graftlab.patching.rule import Rule
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.placeholder import is_template
from graftlab.symbolic.symbolize import symbolize

_LOADING: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "graft_loading", default=()
)


@symbolize
class Derived:
    """A base experiment (named like its file under ``experiments/``) plus a patch chain.

    Args:
      base: the base experiment's name, e.g. ``"baseline"`` or ``"vision/resnet"``.
      patches: the chain, as URIs (``"scale_width?factor=2"``) or bound rules, in order.
    """

    def __init__(self, base: str, patches: list[str | Rule] = []) -> None:  # noqa: B006 - symbolic lists are copied
        self.base = base
        self.patches = patches


def experiment_names(root: Path) -> list[str]:
    """Names of the experiments under a directory (``a/b`` for ``a/b.py``)."""
    if not root.is_dir():
        return []
    return sorted(
        str(p.relative_to(root).with_suffix(""))
        for p in root.rglob("*.py")
        if not p.name.startswith("_")
    )


def _check_base_name(name: str, root: Path) -> None:
    """A base is named relative to the experiments folder: no ``..``, no absolute path."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (
        not name.strip()
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or PureWindowsPath(name).drive
        or "\\" in name
        or ".." in parts
        or "\x00" in name
    ):
        raise LookupError(
            f"base experiment {name!r} is not a name inside the experiments folder ({root}): "
            "write it relative to that folder, e.g. 'baseline' or 'vision/resnet' "
            "(no '..', no absolute path, '/' between folders)"
        )


def resolve_base(name: str, ctx: BuildContext) -> Path:
    """The file of base experiment ``name`` (under the repository's experiments directory)."""
    config = ctx.config
    root = (
        config.experiments_dir if config is not None and config.root is not None else ctx.base_dir
    )
    if root is None:
        raise LookupError(
            f"cannot find base experiment {name!r}: the text was not loaded from a file"
        )
    _check_base_name(name, root)
    candidate = (root / name).with_suffix(".py") if not name.endswith(".py") else root / name
    if candidate.is_file():
        resolved = load_cache.resolve(candidate)
        if not resolved.is_relative_to(load_cache.resolve(root)):  # e.g. through a link
            raise LookupError(
                f"base experiment {name!r} resolves to {resolved}, outside the experiments "
                f"folder ({root}): bases must be experiments of this repository"
            )
        return resolved
    names = experiment_names(root)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise LookupError(f"no experiment named {name!r} (looked for {candidate}){hint}")


def _uri_span(ctx: BuildContext, span: Span, err: PatchError) -> Span:
    """Narrow a URI string's span to the part of the URI an error is about."""
    if err.offset is None or span.line != span.end_line:
        return span
    text = ctx.src.line(span.line)[span.column : span.end_column]
    if (
        len(text) < 2
        or text[0] not in "\"'"
        or "\\" in text
        or err.uri is None
        or text[1:-1] != err.uri
    ):
        return span
    start = span.column + 1 + err.offset
    length = max(1, err.length or 1)
    return Span(
        span.line,
        start,
        span.line,
        min(span.end_column - 1, start + length) if length else start + 1,
    )


def materialize(derived: Derived, ctx: BuildContext, path: KeyPath, call: CallE) -> Any:
    """Load the base, apply the chain, and map errors to spans in the file."""
    base_key = path.child("base")
    base_span = ctx.span_for(base_key, call.span)
    try:
        base_file = resolve_base(derived.base, ctx)
    except LookupError as e:
        return ctx.error(str(e), base_span, base_key)
    stack = _LOADING.get()
    here = (
        load_cache.resolve(Path(ctx.src.file))
        if ctx.src.file and not ctx.src.file.startswith("<")
        else None
    )
    chain = (*stack, *((here,) if here and here not in stack else ()))
    if base_file in chain:
        cycle = [*chain[chain.index(base_file) :], base_file]
        names = " -> ".join(p.stem for p in cycle)
        return ctx.error(f"derived experiments form a cycle: {names}", base_span, base_key)
    token = _LOADING.set(chain)
    try:
        _import_patch_modules(ctx)
        try:
            # the base is loaded under this file's configuration (the repository root's)
            base_value = load_experiment(
                base_file,
                allowed_modules=ctx.allowed if ctx.config is None else None,
                config=ctx.config,
            )
        except FormatError as e:
            first = getattr(e, "errors", [e])[0]
            return ctx.error(
                f"base experiment {derived.base!r} does not load: {first.location()}: {first.message}",
                base_span,
                base_key,
            )
    finally:
        _LOADING.reset(token)
    sources = []
    for i in range(len(derived.patches)):
        p = path.child("patches").child(i)
        sources.append((ctx.src.file, ctx.span_for(p, call.span)))
    try:
        return patch(base_value, list(derived.patches), source=sources)
    except PatchError as e:
        i = e.position if e.position is not None else 0
        p = path.child("patches").child(i)
        span = ctx.span_for(p, call.span)
        return ctx.error(e.message, _uri_span(ctx, span, e), p)


def load_experiment(
    path: Path, *, allowed_modules: Any = None, config: GraftConfig | None = None
) -> Any:
    """The materialized ``experiment`` of a file; inside ``load_cache()`` built once per text
    and configuration and shared (callers copy it before changing it, as ``patch`` does).

    A cached value is served only while its file and every base it was built from still
    read the same."""
    cache = load_cache.active()
    if cache is None:
        return load_file(path, allowed_modules=allowed_modules, config=config).get("experiment")
    try:
        data = path.read_bytes()
    except OSError:  # load_file says why, as it does without the cache
        return load_file(path, allowed_modules=allowed_modules, config=config).get("experiment")
    if config is None:
        config = config_for(path.parent)  # what load_file would find
    allowed = tuple(allowed_modules) if allowed_modules is not None else None
    key = load_cache.value_key(path, data, config, allowed)
    outer = _READ.get()
    hit = cache.values.get(key)
    if hit is not None and all(_reads(p) == d for p, d in hit[1]):
        value, bases = hit
    else:
        bases = []  # (file, bytes) of every base read while building this one
        token = _READ.set(bases)
        try:
            value = load_file(path, allowed_modules=allowed_modules, config=config).get(
                "experiment"
            )
        finally:
            _READ.reset(token)
        cache.values[key] = (value, tuple(bases))  # only values that loaded: errors afresh
        cache.builds += 1
    if outer is not None:  # this file is a base of the one being built
        outer.append((path, data))
        outer.extend(bases)
    return value


_READ: contextvars.ContextVar[list[tuple[Path, bytes]] | None] = contextvars.ContextVar(
    "graft_base_reads", default=None
)


def _reads(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _import_patch_modules(ctx: BuildContext) -> None:
    if ctx.config is None:
        return
    from graftlab.patching.configure import apply_config

    apply_config(ctx.config)
    for name in ctx.config.patch_modules:
        importlib.import_module(name)


def _derived_form(ctx: BuildContext, call: CallE, path: KeyPath) -> Any:
    obj = ctx.build_call(Derived, call, path)
    if obj is POISON or not ctx.materialize or is_template(obj):
        return obj  # a search space over chains is materialized per decision (graftlab.hyper)
    return materialize(obj, ctx, path, call)


forms.register_form(Derived, _derived_form)
