"""``graft patches``: every registered patch rule with its arguments, types, defaults and help."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from graftlab.io.config import config_for
from graftlab.patching.configure import apply_config
from graftlab.patching.registry import load_entry_points, package_of, rules, rules_of_package
from graftlab.symbolic.schema import MISSING


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "patches",
        help="list patch rules with their arguments, types, defaults and help",
        description="List the patch rules that are registered: graftlab's own, the repository's "
        "patch_modules (graft.toml) and installed plug-ins (entry points 'graftlab.patches').\n\n"
        "Examples:\n  graft patches\n  graft patches scale\n  graft patches --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("filter", nargs="?", default="", help="show only rules whose name contains this")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--package", metavar="NAME", help="only the rules of this installed rule package"
    )
    p.set_defaults(func=run)


def describe(rule: Any) -> dict[str, Any]:
    schema = rule.__sym_schema__
    return {
        "name": rule.__sym_rule_name__,
        "function": f"{rule.__sym_function__.__module__}.{rule.__sym_function__.__qualname__}",
        "help": schema.description,
        "optional": bool(rule.__sym_optional__),
        "roles": list(getattr(rule, "__sym_needs_roles__", ())),
        "package": package_of(rule),
        "arguments": [
            {
                "name": f.name,
                "type": f.spec.full_description(),
                "required": f.default is MISSING,
                **({"default": repr(f.default)} if f.default is not MISSING else {}),
                "help": f.help,
            }
            for f in schema.fields.values()
        ],
    }


def _argument_text(a: dict[str, Any]) -> str:
    return f"{a['name']}: {a['type']}" + (f" = {a['default']}" if "default" in a else " (required)")


def plain_text(found: list[dict[str, Any]]) -> str:
    """The rules as plain lines (for pipes and files): full names, arguments and help, never
    cut or wrapped to a terminal width."""
    lines = [f"{len(found)} patch rule(s)", ""]
    for r in found:
        lines.append(r["name"])
        lines.extend(f"    {_argument_text(a)}" for a in r["arguments"])
        lines.extend(f"    {h}" for h in (r["help"] or "").splitlines() if h.strip())
        if r.get("roles"):
            lines.append(f"    roles: {', '.join(r['roles'])}")
        if r.get("package"):
            lines.append(f"    package: {r['package']}")
        lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = config_for(Path.cwd())
    if config.root is not None and str(config.root) not in sys.path:
        sys.path.insert(0, str(config.root))
    for name in config.patch_modules:
        importlib.import_module(name)
    apply_config(config)
    errors = load_entry_points()
    pool = rules_of_package(args.package) if args.package else rules()
    found = [describe(r) for n, r in pool.items() if args.filter in n]
    if args.json:
        json.dump(found, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not sys.stdout.isatty():  # a pipe or a file: plain lines, nothing cut to a width
        sys.stdout.write(plain_text(found))
        for e in errors:
            Console(stderr=True).print(f"[yellow]warning:[/] plug-in failed to load: {e}")
        return 0
    console = Console(highlight=False)
    table = Table("rule", "arguments", "help", title=f"{len(found)} patch rule(s)")
    for r in found:
        arg_text = "\n".join(_argument_text(a) for a in r["arguments"])
        extra = (f"\nroles: {', '.join(r['roles'])}" if r["roles"] else "") + (
            f"\npackage: {r['package']}" if r["package"] else ""
        )
        table.add_row(r["name"], arg_text or "-", r["help"] + extra)
    console.print(table)
    for e in errors:
        Console(stderr=True).print(f"[yellow]warning:[/] plug-in failed to load: {e}")
    return 0
