"""A tiny, non-ML experiment repository for the repository and ``graft`` command tests.

``toy.py`` holds symbolic classes whose ``Trainer.run(context)`` reports metrics through the
run context; ``patches`` holds patch rules; ``experiments/`` has a baseline, experiments
derived from it (directly and through a derived base) and one whose component raises.
"""

from __future__ import annotations

from pathlib import Path

from _support.git_repo import IDENTITY, commit_repo, git, graft, graft_env
from _support.toy_sources import components, patches

__all__ = ["EXPERIMENTS", "IDENTITY", "git", "graft", "graft_env", "make_toy_repo"]

GRAFT_TOML = """\
[graft]
name = "toy"
allowed_modules = ["toy", "patches"]
patch_modules = ["patches"]
"""

TOY = components(
    """\
@gl.symbolize
class Layer:
    def __init__(self, width: int = 4, explode: bool = False) -> None:
        self.width = width
        self.explode = explode

    def check(self) -> None:
        if self.explode:
            raise ValueError("layer exploded")
""",
    """\
    def run(self, context):
        for i, layer in enumerate(self.layers):
            try:
                layer.check()
            except ValueError as e:
                raise gl.ComponentError(str(e), f"layers[{i}]", e) from e
        loss = 0.0
        for step in range(self.steps):
            loss = self.optimizer.learning_rate / (step + 1)
            context.metrics(step, loss=loss)
            if self.sleep:
                time.sleep(self.sleep)
        return {"loss": loss, "width": sum(layer.width for layer in self.layers)}
""",
)

PATCHES = patches(
    "toy",
    "toy",
    '''\
@gl.patcher("toy/explode")
def explode(experiment, index: int = 0):
    """Replace one layer by one that fails at run time."""
    return {f"layers[{index}]": Layer(width=experiment.layers[index].width, explode=True)}
''',
)

BASELINE = '''\
"""The baseline."""

from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=8)],
    optimizer=Optimizer(learning_rate=0.1),
    steps=3,
)
'''


def derived(base: str, *uris: str) -> str:
    chain = ", ".join(f'"{u}"' for u in uris)
    return (
        f'from graftlab import Derived\n\nexperiment = Derived(base="{base}", patches=[{chain}])\n'
    )


BROKEN = """\
from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=2, explode=True)],
    optimizer=Optimizer(),
)
"""

SLOW = """\
from toy import Layer, Optimizer, Trainer

experiment = Trainer(layers=[Layer()], optimizer=Optimizer(), steps=1000, sleep=0.01)
"""

EXPERIMENTS = {
    "baseline": BASELINE,
    "wide": derived("baseline", "toy/widen?factor=2"),  # uses toy/widen directly
    "wide_lr": derived("wide", "toy/lr?0.5"),  # through a derived base
    "fast": derived("baseline", "toy/lr?0.3"),  # does not use toy/widen
    "fast_wide": derived("fast", "toy/widen?factor=3"),  # toy/widen on another base
    "exploding": derived("baseline", "toy/explode?index=1"),  # fails through a patch
    "broken": BROKEN,  # fails at run time in its own file
    "slow": SLOW,  # sleeps in a loop (for kill -9)
}

ROOTS = {"baseline", "broken", "slow"}


def write_files(root: Path, experiments: dict[str, str] | None = None) -> None:
    (root / "graft.toml").write_text(GRAFT_TOML)
    (root / "toy.py").write_text(TOY)
    (root / "patches").mkdir(exist_ok=True)
    (root / "patches" / "__init__.py").write_text(PATCHES)
    (root / ".gitignore").write_text("__pycache__/\n")
    exp = root / "experiments"
    exp.mkdir(exist_ok=True)
    for name, text in (EXPERIMENTS if experiments is None else experiments).items():
        path = exp / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_toy_repo(root: Path, experiments: dict[str, str] | None = None) -> Path:
    """A git repository at ``root`` with the toy files, committed on branch ``main``."""
    return commit_repo(root, lambda r: write_files(r, experiments))
