"""Derived experiments in files: a base by name plus a patch chain, materialized on load, with
errors that point at the exact URI (or argument) in the file."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import patch_classes as pc
import pytest

import graftlab as gl

BASELINE = """\
from patch_classes import Adam, Conv, Dataset, Dense, Experiment, Relu, Sequential

experiment = Experiment(
    model=Sequential(layers=[Conv(features=16), Relu(), Conv(features=32), Dense(features=10)]),
    optimizer=Adam(learning_rate=0.001),
    dataset=Dataset(name="digits", num_classes=10),
    batch_size=64,
)
"""


def derived(base: str, *patches: str) -> str:
    lines = "".join(f"        {p},\n" for p in patches)
    return (
        "from graftlab import Derived\n\n"
        f'experiment = Derived(\n    base="{base}",\n    patches=[\n{lines}    ],\n)\n'
    )


@dataclass
class Repo:
    root: Path
    tag: str
    rules_module: str

    def write(self, name: str, text: str) -> Path:
        path = self.root / "experiments" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def rule(self, short: str) -> str:
        return f"t/derived_{self.tag}/{short}"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    """A repository with graft.toml, a baseline, and a team rules module in patch_modules."""
    tag = uuid.uuid4().hex[:8]
    mod = f"team_rules_{tag}"
    monkeypatch.setattr(sys, "path", [*sys.path])  # the loader puts the root on sys.path
    (tmp_path / "graft.toml").write_text(
        f'[graft]\nallowed_modules = ["patch_classes"]\npatch_modules = ["{mod}"]\n'
    )
    (tmp_path / f"{mod}.py").write_text(
        textwrap.dedent(
            f'''
            """The team's rules: imported because graft.toml lists them in patch_modules."""
            import graftlab as gl

            @gl.patcher("t/derived_{tag}/double_batch")
            def double_batch(target, times: int = 2):
                return {{"batch_size": target.batch_size * times}}
            '''
        )
    )
    r = Repo(tmp_path, tag, mod)
    r.write("baseline", BASELINE)
    yield r
    gl.unregister_rule(r.rule("double_batch"))
    sys.modules.pop(mod, None)


def load_error(path: Path, materialize: bool = True) -> gl.FormatError:
    with pytest.raises(gl.FormatError) as info:
        gl.load(path, materialize=materialize)
    return info.value


def test_derived_is_materialized_on_load(repo: Repo) -> None:
    chain = ["t/shared/change_lr?0.003", "t/shared/scale_width?factor=2"]
    path = repo.write("wide", derived("baseline", *(f'"{c}"' for c in chain)))
    exp = gl.load(path)
    base = gl.load(repo.root / "experiments" / "baseline.py")
    assert type(exp) is pc.Experiment
    assert gl.eq(exp, gl.patch(base, chain))
    assert exp.optimizer.learning_rate == 0.003
    assert [c.features for c in gl.query(exp, pc.Conv).values()] == [32, 64]
    prov = gl.provenance(exp, "model.layers[2].features")
    assert (prov.rule, prov.uri, prov.position) == ("t/shared/scale_width", chain[1], 1)
    file, span = prov.source  # where the URI stands in the file
    assert Path(file).resolve() == path.resolve()
    assert (span.line, span.column) == (7, 8)


def test_materialize_false_returns_the_derived_object(repo: Repo) -> None:
    path = repo.write("wide", derived("baseline", '"t/shared/change_lr?0.003"'))
    d = gl.load(path, materialize=False)
    assert isinstance(d, gl.Derived)
    assert d.base == "baseline"
    assert list(d.patches) == ["t/shared/change_lr?0.003"]
    assert gl.eq(d, gl.Derived(base="baseline", patches=["t/shared/change_lr?0.003"]))
    # as written, it round-trips through the canonical text
    text = gl.dumps(d)
    assert "Derived(" in text and '"t/shared/change_lr?0.003"' in text
    assert gl.eq(gl.loads(text, materialize=False), d)


def test_patch_modules_are_imported_first(repo: Repo) -> None:
    assert repo.rules_module not in sys.modules
    path = repo.write("big", derived("baseline", f'"{repo.rule("double_batch")}?times=3"'))
    assert gl.load(path).batch_size == 192
    assert repo.rules_module in sys.modules


def test_bound_rules_in_a_derived_chain(repo: Repo) -> None:
    text = (
        "from graftlab import Derived\nfrom patch_classes import scale_width\n\n"
        'experiment = Derived(base="baseline", patches=[scale_width(factor=3.0), "t/shared/change_lr?0.1"])\n'
    )
    exp = gl.load(repo.write("bound", text))
    assert [c.features for c in gl.query(exp, pc.Conv).values()] == [48, 96]
    assert gl.provenance(exp, "model.layers[0].features").uri == "t/shared/scale_width?factor=3.0"


def test_bases_derived_themselves_three_levels(repo: Repo) -> None:
    repo.write("lr", derived("baseline", '"t/shared/change_lr?0.01"'))
    repo.write("lr_wide", derived("lr", '"t/shared/scale_width?factor=2"'))
    top = repo.write("lr_wide_iris", derived("lr_wide", '"t/shared/change_dataset?name=iris"'))
    exp = gl.load(top)
    assert exp.optimizer.learning_rate == 0.01
    assert [c.features for c in gl.query(exp, pc.Conv).values()] == [32, 64]
    assert exp.dataset.name == "iris" and exp.model.layers[-1].features == 3
    assert gl.provenance(exp, "optimizer.learning_rate").rule == "t/shared/change_lr"
    assert gl.provenance(exp, "dataset").rule == "t/shared/change_dataset"
    # each level loads on its own too, and stays derived when not materialized
    assert gl.load(repo.root / "experiments" / "lr_wide.py").dataset.name == "digits"
    assert gl.load(top, materialize=False).base == "lr_wide"


def test_base_in_a_subdirectory_and_moved_experiments_dir(repo: Repo) -> None:
    repo.write("vision/resnet", BASELINE)
    path = repo.write("vision/resnet_fast", derived("vision/resnet", '"t/shared/change_lr?0.2"'))
    assert gl.load(path).optimizer.learning_rate == 0.2
    # [graft] experiments moves the directory
    toml = repo.root / "graft.toml"
    toml.write_text(toml.read_text() + 'experiments = "exps"\n')
    (repo.root / "exps").mkdir()
    (repo.root / "exps" / "base2.py").write_text(BASELINE)
    moved = repo.root / "exps" / "d.py"
    moved.write_text(derived("base2", '"t/shared/change_lr?0.3"'))
    assert gl.load(moved).optimizer.learning_rate == 0.3


@pytest.mark.parametrize(
    ("files", "start", "cycle"),
    [
        ({"a": "a"}, "a", "a -> a"),
        ({"a": "b", "b": "a"}, "a", "a -> b -> a"),
        ({"a": "b", "b": "c", "c": "a"}, "b", "b -> c -> a -> b"),
    ],
)
def test_cycles_are_an_error_naming_the_cycle(
    repo: Repo, files: dict[str, str], start: str, cycle: str
) -> None:
    for name, base in files.items():
        repo.write(name, derived(base, '"t/shared/change_lr?0.5"'))
    err = load_error(repo.root / "experiments" / f"{start}.py")
    assert f"derived experiments form a cycle: {cycle}" in str(err)
    # a cycle is not a problem until materialized
    assert isinstance(
        gl.load(repo.root / "experiments" / f"{start}.py", materialize=False), gl.Derived
    )


def test_error_in_chain_points_at_the_uri_string(repo: Repo) -> None:
    path = repo.write(
        "bad",
        derived("baseline", '"t/shared/change_lr?0.003"', '"t/shared/no_such_rule?x=1"'),
    )
    err = load_error(path)
    line = path.read_text().splitlines()[6]
    assert line.strip() == '"t/shared/no_such_rule?x=1",'
    assert err.line == 7
    assert err.column == line.index('"') + 1  # the URI inside the quotes
    assert "no patch rule named 't/shared/no_such_rule'" in err.message
    assert Path(err.file).resolve() == path.resolve()
    assert "bad.py:7:" in str(err)


@pytest.mark.parametrize(
    ("uri", "bad", "message"),
    [
        ("t/shared/scale_width?factor=2&minimum=x", "x", "expected an integer"),
        ("t/shared/change_lr?lr=99", "99", "out of range"),
        ("t/shared/change_dataset?name=cifar10", "cifar10", "expected one of"),
        ("t/shared/change_lr?fast", "fast", "expected a number"),
    ],
)
def test_argument_error_points_at_the_argument_value(
    repo: Repo, uri: str, bad: str, message: str
) -> None:
    path = repo.write("bad_arg", derived("baseline", f'"{uri}"'))
    err = load_error(path)
    line = path.read_text().splitlines()[5]
    assert err.line == 6
    assert err.column == line.index('"') + 1 + uri.rindex(bad)
    assert line[err.column : err.column + len(bad)] == bad
    assert message in err.message


def test_argument_name_error_points_at_the_name(repo: Repo) -> None:
    uri = "t/shared/scale_width?factr=2"
    path = repo.write("bad_name", derived("baseline", f'"{uri}"'))
    err = load_error(path)
    line = path.read_text().splitlines()[5]
    assert line[err.column : err.column + len("factr")] == "factr"
    assert "did you mean 'factor'" in err.message


def test_no_change_error_points_at_its_uri(repo: Repo) -> None:
    path = repo.write(
        "noop", derived("baseline", '"t/shared/change_lr?0.1"', '"t/shared/change_lr?0.1"')
    )
    err = load_error(path)
    assert err.line == 7
    assert "changed nothing" in err.message


def test_validation_error_after_the_chain_points_at_the_rule(repo: Repo) -> None:
    path = repo.write(
        "bad_width",
        derived("baseline", '"t/shared/change_lr?0.1"', '"t/shared/scale_width?factor=200"'),
    )
    err = load_error(path)  # 32 * 200 = 6400 is beyond Conv's range
    assert err.line == 7
    assert "scale_width" in err.message


def test_unknown_base_with_did_you_mean(repo: Repo) -> None:
    path = repo.write("typo", derived("baselne", '"t/shared/change_lr?0.1"'))
    err = load_error(path)
    assert "no experiment named 'baselne'" in err.message
    assert "did you mean 'baseline'" in err.message
    assert err.line == 4  # the base= argument
    assert path.read_text().splitlines()[3][err.column :].startswith('"baselne"')


def test_base_that_does_not_load_is_reported(repo: Repo) -> None:
    repo.write("broken", "from patch_classes import Conv\n\nexperiment = Conv(features=0)\n")
    path = repo.write("on_broken", derived("broken", '"t/shared/change_lr?0.1"'))
    err = load_error(path)
    assert "base experiment 'broken' does not load" in err.message
    assert "broken.py:3" in err.message


def test_derived_text_without_a_file_cannot_find_its_base() -> None:
    with pytest.raises(gl.FormatError, match="cannot find base experiment 'baseline'"):
        gl.loads(derived("baseline", '"t/shared/change_lr?0.1"'))
