"""The registry: unique names, namespaces, and rules published by installed packages through
the ``graftlab.patches`` entry-point group (discovered for real from a distribution on disk)."""

from __future__ import annotations

import contextlib
import importlib
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import patch_classes as pc
import pytest

import graftlab as gl
from graftlab.patching import registry
from graftlab.patching.registry import RuleRedefinedWarning


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Rule names a test registers; unregistered afterwards so tests can re-register."""
    taken: list[str] = []
    yield taken
    for n in taken:
        gl.unregister_rule(n)


def test_names_are_unique(names: list[str]) -> None:
    names.append("t/registry/unique")

    @gl.patcher("t/registry/unique")
    def first(target: Any) -> Any:
        return {"batch_size": 1}

    def second(target: Any) -> Any:
        return {"batch_size": 2}

    with pytest.raises(gl.RuleRegistryError) as info:
        gl.patcher("t/registry/unique")(second)
    msg = str(info.value)
    assert "a patch rule named 't/registry/unique' already exists" in msg
    assert "first" in msg and "second" in msg
    assert "team/" in msg  # suggests a namespace
    # the first rule is still the one registered
    assert gl.get_rule("t/registry/unique") is first
    assert gl.patch(pc.small_cnn(), "t/registry/unique").batch_size == 1


def test_redefining_the_same_function_is_allowed(names: list[str]) -> None:
    names.append("t/registry/reload")
    made = []
    for value in (1, 2):  # the same definition run twice, as a module reload does
        # its default changed between the two: the new one wins, with a warning
        with pytest.warns(RuleRedefinedWarning) if value == 2 else contextlib.nullcontext():

            @gl.patcher("t/registry/reload")
            def reloaded(target: Any, v: int = value) -> Any:
                return {"batch_size": v}

        made.append(reloaded)
    assert made[0] is not made[1]
    assert gl.get_rule("t/registry/reload") is made[1]
    assert gl.patch(pc.small_cnn(), "t/registry/reload").batch_size == 2


def test_module_reload_keeps_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: list[str]
) -> None:
    mod = f"t_reload_rules_{uuid.uuid4().hex[:8]}"
    name = f"t/registry/{mod}"
    names.append(name)
    (tmp_path / f"{mod}.py").write_text(
        textwrap.dedent(
            f"""
            import graftlab as gl

            @gl.patcher({name!r})
            def rule(target, n: int = 5):
                return {{"batch_size": n}}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        module = importlib.import_module(mod)
        first = gl.get_rule(name)
        module = importlib.reload(module)
        assert gl.get_rule(name) is module.rule is not first
    finally:
        sys.modules.pop(mod, None)


def test_same_function_name_in_two_namespaces(names: list[str]) -> None:
    names += ["t/registry/team_a/swap_conv", "t/registry/team_b/swap_conv"]

    @gl.patcher("t/registry/team_a/swap_conv")
    def swap_conv_a(target: Any) -> Any:
        return {"batch_size": 10}

    @gl.patcher("t/registry/team_b/swap_conv")
    def swap_conv_b(target: Any) -> Any:
        return {"batch_size": 20}

    exp = pc.small_cnn()
    assert gl.patch(exp, "t/registry/team_a/swap_conv").batch_size == 10
    assert gl.patch(exp, "t/registry/team_b/swap_conv").batch_size == 20
    listed = gl.rules()
    assert listed["t/registry/team_a/swap_conv"] is swap_conv_a
    assert listed["t/registry/team_b/swap_conv"] is swap_conv_b


def test_rules_are_listed_sorted_and_unregister_removes(names: list[str]) -> None:
    names.append("t/registry/gone")

    @gl.patcher("t/registry/gone")
    def gone(target: Any) -> Any:
        return {}

    listed = list(gl.rules())
    assert listed == sorted(listed)
    assert "t/registry/gone" in listed and "t/shared/change_lr" in listed
    gl.unregister_rule("t/registry/gone")
    assert "t/registry/gone" not in gl.rules()
    with pytest.raises(gl.UnknownRuleError, match="t/registry/gone"):
        gl.get_rule("t/registry/gone")
    gl.unregister_rule("t/registry/gone")  # twice is fine


def test_unknown_rule_suggests_close_names() -> None:
    with pytest.raises(gl.UnknownRuleError) as info:
        gl.get_rule("t/shared/change_lt")
    assert "did you mean 't/shared/change_lr'" in str(info.value)


# --- entry points ---------------------------------------------------------------------------


def make_distribution(
    root: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]
) -> None:
    """A tiny installed distribution: modules plus a ``*.dist-info`` with entry points."""
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[graftlab.patches]\n{lines}\n")


@pytest.fixture
def plugin_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Path, str, list[str]]]:
    """A directory on sys.path for distributions, a unique tag, and rule names to clean up."""
    tag = uuid.uuid4().hex[:8]
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    monkeypatch.setattr(registry, "_entry_point_errors", [])
    before = set(sys.modules)
    cleanup: list[str] = []
    yield tmp_path, tag, cleanup
    for n in cleanup:
        gl.unregister_rule(n)
    for m in set(sys.modules) - before:
        if tag in m:
            del sys.modules[m]


def test_entry_point_rules_are_discovered_on_first_lookup(
    plugin_env: tuple[Path, str, list[str]],
) -> None:
    root, tag, cleanup = plugin_env
    mod = f"myplugin_rules_{tag}"
    name = f"t/plugin_{tag}/double_batch"
    cleanup.append(name)
    make_distribution(
        root,
        f"myplugin_{tag}",
        {"myplugin": mod},
        {
            mod: f'''
            """Rules that a team publishes."""
            import graftlab as gl

            @gl.patcher({name!r})
            def double_batch(target, times: int = 2):
                """Multiply the batch size."""
                return {{"batch_size": target.batch_size * times}}
            '''
        },
    )
    assert mod not in sys.modules
    rule = gl.get_rule(name)  # not registered yet: the lookup loads entry points
    assert mod in sys.modules
    assert rule.__sym_rule_name__ == name
    assert gl.patch(pc.small_cnn(), f"{name}?times=3").batch_size == 192
    assert name in gl.rules()


def test_entry_points_load_with_force_and_list(plugin_env: tuple[Path, str, list[str]]) -> None:
    root, tag, cleanup = plugin_env
    mod = f"listed_rules_{tag}"
    name = f"t/plugin_{tag}/listed"
    cleanup.append(name)
    make_distribution(
        root,
        f"listed_{tag}",
        {"listed": mod},
        {
            mod: f"import graftlab as gl\n\n@gl.patcher({name!r})\ndef listed(target, x: float = 1.0):\n    return {{}}\n"
        },
    )
    assert registry.load_entry_points(force=True) == []
    assert name in registry._RULES
    assert name in gl.rules()


def test_broken_plugin_is_reported_not_fatal(plugin_env: tuple[Path, str, list[str]]) -> None:
    root, tag, cleanup = plugin_env
    good, bad, missing = f"good_rules_{tag}", f"bad_rules_{tag}", f"nowhere_{tag}"
    name = f"t/plugin_{tag}/good"
    cleanup.append(name)
    make_distribution(
        root,
        f"mixed_{tag}",
        {"good": good, "bad": bad, "missing": missing},
        {
            good: f"import graftlab as gl\n\n@gl.patcher({name!r})\ndef good(target):\n    return {{'batch_size': 3}}\n",
            bad: "raise RuntimeError('boom in plugin')\n",
        },
    )
    errors = registry.load_entry_points(force=True)
    assert len(errors) == 2
    text = "\n".join(errors)
    assert f"bad ({bad}): RuntimeError: boom in plugin" in text
    assert f"missing ({missing})" in text and "ModuleNotFoundError" in text
    # the good rule of the same distribution still works
    assert gl.patch(pc.small_cnn(), name).batch_size == 3
    # and an unknown rule says which plug-ins failed
    with pytest.raises(gl.UnknownRuleError) as info:
        gl.get_rule(f"t/plugin_{tag}/absent")
    assert "plug-ins that failed to load" in str(info.value)
    assert "boom in plugin" in str(info.value)


def test_entry_points_are_loaded_once(plugin_env: tuple[Path, str, list[str]]) -> None:
    root, tag, _ = plugin_env
    mod = f"counted_rules_{tag}"
    make_distribution(
        root,
        f"counted_{tag}",
        {"counted": mod},
        {mod: "import builtins\nbuiltins.__dict__.setdefault('_graft_t_count', []).append(1)\n"},
    )
    import builtins

    builtins.__dict__["_graft_t_count"] = []
    try:
        registry.load_entry_points()
        registry.load_entry_points()
        gl.rules()
        with pytest.raises(gl.UnknownRuleError):
            gl.get_rule(f"t/plugin_{tag}/nothing")
        assert builtins.__dict__["_graft_t_count"] == [1]
    finally:
        del builtins.__dict__["_graft_t_count"]
