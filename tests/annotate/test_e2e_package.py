"""End to end: annotate a copy of a real installed package (fiddle), then check the result."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SRC, only_insertions, run_cli

from graftlab.annotate import annotate_source


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.mark.slow
def test_annotate_real_package(tmp_path: Path) -> None:
    original = _package_dir("fiddle")
    copy = tmp_path / "fiddle"
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("__pycache__"))
    proc = run_cli(str(copy), "--jobs", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == 0
    assert report["files_changed"] > 20
    assert report["classes_annotated"] > 50
    changed = 0
    for path in sorted(copy.rglob("*.py")):
        before = (original / path.relative_to(copy)).read_bytes()
        after = path.read_bytes()
        compile(after, str(path), "exec", dont_inherit=True)
        if after != before:
            changed += 1
            assert only_insertions(before, after, by_char=True), path
    assert changed == report["files_changed"]
    proc = run_cli(str(copy), "--check", "--jobs", "2", "-q")
    assert proc.returncode == 0, proc.stdout


def test_external_mode_does_not_import_the_package() -> None:
    code = textwrap.dedent(
        """
        import sys
        from graftlab.annotate.external import generate
        from graftlab.annotate.selection import AnnotateConfig
        result = generate("fiddle", AnnotateConfig())
        assert "fiddle" not in sys.modules, "fiddle was imported"
        assert result.entries, "nothing found"
        print(len(result.entries))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 1


def test_annotated_module_imports_and_builds(tmp_path: Path) -> None:
    """Once the core's ``graftlab.symbolize`` exists, annotated code must import and run."""
    try:
        import graftlab
    except ImportError:  # pragma: no cover - the core is not there yet
        pytest.skip("graftlab core not available")
    if not hasattr(graftlab, "symbolize"):
        pytest.skip("graftlab.symbolize not available yet")
    source = textwrap.dedent(
        '''\
        """A module written without graftlab in mind."""

        import dataclasses


        class Encoder:
            def __init__(self, width: int, depth: int = 2) -> None:
                self.width = width
                self.depth = depth


        @dataclasses.dataclass
        class Config:
            encoder: Encoder
            lr: float = 0.1


        REGISTRY = {}


        def register(cls):
            REGISTRY[cls.__name__] = cls
            return cls


        class Base:
            def __init__(self, name: str = "base") -> None:
                self.name = name


        @register
        class Layer(Base):
            def __init__(self, units: int, **kwargs) -> None:
                super().__init__(**kwargs)
                self.units = units
        '''
    )
    result = annotate_source(source)
    assert result.changed
    path = tmp_path / "annotated_example.py"
    path.write_bytes(result.code)
    spec = importlib.util.spec_from_file_location("annotated_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["annotated_example"] = module
    try:
        spec.loader.exec_module(module)
        config = module.Config(encoder=module.Encoder(width=8), lr=0.5)
        assert config.encoder.width == 8 and config.lr == 0.5
        layer = module.REGISTRY["Layer"](units=3, name="dense")
        assert layer.units == 3 and layer.name == "dense"
        assert module.REGISTRY["Layer"] is module.Layer
        if hasattr(graftlab, "is_symbolic"):
            assert graftlab.is_symbolic(config) and graftlab.is_symbolic(layer)
        assert {a.name for a in result.annotations} == {"Encoder", "Config", "Base", "Layer"}
    finally:
        sys.modules.pop("annotated_example", None)


@pytest.mark.slow
def test_annotated_package_imports_and_round_trips_through_the_text_format(tmp_path: Path) -> None:
    """Annotate fiddle, import the annotated copy, and write/read its classes as experiments."""
    original = _package_dir("fiddle")
    copy = tmp_path / "fiddle"
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("__pycache__"))
    proc = run_cli(str(copy), "--jobs", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["classes_annotated"] > 100
    env = {**__import__("os").environ, "PYTHONPATH": f"{tmp_path}{__import__('os').pathsep}{SRC}"}
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("roundtrip_check.py")), "fiddle", str(copy)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["imported"] >= 50, summary
    assert summary["tried"] >= 20, summary
    assert summary["ok"] >= summary["tried"] - 2, summary["failures"]
