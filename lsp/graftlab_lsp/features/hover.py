"""Hover: a class's help, arguments and roles; an argument's type, default and choices; a patch
rule's arguments; a base experiment; on a derived ``experiment``, its materialized text."""

from __future__ import annotations

from typing import Any

from graftlab.patching.uri import parse_uri
from graftlab_lsp import context as ctxmod
from graftlab_lsp.model import doc_lines
from graftlab_lsp.names import inside_string, keyword_at, resolve_name, string_at, word_at


def hover(
    index: Any, text: str, line: int, column: int, derived: dict[str, Any] | None = None
) -> str | None:
    """Markdown for the thing under the cursor."""
    lines = doc_lines(text)
    if line >= len(lines):
        return None
    line_text = lines[line]
    ctx = ctxmod.analyze(lines, line, column)
    if ctx.in_string or inside_string(line_text, column):
        uri = string_at(line_text, column)
        if uri is not None:
            return hover_uri(index, uri, derived)
    word = word_at(line_text, column)
    if word is None:
        return None
    name, start, _ = word
    keyword = keyword_at(index, text, lines, line, word)
    if keyword is not None:
        info, arg = keyword
        if arg is not None:
            return arg_markdown(info, arg)
        if line_text.startswith(name) and name == "experiment" and derived:
            return derived_markdown(derived)
    # a dotted name: hover the part under the cursor
    if "." in name:
        cut = name.find(".", column - start)
        name = name if cut < 0 else name[:cut]
    info = resolve_name(index, text, name)
    if info is not None:
        markdown = class_markdown(info)
        from graftlab.index.roles import describe as describe_roles  # the index loads libcst

        roles = index.roles_of(info.qualname) if info.kind == "class" else {}
        return markdown + (f"\n\nroles: {describe_roles(roles)}" if roles else "")
    return None


def hover_uri(index: Any, uri: str, derived: dict[str, Any] | None) -> str | None:
    """A patch URI's rule (and what it set in a derived experiment), or a base experiment."""
    try:
        parsed = parse_uri(uri)
    except Exception:
        return None
    rule = index.rules.get(parsed.name) if index is not None else None
    if rule is None:
        if index is not None and uri in index.experiments:
            e = index.experiments[uri]
            return f"**experiment** `{uri}` ({e.file})" + (
                f", derived from `{e.base}`" if e.base else ""
            )
        return None
    text = f"**patch rule** `{rule.name}` — {rule.function}\n\n{rule.doc}\n\n"
    text += "\n".join(
        f"- `{a.name}`: {a.type}"
        + ("" if a.required else f" = {a.default}")
        + (f" — {a.help}" if a.help else "")
        for a in rule.args
    )
    if derived:
        written = [p for p, v in derived.get("provenance", {}).items() if v.get("uri") == uri]
        if written:
            text += "\n\n**sets:** " + ", ".join(f"`{p or '<root>'}`" for p in written[:20])
    return text


def class_markdown(info: Any) -> str:
    args = "\n".join(
        f"- `{a.name}`: {a.type}"
        + ("" if a.required else f" = `{a.default}`")
        + (f" — {a.help}" if a.help else "")
        for a in info.args
    )
    kind = {"class": "class", "function": "function", "enum": "enum"}.get(info.kind, info.kind)
    text = f"**{kind}** `{info.qualname}`\n\n{info.doc}".rstrip()
    if args:
        text += "\n\n" + args
    if info.members:
        text += "\n\nmembers: " + ", ".join(f"`{m}`" for m in info.members)
    return text


def arg_markdown(info: Any, arg: Any) -> str:
    default = "required" if arg.required else f"default `{arg.default}`"
    text = f"**{info.name}.{arg.name}**: `{arg.type}` ({default})"
    if arg.help:
        text += f"\n\n{arg.help}"
    if arg.choices:
        text += "\n\none of: " + ", ".join(f"`{c}`" for c in arg.choices)
    return text


def derived_markdown(derived: dict[str, Any]) -> str:
    text = "**materialized experiment**\n\n```python\n" + derived.get("materialized", "") + "```"
    prov = derived.get("provenance", {})
    if prov:
        text += "\n\n**set by the patch chain:**\n" + "\n".join(
            f"- `{p or '<root>'}` ← `{v['uri']}` (#{v['position']})"
            for p, v in list(prov.items())[:30]
        )
    return text
