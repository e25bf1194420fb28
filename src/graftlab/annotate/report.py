"""The run report: per-file results, totals, a rich summary table and JSON."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from graftlab.annotate.codemod import Annotation, Skip


@dataclasses.dataclass
class FileResult:
    """What happened to one file (picklable: it travels back from worker processes)."""

    path: str
    changed: bool = False
    written: bool = False
    annotations: list[Annotation] = dataclasses.field(default_factory=list)
    skips: list[Skip] = dataclasses.field(default_factory=list)
    error: dict[str, Any] | None = None
    diff: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-friendly data."""
        out: dict[str, Any] = {
            "path": self.path,
            "changed": self.changed,
            "written": self.written,
            "annotated": [dataclasses.asdict(a) for a in self.annotations],
            "skipped": [dataclasses.asdict(s) for s in self.skips],
            "error": self.error,
        }
        if self.diff is not None:
            out["diff"] = self.diff
        return out


@dataclasses.dataclass
class Report:
    """The whole run: every file's result, the mode and the wall time."""

    files: list[FileResult]
    seconds: float
    mode: str

    @property
    def changed(self) -> list[FileResult]:
        """The files that changed (or would change, under ``--diff``/``--check``)."""
        return [f for f in self.files if f.changed]

    @property
    def errors(self) -> list[FileResult]:
        """The files that could not be processed (syntax errors, unreadable)."""
        return [f for f in self.files if f.error is not None]

    def skipped_by_reason(self) -> dict[str, int]:
        """Count skipped candidates per reason identifier, most frequent first."""
        counts = Counter(s.reason for f in self.files for s in f.skips)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def totals(self) -> dict[str, Any]:
        """The numbers of the summary."""
        annotations = [a for f in self.files for a in f.annotations]
        return {
            "files_scanned": len(self.files),
            "files_changed": len(self.changed),
            "classes_annotated": sum(1 for a in annotations if a.kind == "class"),
            "functions_annotated": sum(1 for a in annotations if a.kind == "function"),
            "skipped": self.skipped_by_reason(),
            "errors": len(self.errors),
            "seconds": round(self.seconds, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-friendly data."""
        return {"mode": self.mode, **self.totals(), "files": [f.to_dict() for f in self.files]}

    def to_json(self) -> str:
        """Return the report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)


def summary_table(report: Report) -> Table:
    """Build the rich summary table."""
    totals = report.totals()
    would = report.mode in ("check", "diff")
    table = Table(title="graft annotate", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files scanned", str(totals["files_scanned"]))
    table.add_row(
        "files that would change" if would else "files changed", str(totals["files_changed"])
    )
    table.add_row("classes annotated", str(totals["classes_annotated"]))
    table.add_row("functions annotated", str(totals["functions_annotated"]))
    for reason, count in totals["skipped"].items():
        table.add_row(f"skipped: {reason}", str(count))
    if totals["errors"]:
        table.add_row("[red]files with errors[/red]", str(totals["errors"]))
    table.add_row("time", f"{report.seconds:.2f} s")
    return table


def print_details(report: Report, console: Console, verbose: bool) -> None:
    """Print errors always, and with ``verbose`` every annotation and skip, one per line."""
    for result in report.files:
        if result.error is not None:
            err = result.error
            location = f"{result.path}:{err.get('line', 0)}:{err.get('col', 0)}"
            console.print(
                f"{location}: {err['message']}", markup=False, highlight=False, soft_wrap=True
            )
        if not verbose:
            continue
        for a in result.annotations:
            console.print(
                f"{result.path}:{a.line}: {a.kind} {a.name}: {a.decorator}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        for s in result.skips:
            console.print(
                f"{result.path}:{s.line}: {s.kind} {s.name} skipped ({s.reason}): {s.detail}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
