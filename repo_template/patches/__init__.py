"""This repository's own patch rules: ideas written once, applied to any experiment by URI."""

import graftlab as gl


@gl.patcher("{{slug}}/longer_training")
def longer_training(experiment, factor: float = 2.0):
    """Train ``factor`` times as many steps (or epochs)."""
    edits = {}
    for path, value in gl.query(experiment, path="**.steps").items():
        if isinstance(value, int) and value > 0:
            edits[str(path)] = max(1, int(value * factor))
    return edits
