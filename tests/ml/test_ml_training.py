"""Real learning: a CNN on digits, a Transformer on a sequence task, metrics and the format."""

from __future__ import annotations

from pathlib import Path

import ml_testutil as U
import pytest

import graftlab as gl
import graftlab.ml as ml
from graftlab.ml import demo


def test_cnn_learns_digits(tmp_path: Path) -> None:
    exp = demo.digits_cnn(steps=200)
    ctx = U.context(tmp_path)
    final = exp.run(ctx)
    assert final["eval_accuracy"] > 0.9
    steps = [e["step"] for e in ctx.metrics_log]
    assert steps == [100, 200]
    assert (ctx.workdir / "metrics.jsonl").read_text().count("\n") == 2
    assert ctx.final_metrics()["eval_accuracy"] == final["eval_accuracy"]


def test_transformer_loss_falls_on_reverse(tmp_path: Path) -> None:
    exp = U.tiny_transformer(steps=80)
    exp.rebind(dataset=ml.ReverseTask(num_symbols=6, length=5, train_size=512, test_size=64))
    ctx = U.context(tmp_path)
    final = exp.run(ctx)
    curve = U.losses(ctx)
    assert curve[-1] < 0.7 * curve[0]
    assert final["eval_loss"] < curve[0]


def test_experiments_round_trip_through_the_text_format() -> None:
    for exp in (demo.digits_cnn(), demo.copy_transformer(), U.tiny_mlp()):
        text = gl.dumps(exp)
        back = gl.loads(text, allowed_modules=["graftlab"])
        assert back == exp
        assert gl.dumps(back) == text
    res = ml.Experiment(model=ml.resnet((8, 16)), dataset=ml.Digits(image_size=12))
    assert gl.loads(gl.dumps(res), allowed_modules=["graftlab"]) == res


def test_seed_of_the_run_overrides_the_trainer(tmp_path: Path) -> None:
    a = U.tiny_mlp(steps=20).run(U.context(tmp_path, "a", seed=1))
    b = U.tiny_mlp(steps=20).run(U.context(tmp_path, "b", seed=1))
    c = U.tiny_mlp(steps=20).run(U.context(tmp_path, "c", seed=2))
    assert a == b
    assert a != c


def test_epochs_and_other_optimizers(tmp_path: Path) -> None:
    exp = U.tiny_mlp()
    exp.rebind(
        {
            "trainer.steps": None,
            "trainer.epochs": 1,
            "trainer.batch_size": 256,
            "trainer.checkpoint_every": 0,
            "optimizer": ml.SGD(learning_rate=0.05, schedule=ml.Cosine()),
        }
    )
    ctx = U.context(tmp_path)
    exp.run(ctx)
    assert ctx.metrics_log[-1]["step"] == 1437 // 256
    assert not (ctx.workdir / "checkpoints").exists()
    exp.rebind(
        {"optimizer": ml.AdamW(schedule=ml.WarmupCosine(warmup_steps=2)), "trainer.loss": ml.MSE()}
    )
    assert "eval_accuracy" in exp.run(U.context(tmp_path, "adamw"))


def test_datasets_are_deterministic_and_know_their_classes() -> None:
    for name, cls in ml.DATASETS.items():
        ds = cls()
        assert ds.name == name
        a, b = ds.load(), cls().load()
        for key in a.train:
            assert (a.train[key] == b.train[key]).all()
        assert a.train_size > a.test_size > 0
        labels = a.train[ds.label_key]
        assert int(labels.max()) < ds.num_classes
    other = ml.Digits(seed=1).load()
    assert not (other.test["y"] == ml.Digits().load().test["y"]).all()
    assert ml.Digits(image_size=12).load().train["x"].shape[1:] == (12, 12, 1)
    assert ml.Digits(flat=True).load().train["x"].shape[1:] == (64,)
    assert ml.dataset("wine").num_classes == 3


def test_eval_loss_is_the_plain_loss_without_label_smoothing() -> None:
    import jax
    import numpy as np

    from graftlab.ml.runtime.loop import build_model, make_steps

    data = ml.Digits().load().test
    model, _ = build_model(ml.mlp((16,), num_classes=10), data, ("x",), seed=0)
    w = np.ones(64, np.float32)
    batch = {"x": data["x"][:64], "y": data["y"][:64]}
    out = {}
    for smoothing in (0.0, 0.3):
        _, eval_step, state = make_steps(
            model, ml.Adam().create(1), ml.CrossEntropy(smoothing), [], ("x",), "y"
        )
        out[smoothing] = float(jax.jit(eval_step)(state, batch, w)["loss"])
    assert out[0.3] == out[0.0]


def test_the_done_line_reports_compilation_and_evaluation_apart(tmp_path: Path) -> None:
    ctx = U.context(tmp_path)
    U.tiny_mlp(steps=20).run(ctx)
    done = [x for x in (ctx.workdir / "log.txt").read_text().splitlines() if "done:" in x]
    assert len(done) == 1
    for part in ("training", "examples/s", "compilation", "evaluation", "checkpoints"):
        assert part in done[0]


def test_sequence_evaluation_is_free_running_by_default() -> None:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from graftlab.ml.runtime.loop import build_model, make_steps

    exp = U.tiny_transformer()
    task, trainer = exp.dataset, exp.trainer
    assert trainer.free_running(task)
    assert [m.name for m in trainer.metrics_for(task)] == ["accuracy", "sequence_accuracy"]
    test = task.load().test
    keys = tuple(task.input_keys)
    model, _ = build_model(exp.model, test, keys, seed=3)
    metrics = trainer.metrics_for(task)
    _, free_step, state = make_steps(
        model, ml.Adam().create(1), ml.CrossEntropy(), metrics, keys, "targets", True
    )
    _, forced_step, _ = make_steps(
        model, ml.Adam().create(1), ml.CrossEntropy(), metrics, keys, "targets", False
    )
    batch = {k: v[:32] for k, v in test.items()}
    w = np.ones(32, np.float32)
    free = jax.jit(free_step)(state, batch, w)
    forced = jax.jit(forced_step)(state, batch, w)
    assert float(free["loss"]) == float(forced["loss"])  # the loss stays teacher-forced

    # the same greedy decoding, written out by hand
    model.eval()
    src = jnp.asarray(batch["inputs"])
    tokens = np.zeros_like(batch["decoder_inputs"])
    tokens[:, 0] = batch["decoder_inputs"][:, 0]
    for t in range(tokens.shape[1] - 1):
        tokens[:, t + 1] = np.asarray(jnp.argmax(model(src, jnp.asarray(tokens))[:, t], -1))
    pred = np.asarray(jnp.argmax(model(src, jnp.asarray(tokens)), -1))
    right = pred == batch["targets"]
    assert float(free["accuracy"]) == pytest.approx(right.sum() / right.shape[1], rel=1e-6)
    assert float(free["sequence_accuracy"]) == pytest.approx(right.all(axis=1).sum())
    # an untrained model: its own predictions are not the true prefix
    assert float(free["accuracy"]) != float(forced["accuracy"])
