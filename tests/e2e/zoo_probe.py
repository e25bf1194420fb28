"""Run in a child process: build sampled models of one zoo and report what worked, as JSON.

``python zoo_probe.py ZOO plain`` builds each sample from the installed, unannotated package
and counts its parameters. ``python zoo_probe.py ZOO annotated WORKDIR`` runs with the
annotated copy first on ``sys.path`` and, per sample: builds it symbolically, writes it with
``gl.dumps``, loads it back equal, edits a width/depth (``rebind`` on a spec, ``gl.rebuild``
on a live object), builds it, runs a forward pass on a tiny input, counts parameters, takes
one optimizer step and saves/loads its weights in the framework's own format.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

Step = Callable[[], Any]


# ------------------------------------------------------------------ torchvision


def torch_samples() -> dict[str, Callable[[], Any]]:
    from torchvision import models
    from torchvision.models.resnet import BasicBlock

    return {
        "ResNet(BasicBlock, [1, 1, 1, 1])": lambda: models.ResNet(
            BasicBlock, [1, 1, 1, 1], num_classes=10
        ),
        "mobilenet_v3_small": lambda: models.mobilenet_v3_small(num_classes=10),
        "squeezenet1_1": lambda: models.squeezenet1_1(num_classes=10),
        "shufflenet_v2_x0_5": lambda: models.shufflenet_v2_x0_5(num_classes=10),
    }


TORCH_EDITS = {
    "ResNet(BasicBlock, [1, 1, 1, 1])": {"layers": [1, 1, 2, 1]},
    "mobilenet_v3_small": {"last_channel": 512},
    "squeezenet1_1": {"num_classes": 5},
    "shufflenet_v2_x0_5": {"stages_repeats": [2, 2, 2]},
}


def torch_count(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def torch_steps(model: Any, work: Path) -> dict[str, Any]:
    import torch

    model.eval()
    x = torch.zeros(2, 3, 64, 64)
    out: dict[str, Any] = {"forward": list(model(x).shape)}
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss = model(torch.randn(2, 3, 64, 64)).square().mean()
    loss.backward()
    opt.step()
    out["optimizer_step"] = True
    path = work / "weights.pt"
    torch.save(model.state_dict(), path)
    model.load_state_dict(torch.load(path))
    out["weights_saved_loaded"] = True
    return out


# ------------------------------------------------------------------ flaxmodels


def flax_samples() -> dict[str, Callable[[], Any]]:
    import importlib

    fr = importlib.import_module("flaxmodels.resnet.resnet")  # the package rebinds ``resnet``

    return {
        "ResNet(resnet18)": lambda: fr.ResNet(
            output="logits", pretrained=None, architecture="resnet18", num_classes=10
        ),
        "BasicBlock(16)": lambda: fr.BasicBlock(features=16, downsample=True, block_name="b"),
    }


FLAX_EDITS = {"ResNet(resnet18)": {"num_classes": 5}, "BasicBlock(16)": {"features": 8}}


def _flax_init(model: Any) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    x = jnp.zeros((1, 32, 32, 16 if type(model).__name__ == "BasicBlock" else 3))
    if type(model).__name__ == "BasicBlock":
        act: dict[str, Any] = {}  # the block records its activations here
        variables = model.init(jax.random.PRNGKey(0), x, act, train=False)
        return variables, lambda v, y: model.apply(v, y, act, train=False)
    variables = model.init(jax.random.PRNGKey(0), x, train=False)
    return variables, lambda v, y: model.apply(v, y, train=False)


def flax_count(model: Any) -> int:
    import jax

    variables, _ = _flax_init(model)
    return sum(x.size for x in jax.tree_util.tree_leaves(variables["params"]))


def flax_steps(model: Any, work: Path) -> dict[str, Any]:
    import flax.serialization
    import jax
    import optax

    variables, apply = _flax_init(model)
    x = jax.numpy.ones((1, 32, 32, 16 if type(model).__name__ == "BasicBlock" else 3))
    out: dict[str, Any] = {"forward": list(apply(variables, x).shape)}
    params = variables["params"]
    rest = {k: v for k, v in variables.items() if k != "params"}
    tx = optax.sgd(0.01)
    state = tx.init(params)

    def loss(p: Any) -> Any:
        return (apply({"params": p, **rest}, x) ** 2).mean()

    grads = jax.grad(loss)(params)
    updates, state = tx.update(grads, state, params)
    params = optax.apply_updates(params, updates)
    out["optimizer_step"] = True
    path = work / "weights.msgpack"
    path.write_bytes(flax.serialization.to_bytes(params))
    back = flax.serialization.from_bytes(params, path.read_bytes())
    assert all(
        (a == b).all()
        for a, b in zip(
            jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(params), strict=True
        )
    )
    out["weights_saved_loaded"] = True
    return out


# ------------------------------------------------------------------ keras


def keras_samples() -> dict[str, Callable[[], Any]]:
    import keras
    from keras import layers

    return {
        "Sequential(Conv2D, BatchNormalization, Dense)": lambda: keras.Sequential(
            [
                layers.Conv2D(8, 3, activation="relu"),
                layers.BatchNormalization(),
                layers.GlobalAveragePooling2D(),
                layers.Dropout(0.1),
                layers.Dense(10, dtype=keras.DTypePolicy("float32")),
            ]
        ),
        "Sequential(Embedding, LSTM, Dense)": lambda: keras.Sequential(
            [layers.Embedding(50, 8), layers.LSTM(8), layers.Dense(3)]
        ),
        "applications.MobileNetV3Small": lambda: keras.applications.MobileNetV3Small(
            input_shape=(32, 32, 3), weights=None, classes=10, include_preprocessing=False
        ),
    }


KERAS_EDITS = {
    "Sequential(Conv2D, BatchNormalization, Dense)": {"layers[0].filters": 16},
    "Sequential(Embedding, LSTM, Dense)": {"layers[1].units": 4},
}


def _keras_input(model: Any) -> Any:
    import numpy as np

    if "Embedding" in type(model.layers[0]).__name__:
        return np.ones((2, 5), dtype="int32")
    return np.zeros((2, 32, 32, 3), dtype="float32")


def keras_count(model: Any) -> int:
    model(_keras_input(model))
    return int(model.count_params())


def keras_steps(model: Any, work: Path) -> dict[str, Any]:
    import numpy as np

    x = _keras_input(model)
    y = model(x)
    out: dict[str, Any] = {"forward": list(y.shape)}
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(x, np.zeros(tuple(y.shape), dtype="float32"))
    out["optimizer_step"] = True
    path = work / "model.weights.h5"
    model.save_weights(path)
    model.load_weights(path)
    out["weights_saved_loaded"] = True
    return out


ZOOS: dict[str, tuple[Any, ...]] = {
    "torchvision": (torch_samples, TORCH_EDITS, torch_count, torch_steps, ["torchvision"]),
    "flaxmodels": (flax_samples, FLAX_EDITS, flax_count, flax_steps, ["flaxmodels"]),
    "keras": (keras_samples, KERAS_EDITS, keras_count, keras_steps, ["keras"]),
}


def _error(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:400]


def probe_annotated(zoo: str, work: Path) -> dict[str, Any]:
    import graftlab as gl

    samples, edits, count, steps, allowed = ZOOS[zoo]
    report: dict[str, Any] = {}
    for name, make in samples().items():
        r: dict[str, Any] = {}
        report[name] = r
        try:
            model = make()
            r["symbolic"] = gl.is_symbolic(model)
            r["built"] = True
        except Exception as e:
            r["error"] = "build: " + _error(e)
            continue
        try:
            text = gl.dumps(model)
            loaded = gl.loads(text, allowed_modules=allowed)
            r["round_tripped"] = bool(gl.eq(loaded, model)) and gl.dumps(loaded) == text
        except Exception as e:
            r["round_tripped"] = False
            r["not_written"] = _error(e)
            loaded = make()
        try:
            r["params"] = count(loaded)
            r.update(steps(loaded, work))
        except Exception as e:
            r["error"] = "run: " + _error(e) + "\n" + traceback.format_exc()[-1500:]
            continue
        edit = edits.get(name)
        if edit is None or not r.get("symbolic"):
            continue
        try:
            fresh = make()
            try:
                fresh.rebind(edit)
                edited, how = fresh, "rebind"
            except gl.LiveObjectError:
                edited, how = gl.rebuild(fresh, edit), "rebuild"
            r["edited"] = how
            r["edited_params"] = count(edited)
            steps(edited, work)
            r["edited_ran"] = True
        except Exception as e:
            r["error"] = "edit: " + _error(e) + "\n" + traceback.format_exc()[-1500:]
    return report


def probe_plain(zoo: str) -> dict[str, Any]:
    samples, _, count, _, _ = ZOOS[zoo]
    out: dict[str, Any] = {}
    for name, make in samples().items():
        out[name] = {"params": count(make())}
    return out


def main() -> None:
    zoo, mode = sys.argv[1], sys.argv[2]
    module = {"torchvision": "torchvision", "flaxmodels": "flaxmodels", "keras": "keras"}[zoo]
    __import__(module)
    where = sys.modules[module].__file__ or ""
    if mode == "plain":
        result: dict[str, Any] = {"from": where, "samples": probe_plain(zoo)}
    else:
        result = {"from": where, "samples": probe_annotated(zoo, Path(sys.argv[3]))}
    print("ZOO-JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
