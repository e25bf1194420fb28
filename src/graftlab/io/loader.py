"""The safe loader: builds the objects an experiment file describes, without running it.

Stage one (``syntax``) parses and keeps only allowed constructs. Stage two, here, checks
every import against the allow-list before importing anything, resolves names to symbolic
classes and functions, and builds the values bottom-up, recording the source span of every
key path. All errors of a file are collected and raised together.
"""

from __future__ import annotations

import difflib
import enum
import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from graftlab.io import forms, limits, load_cache, reparse
from graftlab.io.allowlist import import_allowed, import_refusal, leads_to_allowed
from graftlab.io.config import ALWAYS_ALLOWED, GraftConfig, config_for
from graftlab.io.errors import FormatError, FormatErrors, ImportNotAllowedError
from graftlab.io.spans import Located, SourceMap, Span, attach_source_map
from graftlab.io.syntax import (
    AssignS,
    BulkE,
    CallE,
    DictE,
    DottedE,
    Expr,
    FromS,
    ImportS,
    ListE,
    Lit,
    ModuleIR,
    NameE,
    Source,
    TupleE,
    decode,
    parse,
)
from graftlab.symbolic.clone import clone
from graftlab.symbolic.errors import SymbolicError
from graftlab.symbolic.keypath import KeyPath


class _Poison:
    """Stands for a value that failed to build; using it reports nothing more."""

    def __repr__(self) -> str:
        return "<failed>"


POISON: Any = _Poison()
_SPECIAL_FLOATS = {
    "inf": float("inf"),
    "+inf": float("inf"),
    "-inf": float("-inf"),
    "nan": float("nan"),
}


def is_symbolic_callable(obj: Any) -> bool:
    """A symbolic class or a symbolized function (which is a class too)."""
    return isinstance(obj, type) and "__sym_schema__" in obj.__dict__


def _acceptable_import(obj: Any) -> bool:
    return (
        isinstance(obj, ModuleType)
        or is_symbolic_callable(obj)
        or (isinstance(obj, type) and issubclass(obj, enum.Enum))
        or forms.form_for(obj) is not None
    )


@dataclass
class LoadedFile:
    """Everything a file defines: values by name, its syntax tree and its source map."""

    file: str
    docstring: str | None
    values: dict[str, Any]
    module: ModuleIR
    source_map: SourceMap
    imports: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def experiment(self) -> Any:
        return self.get("experiment")

    def get(self, name: str) -> Any:
        """The value assigned to ``name``; a ``FormatError`` lists the names if absent."""
        if name not in self.values:
            names = ", ".join(self.values) or "none"
            raise FormatError(
                f"no `{name}` is assigned in this file (names: {names})", None, file=self.file
            )
        return self.values[name]


class BuildContext:
    """The state of one load; special forms receive it to evaluate their arguments."""

    def __init__(
        self,
        src: Source,
        module: ModuleIR,
        imports: dict[str, Any],
        base_dir: Path | None,
        *,
        config: GraftConfig | None = None,
        allowed: tuple[str, ...] = ALWAYS_ALLOWED,
        materialize: bool = True,
    ) -> None:
        self.src = src
        self.config = config
        self.allowed = allowed
        self.materialize = materialize
        self.module = module
        self.imports = imports
        self.base_dir = base_dir
        self.values: dict[str, Any] = {}
        self.spans: dict[KeyPath, Located] = {}
        # The spans under each top-level name, so that using a name copies its own spans
        # (linear in its size) instead of scanning every span of the file.
        self.under: dict[Any, list[tuple[KeyPath, Located]]] = {}
        self.depth_of: dict[Any, int] = {}
        self.bulk: dict[KeyPath, BulkE] = {}  # long literals: element spans on demand
        self.nodes = 0
        self.name_uses = 0
        self.over_limit = False
        self.errors: list[FormatError] = []
        self.assigned_at: dict[str, int] = {}
        self.forms_used = 0  # special forms called (they may read other files)

    # -- errors ---------------------------------------------------------------------------

    def error(self, message: str, span: Span | None, path: Any = None) -> Any:
        self.errors.append(self.src.error(message, span, path=path))
        return POISON

    def span_for(self, path: KeyPath, fallback: Span) -> Span:
        if self.bulk:
            for n in range(len(path) - 1, 0, -1):
                e = self.bulk.get(KeyPath(path[:n]))
                if e is not None:
                    prefix = KeyPath(path[:n])
                    for rel, loc in element_spans(e).items():
                        if rel:
                            self.spans.setdefault(KeyPath((*prefix, *rel)), loc)
                    break
        kp = path
        while kp:
            loc = self.spans.get(kp)
            if loc is not None:
                return loc.value
            kp = kp.parent
        return fallback

    # -- names ----------------------------------------------------------------------------

    def known_names(self) -> list[str]:
        return [*self.imports, *self.values]

    def _suggest(self, name: str, candidates: list[str]) -> str:
        close = difflib.get_close_matches(name, candidates, n=1)
        return f"; did you mean {close[0]!r}?" if close else ""

    def resolve(self, e: NameE | DottedE) -> Any:
        """What a (dotted) name in callee or value position refers to (imports only)."""
        parts = [e.name] if isinstance(e, NameE) else e.parts
        head = parts[0]
        if head not in self.imports:
            if head in self.values or head in self.assigned_at:
                if len(parts) > 1:
                    return self.error(
                        f"attribute access on {head!r} is not allowed: it is a value, not a module or class",
                        e.span,
                    )
            return self.error(
                f"unknown name {head!r}: it is neither imported nor assigned earlier"
                f"{self._suggest(head, self.known_names())}",
                e.span,
            )
        obj = self.imports[head]
        passing = False  # obj is a package passed through on the way to an allowed module
        for i, part in enumerate(parts[1:], 1):
            where = ".".join(parts[:i])
            if isinstance(obj, ModuleType):
                if not hasattr(obj, part):
                    names = [n for n in vars(obj) if not n.startswith("_")]
                    return self.error(
                        f"module {obj.__name__!r} has no attribute {part!r}{self._suggest(part, names)}",
                        e.span,
                    )
                nxt = getattr(obj, part)
                if not isinstance(nxt, ModuleType) and passing:
                    return self.error(
                        import_refusal(obj.__name__, self.allowed) or "not allowed", e.span
                    )
                passing = False
                if isinstance(nxt, ModuleType) and not import_allowed(nxt.__name__, self.allowed):
                    # only on the way to an allowed module (``graftlab.cli.demo_components``)
                    if i == len(parts) - 1 or not leads_to_allowed(nxt.__name__, self.allowed):
                        return self.error(
                            import_refusal(nxt.__name__, self.allowed) or "not allowed", e.span
                        )
                    passing = True
                if not (_acceptable_import(nxt)):
                    return self.error(
                        f"{where}.{part} is not a symbolic class or function, an enum or a module",
                        e.span,
                    )
                obj = nxt
            elif isinstance(obj, type) and issubclass(obj, enum.Enum):
                if part not in obj.__members__:
                    return self.error(
                        f"{obj.__name__} has no member {part!r}{self._suggest(part, list(obj.__members__))}",
                        e.span,
                    )
                obj = obj[part]
            elif (
                isinstance(obj, type)
                and part in obj.__dict__
                and (
                    is_symbolic_callable(obj.__dict__[part])
                    or (
                        isinstance(obj.__dict__[part], type)
                        and issubclass(obj.__dict__[part], enum.Enum)
                    )
                )
            ):
                obj = obj.__dict__[part]
            else:
                return self.error(
                    f"attribute access on {where} is only allowed to reach modules, symbolic classes "
                    "and enum members",
                    e.span,
                )
        return obj

    # -- values ---------------------------------------------------------------------------

    def record(self, path: KeyPath, span: Span, key: Span | None = None) -> None:
        """Remember where the value at ``path`` was written."""
        self._put(path, Located(span, key))

    def _put(self, path: KeyPath, loc: Located) -> None:
        if path not in self.spans and path:
            root = path[0]
            self.under.setdefault(root, []).append((path, loc))
            if len(path) > self.depth_of.get(root, 0):
                self.depth_of[root] = len(path)
        self.spans[path] = loc

    def over(self, message: str, span: Span) -> Any:
        """Report a limit once; the rest of the file is not built."""
        if not self.over_limit:
            self.over_limit = True
            self.error(message, span)
        return POISON

    def eval(self, e: Expr, path: KeyPath, key_span: Span | None = None) -> Any:
        """Build the value of ``e`` at ``path``, recording spans; ``POISON`` on error."""
        if self.over_limit:
            return POISON
        self.nodes += 1
        if self.nodes > limits.MAX_NODES:
            return self.over(
                f"the file builds more than {limits.MAX_NODES:,} values "
                "(each use of a name copies its value): split it or use names less",
                e.span,
            )
        self._put(path, Located(e.span, key_span))
        t = type(e)
        if t is Lit:
            return e.value  # type: ignore[attr-defined]
        if t is BulkE:
            self.bulk[path] = e  # type: ignore[assignment]
            return e.value  # type: ignore[attr-defined]
        if t is CallE:
            return self.call(e, path)  # type: ignore[arg-type]
        if t is ListE or t is TupleE:
            items = [self.eval(x, path.child(i)) for i, x in enumerate(e.items)]  # type: ignore[attr-defined]
            if any(v is POISON for v in items):
                return POISON
            return items if t is ListE else tuple(items)
        if t is DictE:
            out = {}
            bad = False
            for (k, kspan), v in zip(e.keys, e.values, strict=True):  # type: ignore[attr-defined]
                if k in out:
                    self.error(f"dict key {k!r} is given twice", kspan)
                    bad = True
                val = self.eval(v, path.child(k), kspan)
                bad = bad or val is POISON
                out[k] = val
            return POISON if bad else out
        if t is NameE:
            return self.name_value(e, path)  # type: ignore[arg-type]
        if t is DottedE:
            obj = self.resolve(e)  # type: ignore[arg-type]
            if obj is POISON:
                return POISON
            if isinstance(obj, ModuleType):
                return self.error("a module is not a value", e.span)
            return obj
        return self.error("this is not a value", e.span)

    def name_value(self, e: NameE, path: KeyPath) -> Any:
        name = e.name
        if name in self.values:
            value = self.values[name]
            if value is POISON:
                return POISON
            # Each use of a name is its own copy; its inner spans point at the definition.
            inner = self.under.get(name, [])
            self.name_uses += 1
            if self.name_uses > limits.MAX_NAME_USES:
                return self.over(
                    f"names are used more than {limits.MAX_NAME_USES:,} times in this file",
                    e.span,
                )
            self.nodes += len(inner) + sum(
                b.size for p, _ in inner if (b := self.bulk.get(p)) is not None
            )
            if self.nodes > limits.MAX_NODES:
                return self.over(
                    f"the file builds more than {limits.MAX_NODES:,} values: this use of "
                    f"{name!r} copies {len(inner):,} more (each use of a name copies its value)",
                    e.span,
                )
            if len(path) - 1 + self.depth_of.get(name, 1) > limits.MAX_DEPTH:
                return self.over(
                    f"using {name!r} here nests values deeper than {limits.MAX_DEPTH} levels",
                    e.span,
                )
            for p, loc in inner[1:]:  # inner[0] is the name's own span; ``path`` has one
                self._put(KeyPath((*path, *p[1:])), loc)
            for p, _ in inner:
                b = self.bulk.get(p)
                if b is not None:
                    self.bulk[KeyPath((*path, *p[1:]))] = b
            try:
                return clone(value)  # constructs each object again
            except SymbolicError as err:
                return self.error(f"a copy of {name!r} is not valid: {err.message}", e.span, path)
            except Exception as err:  # a class's own __init__ failed on the copy
                return self.error(
                    f"copying {name!r} raised {type(err).__name__}: {err}", e.span, path
                )
        if name in self.assigned_at:
            return self.error(
                f"{name!r} is used before it is assigned (line {self.assigned_at[name]}): "
                "assign a name before using it",
                e.span,
            )
        if name in self.imports:
            obj = self.imports[name]
            if isinstance(obj, ModuleType):
                return self.error(f"module {name!r} is not a value", e.span)
            return obj
        return self.error(
            f"unknown name {name!r}: it is neither imported nor assigned earlier"
            f"{self._suggest(name, self.known_names())}",
            e.span,
        )

    def call(self, e: CallE, path: KeyPath) -> Any:
        callee = e.callee
        if (
            isinstance(callee, NameE)
            and callee.name == "float"
            and "float" not in self.imports
            and "float" not in self.values
        ):
            return self.special_float(e)
        target = self.resolve(callee)
        if target is POISON:
            for i, a in enumerate(e.args):
                self.eval(a, path.child(i))
            for kw in e.kwargs:
                self.eval(kw.value, path.child(kw.name), kw.name_span)
            return POISON
        handler = forms.form_for(target)
        if handler is not None:
            self.forms_used += 1
            return handler(self, e, path)
        if not is_symbolic_callable(target):
            return self.error(
                f"{_spelled(callee)} is not a symbolic class or function: it cannot be called here",
                callee.span,
            )
        return self.build_call(target, e, path)

    def build_call(self, cls: type, e: CallE, path: KeyPath) -> Any:
        """Evaluate the arguments of a call to a symbolic class and construct it."""
        schema = cls.__sym_schema__  # type: ignore[attr-defined]
        positional = schema.positional
        var = schema.var_positional
        bad = False
        pos_values: list[Any] = []
        kw_values: dict[str, Any] = {}
        for i, a in enumerate(e.args):
            if i < len(positional):
                p = path.child(positional[i])
            elif var is not None:
                p = path.child(var).child(i - len(positional))
            else:
                names = ", ".join(positional) or "none"
                self.error(
                    f"{cls.__qualname__} takes at most {len(positional)} positional argument"
                    f"{'s' if len(positional) != 1 else ''} ({names}); pass this one by keyword",
                    a.span,
                    path,
                )
                bad = True
                continue
            v = self.eval(a, p)
            bad = bad or v is POISON
            pos_values.append(v)
        given_pos = set(positional[: len(e.args)])
        for kw in e.kwargs:
            f = schema.fields.get(kw.name)
            p = path.child(kw.name)
            if kw.name in given_pos:
                self.error(
                    f"{cls.__qualname__} got {kw.name!r} both by position and by keyword",
                    kw.name_span,
                    p,
                )
                bad = True
                continue
            if f is None and schema.var_keyword is None:
                err = schema.unknown(kw.name, p)
                self.error(err.message, kw.name_span, p)
                self.eval(kw.value, p, kw.name_span)
                bad = True
                continue
            if f is not None and f.kind == "positional_only":
                self.error(
                    f"{cls.__qualname__}: {kw.name!r} can only be passed by position",
                    kw.name_span,
                    p,
                )
                bad = True
                continue
            v = self.eval(kw.value, p, kw.name_span)
            bad = bad or v is POISON
            kw_values[kw.name] = v
        if bad:
            return POISON
        try:
            return cls(*pos_values, **kw_values)
        except SymbolicError as err:
            rel = KeyPath(err.path or ())
            where = KeyPath((*path, *rel))
            message = err.message
            prefix = f"{cls.__qualname__}: "
            if message.startswith(prefix):
                message = message[len(prefix) :]
            if (
                rel
                and where not in self.spans
                and len(rel) == 1
                and not message.startswith(cls.__qualname__)
            ):
                message = f"{cls.__qualname__}: {message}"
            return self.error(message, self.span_for(where, e.span), where)
        except Exception as err:  # the class's own __init__ rejected the values
            return self.error(
                f"{cls.__qualname__}(...) raised {type(err).__name__}: {err}", e.span, path
            )

    def special_float(self, e: CallE) -> Any:
        if (
            len(e.args) == 1
            and not e.kwargs
            and isinstance(e.args[0], Lit)
            and e.args[0].value in _SPECIAL_FLOATS
        ):
            return _SPECIAL_FLOATS[e.args[0].value]
        return self.error(
            'only float("inf"), float("-inf") and float("nan") may be written with float(...)',
            e.span,
        )


def element_spans(e: BulkE) -> dict[KeyPath, Located]:
    """The spans of a long literal's elements, relative to it (parses its text again)."""
    out: dict[KeyPath, Located] = {}
    stack: list[tuple[Expr, KeyPath, Span | None]] = [(e.expr(), KeyPath(), None)]
    while stack:
        x, p, key = stack.pop()
        out[p] = Located(x.span, key)
        if isinstance(x, (ListE, TupleE)):
            stack.extend((item, p.child(i), None) for i, item in enumerate(x.items))
        elif isinstance(x, DictE):
            stack.extend((v, p.child(k), ks) for (k, ks), v in zip(x.keys, x.values, strict=True))
    return out


def _spelled(e: NameE | DottedE) -> str:
    return e.name if isinstance(e, NameE) else ".".join(e.parts)


class _TooBig(Exception):
    def __init__(self, span: Span, message: str) -> None:
        self.span = span
        self.message = message


def _check_size(src: Source, module: ModuleIR) -> list[FormatError]:
    """Count the values the file would build, each use of a name copying its value, before
    importing or building anything: a small file that multiplies (a "billion laughs") is
    rejected at once, at the use that crosses ``MAX_NODES``."""
    sizes: dict[str, int] = {}  # what a use of each name copies
    total = 0
    limit = limits.MAX_NODES

    def count(e: Expr) -> int:
        nonlocal total
        t = type(e)
        if t is NameE and e.name in sizes:  # type: ignore[attr-defined]
            n = sizes[e.name]  # type: ignore[attr-defined]
            total += 1 + n
            if total > limit:
                raise _TooBig(
                    e.span,
                    f"the file builds more than {limit:,} values: this use of "
                    f"{e.name!r} copies {n:,} more (each use of a name copies its value)",  # type: ignore[attr-defined]
                )
            return n
        total += 1
        if total > limit:
            raise _TooBig(e.span, f"the file builds more than {limit:,} values")
        n = 1 + (e.size if t is BulkE else 0)  # type: ignore[attr-defined]
        if t is CallE:
            kids = [*e.args, *(kw.value for kw in e.kwargs)]  # type: ignore[attr-defined]
        elif t is ListE or t is TupleE:
            kids = e.items  # type: ignore[attr-defined]
        elif t is DictE:
            kids = e.values  # type: ignore[attr-defined]
        else:
            return n
        for kid in kids:
            n += count(kid)
        return n

    try:
        for a in module.assigns:
            if a.name not in sizes:
                sizes[a.name] = count(a.value)
    except _TooBig as big:
        return [src.error(big.message, big.span)]
    return []


def _check_imports(src: Source, module: ModuleIR, allowed: tuple[str, ...]) -> list[FormatError]:
    """Every import checked against the allow-list before anything is imported."""
    errors = []
    for imp in module.imports:
        why = import_refusal(imp.module, allowed)
        if why is None:
            continue
        if isinstance(imp, FromS) and imp.names:
            # ``from graftlab.cli import demo_components``: the package itself is not on the
            # list, but each name is an allowed submodule (whose import imports the package).
            bad = [
                (n, span)
                for n, _alias, span in imp.names
                if not import_allowed(f"{imp.module}.{n}", allowed)
            ]
            if not bad:
                continue
            if len(bad) < len(imp.names):
                for n, span in bad:
                    errors.append(
                        src.error(
                            import_refusal(f"{imp.module}.{n}", allowed) or why,
                            span,
                            ImportNotAllowedError,
                        )
                    )
                continue
        errors.append(src.error(why, imp.span, ImportNotAllowedError))
    return errors


def _do_imports(
    src: Source, module: ModuleIR, errors: list[FormatError], allowed: tuple[str, ...]
) -> dict[str, Any]:
    """Import what the (already checked) imports name and bind it."""
    bound: dict[str, Any] = {}
    for imp in module.imports:
        whole = import_allowed(imp.module, allowed)
        if whole or isinstance(imp, ImportS):
            try:
                mod = importlib.import_module(imp.module)
            except Exception as e:
                errors.append(
                    src.error(f"cannot import {imp.module!r}: {type(e).__name__}: {e}", imp.span)
                )
                continue
        if isinstance(imp, ImportS):
            bound[imp.bound_name] = (
                mod if imp.alias else importlib.import_module(imp.module.split(".")[0])
            )
            continue
        assert isinstance(imp, FromS)
        for name, alias, span in imp.names:
            if name.startswith("__"):
                errors.append(src.error(f"dunder names cannot be imported: {name!r}", span))
                continue
            sub = f"{imp.module}.{name}"
            if whole and hasattr(mod, name):
                obj = getattr(mod, name)
                if isinstance(obj, ModuleType) and not import_allowed(obj.__name__, allowed):
                    why = import_refusal(obj.__name__, allowed) or "not allowed"
                    errors.append(src.error(why, span, ImportNotAllowedError))
                    continue
            elif import_allowed(sub, allowed):
                try:
                    obj = importlib.import_module(sub)
                except ImportError:
                    errors.append(src.error(_has_no(imp.module, name), span))
                    continue
            elif _module_exists(sub):
                why = import_refusal(sub, allowed) or "not allowed"
                errors.append(src.error(why, span, ImportNotAllowedError))
                continue
            else:
                errors.append(src.error(_has_no(imp.module, name), span))
                continue
            if not _acceptable_import(obj):
                errors.append(
                    src.error(
                        f"{imp.module}.{name} is not a symbolic class or function, an enum or a module: "
                        "only those can be used in an experiment file",
                        span,
                    )
                )
                continue
            bound[alias or name] = obj
    return bound


def _has_no(module: str, name: str) -> str:
    mod = sys.modules.get(module)
    public = [n for n in dir(mod) if not n.startswith("_")] if mod is not None else []
    close = difflib.get_close_matches(name, public, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"module {module!r} has no {name!r}{hint}"


def _module_exists(name: str) -> bool:
    """Whether a submodule exists, found without importing it (its package is imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def load_file(
    path: str | Path,
    *,
    allowed_modules: Any = None,
    materialize: bool = True,
    config: GraftConfig | None = None,
) -> LoadedFile:
    """Load every name an experiment file defines (see ``docs/format.md``).

    ``materialize=False`` keeps derived experiments as written (base plus patch chain).
    ``config`` is the repository's configuration (found from the file when not given; a
    base experiment is loaded under its derived experiment's).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read the file: {e.strerror or e}", None, file=str(p)) from None
    text = decode(data, str(p))
    return loads_file(
        text,
        file=str(p),
        allowed_modules=allowed_modules,
        base_dir=p.parent,
        materialize=materialize,
        config=config,
    )


def loads_file(
    text: str,
    *,
    file: str = "<string>",
    allowed_modules: Any = None,
    base_dir: Path | None = None,
    materialize: bool = True,
    config: GraftConfig | None = None,
) -> LoadedFile:
    """Like ``load_file`` for text; ``allowed_modules`` defaults to the root graft.toml's."""
    if len(text) > limits.MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > (
        limits.MAX_BYTES
    ):
        raise FormatError(
            f"the text is over {limits.MAX_BYTES} bytes; experiment files are limited to that",
            None,
            file=file,
        )
    module, errors, src = _parse(text, file)
    if config is None and base_dir is not None:
        config = config_for(base_dir)
    if allowed_modules is None:
        allowed = config.all_allowed if config else ALWAYS_ALLOWED
    else:
        allowed = tuple(dict.fromkeys((*ALWAYS_ALLOWED, *allowed_modules)))
    errors.extend(_check_imports(src, module, allowed))
    errors.extend(_check_size(src, module))
    if errors:
        raise _combined(errors)
    if config is not None and config.root is not None and str(config.root) not in sys.path:
        sys.path.insert(0, str(config.root))
    imports = _do_imports(src, module, errors, allowed)
    ctx = BuildContext(
        src, module, imports, base_dir, config=config, allowed=allowed, materialize=materialize
    )
    for a in module.assigns:
        if a.name in ctx.assigned_at:
            ctx.error(
                f"{a.name!r} is assigned twice (first on line {ctx.assigned_at[a.name]}): each name is assigned once",
                a.name_span,
            )
        else:
            ctx.assigned_at.setdefault(a.name, a.name_span.line)
    memo = _build_memo(file, (allowed, materialize, base_dir, config and config.root))
    for a in module.assigns:
        root = KeyPath((a.name,))
        if a.name in ctx.values:
            continue
        if a.name in imports:
            ctx.error(f"{a.name!r} is already imported: choose another name", a.name_span)
        value = memo.reuse(ctx, a) if memo is not None else _NOT_BUILT
        if value is _NOT_BUILT:
            before = (len(ctx.errors), ctx.nodes, ctx.name_uses, ctx.forms_used, len(ctx.bulk))
            value = ctx.eval(a.value, root, a.name_span)
            if memo is not None:
                memo.remember(ctx, a, value, before)
        ctx.values[a.name] = value
    if memo is not None:
        memo.done()
    errors.extend(ctx.errors)
    if errors:
        raise _combined(errors)
    lazy = {p: (lambda e=e: element_spans(e)) for p, e in ctx.bulk.items()}
    smap = SourceMap(file, ctx.spans, text, lazy)
    loaded = LoadedFile(file, module.docstring, ctx.values, module, smap, imports)
    maps = smap.by_name()
    for name, value in ctx.values.items():
        m = maps.get(name)
        attach_source_map(value, m if m is not None else SourceMap(file, {}, text))
    return loaded


_NOT_BUILT: Any = object()


@dataclass
class _Built:
    """An assignment's value as an earlier load built it, with what building it recorded."""

    value: Any
    deps: tuple[tuple[str, Any, Any], ...]  # (name, what it was imported as, its value)
    under: list[tuple[KeyPath, Located]]
    spans: list[tuple[KeyPath, Located]]
    depth: int | None
    bulk: list[tuple[KeyPath, BulkE]]
    nodes: int
    name_uses: int


class BuildMemo:
    """Values an earlier load of the same file built, reused by the next load (only inside
    ``reparse.reusing()``: the language server's worker, one load per edit).

    An assignment is reused when its syntax is the very same nodes (the reparser returns
    them for a statement whose text and line did not change) and every name it uses is
    imported as, and assigned to, the same objects as then; one that reported an error or
    called a special form (which may read other files) is always built again. Only the
    last load's values are kept.
    """

    def __init__(self, key: Any) -> None:
        self.key = key
        self._built: dict[AssignS, _Built] = {}
        self._next: dict[AssignS, _Built] = {}
        self.reused = 0  # assignments reused by the last load (for tests)

    def reuse(self, ctx: BuildContext, a: AssignS) -> Any:
        b = self._built.get(a)
        if b is None or ctx.over_limit:
            return _NOT_BUILT
        missing = _NOT_BUILT
        for name, imported, value in b.deps:
            if ctx.imports.get(name, missing) is not imported:
                return _NOT_BUILT
            if ctx.values.get(name, missing) is not value:
                return _NOT_BUILT
        if (
            ctx.nodes + b.nodes > limits.MAX_NODES
            or ctx.name_uses + b.name_uses > limits.MAX_NAME_USES
        ):
            return _NOT_BUILT  # building it reports the limit
        ctx.nodes += b.nodes
        ctx.name_uses += b.name_uses
        ctx.under[a.name] = list(b.under)
        ctx.spans.update(b.spans)
        if b.depth is not None:
            ctx.depth_of[a.name] = b.depth
        ctx.bulk.update(b.bulk)
        self._next[a] = b
        self.reused += 1
        return b.value

    def remember(
        self, ctx: BuildContext, a: AssignS, value: Any, before: tuple[int, int, int, int, int]
    ) -> None:
        errors, nodes, name_uses, forms_used, bulk = before
        if (
            value is POISON
            or len(ctx.errors) != errors
            or ctx.forms_used != forms_used
            or ctx.over_limit
        ):
            return
        deps = tuple(
            (n, ctx.imports.get(n, _NOT_BUILT), ctx.values.get(n, _NOT_BUILT))
            for n in _names_used(a.value)
        )
        under = list(ctx.under.get(a.name, []))
        self._next[a] = _Built(
            value,
            deps,
            under,
            [(p, ctx.spans[p]) for p, _ in under],
            ctx.depth_of.get(a.name),
            [(p, e) for p, e in ctx.bulk.items() if p[:1] == (a.name,)]
            if len(ctx.bulk) != bulk
            else [],
            ctx.nodes - nodes,
            ctx.name_uses - name_uses,
        )

    def done(self) -> None:
        """The load is complete: keep only what it used."""
        self._built, self._next = self._next, {}

    def start(self) -> None:
        self._next = {}
        self.reused = 0


def _names_used(e: Expr) -> set[str]:
    """The names an expression refers to (callees' and dotted names' first part included)."""
    out: set[str] = set()
    stack: list[Any] = [e]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is NameE:
            out.add(x.name)
        elif t is DottedE:
            out.add(x.parts[0])
        elif t is CallE:
            stack.append(x.callee)
            stack.extend(x.args)
            stack.extend(kw.value for kw in x.kwargs)
        elif t is ListE or t is TupleE:
            stack.extend(x.items)
        elif t is DictE:
            stack.extend(x.values)
    return out


def _build_memo(file: str, key: Any) -> BuildMemo | None:
    """The file's memo of built values, inside a ``reparse.reusing()`` scope."""
    reparsers = reparse.active()
    if reparsers is None or load_cache.active() is not None:
        return None
    r = reparsers.for_file(file)
    memo = r.memo
    if not isinstance(memo, BuildMemo) or memo.key != key:
        memo = r.memo = BuildMemo(key)
    memo.start()
    return memo


def _parse(text: str, file: str) -> tuple[Any, list[FormatError], Any]:
    """``parse(text, file)``, once per text inside a ``load_cache()`` scope; inside a
    ``reparse.reusing()`` scope the statements of the file's last text are reused."""
    cache = load_cache.active()
    if cache is None:
        reparsers = reparse.active()
        if reparsers is not None:
            return reparsers.for_file(file).parse(text, bulk=True)
        return parse(text, file, bulk=True)
    key = (file, text, True)
    hit = cache.parsed.get(key)
    if hit is None:
        hit = cache.parsed[key] = parse(text, file, bulk=True)
        cache.parses += 1
    module, errors, src = hit
    return module, list(errors), src  # the caller adds its own errors to the list


def _combined(errors: list[FormatError]) -> FormatError:
    return errors[0] if len(errors) == 1 else FormatErrors(errors)


def load(
    path: str | Path,
    name: str = "experiment",
    *,
    allowed_modules: Any = None,
    materialize: bool = True,
) -> Any:
    """The object named ``name`` (by default ``experiment``) in an experiment file."""
    return load_file(path, allowed_modules=allowed_modules, materialize=materialize).get(name)


def loads(
    text: str,
    name: str = "experiment",
    *,
    file: str = "<string>",
    allowed_modules: Any = None,
    base_dir: Path | None = None,
    materialize: bool = True,
) -> Any:
    """The object named ``name`` in experiment text."""
    return loads_file(
        text, file=file, allowed_modules=allowed_modules, base_dir=base_dir, materialize=materialize
    ).get(name)
