"""graft.toml: found by walking up; its allow-list; clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

import graftlab as gl
from graftlab.io.config import ALWAYS_ALLOWED, config_for, find_config, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_found_walking_up(tmp_path: Path) -> None:
    toml = write(tmp_path / "graft.toml", '[graft]\nallowed_modules = ["team", "other.pkg"]\n')
    deep = tmp_path / "experiments" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == toml.resolve()
    assert find_config(tmp_path) == toml.resolve()
    exp = write(deep / "exp.py", "x = 1\n")
    assert find_config(exp) == toml.resolve()  # a file: its directory and above


def test_the_root_wins_over_nested_configs(tmp_path: Path) -> None:
    outer = write(tmp_path / "graft.toml", '[graft]\nallowed_modules = ["outer"]\n')
    write(tmp_path / "sub" / "graft.toml", '[graft]\nallowed_modules = ["inner"]\n')
    assert find_config(tmp_path / "sub") == outer.resolve()
    assert config_for(tmp_path / "sub").allowed_modules == ("outer",)


def test_a_nested_git_repository_keeps_its_own_root(tmp_path: Path) -> None:
    write(tmp_path / "graft.toml", '[graft]\nallowed_modules = ["outer"]\n')
    inner = write(tmp_path / "vendor" / "repo" / "graft.toml", "[graft]\n")
    (tmp_path / "vendor" / "repo" / ".git").mkdir()
    assert find_config(tmp_path / "vendor" / "repo" / "experiments") == inner.resolve()


def test_no_config(tmp_path: Path) -> None:
    d = tmp_path / "x"
    d.mkdir()
    if find_config(d) is None:  # (unless some directory above the temp dir has one)
        assert config_for(d).allowed_modules == ()
    assert config_for(None).root is None
    assert config_for(None).all_allowed == ALWAYS_ALLOWED == ("graftlab",)


def test_load_config(tmp_path: Path) -> None:
    toml = write(
        tmp_path / "graft.toml",
        '[graft]\nallowed_modules = ["team", "graftlab", "team"]\n[other]\nkey = 1\n',
    )
    cfg = load_config(toml)
    assert isinstance(cfg, gl.GraftConfig)
    assert cfg.root == tmp_path
    assert cfg.allowed_modules == ("team", "graftlab", "team")
    assert cfg.all_allowed == ("graftlab", "team")  # graftlab first, no duplicates
    assert cfg.raw["other"] == {"key": 1}
    assert gl.load_config is load_config and gl.find_config is find_config


def test_empty_config_allows_only_graftlab(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path / "graft.toml", ""))
    assert cfg.allowed_modules == () and cfg.all_allowed == ("graftlab",)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[graft\n", "invalid TOML"),
        ("[graft]\nallowed_modules = 'team'\n", "allowed_modules must be a list of module names"),
        ("[graft]\nallowed_modules = [1]\n", "allowed_modules must be a list of module names"),
    ],
)
def test_bad_config_is_a_format_error_naming_the_file(
    tmp_path: Path, text: str, needle: str
) -> None:
    toml = write(tmp_path / "graft.toml", text)
    with pytest.raises(gl.FormatError, match=needle) as info:
        load_config(toml)
    assert info.value.file == str(toml)
    # loading an experiment under it reports the same
    exp = write(tmp_path / "exp.py", "experiment = 1\n")
    with pytest.raises(gl.FormatError, match=needle):
        gl.load(exp)


def test_allow_list_governs_loading(tmp_path: Path) -> None:
    write(tmp_path / "graft.toml", '[graft]\nallowed_modules = ["format_classes"]\n')
    exp = write(
        tmp_path / "e" / "exp.py", "from format_classes import Conv\nexperiment = Conv(2)\n"
    )
    assert gl.load(exp).sym_init_args.features == 2
    write(tmp_path / "graft.toml", "[graft]\nallowed_modules = []\n")
    with pytest.raises(gl.ImportNotAllowedError) as info:
        gl.load(exp)
    assert (info.value.file, info.value.line, info.value.column) == (str(exp), 1, 0)
