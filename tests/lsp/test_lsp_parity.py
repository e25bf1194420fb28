"""Parity: over a corpus of experiment files, valid and invalid, the server's diagnostics are
exactly the loader's errors — every error at its line and column, none where it loads.

The corpus is the loader's own bad-input cases (``tests/io/test_loader_bad_input.py``, over
its ``format_classes`` module) plus derived experiments and patch chains of the team
workspace. The loader runs in a separate process on the files as saved; the server sees the
same texts as open documents.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lsp_client import start_server, utf16_len

pytestmark = pytest.mark.asyncio(loop_scope="function")

IO_TESTS = Path(__file__).resolve().parents[1] / "io"


def _bad_input_cases() -> tuple[str, dict[str, tuple[str, int, int, str]]]:
    sys.path.insert(0, str(IO_TESTS))
    try:
        spec = importlib.util.spec_from_file_location(
            "lsp_parity_bad_input", IO_TESTS / "test_loader_bad_input.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(IO_TESTS))
    return module.HEADER, module.CASES


HEADER, CASES = _bad_input_cases()
DERIVED = 'from graftlab import Derived\n\nexperiment = Derived(\n    base="{base}",\n    patches=[{chain}],\n)\n'
TEAM = "from team import Act, Conv, Dense, Optimizer, Trainer\n\n"


def corpus() -> dict[str, str]:
    out = {f"bad_{i:02d}": HEADER + body for i, (body, *_rest) in enumerate(CASES.values())}
    out |= {
        "ok_format": HEADER
        + "stem = Conv(features=1)\nexperiment = Model(layers=[stem, Conv(2)])\n",
        "ok_empty": "",
        "ok_comment_only": "# nothing here\n",
        "ok_team": TEAM
        + "experiment = Trainer(layers=[Conv(features=2)], optimizer=Optimizer())\n",
        "ok_derived": DERIVED.format(base="baseline", chain='"team/widen?factor=2", "team/lr?0.3"'),
        "ok_derived_of_derived": DERIVED.format(base="wide", chain='"team/pad?mode=valid"'),
        "ok_unicode": HEADER + 'experiment = Node(value="é😀 ünïcode")\n',
        "bad_unicode": HEADER + 'experiment = Node(value="é😀", children=[Conv(featurs=1)])\n',
        "bad_two_lines": HEADER + "a = Conv(featurs=1)\nb = Conv(features=0)\nc = unknown\n",
        "bad_base": DERIVED.format(base="basline", chain='"team/lr?0.3"'),
        "bad_rule": DERIVED.format(base="baseline", chain='"team/lr?0.3", "team/wdien"'),
        "bad_rule_arg": DERIVED.format(base="baseline", chain='"team/widen?factr=2"'),
        "bad_rule_value": DERIVED.format(base="baseline", chain='"team/pad?mode=full"'),
        "bad_no_match": DERIVED.format(base="baseline", chain='"team/act?activation=relu"'),
        "bad_edit": DERIVED.format(base="baseline", chain='"team/widen?factor=-2"'),
        "bad_team_values": TEAM
        + 'experiment = Trainer(layers=[Conv(features="a"), Dense(unit=2)], optimizer=Optimizer(learning_rate="x"))\n',
        "bad_syntax_unicode": 'x = "ü" +\n',
    }
    return out


LOADER = """
import json, sys
import graftlab as gl
out = {}
for path in sys.argv[1:]:
    try:
        gl.load_file(path)
        out[path] = []
    except gl.FormatError as e:
        out[path] = [[x.line, x.column, x.message] for x in getattr(e, "errors", [e])]
print(json.dumps(out))
"""


def loader_errors(root: Path, paths: list[Path]) -> dict[str, list[list[Any]]]:
    done = subprocess.run(
        [sys.executable, "-c", LOADER, *map(str, paths)],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


async def test_diagnostics_are_the_loaders_errors(new_workspace: Callable[..., Path]) -> None:
    files = corpus()
    extra = {
        "format_classes.py": (IO_TESTS / "format_classes.py").read_text(),
        "graft.toml": (
            '[graft]\nallowed_modules = ["format_classes", "team", "patches"]\n'
            'patch_modules = ["patches"]\n'
        ),
    }
    extra |= {f"experiments/p_{name}.py": text for name, text in files.items()}
    root = new_workspace(extra, name="parity")
    paths = [root / "experiments" / f"p_{name}.py" for name in files]
    expected_all = loader_errors(root, paths)
    rejected = sum(1 for v in expected_all.values() if v)
    assert rejected >= len(CASES) + 9 and len(expected_all) - rejected >= 7

    lsp = await start_server(root)
    mismatches = []
    try:
        for path in paths:
            text = path.read_text(encoding="utf-8")
            lines = text.split("\n")
            uri, diags = await lsp.open_checked(path)
            lsp.close(uri)
            # the loader counts columns in code points; LSP positions are UTF-16 units
            want = sorted(
                (line - 1, utf16_len(lines[line - 1][:col]) if line <= len(lines) else col, msg)
                for line, col, msg in expected_all[str(path)]
            )
            got = sorted((d.range.start.line, d.range.start.character, d.message) for d in diags)
            if got != want:
                mismatches.append((path.name, want, got))
    finally:
        await lsp.stop()
    assert mismatches == []
    # the loader's own expectations still hold for the bad-input cases
    for i, (_body, line, col, needle) in enumerate(CASES.values()):
        errs = expected_all[str(root / "experiments" / f"p_bad_{i:02d}.py")]
        assert [(e[0], e[1]) for e in errs] == [(line, col)] and needle in errs[0][2]
