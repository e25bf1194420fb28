"""A tiny experiment repository with search spaces, for the hyper and tuning tests.

``toy.py`` holds symbolic classes whose ``Trainer.run(context)`` reports metrics (``loss``
falls with more steps and a smaller learning rate; ``width`` is the sum of layer widths);
``patches`` holds two patch rules; ``experiments/`` has a baseline, a space of values and a
search over patch rules.
"""

from __future__ import annotations

from pathlib import Path

from _support.git_repo import IDENTITY, commit_repo, git, graft, graft_env
from _support.toy_sources import components, patches

__all__ = ["EXPERIMENTS", "IDENTITY", "git", "graft", "graft_env", "make_repo"]

GRAFT_TOML = """\
[graft]
name = "tunetoy"
allowed_modules = ["tunetoy", "tunepatches"]
patch_modules = ["tunepatches"]
"""

TOY = components(
    """\
@gl.symbolize
class Layer:
    def __init__(self, width: int = 4) -> None:
        self.width = width
""",
    """\
    def run(self, context):
        loss = 0.0
        width = sum(layer.width for layer in self.layers)
        for step in range(self.steps):
            loss = self.optimizer.learning_rate / (step + 1) + 1.0 / width
            context.metrics(step, loss=loss)
            if self.sleep:
                time.sleep(self.sleep)
        return {"loss": loss, "width": width}
""",
)

PATCHES = patches(
    "tunetoy",
    "tt",
    '''\
@gl.patcher("tt/deeper")
def deeper(experiment):
    """Add a layer."""
    return {"layers": [*experiment.layers, Layer(width=4)]}
''',
)

BASELINE = '''\
"""The baseline."""

from tunetoy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=8)],
    optimizer=Optimizer(learning_rate=0.5),
    steps=2,
)
'''

SPACE = '''\
"""A space of widths, learning rates and steps."""

from graftlab import floatv, intv, oneof
from tunetoy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[
        Layer(width=oneof([4, 8, 16])),
        oneof([Layer(width=intv(1, 4)), Layer(width=32)]),
    ],
    optimizer=Optimizer(learning_rate=floatv(0.01, 1.0, scale="log", name="lr")),
    steps=intv(1, 3),
)
'''

SLOW_SPACE = '''\
"""A space whose trials take a while (for kill -9 and throughput)."""

from graftlab import floatv, oneof
from tunetoy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=oneof([4, 8, 16]))],
    optimizer=Optimizer(learning_rate=floatv(0.01, 1.0, name="lr")),
    steps=2,
    sleep=SLEEP,
)
'''

IDEAS = '''\
"""Which of our rules help the baseline?"""

from graftlab import Derived
from graftlab.hyper import floatv, oneof, uri

experiment = Derived(
    base="baseline",
    patches=[
        oneof(["tt/widen?factor=2", "tt/widen?factor=4", None]),
        oneof(["tt/deeper", None]),
        uri("tt/lr", value=floatv(0.01, 0.5, name="lr")),
    ],
)
'''

EXPERIMENTS = {
    "baseline": BASELINE,
    "space": SPACE,
    "ideas": IDEAS,
    "slow_space": SLOW_SPACE.replace("SLEEP", "0.4"),
    "second_space": SLOW_SPACE.replace("SLEEP", "0.5"),
}


def _write(root: Path) -> None:
    (root / "graft.toml").write_text(GRAFT_TOML)
    (root / "tunetoy.py").write_text(TOY)
    (root / "tunepatches.py").write_text(PATCHES)
    (root / ".gitignore").write_text("__pycache__/\n")
    exp = root / "experiments"
    exp.mkdir()
    for name, text in EXPERIMENTS.items():
        (exp / f"{name}.py").write_text(text)


def make_repo(root: Path) -> Path:
    """A committed git repository at ``root`` with the toy files."""
    return commit_repo(root, _write)
