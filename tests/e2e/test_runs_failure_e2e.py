"""What a run records when things go wrong around it: a file edited while a run starts,
a full disk, a read-only ``.git``, and two resumes of the same run at once. Each says so in
one line (no traceback), and the record keeps the reason where it can be written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from _support.git_repo import start_graft
from graft_toy_repo import git, graft, make_toy_repo

RACE = "from toy import Layer, Optimizer, Trainer\n\nexperiment = Trainer(layers=[Layer(width={w})], optimizer=Optimizer())\n"


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], proc.stderr
    return lines[0]


def test_what_is_recorded_is_what_ran_while_the_file_changes(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "toy", {"race": RACE.format(w=1)})
    path = root / "experiments" / "race.py"
    stop = threading.Event()

    def flip() -> None:  # rewrite the file (atomically) as fast as possible
        w = 1
        while not stop.is_set():
            w = 8 if w == 1 else 1
            tmp = path.with_suffix(".tmp")
            tmp.write_text(RACE.format(w=w))
            tmp.replace(path)

    editor = threading.Thread(target=flip)
    editor.start()
    try:
        runs = [json.loads(graft(root, "run", "race", "--json").stdout) for _ in range(6)]
    finally:
        stop.set()
        editor.join()
    for run in runs:
        sha = f"refs/graft/runs/{run['id']}"
        source = git(root, "show", f"{sha}:source/experiments/race.py")
        ran = json.loads(git(root, "show", f"{sha}:experiment.json"))
        width = ran["layers"][0]["width"]
        assert f"Layer(width={width})" in source
        assert run["metrics"]["width"] == width


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MiB file system of its own (needs root to mount; CI runs this as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path: Path) -> None:
    """Fill the file system that holds ``path``."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


FILLER = """\
import graftlab as gl


@gl.symbolize
class Filler:
    def __init__(self, chunk: int = 65536) -> None:
        self.chunk = chunk

    def run(self, context):
        context.metrics(1, loss=1.0)
        with open(context.workdir / "big.bin", "wb") as f:
            while True:
                f.write(b"x" * self.chunk)
                f.flush()
"""


def test_a_full_disk_is_one_line_and_the_reason_stays_in_the_record(small_disk: Path) -> None:
    root = make_toy_repo(
        small_disk / "toy", {"fill": "from filler import Filler\n\nexperiment = Filler()\n"}
    )
    (root / "filler.py").write_text(FILLER)
    toml = root / "graft.toml"
    toml.write_text(toml.read_text().replace('["toy", "patches"]', '["toy", "patches", "filler"]'))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "filler")
    # the disk fills up in the middle of the run
    proc = graft(root, "run", "fill", "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    (run,) = json.loads(graft(root, "runs", "--json").stdout)
    assert run["status"] == "failed"
    assert "No space left on device" in run["error"]["message"]
    # a disk that is already full: one line, nothing half-written
    fill(small_disk / "ballast")
    one_line_error(graft(root, "run", "fill"), "disk is full")
    assert len(json.loads(graft(root, "runs", "--json").stdout)) == 1
    fsck = subprocess.run(["git", "fsck"], cwd=root, capture_output=True, text=True, check=False)
    assert fsck.returncode == 0, fsck.stderr


def test_a_read_only_git_directory_is_one_line(small_disk: Path) -> None:
    root = make_toy_repo(small_disk / "toy")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    one_line_error(graft(root, "run", "baseline"), "read-only")


def test_two_resumes_of_one_run_at_once_one_wins_the_other_says_why(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "toy")
    first = start_graft(root, "run", "slow", output=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not git(root, "for-each-ref", "refs/graft/runs/") and time.time() < deadline:
        time.sleep(0.02)
    first.kill()
    first.wait()
    rid = git(root, "for-each-ref", "--format=%(refname:strip=3)", "refs/graft/runs/").strip()
    args = ["run", "slow", "steps=5", "--resume", rid, "--accept-changes"]
    procs = [start_graft(root, *args) for _ in range(2)]
    results = [subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate()) for p in procs]
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 1], [r.stderr for r in results]
    loser = next(r for r in results if r.returncode == 1)
    line = one_line_error(loser, rid)
    # lost the race to write, or (started later) found it running or already finished
    assert any(w in line for w in ("another process updated", "is still running", "already"))
    record = json.loads(git(root, "show", f"refs/graft/runs/{rid}:run.json"))
    assert record["status"] == "succeeded" and len(record["resumes"]) == 1
    assert os.path.isdir(root / ".git")
