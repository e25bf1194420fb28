"""Applying patch chains: URIs and rules in order, with provenance and no silent no-ops.

A rule's body may return a ``{key path: value}`` dict, a rule function over
``(path, value)`` or ``(path, value, parent)``, a replacement object, another rule or URI,
or a list of these. A rule that changes nothing is an error unless it (or the call) is
optional. Validators run after the whole chain.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graftlab.patching.errors import NoChangeError, PatchError, PatchValidationError, URIError
from graftlab.patching.provenance import META_KEY, Provenance, carry_over
from graftlab.patching.registry import get_rule
from graftlab.patching.rule import Rule
from graftlab.patching.uri import ConversionError, convert, parse_uri
from graftlab.symbolic import nodes
from graftlab.symbolic.clone import clone
from graftlab.symbolic.equality import eq
from graftlab.symbolic.errors import LiveObjectError, SymbolicError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES, ObjState, SymDict, SymList
from graftlab.symbolic.rebind import _store_meta, apply_edits
from graftlab.symbolic.rebuild import rebuild
from graftlab.symbolic.schema import MISSING

ChainItem = str | Rule


def rule_from_uri(uri: str) -> Rule:
    """The bound rule a URI names, its arguments converted and validated by type."""
    parsed = parse_uri(uri)
    cls = get_rule(parsed.name, uri=uri)
    schema = cls.__sym_schema__
    values: dict[str, Any] = {}
    positional = schema.positional
    for i, arg in enumerate(parsed.positional):
        if i >= len(positional):
            raise URIError(
                f"rule {parsed.name!r} takes {len(positional)} positional argument"
                f"{'s' if len(positional) != 1 else ''} ({', '.join(positional) or 'none'}), got {len(parsed.positional)}",
                uri=uri,
                offset=arg.offset,
                length=arg.length,
            )
        values[positional[i]] = (arg, schema.fields[positional[i]])
    for arg in parsed.keyword:
        assert arg.key is not None
        if arg.key in values:
            raise URIError(
                f"argument {arg.key!r} of rule {parsed.name!r} is given twice",
                uri=uri,
                argument=arg.key,
                offset=arg.offset,
                length=arg.length,
            )
        field = schema.fields.get(arg.key)
        if field is None:
            err = schema.unknown(arg.key, KeyPath((arg.key,)))
            message = err.message.replace(
                f"{cls.__qualname__} has no argument", f"rule {parsed.name!r} has no argument"
            )
            raise URIError(
                message, uri=uri, argument=arg.key, offset=arg.offset, length=len(arg.key)
            )
        values[arg.key] = (arg, field)
    converted: dict[str, Any] = {}
    for name, (arg, field) in values.items():
        try:
            converted[name] = convert(field.spec, arg.text)
        except ConversionError as e:
            raise URIError(
                f"argument {name!r} of rule {parsed.name!r}: {e}",
                uri=uri,
                argument=name,
                offset=arg.value_offset,
                length=len(arg.text),
            ) from None
    missing = [f for f in schema.fields.values() if f.required and f.name not in converted]
    if missing:
        f = missing[0]
        raise URIError(
            f"rule {parsed.name!r} needs argument {f.name!r} ({f.spec.full_description()})",
            uri=uri,
            argument=f.name,
            offset=len(uri),
            length=0,
        )
    try:
        return cls(**converted)  # type: ignore[no-any-return]
    except SymbolicError as e:
        name = str(e.path[0]) if e.path else None
        arg = values[name][0] if name in values else None
        msg = e.message.removeprefix(f"{cls.__qualname__}: ")
        raise URIError(
            f"argument {name!r} of rule {parsed.name!r}: {msg}" if name else msg,
            uri=uri,
            argument=name,
            offset=arg.value_offset if arg else None,
            length=(arg.length - (arg.value_offset - arg.offset)) if arg else None,
        ) from None


def as_rule(item: Any) -> tuple[Rule, str]:
    """A chain item (URI, bound rule or rule class) as a bound rule and its URI."""
    if isinstance(item, str):
        return rule_from_uri(item), item
    if isinstance(item, Rule):
        return item, item.uri()
    if isinstance(item, type) and issubclass(item, Rule):
        rule = item()
        missing = [f.name for f in item.__sym_schema__.fields.values() if f.required]  # type: ignore[attr-defined]
        if missing:
            raise URIError(f"rule {item.__sym_rule_name__!r} needs argument {missing[0]!r}")
        return rule, rule.uri()
    raise PatchError(f"a chain holds URIs (str) and rules, not {type(item).__name__} {item!r}")


def patch(
    obj: Any,
    chain: ChainItem | Iterable[ChainItem],
    *,
    inplace: bool = False,
    optional: bool = False,
    source: Sequence[Any] | None = None,
) -> Any:
    """Apply a chain of rules in order and return the result (a new tree unless ``inplace``).

    Every value a rule writes records its ``Provenance``; ``source[i]`` (e.g. the span of
    the URI in a file) is kept with it. Errors name the rule and the chain position.
    """
    single = isinstance(chain, (str, Rule)) or (isinstance(chain, type) and issubclass(chain, Rule))
    items = [chain] if single else list(chain)  # type: ignore[arg-type]
    tree = obj if inplace else clone(obj)
    applied: list[tuple[int, Rule, str]] = []
    for i, item in enumerate(items):
        try:
            rule, uri = as_rule(item)
        except PatchError as e:
            raise e.at(i) from None
        prov = Provenance(
            rule.rule_name,
            uri,
            i,
            rule.bound_args,
            source[i] if source and i < len(source) else None,
        )
        try:
            inner: list[Rule] = []  # rules a composite rule expanded into
            tree, changed = _apply(tree, rule, prov, depth=0, inner=inner)
        except PatchError as e:
            if e.position is None:
                e.at(i)
            if e.uri is None:
                e.uri = uri
                e.args = (e.render(),)
            raise
        except SymbolicError as e:
            raise PatchError(
                f"rule {rule.rule_name!r} made an invalid edit: {e}", uri=uri, position=i
            ) from e
        except Exception as e:  # a bug in the rule's body: say which rule, keep the cause
            raise PatchError(
                f"rule {rule.rule_name!r} failed: {type(e).__name__}: {e}", uri=uri, position=i
            ) from e
        if not changed and not (optional or rule.optional):
            raise NoChangeError(
                f"rule {rule.rule_name!r} changed nothing: it matched no part of the experiment "
                "(mark the rule or the call optional if that is expected)",
                uri=uri,
                position=i,
            )
        applied.append((i, rule, uri))
        applied.extend((i, r, uri) for r in inner)  # their validators run too
    for i, rule, uri in applied:
        try:
            rule.validate(tree)
        except PatchError:
            raise
        except Exception as e:
            raise PatchValidationError(
                f"rule {rule.rule_name!r} rejected the result: {e}", uri=uri, position=i
            ) from e
    return tree


def _apply(
    tree: Any, rule: Rule, prov: Provenance, depth: int, inner: list[Rule] | None = None
) -> tuple[Any, bool]:
    if depth > 50:
        raise PatchError(
            f"rule {rule.rule_name!r} expands into itself (more than 50 levels of rules)"
        )
    result = rule(tree)
    if depth > 0 and inner is not None:
        inner.append(rule)
    return _apply_result(tree, result, rule, prov, depth, inner)


def _apply_result(
    tree: Any,
    result: Any,
    rule: Rule,
    prov: Provenance,
    depth: int,
    inner: list[Rule] | None = None,
) -> tuple[Any, bool]:
    meta = {META_KEY: prov}
    if result is None:
        raise PatchError(
            f"rule {rule.rule_name!r} returned None: return a {{key path: value}} dict, a rule "
            "function, a replacement object, another rule, or a list of these"
        )
    if isinstance(result, Mapping) and not nodes.is_node(result):
        edits = []
        for key, value in result.items():
            path = KeyPath.parse(key)
            try:
                current = nodes.get(tree, path)
            except SymbolicError:
                current = MISSING
            if value is MISSING or current is MISSING or not eq(current, value):
                edits.append((path, value))
        edits = _order_edits(tree, edits)
        if edits:
            tree = _write(tree, edits, meta)
        return tree, bool(edits)
    if isinstance(result, (str, Rule)) or (isinstance(result, type) and issubclass(result, Rule)):
        inner_rule, uri = as_rule(result)
        inner_prov = Provenance(
            inner_rule.rule_name,
            f"{prov.uri} > {uri}",
            prov.position,
            inner_rule.bound_args,
            prov.source,
        )
        return _apply(tree, inner_rule, inner_prov, depth + 1, inner)
    if isinstance(result, (list, tuple)) and not nodes.is_node(result):
        changed = False
        for part in result:
            tree, c = _apply_result(tree, part, rule, prov, depth + 1, inner)
            changed = changed or c
        return tree, changed
    if nodes.is_node(result):
        if result is tree or eq(result, tree):
            return tree, False
        new = clone(result) if nodes.parent_of(result) is not None else result
        st = nodes.state_of(new)
        if st is not None:
            st.meta = {**(st.meta or {}), None: {META_KEY: prov}}
        return new, True
    if callable(result):
        return _apply_function(tree, result, meta)
    raise PatchError(
        f"rule {rule.rule_name!r} returned a {type(result).__name__}, which says nothing to change"
    )


def _order_edits(tree: Any, edits: list[tuple[KeyPath, Any]]) -> list[tuple[KeyPath, Any]]:
    """Every path of a rule's dict names a value of the tree as the rule saw it: deleting
    list items last, highest index first, keeps the other paths pointing where they did."""

    def index(path: KeyPath) -> int:
        i = path[-1]
        try:
            n = len(nodes.get(tree, path.parent))
        except (SymbolicError, TypeError):
            return i  # type: ignore[no-any-return]
        return i + n if i < 0 else i  # type: ignore[no-any-return]

    deletions = [e for e in edits if e[1] is MISSING and e[0] and isinstance(e[0][-1], int)]
    if not deletions:
        return edits
    others = [e for e in edits if not any(e is d for d in deletions)]
    deletions.sort(key=lambda e: index(e[0]), reverse=True)
    return others + deletions


def _apply_function(tree: Any, fn: Any, meta: dict[str, Any]) -> tuple[Any, bool]:
    try:
        arity = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        arity = 2
    edits: list[tuple[KeyPath, Any]] = []
    replaced: list[tuple[Any, Any]] = []  # (old, new) objects, for their provenance
    three = arity >= 3
    leaf = LEAF_TYPES
    new_path = tuple.__new__
    # A function that never reads its path argument is not given one: no key path is built
    # per node, only for the values it replaces (from the keys of the branch walked).
    wants_path = _reads_first_argument(fn)
    # Pre-order (the rule sees a node's subtree before its next sibling), the rule called on
    # every node below the root; a replaced value is not descended into. A stack of
    # iterators rather than recursion: no recursion limit, no key path per level twice.
    first = _kids(tree)
    if first is None:
        pass
    elif wants_path:
        stack: list[Any] = [(KeyPath(), tree, first)]
        while stack:
            path, node, kids = stack[-1]
            for key, value in kids:
                child_path = new_path(KeyPath, (*path, key))
                new = fn(child_path, value, node) if three else fn(child_path, value)
                if new is not value and _changed(new, value):
                    edits.append((child_path, new))
                    if type(new) not in leaf and type(value) not in leaf:
                        replaced.append((value, new))
                elif type(value) not in leaf:
                    below = _kids(value)
                    if below is not None:
                        stack.append((child_path, value, below))
                        break
            else:
                stack.pop()
    else:
        # The same walk without key paths: the keys of the branch are kept instead.
        keys: list[Any] = []  # the keys from the root to the node on top of the stack
        stack = [(tree, first)]
        while stack:
            node, kids = stack[-1]
            for key, value in kids:
                new = fn(None, value, node) if three else fn(None, value)
                if new is not value and _changed(new, value):
                    edits.append((KeyPath((*keys, key)), new))
                    if type(new) not in leaf and type(value) not in leaf:
                        replaced.append((value, new))
                elif type(value) not in leaf:
                    # ``_kids``, inline for the most frequent node, an object.
                    st = getattr(value, "__dict__", _NO_DICT).get("_sym_")
                    below = iter(tuple(st.args.items())) if type(st) is ObjState else _kids(value)
                    if below is not None:
                        stack.append((value, below))
                        keys.append(key)
                        break
            else:
                stack.pop()
                if keys:
                    keys.pop()
    edits = _order_edits(tree, edits)
    if edits:
        for old, new in replaced:
            st = nodes.state_of(old)
            if st is not None and st.meta:  # only a written value has provenance to carry
                carry_over(old, new)
        tree = _write(tree, edits, meta)
    return tree, bool(edits)


_NO_DICT: dict[str, Any] = {}


def _changed(new: Any, old: Any) -> bool:
    """``not eq(new, old)``, answered at once when ``new`` is a symbolic object of another
    class than ``old`` (``eq`` compares such an object with nothing but its own class,
    unless it is also a list or dict)."""
    if (
        type(new) is not type(old)
        and type(getattr(new, "__dict__", _NO_DICT).get("_sym_")) is ObjState
        and not isinstance(new, (list, dict))
    ):
        return True
    return not eq(new, old)


_READS_PATH: dict[Any, bool] = {}
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec", "_getframe", "currentframe"})


def _reads_first_argument(fn: Any) -> bool:
    """Whether a rule function may read its first argument (the key path).

    Only a plain function whose code never loads, stores or deletes it, does not close over
    it and names no frame introspection (``locals()``, ``sys._getframe``...) is known not
    to; anything else (methods, partials, callable objects) is assumed to read it.
    """
    if type(fn) is not types.FunctionType:
        return True
    code = fn.__code__
    found = _READS_PATH.get(code)
    if found is None:
        found = _code_reads_first_argument(code)
        if len(_READS_PATH) > 256:
            _READS_PATH.clear()
        _READS_PATH[code] = found
    return found


def _code_reads_first_argument(code: types.CodeType) -> bool:
    import dis  # here: importing the patching package does not need it

    if code.co_argcount < 1 or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return True
    name = code.co_varnames[0]
    if name in code.co_cellvars or _INTROSPECTION & set(code.co_names):
        return True
    for ins in dis.get_instructions(code):
        if "FAST" in ins.opname or "DEREF" in ins.opname or "CLOSURE" in ins.opname:
            arg = ins.argval
            if arg == name or (isinstance(arg, tuple) and name in arg):
                return True
    return False


def _write(tree: Any, edits: list[tuple[KeyPath, Any]], meta: dict[str, Any]) -> Any:
    """Apply ``edits`` to ``tree`` in place and return it. A tree that holds live objects
    (a torch module with weights) refuses in-place edits and changes nothing; it is then
    rebuilt from its edited arguments (``gl.rebuild``), and the provenance is recorded on
    the new tree."""
    try:
        apply_edits(tree, edits, meta=meta)
        return tree
    except LiveObjectError:
        if any(not path for path, _ in edits):
            raise
    new = rebuild(tree, dict(edits))
    for path, _ in edits:
        _store_meta(nodes.get(new, path.parent) if path.parent else new, path[-1], meta)
    return new


def _kids(node: Any) -> Any:
    """An iterator over a snapshot of the ``(key, value)`` pairs under a node (as
    ``nodes.children``), or ``None`` for a value with nothing under it."""
    d = getattr(node, "__dict__", None)
    if d is not None:
        st = d.get("_sym_")
        if type(st) is ObjState:
            return iter(list(st.args.items()))
    t = type(node)
    if t is SymList:
        return iter(list(enumerate(list.__iter__(node))))
    if t is SymDict:
        return iter(list(dict.items(node)))
    if isinstance(node, (SymList, SymDict, tuple)):
        return iter(list(nodes.children(node)))
    return None
