"""Real model zoos from PyPI, annotated by the real ``graft annotate`` on a copy (#12).

Per zoo (torchvision.models, flaxmodels, keras 3 with JAX): annotate a copy, import it,
build sampled models symbolically, write them with ``gl.dumps`` and load them back equal,
edit a width/depth (``rebind`` on a spec, ``gl.rebuild`` on a live object), build, run a
forward pass on a tiny input, compare the parameter count with the unannotated package, take
one optimizer step, save/load weights in the framework's own format; and check that the
annotation adds no ``ruff --select I`` finding. Sampling (small models, tiny inputs, to stay
within a few minutes) is listed in zoo_probe.py and in docs/annotate.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import zoo_driver

DOCS = zoo_driver.REPO / "docs" / "annotate.md"


@pytest.mark.parametrize("zoo", ["torchvision", "flaxmodels", "keras"])
def test_annotated_zoo_keeps_working(zoo: str, tmp_path: Path) -> None:
    result: dict[str, Any] = zoo_driver.run_zoo(zoo, tmp_path)
    report = result["report"]
    assert report["errors"] == 0 and report["classes_annotated"] > 10
    assert result["isort_after"] <= result["isort_before"], "annotation broke import sorting"
    assert result["annotated"]["from"].startswith(str(tmp_path))  # the annotated copy ran
    assert not result["plain"]["from"].startswith(str(tmp_path))
    samples = result["annotated"]["samples"]
    plain = result["plain"]["samples"]
    assert samples.keys() == plain.keys()
    for name, r in samples.items():
        assert "error" not in r, f"{zoo} {name}: {r.get('error')}"
        assert r["symbolic"], name
        assert r["params"] == plain[name]["params"], name  # exactly the unannotated count
        assert r["forward"] and r["optimizer_step"] and r["weights_saved_loaded"], name
        if "edited" in r:
            assert r["edited_ran"] and r["edited_params"] != r["params"], name
    written = [n for n, r in samples.items() if r["round_tripped"]]
    edited = [n for n, r in samples.items() if "edited" in r]
    assert len(written) >= 2 and len(edited) >= 2, (written, edited)
    for name, r in samples.items():  # what cannot be written says why
        assert r["round_tripped"] or r["not_written"], name
    row = zoo_driver.table_row(result)
    assert row in DOCS.read_text(encoding="utf-8"), (
        f"regenerate: python scripts/zoo_table.py\n{row}"
    )
