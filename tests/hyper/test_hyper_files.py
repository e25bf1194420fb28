"""Search spaces written in experiment files: the safe loader, canonical text, runs, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tune_toy_repo import graft

import graftlab as gl
from graftlab.hyper import Space, is_template, materialize, parse_decisions
from graftlab.repo import records


def test_space_file_loads_without_running_code_and_round_trips(toy_repo: gl.Repo) -> None:
    value = toy_repo.load("space")
    assert is_template(value)
    text = toy_repo.path_of("space").read_text()
    assert gl.format_text(text, allowed_modules=["tunetoy"]) == text  # canonical as written
    assert gl.dumps(value, docstring="A space of widths, learning rates and steps.") == text
    names = [d.name for d in Space(value)]
    assert names == ["layers[0].width", "layers[1]", "layers[1][0].width", "lr", "steps"]


def test_loader_rejects_code_and_bad_choices_in_hyper_forms(toy_root: Path) -> None:
    bad = "from graftlab.hyper import oneof\nimport os\n\nexperiment = oneof([os.getcwd()])\n"
    with pytest.raises(gl.FormatError) as info:
        gl.loads(bad, base_dir=toy_root)
    assert "not allowed" in str(info.value) or "not a symbolic" in str(info.value)
    wrong = (
        "from graftlab.hyper import oneof\nfrom tunetoy import Layer\n\n"
        'experiment = Layer(width=oneof([4, "wide"]))\n'
    )
    with pytest.raises(gl.FormatError) as info:
        gl.loads(wrong, base_dir=toy_root)
    err = info.value
    assert (err.line, err.column) == (4, 35)  # at "wide" itself
    assert "expected int" in err.message and "wide" in err.message
    sneaky = (
        "from graftlab.hyper import oneof\nfrom tunetoy import Layer\n\n"
        "experiment = Layer(width=oneof(__import__('os').getcwd()))\n"
    )
    with pytest.raises(gl.FormatError):
        gl.loads(sneaky, base_dir=toy_root)


def test_search_over_patch_rules_materializes_a_chain(toy_repo: gl.Repo) -> None:
    template = toy_repo.load("ideas")
    space = Space(template)
    assert [d.name for d in space] == ["patches[0]", "patches[1]", "lr"]
    assert space.size == float("inf")
    chosen = materialize(template, {"patches[0]": 1, "patches[1]": 0, "lr": 0.25})
    assert [layer.width for layer in chosen.layers] == [16, 32, 4]
    assert chosen.optimizer.learning_rate == 0.25
    written = materialize(template, {"patches[0]": 2, "patches[1]": 1, "lr": 0.25}, apply=False)
    assert list(written.patches) == ["tt/lr?value=0.25"]


def test_run_with_decisions_records_and_replays(toy_repo: gl.Repo, toy_root: Path) -> None:
    with pytest.raises(gl.GraftError, match="search space of 5 decision"):
        rec = toy_repo.run("space", show_progress=False)
        if rec.status == "failed":
            raise gl.GraftError(rec.error["message"])
    decisions = {"layers[0].width": 2, "layers[1]": 1, "lr": 0.5, "steps": 2}
    rec = toy_repo.run("space", decisions=decisions, show_progress=False)
    assert rec.status == "succeeded", rec.error
    assert rec.metrics["width"] == 48
    stored = records.read_records(toy_repo.git, [rec.id])[0]
    assert stored.decisions == decisions
    proc = graft(
        toy_root,
        "run",
        "space",
        "--decisions",
        "layers[0].width=0;layers[1]=0;layers[1][0].width=3;lr=0.1;steps=1",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["metrics"]["width"] == 7 and out["decisions"]["layers[1][0].width"] == 3
    proc = graft(toy_root, "run", "space", "--decisions", '{"lr": 0.1}')
    assert proc.returncode == 1
    assert "no value for decision 'layers[0].width'" in proc.stderr + proc.stdout


def test_show_space_cli(toy_root: Path) -> None:
    proc = graft(toy_root, "show", "space", "--space")
    assert proc.returncode == 0, proc.stderr
    assert "5 decision(s)" in proc.stdout and "layers[1][0].width" in proc.stdout
    assert "layers[1] = 0" in proc.stdout  # the condition of the conditional decision
    proc = graft(toy_root, "show", "ideas", "--space", "--json")
    data = json.loads(proc.stdout)
    assert data["decisions"][0]["candidates"] == [
        "'tt/widen?factor=2'",
        "'tt/widen?factor=4'",
        "None",
    ]
    proc = graft(toy_root, "show", "ideas")
    assert (
        "oneof([" in proc.stdout
        and 'uri("tt/lr", value=floatv(0.01, 0.5, name="lr"))' in proc.stdout
    )


def test_decisions_text_forms() -> None:
    assert parse_decisions('{"a": 1, "b.c": [0, 2]}') == {"a": 1, "b.c": [0, 2]}
    assert parse_decisions("a=1; b.c=[0,2];lr=0.5") == {"a": 1, "b.c": [0, 2], "lr": 0.5}
    with pytest.raises(gl.GraftError, match="expected NAME=VALUE"):
        parse_decisions("a")
