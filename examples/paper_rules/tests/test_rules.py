"""Each figure's rule applied to a fixture experiment."""

import graftlab as gl
from graftlab import ml


def cnn_experiment():
    return ml.Experiment(
        model=ml.cnn(widths=(8, 16), num_classes=10),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=1e-3),
        trainer=ml.Trainer(steps=10, batch_size=32),
    )


def mlp_experiment():
    return ml.Experiment(
        model=ml.mlp(hidden=(32, 32), num_classes=3),
        dataset=ml.Iris(),
        trainer=ml.Trainer(steps=10),
    )


def test_swap_conv():
    after = gl.patch(cnn_experiment(), ["paper/swap_conv"])
    kinds = {type(v.obj).__name__ for v in gl.query(after, role="conv").values()}
    assert kinds == {"SeparableConv"}
    assert [v["features"] for v in gl.query(after, role="conv").values()] == [8, 16]


def test_change_dataset():
    after = gl.patch(mlp_experiment(), ["paper/change_dataset?name=digits"])
    assert type(after.dataset).__name__ == "Digits" and after.model.head.features == 10


def test_scale_width_leaves_the_head():
    after = gl.patch(mlp_experiment(), ["paper/scale_width?factor=2"])
    assert [v["features"] for v in gl.query(after, role="dense").values()] == [64, 64, 3]
    after = gl.patch(cnn_experiment(), ["paper/scale_width?factor=2"])
    assert [v["features"] for v in gl.query(after, role="conv").values()] == [16, 32]
    assert after.model.head.features == 10


def test_scale_depth():
    after = gl.patch(mlp_experiment(), ["paper/scale_depth?factor=2"])
    assert len(gl.query(after, role="block")) == 4


def test_lamda_like():
    t = ml.transformer(vocab_size=16, features=32, num_heads=4, encoder_layers=1, decoder_layers=1)
    after = gl.patch(t, ["paper/lamda_like"])
    assert after.decoder_only and after.encoder == []


def test_published_through_the_entry_point():
    from graftlab.patching.registry import rules_of_package

    assert set(rules_of_package("paper-rules")) == {
        "paper/swap_conv",
        "paper/change_dataset",
        "paper/scale_width",
        "paper/scale_depth",
        "paper/lamda_like",
    }


def test_scaling_space_materializes_the_decided_width_and_depth(tmp_path, monkeypatch):
    from paper_rules import scaling_space

    (tmp_path / "baseline.py").write_text(gl.dumps(mlp_experiment()))
    monkeypatch.chdir(tmp_path)  # the base is found next to the space (here: unsaved)
    space = scaling_space("baseline", widths=(0.5, 4.0), depths=(1, 2, 3))
    decisions = gl.Space(space)
    assert [d.name for d in decisions] == ["width", "depth"]
    assert (decisions["width"].lo, decisions["width"].hi) == (0.5, 4.0)

    def shape(chosen):
        model = gl.materialize(space, chosen)
        widths = [v["features"] for v in gl.query(model, role="dense").values()]
        return widths, len(gl.query(model, role="block"))

    assert shape({"width": 2.0, "depth": 2}) == ([64] * 6 + [3], 6)
    assert shape({"width": 0.5, "depth": 0}) == ([16, 16, 3], 2)
