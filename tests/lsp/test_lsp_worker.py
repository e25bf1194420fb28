"""The worker's check after each edit (issue 19, speed and memory): statements and values of
the last check are reused, the answer is the loader's, and nothing is left behind per edit
(values kept between checks are never frozen, so the ones an edit replaces are collected)."""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from graftlab_lsp import worker

from graftlab.io.loader import loads_file


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    mod = f"worker_parts_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(sys, "path", [*sys.path])
    monkeypatch.setattr(worker, "_REPARSERS", worker.reparse.Reparsers())
    (tmp_path / "graft.toml").write_text(f'[graft]\nallowed_modules = ["{mod}"]\n')
    (tmp_path / f"{mod}.py").write_text(
        "import graftlab as gl\n\n\n"
        "@gl.symbolize\nclass Net:\n"
        "    def __init__(self, width: int = 1, child: object = None) -> None:\n"
        "        self.width = width\n        self.child = child\n"
    )
    (tmp_path / "experiments").mkdir()
    body = [f"from {mod} import Net", ""]
    body += [f"n{i} = Net(width={i}, child=Net(width={i}))" for i in range(200)]
    body += ["experiment = Net(width=1, child=n0)", ""]
    yield tmp_path / "experiments" / "big.py", "\n".join(body)
    gc.unfreeze()


def test_checks_after_edits_reuse_the_last_check_and_answer_as_the_loader(
    experiment: tuple[Path, str],
) -> None:
    path, text = experiment
    file = str(path)
    assert worker.check(file, text)["errors"] == []
    bad = text.replace("n7 = Net(width=7,", "n7 = Net(width='x',")
    answer = worker.check(file, bad)
    parser = worker._REPARSERS.for_file(file)
    assert parser.parsed == 1 and parser.memo.reused == 200  # all but n7
    with pytest.raises(Exception) as plain:
        loads_file(bad, file=file, base_dir=path.parent)
    assert [e["message"] for e in answer["errors"]] == [plain.value.message]
    assert answer["errors"][0]["line"] == 10  # n7
    assert worker.check(file, text)["errors"] == []


def test_edits_leave_nothing_frozen_behind(experiment: tuple[Path, str]) -> None:
    path, text = experiment
    file = str(path)
    bad = text.replace("n7 = Net(width=7,", "n7 = Net(width='x',")
    modules = 0
    counts = []
    for i in range(40):
        worker.handle({"id": i, "op": "check", "file": file, "text": bad if i % 2 else text})
        modules = worker.tidy(modules)
        counts.append(gc.get_freeze_count())
    # before: every answer froze the values kept for the next check; an edit replaced
    # them and, their objects referring to each other, they were never collected
    assert counts[10] == counts[-1]
