"""The resolved index as plain JSON data, for a warm start that skips schema resolution.

A snapshot holds what ``build_infos`` and the role declarations produced (classes, rules,
problems, subclass lists, declared roles) in compact rows (lists in field order, not dicts).
Decoding checks every field's type: a snapshot comes from a file that anyone could have
written, so anything unexpected raises ``SnapshotError`` and the index resolves afresh.
"""

from __future__ import annotations

from typing import Any

from graftlab.index.model import ArgInfo, ClassInfo, Location, RuleInfo


class SnapshotError(ValueError):
    """A snapshot that is not what this code writes (foreign, corrupted, or older)."""


def _loc(x: Location) -> list[Any]:
    return [x.file, x.line, x.column]


def _arg(a: ArgInfo) -> list[Any]:
    return [a.name, a.kind, a.type, a.required, a.default, a.help, a.choices, a.classes]


def encode_class(c: ClassInfo) -> list[Any]:
    """A ClassInfo as a row."""
    return [
        c.qualname,
        c.module,
        c.name,
        c.kind,
        c.doc,
        _loc(c.location),
        [_arg(a) for a in c.args],
        c.var_keyword,
        c.runtime,
        c.bases,
        c.members,
        c.complete,
        c.dataclass,
        c.frozen,
        c.returns,
    ]


def encode_rule(r: RuleInfo) -> list[Any]:
    """A RuleInfo as a row."""
    return [r.name, r.function, r.doc, _loc(r.location), [_arg(a) for a in r.args], r.optional]


# --- decoding, checked -----------------------------------------------------------------------


def _fail(what: str) -> SnapshotError:
    return SnapshotError(f"index snapshot: {what}")


def _str(x: Any, what: str) -> str:
    if type(x) is not str:
        raise _fail(f"{what}: expected a string")
    return x


def _opt_str(x: Any, what: str) -> str | None:
    return None if x is None else _str(x, what)


def _bool(x: Any, what: str) -> bool:
    if type(x) is not bool:
        raise _fail(f"{what}: expected true or false")
    return x


def _int(x: Any, what: str) -> int:
    if type(x) is not int:
        raise _fail(f"{what}: expected an integer")
    return x


def _strs(x: Any, what: str) -> list[str]:
    if type(x) is not list or any(type(s) is not str for s in x):
        raise _fail(f"{what}: expected a list of strings")
    return list(x)


def _row(x: Any, n: int, what: str) -> list[Any]:
    if type(x) is not list or len(x) != n:
        raise _fail(f"{what}: expected a row of {n}")
    return x


def _decode_loc(x: Any, what: str) -> Location:
    f, line, col = _row(x, 3, what)
    return Location(_str(f, what), _int(line, what), _int(col, what))


def _decode_args(x: Any, what: str) -> list[ArgInfo]:
    if type(x) is not list:
        raise _fail(f"{what}: expected a list of arguments")
    out = []
    for row in x:
        name, kind, typ, req, default, help_, choices, classes = _row(row, 8, what)
        out.append(
            ArgInfo(
                _str(name, what),
                _str(kind, what),
                _str(typ, what),
                _bool(req, what),
                _opt_str(default, what),
                _str(help_, what),
                _strs(choices, what),
                _strs(classes, what),
            )
        )
    return out


def decode_class(x: Any) -> ClassInfo:
    """The inverse of ``encode_class`` (``SnapshotError`` for anything else)."""
    r = _row(x, 15, "class")
    what = f"class {r[0]!r}"
    return ClassInfo(
        _str(r[0], what),
        _str(r[1], what),
        _str(r[2], what),
        _str(r[3], what),
        _str(r[4], what),
        _decode_loc(r[5], what),
        args=_decode_args(r[6], what),
        var_keyword=_bool(r[7], what),
        runtime=_strs(r[8], what),
        bases=_strs(r[9], what),
        members=_strs(r[10], what),
        complete=_bool(r[11], what),
        dataclass=_bool(r[12], what),
        frozen=_bool(r[13], what),
        returns=_opt_str(r[14], what),
    )


def decode_rule(x: Any) -> RuleInfo:
    """The inverse of ``encode_rule``."""
    r = _row(x, 6, "rule")
    what = f"rule {r[0]!r}"
    return RuleInfo(
        _str(r[0], what),
        _str(r[1], what),
        _str(r[2], what),
        _decode_loc(r[3], what),
        _decode_args(r[4], what),
        _bool(r[5], what),
    )


def decode_lists(x: Any, what: str) -> dict[str, list[str]]:
    """A ``{name: [names]}`` table."""
    if type(x) is not dict:
        raise _fail(f"{what}: expected a table")
    return {_str(k, what): _strs(v, what) for k, v in x.items()}


def decode_roles(x: Any) -> dict[str, dict[str, dict[str, str | None]]]:
    """Declared roles: class -> role -> role argument -> class argument (or null)."""
    if type(x) is not dict:
        raise _fail("roles: expected a table")
    out: dict[str, dict[str, dict[str, str | None]]] = {}
    for q, table in x.items():
        if type(table) is not dict:
            raise _fail(f"roles of {q!r}: expected a table")
        out[_str(q, "roles")] = {
            _str(role, "roles"): _mapping(m, f"role {role!r} of {q!r}") for role, m in table.items()
        }
    return out


def _mapping(x: Any, what: str) -> dict[str, str | None]:
    if type(x) is not dict:
        raise _fail(f"{what}: expected a table")
    return {_str(k, what): _opt_str(v, what) for k, v in x.items()}
