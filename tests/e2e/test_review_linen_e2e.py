"""Review of ordinary Linen code: fields whose defaults are framework values (a JAX dtype, an
activation function, a ``partial`` of a layer) are written through codecs, so a reviewed
experiment built from them reports its changes instead of "does not load"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MODELS = """
from functools import partial
from typing import Any, Callable

import flax.linen as nn
import jax.numpy as jnp


class Block(nn.Module):
    features: int
    dtype: Any = jnp.float32
    act: Callable = nn.relu
    norm: Any = partial(nn.LayerNorm, epsilon=1e-6)

    @nn.compact
    def __call__(self, x):
        return self.act(self.norm()(nn.Dense(self.features, dtype=self.dtype)(x)))


class Net(nn.Module):
    blocks: list

    @nn.compact
    def __call__(self, x):
        for b in self.blocks:
            x = b(x)
        return x
"""

EXPERIMENT = """from team.models import Block, Net

experiment = Net(blocks=[Block(features=8), Block(features=16)])
"""

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "NO_COLOR": "1",
    "COLUMNS": "200",
}


def run(cwd: Path, *cmd: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def graft(cwd: Path, *args: str) -> str:
    return run(cwd, sys.executable, "-m", "graftlab.cli", *args)


def test_review_of_linen_code_with_framework_defaults(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    graft(tmp_path, "init", "lab")
    (root / "team").mkdir()
    (root / "team" / "__init__.py").write_text("")
    (root / "team" / "models.py").write_text(MODELS)
    graft(root, "annotate", "team")
    assert "@symbolize" in (root / "team" / "models.py").read_text()
    toml = root / "graft.toml"
    toml.write_text(toml.read_text().replace('["patches"]', '["patches", "team"]'))
    (root / "experiments" / "blocks.py").write_text(EXPERIMENT)
    run(root, "git", "add", "-A")
    run(root, "git", "commit", "-qm", "blocks")
    exp = root / "experiments" / "blocks.py"
    exp.write_text(EXPERIMENT.replace("features=16", "features=32"))
    run(root, "git", "commit", "-qam", "wider")

    data = json.loads(graft(root, "review", "HEAD~1..HEAD", "--format", "json"))
    (entry,) = [e for e in data["experiments"] if e["name"] == "blocks"]
    assert entry["status"] == "changed", entry
    shown = json.dumps(entry)
    assert "model.blocks[1].features" in shown or "blocks[1].features" in shown
    assert "does not load" not in shown

    shown = json.loads(graft(root, "show", "blocks", "--json"))
    block = shown["experiment"]["blocks"][0]
    assert block["act"] == {
        "__type__": "graftlab.io.codecs.callable_ref",
        "name": "flax.linen:relu",
    }
    assert block["dtype"]["name"] == "float32"
