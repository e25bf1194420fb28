"""The index's infos from a resolver: every ClassInfo and RuleInfo, and which symbolic classes
each argument accepts (subclasses and factory functions included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftlab.index.model import ClassInfo, Location, RuleInfo
from graftlab.index.records import clean_doc

if TYPE_CHECKING:
    from graftlab.index.resolve import Resolver


def build_infos(
    resolver: Resolver,
) -> tuple[dict[str, ClassInfo], dict[str, RuleInfo], list[str]]:
    """Every ClassInfo (symbolic classes, symbolized functions, enums) and RuleInfo."""
    classes: dict[str, ClassInfo] = {}
    refs: dict[str, dict[str, list[str]]] = {}
    rules: dict[str, RuleInfo] = {}
    rule_refs: dict[str, dict[str, list[str]]] = {}
    problems: list[str] = []
    resolver.external_targets()  # loads what is symbolized from outside the scope first
    done: set[str] = set()
    while True:
        pending = [q for q in resolver.nodes if q not in done]
        if not pending:
            break
        done.update(pending)
        for q in pending:
            n = resolver.node(q)
            if n is None or not (n.symbolic or n.enum):
                continue
            if n.module in resolver.outside and not n.symbolic:
                continue
            try:
                info, r = resolver.class_info(n)
            except Exception as e:  # one odd class must not take the index down
                problems.append(f"{q}: {type(e).__name__}: {e}")
                continue
            classes[q] = info
            refs[q] = r
    returns: dict[str, str] = {}
    for q, (scan, fn) in list(resolver.functions.items()):
        loc = Location(scan.path, fn.line, fn.column)
        for d in fn.decorators:
            try:
                if d.kind == "symbolize":
                    args, var_kw, r = resolver.function_info(scan, fn, False, d.runtime)
                    classes[q] = ClassInfo(
                        q,
                        scan.module,
                        fn.name,
                        "function",
                        clean_doc(fn.doc),
                        loc,
                        args=args,
                        runtime=list(d.runtime),
                        var_keyword=var_kw,
                    )
                    refs[q] = r
                    ret = resolver.returns_of(scan, fn)
                    if ret is not None:
                        returns[q] = ret
                        classes[q].returns = ret
                elif d.kind == "patcher":
                    args, _, r = resolver.function_info(scan, fn, True, [])
                    name = d.name or fn.name
                    rules[name] = RuleInfo(name, q, clean_doc(fn.doc), loc, args, d.optional)
                    rule_refs[name] = r
            except Exception as e:
                problems.append(f"{q}: {type(e).__name__}: {e}")
    # ArgInfo.classes: symbolic classes a type accepts (subclasses and factories included).
    symbolic = {q for q, i in classes.items() if i.kind == "class"}
    below: dict[str, list[str]] = {}
    for q in symbolic:
        n = resolver.nodes[q]
        for anc in n.mro:
            below.setdefault(anc, []).append(q)

    def expand(names: list[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            if name in classes and classes[name].kind == "function":
                out.append(name)
                continue
            accepted = sorted(below.get(name, []))
            out.extend(accepted)
            out.extend(f for f, ret in returns.items() if ret in accepted or ret == name)
        return list(dict.fromkeys(out))

    for q, r in refs.items():
        for a in classes[q].args:
            a.classes = expand(r.get(a.name, []))
    for name, r in rule_refs.items():
        for a in rules[name].args:
            a.classes = expand(r.get(a.name, []))
    return classes, rules, problems
