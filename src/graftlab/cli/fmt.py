"""``graft fmt PATH... [--check]``: rewrite experiment files into canonical form."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from graftlab.io.atomic import atomic_write_text
from graftlab.io.errors import FormatError
from graftlab.io.fmt import format_text
from graftlab.io.syntax import decode
from graftlab.symbolic.errors import GraftError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fmt",
        help="rewrite experiment files into canonical form",
        description="Rewrite experiment files into canonical form: sorted minimal imports, arguments "
        "in signature order, canonical layout. Docstrings, comments on their own lines and every "
        "written argument are kept.\n\nExamples:\n  graft fmt experiments/\n  graft fmt --check experiments/*.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", type=Path, help="files or directories (searched for *.py)")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change"
    )
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of writing")
    p.set_defaults(func=run)


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    q for q in p.rglob("*.py") if not any(part.startswith(".") for part in q.parts)
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise GraftError(f"{p}: no such file or directory")
    return out


def run(args: argparse.Namespace) -> int:
    err = Console(stderr=True, highlight=False)
    changed: list[Path] = []
    failed = 0
    for path in _files(args.paths):
        try:
            text = decode(path.read_bytes(), str(path))
            new = format_text(text, file=str(path), base_dir=path.parent)
        except FormatError as e:
            err.print(e.render(), markup=False, soft_wrap=True)  # one line per position
            failed += 1
            continue
        if new == text:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    str(path),
                    str(path),
                )
            )
        elif not args.check:
            atomic_write_text(path, new)
    verb = "would reformat" if (args.check or args.diff) else "reformatted"
    for p in changed:
        err.print(f"{verb} {p}", markup=False, soft_wrap=True)
    if not changed and not failed:
        err.print("all files are in canonical form")
    if failed:
        return 1
    return 1 if (args.check and changed) else 0
