"""One edit by key path takes a direct path (issue #20); it must agree with the general one.

Every scenario is run twice on fresh, identical trees: once through ``rebind({path: v})``
and once through ``apply_edits`` (the batch path). Results, errors, every object's
attributes and every provenance record must be the same.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import pytest

import graftlab as gl
from graftlab.patching.provenance import META_KEY, Provenance
from graftlab.symbolic.keypath import KeyPath

rebind_module = importlib.import_module("graftlab.symbolic.rebind")


@gl.symbolize
class Conv:
    def __init__(self, features: Annotated[int, gl.Range(1, 4096)], kernel: int = 3) -> None:
        self.features = features
        self.kernel = kernel


@gl.symbolize
class Sum:
    def __init__(self, convs: list[Conv], named: dict[str, Conv] | None = None) -> None:
        if any(c.features == 13 for c in convs):
            raise ValueError("13 is unlucky")
        self.total = sum(c.features for c in convs)
        self.named = named


@gl.symbolize
class Pair:
    def __init__(self, body: Sum, both: tuple[Conv, Conv] | None = None, tag: str = "") -> None:
        self.body = body
        self.both = both
        self.tag = tag


def tree() -> Pair:
    return Pair(
        Sum([Conv(8), Conv(16)], named={"a": Conv(4)}),
        both=(Conv(1), Conv(2)),
    )


def _state(root: Any) -> list[Any]:
    """Every node's attributes and provenance records, in traversal order."""
    out = []
    for path, value in gl.walk(root):
        st = value.__dict__.get("_sym_") if hasattr(value, "__dict__") else None
        if st is not None:
            attrs = {k: v for k, v in value.__dict__.items() if k != "_sym_"}
            out.append((str(path), repr(attrs), repr(st.meta), repr(dict(st.args))))
    return out


def _provenance() -> Provenance:
    return Provenance("test/direct", "test/direct", 0)


SCENARIOS: list[tuple[str, Any, Any]] = [
    ("body.convs[1].features", 32, None),
    ("body.convs[-1].features", 33, None),
    ("body.named.a.features", 64, None),
    ("body.convs[0].kernel", 5, None),
    ("tag", "x", None),
    ("body.convs[0].features", 0, None),  # out of range: ValidationError
    ("body.convs[0].features", "wide", None),  # wrong type
    ("body.convs[0].featurs", 1, None),  # unknown argument, with a suggestion
    ("body.convs[5].features", 1, None),  # no such index
    ("body.convs[0].features", 13, None),  # Sum's __init__ rejects it
    ("body.convs[0].kernel", gl.MISSING, None),  # reset to the default
    ("both[0].features", 7, None),  # below a tuple
    ("body.convs[0].features", 40, {META_KEY: "rule"}),  # with a provenance record
]


def _run(edit: Any, root: Pair, path: str, value: Any, meta: Any) -> tuple[str, str]:
    if meta is not None:
        meta = {META_KEY: _provenance()}
    try:
        edit(root, path, value, meta)
    except Exception as e:
        return type(e).__name__, str(e)
    return "ok", ""


def _direct(root: Any, path: str, value: Any, meta: Any) -> None:
    gl.rebind(root, {path: value}, meta=meta)


def _general(root: Any, path: str, value: Any, meta: Any) -> None:
    rebind_module.apply_edits(root, [(KeyPath.parse(path), value)], meta=meta)


def _recorded(root: Pair) -> Pair:
    """A tree with a provenance record above the edited values."""
    root.sym_init_args.body.__dict__["_sym_"].meta = {"convs": {META_KEY: _provenance()}}
    return root


@pytest.mark.parametrize("recorded", [False, True])
@pytest.mark.parametrize(("path", "value", "meta"), SCENARIOS)
def test_one_edit_agrees_with_the_general_path(
    path: str, value: Any, meta: Any, recorded: bool
) -> None:
    a, b = tree(), tree()
    if recorded:
        a, b = _recorded(a), _recorded(b)
    assert _run(_direct, a, path, value, meta) == _run(_general, b, path, value, meta)
    assert gl.eq(a, b)
    assert _state(a) == _state(b)


@pytest.mark.parametrize("where", ["root", "body", "conv"])
def test_a_live_object_on_the_path_is_refused_alike(where: str) -> None:
    results = []
    for edit in (_direct, _general):
        root = tree()
        target = {
            "root": root,
            "body": root.body,
            "conv": root.body.sym_init_args.convs[1],
        }[where]
        target.added = "after construction"
        results.append((_run(edit, root, "body.convs[1].features", 99, None), _state(root)))
    assert results[0] == results[1]
    assert results[0][0][0] == "LiveObjectError"


def test_the_direct_path_is_taken_for_the_common_shape_only() -> None:
    root = tree()
    edit_one = rebind_module._edit_one
    assert edit_one(root, KeyPath.parse("body.convs[1].features"), 48, None) is True
    assert root.body.total == 56 and root.body.sym_init_args.convs[1].features == 48
    before = _state(root)
    for path, value in [
        ("body.convs[1].features", "wide"),  # invalid: reported by the general path
        ("body.convs[1].featurs", 1),  # unknown
        ("both[0].features", 3),  # below a tuple
        ("body.convs[0]", gl.Insert(Conv(2))),
        ("body.convs[1].kernel", gl.MISSING),
        ("body.convs[1]", Conv(5)),  # a list item, not an argument
    ]:
        assert edit_one(root, KeyPath.parse(path), value, None) is False
        assert _state(root) == before


# An argument of an object replaced within a batch: ``_replace_arg`` (the batch's fast path)
# and ``_set`` (the general one) share their last steps; they must write the same.
ARG_EDITS: list[tuple[str, str, Any, Any]] = [
    ("body.convs[1]", "features", lambda: 32, None),
    ("", "body", lambda: Sum([Conv(5)]), None),  # an object: the old one is unlinked
    ("body", "convs", lambda: [Conv(9), Conv(10)], None),  # a list: the old one is unlinked
    ("", "tag", lambda: "x", {META_KEY: "rule"}),
    ("body.named.a", "kernel", lambda: 7, {META_KEY: "rule"}),
]


@pytest.mark.parametrize("recorded", [False, True])
@pytest.mark.parametrize(("where", "key", "make", "meta"), ARG_EDITS)
def test_the_batch_fast_path_and_the_general_one_write_alike(
    where: str, key: str, make: Any, meta: Any, recorded: bool
) -> None:
    results = []
    for fast in (True, False):
        root = _recorded(tree()) if recorded else tree()
        node = gl.get(root, where) if where else root
        old = node.__dict__["_sym_"].args[key]
        value = make()
        undo: list[Any] = []
        m = {META_KEY: _provenance()} if meta is not None else None
        if fast:
            assert rebind_module._replace_arg(node, key, value, undo, m, {}) is True
        else:
            path = KeyPath.parse(f"{where}.{key}" if where else key)
            rebind_module._set(node, key, value, path, undo, m, {})
        new = node.__dict__["_sym_"].args[key]
        assert gl.eq(new, value)
        if not isinstance(old, (int, str)):
            assert gl.parent_of(old) is None and gl.parent_of(new) is node
        results.append((_state(root), [(k, repr(o), e) for _, k, o, e in undo]))
    assert results[0] == results[1]
    assert results[0][1] == [(key, repr(old), True)]
