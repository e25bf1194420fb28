"""``gl.Repo``: finding, loading, saving experiments; lineage; errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from graft_toy_repo import BASELINE, EXPERIMENTS, ROOTS, git

import graftlab as gl
from graftlab.repo.static import StaticInfo


def test_experiment_names_are_sorted_and_skip_private_and_hidden_files(
    repo: gl.Repo, toy_path: Path
) -> None:
    exp = toy_path / "experiments"
    (exp / "_shared.py").write_text("x = 1\n")
    (exp / ".scratch").mkdir()
    (exp / ".scratch" / "tmp.py").write_text(BASELINE)
    (exp / "vision").mkdir()
    (exp / "vision" / "resnet.py").write_text(BASELINE)
    (exp / "notes.txt").write_text("not an experiment")
    assert repo.experiment_names() == sorted([*EXPERIMENTS, "vision/resnet"])


def test_load_materializes_derived_experiments(repo: gl.Repo) -> None:
    base = repo.load("baseline")
    wide = repo.load("wide")
    wide_lr = repo.load("wide_lr")
    assert type(wide).__name__ == "Trainer"
    assert [layer.width for layer in base.layers] == [4, 8]
    assert [layer.width for layer in wide.layers] == [8, 16]
    assert [layer.width for layer in wide_lr.layers] == [8, 16]
    assert wide_lr.optimizer.learning_rate == 0.5
    assert wide.optimizer.learning_rate == 0.1
    # provenance crosses the derived base
    assert gl.provenance(wide_lr, "optimizer.learning_rate").uri == "toy/lr?0.5"
    assert gl.provenance(wide_lr, "layers[1].width").uri == "toy/widen?factor=2"
    assert gl.provenance(base, "layers[1].width") is None


def test_load_as_written_keeps_the_derivation(repo: gl.Repo) -> None:
    written = repo.load("wide_lr", materialize=False)
    assert isinstance(written, gl.Derived)
    assert written.base == "wide"
    assert list(written.patches) == ["toy/lr?0.5"]
    loaded = repo.load_file("wide_lr", materialize=False)
    assert Path(loaded.file).name == "wide_lr.py"


def test_load_by_nested_name_and_by_path(repo: gl.Repo, toy_path: Path) -> None:
    (toy_path / "experiments" / "vision").mkdir()
    (toy_path / "experiments" / "vision" / "resnet.py").write_text(BASELINE)
    assert repo.load("vision/resnet") == repo.load("baseline")
    path = toy_path / "experiments" / "wide.py"
    assert repo.path_of(str(path)) == path.resolve()
    assert repo.name_of(path) == "wide"
    assert repo.name_of(toy_path / "experiments" / "vision" / "resnet.py") == "vision/resnet"


def test_lineage_graph(repo: gl.Repo) -> None:
    lineage = repo.lineage()
    assert set(lineage) == set(EXPERIMENTS)
    assert lineage["wide"] == "baseline"
    assert lineage["wide_lr"] == "wide"
    assert lineage["fast_wide"] == "fast"
    assert {n for n, b in lineage.items() if b is None} == ROOTS
    assert repo.derived_from("baseline") == ["exploding", "fast", "wide"]
    assert repo.derived_from("wide") == ["wide_lr"]
    assert repo.derived_from("wide_lr") == []


def test_static_info_reads_base_and_chain_without_building(repo: gl.Repo) -> None:
    assert repo.static("wide_lr") == StaticInfo("wide", ("toy/lr?0.5",))
    assert repo.static("baseline") == StaticInfo(None, ())


def test_unknown_name_suggests_a_close_one(repo: gl.Repo) -> None:
    with pytest.raises(
        gl.RepoError, match=r"no experiment named 'basline'; did you mean 'baseline'\?"
    ):
        repo.load("basline")
    with pytest.raises(gl.RepoError) as info:
        repo.load("zzzzzz")
    assert "did you mean" not in str(info.value)


def test_syntax_error_names_file_line_and_column(repo: gl.Repo, toy_path: Path) -> None:
    (toy_path / "experiments" / "syn.py").write_text(
        "from toy import Layer\n\nexperiment = Layer(width=\n"
    )
    with pytest.raises(gl.FormatError) as info:
        repo.load("syn")
    assert "syn.py:3:" in str(info.value)
    assert "never closed" in str(info.value)


def test_validation_error_points_at_the_argument(repo: gl.Repo, toy_path: Path) -> None:
    (toy_path / "experiments" / "bad.py").write_text(
        'from toy import Layer\n\nexperiment = Layer(width="x")\n'
    )
    with pytest.raises(gl.FormatError) as info:
        repo.load("bad")
    err = info.value
    first = getattr(err, "errors", [err])[0]
    assert first.line == 3
    assert first.column == len("experiment = Layer(width=")
    assert "bad.py:3:26" in str(err)


def test_derived_experiment_with_unknown_base_is_an_error(repo: gl.Repo, toy_path: Path) -> None:
    (toy_path / "experiments" / "orphan.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="baselin", patches=[])\n'
    )
    with pytest.raises(gl.GraftError, match="baselin"):
        repo.load("orphan")
    assert repo.lineage()["orphan"] == "baselin"


def test_save_writes_canonical_text_that_loads_back(repo: gl.Repo, toy_path: Path) -> None:
    value = repo.load("wide_lr")
    path = repo.save("saved/wide_lr_flat", value, docstring="Flattened wide_lr.")
    assert path == toy_path / "experiments" / "saved" / "wide_lr_flat.py"
    text = path.read_text()
    assert text.startswith('"""Flattened wide_lr."""\n')
    assert "from toy import" in text
    assert repo.load("saved/wide_lr_flat") == value
    assert "saved/wide_lr_flat" in repo.experiment_names()
    assert repo.lineage()["saved/wide_lr_flat"] is None
    # saving what was loaded is a fixed point
    repo.save("saved/wide_lr_flat", repo.load("saved/wide_lr_flat"), docstring="Flattened wide_lr.")
    assert path.read_text() == text


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(gl.RepoError, match="not a graftlab repository"):
        gl.Repo(tmp_path)


def test_graft_toml_outside_git_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "graft.toml").write_text('[graft]\nname = "x"\n')
    with pytest.raises(gl.RepoError, match="not a git repository"):
        gl.Repo(tmp_path)


def test_repository_is_found_from_a_subdirectory(toy_path: Path) -> None:
    repo = gl.Repo(toy_path / "experiments")
    assert repo.root == toy_path.resolve()
    assert repo.experiments_dir == toy_path.resolve() / "experiments"


def test_experiments_directory_comes_from_graft_toml(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "graft.toml").write_text('[graft]\nexperiments = "exps"\n')
    (root / "exps").mkdir()
    (root / "exps" / "one.py").write_text("experiment = 1\n")
    (root / "experiments").mkdir()
    (root / "experiments" / "ignored.py").write_text("experiment = 2\n")
    repo = gl.Repo(root)
    assert repo.experiment_names() == ["one"]
    assert repo.load("one") == 1


def test_a_repository_without_experiments_has_none(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "graft.toml").write_text("[graft]\n")
    repo = gl.Repo(root)
    assert repo.experiment_names() == []
    assert repo.lineage() == {}
    assert repo.runs() == []
    assert repo.last_status() == {}
