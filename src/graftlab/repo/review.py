"""``graft review BASE..HEAD``: what a change does to every experiment.

Lists every experiment file that changed, every patch rule whose code changed, and every
experiment whose *materialized* form changes — also through a changed rule or a changed base
— with its semantic diff and, for each new value, the patch that set it. Renders as text,
Markdown (for a pull-request comment) and JSON.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graftlab.io.config import CONFIG_NAME, load_config
from graftlab.repo import forked
from graftlab.repo.affected import affected, experiment_files
from graftlab.repo.checkout import (
    WORKTREE,
    changed_files,
    extracted,
    snapshot_dir,
    verify_rev,
)
from graftlab.repo.semantic import entry_json, json_diff, provenance_for, render
from graftlab.symbolic.diff import DiffEntry
from graftlab.symbolic.errors import GraftError


@dataclass
class ExperimentReview:
    """How one experiment changes."""

    name: str
    status: str  # added | removed | changed | error | fixed
    file: str
    file_changed: bool
    written: list[DiffEntry] = field(default_factory=list)
    materialized: list[DiffEntry] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    causes: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "file": self.file,
            "file_changed": self.file_changed,
            "causes": self.causes,
            "written": [entry_json(e) for e in self.written],
            "materialized": [entry_json(e, self.provenance) for e in self.materialized],
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class Review:
    """Everything a change does to the repository's experiments."""

    base: str
    head: str
    changed_files: list[str]
    changed_rules: dict[str, str]  # name -> added | removed | changed
    experiments: list[ExperimentReview]
    total: int
    rule_diffs: dict[str, str] = field(default_factory=dict)  # name -> unified diff of its code
    rule_helpers: dict[str, list[str]] = field(default_factory=dict)  # name -> changed helpers

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "changed_files": self.changed_files,
            "changed_rules": self.changed_rules,
            "rule_diffs": self.rule_diffs,
            "rule_helpers": self.rule_helpers,
            "experiments": [e.to_json() for e in self.experiments],
            "experiments_total": self.total,
        }


def parse_range(spec: str) -> tuple[str, str]:
    """``BASE..HEAD``, ``BASE...HEAD`` or ``BASE`` (against the working tree)."""
    if "..." in spec:
        base, head = spec.split("...", 1)
    elif ".." in spec:
        base, head = spec.split("..", 1)
    else:
        base, head = spec, WORKTREE
    return base or "HEAD", head or "HEAD"


def _rule_names(chain: list[Any]) -> set[str]:
    from graftlab.patching.uri import parse_uri

    names = set()
    for item in chain:
        if isinstance(item, str):
            try:
                names.add(parse_uri(item).name)
            except Exception:
                continue
    return names


def _lineage(snap: dict[str, Any]) -> dict[str, tuple[str | None, set[str]]]:
    """name -> (base, rule names used directly), from the written forms."""
    out: dict[str, tuple[str | None, set[str]]] = {}
    for name, entry in snap["experiments"].items():
        w = entry.get("written")
        if isinstance(w, dict) and str(w.get("__type__", "")).endswith(".Derived"):
            out[name] = (w.get("base"), _rule_names(w.get("patches", [])))
        else:
            out[name] = (None, set())
    return out


def compare(
    base_snap: dict[str, Any],
    head_snap: dict[str, Any],
    files: list[str],
    base: str,
    head: str,
    total: int | None = None,
) -> Review:
    """The review of two snapshots; ``total``: how many experiments there are (when the
    snapshots hold only those the change may alter)."""
    rules_before, rules_after = base_snap["rules"], head_snap["rules"]
    changed_rules: dict[str, str] = {}
    rule_diffs: dict[str, str] = {}
    rule_helpers: dict[str, list[str]] = {}
    for name in sorted(set(rules_before) | set(rules_after)):
        a, b = rules_before.get(name), rules_after.get(name)
        if a is None:
            changed_rules[name] = "added"
        elif b is None:
            changed_rules[name] = "removed"
        elif a["hash"] != b["hash"]:
            changed_rules[name] = "changed"
        elif a.get("deps", {}) != b.get("deps", {}):
            changed_rules[name] = "changed"
            da, db = a.get("deps", {}), b.get("deps", {})
            rule_helpers[name] = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
        if name in changed_rules and (a or {}).get("source") != (b or {}).get("source"):
            rule_diffs[name] = _code_diff(
                name, (a or {}).get("source", ""), (b or {}).get("source", "")
            )
    lineage = _lineage(head_snap)
    before, after = base_snap["experiments"], head_snap["experiments"]
    changed_set = set(files)
    out: list[ExperimentReview] = []
    status_of: dict[str, bool] = {}
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        file = (b or a or {}).get("file", "")
        file_changed = file in changed_set
        if a is None or b is None:
            r = ExperimentReview(name, "added" if a is None else "removed", file, True)
            if b is not None and "materialized" in b:
                r.materialized = [DiffEntry("added", None, _root(), None, b["materialized"])]
            if b is not None and "error" in b:
                r.error = b["error"]  # a new experiment that does not load says so
            out.append(r)
            status_of[name] = True
            continue
        r = ExperimentReview(
            name, "changed", file, file_changed, provenance=b.get("provenance", {})
        )
        if "error" in b:
            r.status, r.error = "error", b["error"]
        elif "error" in a:
            r.status = "fixed"
        if "written" in a and "written" in b:
            r.written = json_diff(a["written"], b["written"]).entries
        if "materialized" in a and "materialized" in b:
            r.materialized = json_diff(a["materialized"], b["materialized"]).entries
        still_broken = r.status == "error" and a.get("error") == b["error"]  # not news
        if (
            r.written
            or r.materialized
            or r.status == "fixed"
            or (r.status == "error" and not still_broken)
            or file_changed
        ):
            status_of[name] = True
            out.append(r)
    for r in out:
        r.causes = _causes(r, lineage, changed_rules, status_of, rule_helpers)
    shown = [r for r in out if r.materialized or r.written or r.status != "changed"]
    return Review(
        base,
        head,
        files,
        changed_rules,
        shown,
        len(set(before) | set(after)) if total is None else total,
        rule_diffs,
        rule_helpers,
    )


def _code_diff(name: str, before: str, after: str) -> str:
    """The unified diff of a rule's code (shown once per rule)."""
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _root() -> Any:
    from graftlab.symbolic.keypath import KeyPath

    return KeyPath()


def _causes(
    r: ExperimentReview,
    lineage: dict[str, Any],
    rules: dict[str, str],
    changed: dict[str, bool],
    helpers: dict[str, list[str]] | None = None,
) -> list[str]:
    causes = []
    if r.file_changed:
        causes.append("file edited" if r.status not in ("added", "removed") else f"file {r.status}")
    seen = set()
    current = r.name
    while current in lineage and current not in seen:
        seen.add(current)
        base, used = lineage[current]
        for rule in sorted(used):
            if rule in rules:
                via = (helpers or {}).get(rule)
                causes.append(
                    f"rule {rule} {rules[rule]}"
                    + (f" (helper {', '.join(via)})" if via else "")
                    + ("" if current == r.name else f" (via {current})")
                )
        if base is not None and changed.get(base):
            causes.append(f"base {base} changed")
            break
        current = base
    return causes


def merge_base(g: Any, base: str, head: str) -> str:
    """The commit ``A..B`` and ``A...B`` review from: where ``head`` branched off ``base``."""
    import git

    for rev in (base, head):
        verify_rev(g, rev)
    try:
        return str(g.git.merge_base(base, head)).strip()
    except git.GitCommandError:
        raise GraftError(f"{base} and {head} have no common ancestor to review from") from None


def _affected(roots: list[Path], changed: list[str]) -> tuple[set[str] | None, dict[str, str]]:
    """The experiments (of either revision) the change may alter, None for all; and every
    experiment's file. The configuration is the head revision's (when ``graft.toml`` differs
    between the two, every experiment is loaded)."""
    config_path = roots[1] / CONFIG_NAME
    if not config_path.is_file() or not (roots[0] / CONFIG_NAME).is_file():
        return None, {}
    try:
        config = load_config(config_path)
    except GraftError:
        return None, {}
    names: dict[str, str] = {}
    for r in roots:
        for name, path in experiment_files(r, config.experiments).items():
            names.setdefault(name, path.relative_to(r).as_posix())
    return affected(roots, config.experiments, config.patch_modules, names, changed), names


def review(repo: Any, spec: str, progress: Any = None, fork: bool = False) -> Review:
    """Review a revision range of ``repo`` (a ``gl.Repo``).

    Each revision is materialized in a fresh Python process; with ``fork`` (``graft review``,
    whose process has imported no code of the repository) in a forked copy of this one,
    which skips starting Python and importing graftlab twice.

    ``A..B`` and ``A...B`` review what a pull request of ``B`` into ``A`` changes, as
    GitHub shows it: from the merge base of ``A`` and ``B`` to ``B`` (commits that ``A``
    gained meanwhile are not the branch's changes). ``A`` alone compares with the working
    tree.
    """
    base, head = parse_range(spec)
    label = base
    if head != WORKTREE:
        fork_point = merge_base(repo.git, base, head)
        if fork_point != repo.git.git.rev_parse(f"{base}^{{commit}}").strip():
            label = f"{base} (merge base {fork_point[:8]})"
        base = fork_point
    if head == WORKTREE:
        verify_rev(repo.git, base)  # otherwise merge_base verified both
    files = changed_files(repo.git, base, head, verify=False)
    top = Path(repo.git.working_tree_dir or repo.root).resolve()
    prefix = repo.root.resolve().relative_to(top).as_posix()
    rel_files = [
        f[len(prefix) + 1 :] if prefix not in ("", ".") and f.startswith(prefix + "/") else f
        for f in files
    ]
    inside = (
        rel_files
        if prefix in ("", ".")
        else [f[len(prefix) + 1 :] for f in files if f.startswith(prefix + "/")]
    )
    with ExitStack() as stack:
        roots = [
            repo.root
            if rev == WORKTREE
            else stack.enter_context(extracted(repo.git, rev, verify=False)) / prefix
            for rev in (base, head)
        ]
        only, names = _affected(roots, inside)
        jobs = [
            (r, None if only is None else sorted(only), None if rev == WORKTREE else rev)
            for r, rev in zip(roots, (base, head), strict=True)
        ]
        # The two revisions are materialized in two processes at once.
        if fork and forked.usable(top):
            base_snap, head_snap = forked.snapshots(jobs, top, repo.root)
        else:
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = [pool.submit(snapshot_dir, *job) for job in jobs]
                base_snap, head_snap = (f.result() for f in futures)
    if progress:
        progress()
    return compare(
        base_snap,
        head_snap,
        rel_files,
        label,
        "working tree" if head == WORKTREE else head,
        total=None if only is None else len(names),
    )


# --- rendering ---------------------------------------------------------------------------

_MD_SYMBOL = {"added": "➕", "removed": "➖", "changed": "✏️", "type_changed": "🔁"}


def _md_escape(text: str) -> str:
    return re.sub(r"([|`])", r"\\\1", text).replace("\n", " ")


COMMENT_LIMIT = 65_536  # GitHub's limit on a comment's body, in characters


def to_markdown(rv: Review, max_chars: int | None = None, more: str = "") -> str:
    """A pull-request comment: a summary table first, then one collapsible section each.

    With ``max_chars`` the text stays under it: the summary comes first, then as many table
    rows, rule diffs and sections as fit, then a line saying what was left out and where it
    is (``more``, e.g. "the job summary and the graft-review artifact").
    """
    head, rows, rules, sections = _md_parts(rv)
    parts = [*head, *rows, *(["\n"] if rows else []), *rules, *sections]
    if not rv.experiments:
        parts.append("No experiment changes.\n")
    full = "".join(parts).rstrip() + "\n"
    if max_chars is None or len(full) <= max_chars:
        return full
    budget = max_chars - 400
    out = list(head)
    used = sum(len(x) for x in out)
    shown_rows = 0
    for r in rows:
        if used + len(r) > budget * 2 // 3:
            break
        out.append(r)
        used += len(r)
        shown_rows += 1
    out.append("\n")
    left = len(rows) - shown_rows
    shown_sections = 0
    for block in [*rules, *sections]:
        if used + len(block) > budget:
            break
        out.append(block)
        used += len(block)
        shown_sections += 1
    omitted = len(rules) + len(sections) - shown_sections
    where = f" in {more}" if more else ""
    note = "**Shortened to fit a comment:** "
    note += f"{left} more experiment row(s) and " if left else ""
    note += f"{omitted} more section(s) are{where}.\n"
    return "".join(out).rstrip() + "\n\n" + note


def _md_parts(rv: Review) -> tuple[list[str], list[str], list[str], list[str]]:
    """(heading and summary, table rows, rule diffs, experiment sections) as text blocks."""
    lines = [f"## graft review: `{rv.base}` → `{rv.head}`", ""]
    n = len(rv.experiments)
    lines.append(
        f"**{n}** of {rv.total} experiment{'s' if rv.total != 1 else ''} change"
        f"{'s' if n == 1 else ''}; {len(rv.changed_rules)} patch rule(s) changed; "
        f"{len(rv.changed_files)} file(s) changed."
    )
    lines.append("")
    if rv.changed_rules:
        lines.append(
            "**Patch rules:** "
            + ", ".join(
                f"[`{k}`](#{rule_anchor(k)}) ({v})" if k in rv.rule_diffs else f"`{k}` ({v})"
                for k, v in rv.changed_rules.items()
            )
        )
        lines.append("")
    rows: list[str] = []
    if rv.experiments:
        lines += [
            "| experiment | status | why | written | materialized |",
            "|---|---|---|---:|---:|",
        ]
        for e in rv.experiments:
            why = "; ".join(_md_escape(c) for c in e.causes) or "-"
            for rule in rv.rule_diffs:
                why = why.replace(f"rule {rule} ", f"[rule {rule}](#{rule_anchor(rule)}) ", 1)
            rows.append(
                f"| `{e.name}` | {e.status} | {why} | {len(e.written)} | {len(e.materialized)} |\n"
            )
    head = ["\n".join(lines) + "\n"]
    rules: list[str] = []
    for rule, code in rv.rule_diffs.items():
        block = [f"#### rule {rule}", ""]
        helpers = rv.rule_helpers.get(rule)
        if helpers:
            block += [f"Helpers changed: {', '.join(f'`{h}`' for h in helpers)}", ""]
        block += ["<details><summary>the rule's code change</summary>", "", "```diff"]
        block += [code.rstrip("\n"), "```", "", "</details>", ""]
        rules.append("\n".join(block) + "\n")
    sections = [_md_section(e) for e in rv.experiments]
    return head, rows, rules, sections


def _md_section(e: ExperimentReview) -> str:
    lines = ["<details>"]
    lines.append(
        f"<summary><b>{e.name}</b> ({e.status}; {len(e.materialized)} materialized change(s))</summary>"
    )
    lines.append("")
    if e.error:
        where = (
            f"{e.error.get('file', '')}:{e.error.get('line', '')}" if e.error.get("line") else ""
        )
        lines.append(f"> ⚠️ does not load: {_md_escape(e.error.get('message', ''))} {where}")
        lines.append("")
    for title, entries, prov in (
        ("As written", e.written, None),
        ("Materialized", e.materialized, e.provenance),
    ):
        if not entries:
            continue
        lines.append(f"**{title}**")
        lines.append("")
        lines.append("| | key path | before | after |" + (" set by |" if prov is not None else ""))
        lines.append("|---|---|---|---|" + ("---|" if prov is not None else ""))
        for d in entries:
            old = "" if d.kind == "added" else f"`{_md_escape(render(d.old, 80))}`"
            new = "" if d.kind == "removed" else f"`{_md_escape(render(d.new, 80))}`"
            row = f"| {_MD_SYMBOL[d.kind]} | `{d.path or '<root>'}` | {old} | {new} |"
            if prov is not None:
                p = provenance_for(prov, d.path) if d.right_path is not None else None
                row += f" {'`' + _md_escape(p['uri']) + '` ' + _where(p) if p else ''} |"
            lines.append(row)
        lines.append("")
    lines.append("</details>")
    lines.append("")
    return "\n".join(lines) + "\n"


def rule_anchor(rule: str) -> str:
    """The anchor GitHub gives the heading ``rule NAME`` (lower case, punctuation dropped)."""
    text = f"rule {rule}".lower()
    return re.sub(r"[^a-z0-9 _-]", "", text).replace(" ", "-")


def _where(p: dict[str, Any]) -> str:
    """``(wide.py:5 #2)``: the file and chain position of the patch that set a value."""
    file = Path(p["file"]).name if p.get("file") else ""
    line = f":{p['line']}" if p.get("line") else ""
    return f"({file}{line} #{p['position']})" if file else f"(#{p['position']})"


def print_text(rv: Review, console: Any, title: str = "graft review") -> None:
    """The review in the terminal: a summary table and a colored diff per experiment."""
    from rich.table import Table

    if title == "graft review":
        console.print(
            f"[bold]{title}[/] {rv.base} → {rv.head}: {len(rv.experiments)} of {rv.total} experiments change"
        )
    else:
        console.print(f"[bold]{title}[/] {rv.base} → {rv.head}")
    if rv.changed_rules:
        console.print(
            "patch rules: " + ", ".join(f"{k} ({v})" for k, v in rv.changed_rules.items())
        )
    for rule, code in rv.rule_diffs.items():
        console.rule(f"rule {rule}: its code change")
        helpers = rv.rule_helpers.get(rule)
        if helpers:
            console.print("helpers changed: " + ", ".join(helpers), markup=False)
        console.print(code.rstrip("\n"), markup=False, highlight=False)
    for rule, helpers in rv.rule_helpers.items():
        if rule not in rv.rule_diffs:
            console.print(f"rule {rule}: helpers changed: {', '.join(helpers)}", markup=False)
    if not rv.experiments:
        return
    table = Table("experiment", "status", "why", "written", "materialized")
    for e in rv.experiments:
        table.add_row(
            e.name,
            e.status,
            "; ".join(e.causes) or "-",
            str(len(e.written)),
            str(len(e.materialized)),
        )
    console.print(table)
    colors = {"added": "green", "removed": "red", "changed": "yellow", "type_changed": "magenta"}
    symbols = {"added": "+", "removed": "-", "changed": "~", "type_changed": "±"}
    for e in rv.experiments:
        console.rule(f"[bold]{e.name}[/] ({e.status})")
        if e.error:
            console.print(f"[red]does not load:[/] {e.error.get('message')}", markup=True)
        for title, entries, prov in (
            ("as written", e.written, None),
            ("materialized", e.materialized, e.provenance),
        ):
            if not entries:
                continue
            console.print(f"[dim]{title}:[/]")
            for d in entries:
                c = colors[d.kind]
                text = f"  [{c}]{symbols[d.kind]} {d.path or '<root>'}[/]: "
                if d.kind == "added":
                    body = render(d.new)
                elif d.kind == "removed":
                    body = render(d.old)
                else:
                    body = f"{render(d.old)} → {render(d.new)}"
                p = (
                    provenance_for(prov, d.path)
                    if prov is not None and d.right_path is not None
                    else None
                )
                console.print(text, end="")
                console.print(
                    body + (f"  (set by {p['uri']} {_where(p)})" if p else ""),
                    markup=False,
                    highlight=False,
                )
