"""Non-finite losses and metrics fail a run, naming the step and the suspicious values.

When the training loss (or an evaluation metric) becomes NaN or infinite, the run is not a
result: ``NonFiniteError`` says at which step, and points at the values of the experiment
most likely to blame (a head narrower than the number of classes, a non-finite or very
large hyperparameter), with the rule that set each one where a rule did.
"""

from __future__ import annotations

import math
from typing import Any

from graftlab.symbolic.errors import ComponentError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import state_of
from graftlab.symbolic.query import walk

_LARGE_LR = 1.0


class NonFiniteError(ComponentError):
    """The training loss or a metric became NaN/inf at ``step``; ``path`` is the most
    suspicious value of the experiment (None if nothing looks wrong), ``suspects`` all of
    them as ``(key path, explanation)``."""

    def __init__(
        self,
        message: str,
        path: Any = None,
        step: int = 0,
        suspects: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message, path)
        self.step = step
        self.suspects = suspects or []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.path, self.step, self.suspects))


def _provenance_note(experiment: Any, path: str) -> str:
    try:
        from graftlab.patching.provenance import provenance

        prov = provenance(experiment, path)
    except Exception:
        return ""
    return f" (set by rule {prov.uri!r}, chain[{prov.position}])" if prov is not None else ""


def suspects(experiment: Any, output_width: int | None) -> list[tuple[str, str]]:
    """``(key path, why)`` of the values that make a non-finite loss likely, most likely
    first, each with the rule that set it where a rule did."""
    found: list[tuple[str, str]] = []
    dataset = getattr(experiment, "dataset", None)
    classes = getattr(dataset, "num_classes", None)
    if output_width is not None and isinstance(classes, int) and output_width < classes:
        head = _output_layer(experiment, output_width)
        found.append(
            (
                head,
                f"the model's output is {output_width} wide but the dataset has {classes} "
                "classes (labels beyond the output make the loss NaN)",
            )
        )
    for path, obj in walk(experiment, include_root=True):
        st = state_of(obj)
        if st is None:
            continue
        for k, v in st.args.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            where = str(path.child(k)) if path else k
            if not math.isfinite(v):
                found.append((where, f"{where}={v!r} is not finite"))
            elif k in ("learning_rate", "lr") and v > _LARGE_LR:
                found.append((where, f"{where}={v!r} is a very large learning rate"))
    return [(p, why + _provenance_note(experiment, p)) for p, why in found]


def _output_layer(experiment: Any, width: int) -> str:
    """The key path of the output layer's width: ``model.head.features``, or the last
    ``features`` argument equal to ``width``."""
    last = "model"
    for path, obj in walk(getattr(experiment, "model", experiment), include_root=True):
        st = state_of(obj)
        if st is not None and st.args.get("features") == width:
            last = str(KeyPath(("model",)) + path) if path else "model"
            last = f"{last}.features"
    return last


def check_finite(
    values: dict[str, float], step: int, experiment: Any, output_width: int | None
) -> None:
    """Raise ``NonFiniteError`` if any of ``values`` is NaN or infinite."""
    bad = {k: v for k, v in values.items() if not math.isfinite(v)}
    if not bad:
        return
    what = ", ".join(f"{k}={v}" for k, v in bad.items())
    found = suspects(experiment, output_width)
    message = f"{what} at step {step}: the run diverged"
    if found:
        message += "; suspicious: " + "; ".join(why for _, why in found)
    message += " (Trainer(fail_on_nonfinite=False) keeps training)"
    raise NonFiniteError(message, KeyPath.parse(found[0][0]) if found else None, step, found)
