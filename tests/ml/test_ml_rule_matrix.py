"""Every standard rule on every standard model: it changes the model and the result trains
(20 steps, finite loss), or it says clearly that it does not apply (no-op) or does not fit."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import ml_testutil as U
import pytest

import graftlab as gl
import graftlab.ml as ml
import graftlab.ml.rules as rules

T, N, R = "trains", "no-op", "refused"


def _trainer() -> ml.Trainer:
    return ml.Trainer(
        steps=20, batch_size=16, eval_every=20, eval_batch_size=512, checkpoint_every=0
    )


MODELS: dict[str, Callable[[], ml.Experiment]] = {
    "mlp": lambda: ml.Experiment(
        model=ml.mlp((16,), num_classes=10), dataset=ml.Digits(), trainer=_trainer()
    ),
    "cnn": lambda: ml.Experiment(
        model=ml.cnn((8, 16), num_classes=10), dataset=ml.Digits(), trainer=_trainer()
    ),
    "resnet": lambda: ml.Experiment(
        model=ml.resnet((8, 16), num_classes=10), dataset=ml.Digits(), trainer=_trainer()
    ),
    "transformer": lambda: ml.Experiment(
        model=ml.transformer(
            8, features=16, num_heads=2, encoder_layers=1, decoder_layers=1, max_length=16
        ),
        dataset=ml.CopyTask(num_symbols=6, length=5, train_size=256, test_size=64),
        trainer=_trainer(),
    ),
}

# rule URI -> expected outcome on (mlp, cnn, resnet, transformer)
MATRIX: dict[str, tuple[str, str, str, str]] = {
    "change_dataset?name=iris": (T, R, R, R),
    "change_dataset?name=reverse": (R, R, R, T),
    "change_lr?0.01": (T, T, T, T),
    "scale_width": (T, T, T, T),
    "scale_depth": (T, T, T, T),
    "swap_conv": (N, T, T, N),
    "change_activation?to=silu": (T, T, T, T),
    "add_skip_connections": (T, T, N, N),
    "scale_lr_with_batch_size?32": (T, T, T, T),
    "mixed_precision": (T, T, T, T),
    "compound_scaling": (T, T, T, T),
    "decoder_only": (N, N, N, T),
    "relative_position_biases": (N, N, N, T),
    "gated_gelu": (N, N, N, T),
    "pre_norm": (N, N, N, N),  # the factory's Transformer is pre-norm already
    "lamda_like": (R, R, R, T),
}


def test_the_matrix_covers_every_standard_rule() -> None:
    covered = {uri.split("?")[0] for uri in MATRIX}
    assert covered == {r.__sym_rule_name__ for r in rules.RULES}


CASES = [
    pytest.param(uri, model, want, id=f"{uri}-{model}")
    for uri, row in MATRIX.items()
    for model, want in zip(MODELS, row, strict=True)
]


@pytest.mark.slow
@pytest.mark.parametrize(("uri", "model", "want"), CASES)
def test_rule_on_model(uri: str, model: str, want: str, tmp_path: Path) -> None:
    base = MODELS[model]()
    if want == N:
        with pytest.raises(gl.NoChangeError) as info:
            gl.patch(base, uri)
        assert info.value.uri == uri and "changed nothing" in str(info.value)
        return
    if want == R:
        with pytest.raises(gl.PatchError) as info:
            gl.patch(base, uri)
        assert not isinstance(info.value, gl.NoChangeError)
        assert info.value.uri == uri and info.value.position == 0
        assert "fit" in str(info.value) or "has no Transformer" in str(info.value)
        return
    patched = gl.patch(base, uri)
    assert not gl.eq(patched, base)
    final = patched.run(U.context(tmp_path))
    assert math.isfinite(final["train_loss"]) and math.isfinite(final["eval_loss"])
