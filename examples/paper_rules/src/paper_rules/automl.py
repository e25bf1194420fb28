"""Figure: model scaling with AutoML -- an experiment turned into a search space.

``scaling_space("baseline")`` is a derived experiment whose patch chain holds choices: a
width multiplier (a float range) for ``paper/scale_width`` and a depth multiplier (one of a
few) for ``paper/scale_depth``. ``graft tune`` searches it like any space, and
``gl.materialize(space, {"width": 2.0, "depth": 1})`` builds one scaled experiment.
"""

from __future__ import annotations

from typing import Any

import graftlab as gl
from graftlab.hyper import uri


def scaling_space(
    base: str,
    widths: tuple[float, float] = (0.5, 4.0),
    depths: tuple[float, ...] = (1.0, 2.0, 3.0),
) -> Any:
    """A ``Derived`` over ``base`` whose decisions are ``width`` and ``depth``.

    Args:
      base: the base experiment's name (a file under ``experiments/``).
      widths: the width multiplier's range, searched log-uniformly.
      depths: the depth multipliers to choose from (decision: the index); ``1`` keeps the
        depth (that candidate drops the rule, which would otherwise change nothing).
    """
    depth = [None if d == 1 else f"paper/scale_depth?factor={float(d)!r}" for d in depths]
    return gl.Derived(
        base=base,
        patches=[
            uri("paper/scale_width", factor=gl.floatv(*widths, scale="log", name="width")),
            gl.oneof(depth, name="depth"),
        ],
    )
