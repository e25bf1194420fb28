"""The ``--roles`` mode of ``graft annotate`` (see ``graftlab.annotate.roles``)."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from rich.console import Console

from graftlab.annotate.errors import UsageError
from graftlab.annotate.roles import FileRoles, config_text, propose_file, python_files


def run_roles(args: argparse.Namespace, err: Console) -> int:
    """Propose roles for the files under ``args.paths``; returns the exit code."""
    if not args.paths:
        raise UsageError("--roles needs at least one PATH")
    root = Path.cwd()
    results: list[FileRoles] = [propose_file(f, root) for f in python_files(map(Path, args.paths))]
    proposals = [p for r in results for p in r.proposals]
    changed = [r for r in results if r.new_text is not None]
    if args.roles_config:
        text = config_text(proposals)
        if args.roles_config == "-":
            sys.stdout.write(text)
        else:
            Path(args.roles_config).write_text(text, encoding="utf-8")
    elif args.diff:
        for r in changed:
            old = r.path.read_text(encoding="utf-8")
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    (r.new_text or "").splitlines(keepends=True),
                    f"a/{r.path.as_posix()}",
                    f"b/{r.path.as_posix()}",
                )
            )
    elif not args.check:
        for r in changed:
            r.path.write_text(r.new_text or "", encoding="utf-8")
    report = {
        "proposals": [
            {
                "class": p.qualified,
                "file": p.file,
                "line": p.line,
                "roles": p.roles,
                "unmapped": p.unmapped,
                "symbolized": p.symbolized,
            }
            for p in proposals
        ],
        "no_role": [f"{r.path.as_posix()}: {n}" for r in results for n in r.unknown],
        "changed_files": [r.path.as_posix() for r in changed],
    }
    if args.json:
        out = sys.stderr if args.roles_config == "-" else sys.stdout
        json.dump(report, out, indent=2)
        print(file=out)
    elif not args.quiet:
        for p in proposals:
            maps = "; ".join(
                f"{role}" + (f" ({', '.join(f'{k} <- {v}' for k, v in m.items())})" if m else "")
                for role, m in p.roles.items()
            )
            err.print(f"{p.file}:{p.line}: {p.name}: {maps}")
        cannot = [(p, u) for p in proposals for u in p.unmapped]
        unsym = [p for p in proposals if not p.symbolized and not args.roles_config]
        if cannot:
            err.print("could not map:")
            for p, u in cannot:
                err.print(f"  {p.qualified}: {u} (no argument of that meaning)")
        if unsym:
            err.print("not symbolized (run `graft annotate` first, or use --roles-config):")
            for p in unsym:
                err.print(f"  {p.qualified}")
        if report["no_role"]:
            err.print(f"no role guessed for {len(report['no_role'])} class(es):")
            for n in report["no_role"]:
                err.print(f"  {n}")
    if args.check and changed:
        return 1
    return 0
