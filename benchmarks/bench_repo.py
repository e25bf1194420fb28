"""The repository: ``graft review`` and ``graft ls`` on a generated 1,000-experiment repository.

500 root experiments and 500 derived ones (each through a chain of shared rules); one rule's
code changes in a commit, so review must materialize every experiment at both revisions and
report the 500 it alters. Both commands run as the real CLI in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import Measurement

TITLE = "repository: graft review / graft ls on 1,000 experiments (500 derived)"
TARGETS = {"graft review (one rule changed)": 10.0, "graft ls": 2.0}

LIB = """
import graftlab as gl


@gl.symbolize
class Conv:
    def __init__(self, features: int, kernel_size: int = 3, activation: str = "relu"):
        self.features = features


@gl.symbolize
class Optimizer:
    def __init__(self, learning_rate: float = 1e-3, momentum: float = 0.9):
        pass


@gl.symbolize
class Model:
    def __init__(self, layers: list[Conv], num_classes: int = 10, optimizer: Optimizer = Optimizer()):
        self.layers = layers
"""

RULES = """
import graftlab as gl
from teamlib import Conv, Optimizer


@gl.patcher
def scale_width(model, factor: float = 2.0, minimum: int = 8):
    return {f"{p}.features": max(minimum, int(c.features * factor)) for p, c in gl.query(model, Conv).items()}


@gl.patcher
def change_lr(model, lr: float):
    return {f"{p}.learning_rate": lr for p in gl.query(model, Optimizer)}


@gl.patcher
def gelu(model):
    return {f"{p}.activation": "gelu" for p in gl.query(model, Conv)}
"""


def generate(root: Path, n_roots: int = 500, n_derived: int = 500) -> None:
    (root / "experiments").mkdir(parents=True)
    (root / "graft.toml").write_text(
        '[graft]\nallowed_modules = ["teamlib", "rules"]\npatch_modules = ["rules"]\n'
    )
    (root / "teamlib.py").write_text(LIB)
    (root / "rules.py").write_text(RULES)
    for i in range(n_roots):
        layers = ", ".join(f"Conv(features={16 * (1 + (i + j) % 4)})" for j in range(6))
        (root / "experiments" / f"base_{i:03d}.py").write_text(
            "from teamlib import Conv, Model\n\n"
            f"experiment = Model(layers=[{layers}], num_classes={10 + i % 5})\n"
        )
    for i in range(n_derived):
        (root / "experiments" / f"derived_{i:03d}.py").write_text(
            "from graftlab import Derived\n\n"
            f'experiment = Derived(base="base_{i % n_roots:03d}", '
            f'patches=["scale_width?factor=2", "change_lr?{0.002 * (1 + i % 3)}", "gelu"])\n'
        )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    run = lambda *a: subprocess.run(a, cwd=root, check=True, capture_output=True, env=env)  # noqa: E731
    run("git", "init", "-q")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "base")
    rules = (
        (root / "rules.py")
        .read_text()
        .replace("int(c.features * factor)", "int(c.features * factor) + 1")
    )
    (root / "rules.py").write_text(rules)
    run("git", "commit", "-qam", "change scale_width")


def _time_cli(root: Path, *args: str, repeat: int = 3) -> tuple[Measurement, str]:
    times = []
    out = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "graftlab.cli", *args], cwd=root, capture_output=True, text=True
        )
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
        out = proc.stdout
    times.sort()
    return Measurement(times[len(times) // 2]), out


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 100 if quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n, n)
        review, out = _time_cli(
            root, "review", "HEAD~1..HEAD", "--format", "json", repeat=1
        )
        import json

        data = json.loads(out)
        changed = len(data["experiments"])
        assert changed == n, f"expected {n} changed experiments, got {changed}"
        ls, _ = _time_cli(root, "ls", "--json")
    return [
        {
            "case": "graft review (one rule changed)",
            "graftlab": review,
            "target": TARGETS["graft review (one rule changed)"],
            "experiments": str(2 * n),
            "reported": str(changed),
        },
        {
            "case": "graft ls",
            "graftlab": ls,
            "target": TARGETS["graft ls"],
            "experiments": str(2 * n),
        },
    ]


def main() -> None:
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()
