"""The case study of docs/case-study.md: an ablation grid of derived experiments, measured.

Builds a research repository (three baselines from graftlab's standard models, and derived
experiments that apply the standard rules, one to four per experiment, the kind of grid a
team runs), then measures for each derived experiment the lines of its file as written
(a base and a patch chain) against the lines of the same experiment written out
(``graft show --materialized``: canonical text), and the rules it applies. Prints the table;
``python scripts/case_study.py`` reproduces the numbers in the docs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import graftlab as gl
from graftlab import ml

# The ablation grid: (experiment name, base, patch chain).
GRID: list[tuple[str, str, list[str]]] = [
    ("cnn_wide", "cnn", ["scale_width?factor=2"]),
    ("cnn_narrow", "cnn", ["scale_width?factor=0.5"]),
    ("cnn_deep", "cnn", ["scale_depth?factor=2"]),
    ("cnn_lr_high", "cnn", ["change_lr?0.01"]),
    ("cnn_lr_low", "cnn", ["change_lr?0.0003"]),
    ("cnn_separable", "cnn", ["swap_conv"]),
    ("cnn_gelu", "cnn", ["change_activation?to=gelu"]),
    ("cnn_residual", "cnn", ["add_skip_connections"]),
    ("cnn_bf16", "cnn", ["mixed_precision"]),
    ("cnn_batch256", "cnn", ["scale_lr_with_batch_size?batch_size=256"]),
    ("cnn_wide_deep", "cnn", ["scale_width?factor=2", "scale_depth?factor=2"]),
    ("cnn_separable_gelu", "cnn", ["swap_conv", "change_activation?to=gelu"]),
    ("cnn_residual_wide", "cnn", ["add_skip_connections", "scale_width?factor=2"]),
    ("cnn_compound", "cnn", ["compound_scaling?phi=1"]),
    (
        "cnn_all",
        "cnn",
        ["swap_conv", "change_activation?to=silu", "scale_width?factor=1.5", "change_lr?0.005"],
    ),
    ("resnet_wide", "resnet", ["scale_width?factor=2"]),
    ("resnet_lr_high", "resnet", ["change_lr?0.01"]),
    ("resnet_separable", "resnet", ["swap_conv"]),
    ("resnet_gelu_bf16", "resnet", ["change_activation?to=gelu", "mixed_precision"]),
    ("resnet_wide_lr", "resnet", ["scale_width?factor=2", "change_lr?0.001"]),
    ("mlp_wine", "mlp", ["change_dataset?name=wine"]),
    ("mlp_wide", "mlp", ["scale_width?factor=4"]),
    ("mlp_deep_gelu", "mlp", ["scale_depth?factor=3", "change_activation?to=gelu"]),
    ("mlp_cancer_wide", "mlp", ["change_dataset?name=breast_cancer", "scale_width?factor=2"]),
]


def baselines() -> dict[str, Any]:
    """The three baselines, built from graftlab's standard models."""
    trainer = ml.Trainer(steps=300, batch_size=64)
    return {
        "cnn": ml.Experiment(
            model=ml.cnn(widths=(16, 32), num_classes=10),
            dataset=ml.Digits(),
            optimizer=ml.Adam(learning_rate=0.003),
            trainer=trainer,
        ),
        "resnet": ml.Experiment(
            model=ml.resnet(widths=(16, 32), num_classes=10),
            dataset=ml.Digits(),
            optimizer=ml.Adam(learning_rate=0.003),
            trainer=trainer,
        ),
        "mlp": ml.Experiment(
            model=ml.mlp(hidden=(64, 64), num_classes=3),
            dataset=ml.Iris(),
            optimizer=ml.Adam(learning_rate=0.01),
            trainer=trainer,
        ),
    }


def lines(text: str) -> int:
    """Non-blank lines that are not comments."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def build(root: Path) -> Path:
    """Write the repository: graft.toml, the baselines and the grid."""
    exp = root / "experiments"
    exp.mkdir(parents=True)
    (root / "graft.toml").write_text("[graft]\nallowed_modules = []\n")
    for name, value in baselines().items():
        gl.save(value, exp / f"{name}.py")
    for name, base, chain in GRID:
        gl.save(gl.Derived(base=base, patches=chain), exp / f"{name}.py")
    return exp


def measure(exp: Path) -> list[dict[str, Any]]:
    """Per derived experiment: lines written, lines materialized, rules applied."""
    rows = []
    for name, _, chain in GRID:
        path = exp / f"{name}.py"
        materialized = gl.dumps_module({"experiment": gl.load(path)})
        rows.append(
            {
                "experiment": name,
                "chain_lines": lines(path.read_text()),
                "materialized_lines": lines(materialized),
                "rules": len(chain),
            }
        )
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    chain = statistics.mean(r["chain_lines"] for r in rows)
    full = statistics.mean(r["materialized_lines"] for r in rows)
    return {
        "experiments": len(rows),
        "chain_lines": round(chain, 1),
        "materialized_lines": round(full, 1),
        "fewer_lines_percent": round(100 * (1 - chain / full)),
        "rules_per_experiment": round(statistics.mean(r["rules"] for r in rows), 1),
    }


def table(s: dict[str, Any]) -> str:
    """The summary as the Markdown table of docs/case-study.md."""
    return "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| derived experiments | {s['experiments']} |",
            f"| lines per experiment, as a chain | {s['chain_lines']} |",
            f"| lines per experiment, written out | {s['materialized_lines']} |",
            f"| fewer lines | {s['fewer_lines_percent']} % |",
            f"| rules per experiment | {s['rules_per_experiment']} |",
        ]
    )


def main() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with tempfile.TemporaryDirectory() as d:
        rows = measure(build(Path(d)))
    return rows, summary(rows)


if __name__ == "__main__":
    rows, s = main()
    w = max(len(r["experiment"]) for r in rows)
    print(f"{'experiment':<{w}}  chain  written-out  rules")
    for r in rows:
        print(
            f"{r['experiment']:<{w}}  {r['chain_lines']:>5}  {r['materialized_lines']:>11}  {r['rules']:>5}"
        )
    print()
    print(table(s))
    sys.exit(0)
