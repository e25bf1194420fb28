"""The PyGlove paper's figures as a rule package, built with ``graft rules new paper``.

Every rule is written against roles or composes graftlab's role-based and standard rules, so
it applies to any codebase whose classes declare the roles. Model scaling with AutoML is
``paper_rules.automl.scaling_space``: a search space over these rules' arguments.
"""

from __future__ import annotations

from typing import Annotated, Any

import graftlab as gl


@gl.patcher("paper/swap_conv", roles=("conv",))
def swap_conv(target: Any, to: str = "graftlab.ml.layers.SeparableConv") -> Any:
    """Figure: swap every convolution for another kind, carrying its role arguments.

    Args:
      to: the registered name of the new convolution class.
    """
    return [f"swap_role?role=conv&to={to}"]


@gl.patcher("paper/change_dataset")
def change_dataset(target: Any, name: str = "wine") -> Any:
    """Figure: move an experiment to another dataset (the output layer follows).

    Args:
      name: the bundled dataset.
    """
    return [f"change_dataset?name={name}"]


@gl.patcher("paper/scale_width", roles=("conv", "dense", "classifier_head"))
def scale_width(target: Any, factor: Annotated[float, gl.Range(0.0, None)] = 2.0) -> Any:
    """Figure: scale the width of every convolution and dense layer but the classifier's output.

    Args:
      factor: the width multiplier.
    """
    from graftlab.patching.role_rules import head_paths

    heads = head_paths(target)
    edits = {}
    for role in ("conv", "dense"):
        for path, view in gl.query(target, role=role, include_root=True).items():
            if "features" not in view or path in heads or view.path_to("features") in heads:
                continue
            key, value = view.edit("features", max(1, round(view["features"] * factor)))
            edits[key] = value
    return edits


@gl.patcher("paper/scale_depth", roles=("block",))
def scale_depth(target: Any, factor: Annotated[float, gl.Range(0.0, None)] = 2.0) -> Any:
    """Figure: repeat the blocks of every run of blocks ``factor`` times.

    Args:
      factor: the depth multiplier.
    """
    return [f"scale_depth?factor={factor!r}"]


@gl.patcher("paper/lamda_like")
def lamda_like(target: Any) -> Any:
    """Figure: the LaMDA-like composite (decoder-only, relative positions, gated GELU,
    pre-norm, deeper and wider)."""
    return ["lamda_like"]
