"""graftlab.ml specs never import JAX: importing, loading, editing and patching stay light."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    import graftlab as gl
    import graftlab.ml as ml
    import graftlab.ml.rules
    import graftlab.ml.demo as demo
    assert "jax" not in sys.modules, "import"
    exp = demo.digits_cnn()
    text = gl.dumps(exp)
    loaded = gl.loads(text, allowed_modules=["graftlab"])
    assert loaded == exp
    assert "jax" not in sys.modules, "load"
    loaded.rebind({"model.layers[0].conv.features": 24})
    gl.patch(loaded, ["swap_conv", "scale_width?factor=2", "change_lr?0.01",
                      "change_activation?to=gelu", "add_skip_connections",
                      "mixed_precision", "compound_scaling?phi=1",
                      "change_dataset?name=digits&image_size=12", "scale_lr_with_batch_size?128"])
    gl.patch(demo.copy_transformer(), "lamda_like")
    assert "jax" not in sys.modules, "patch"
    assert "flax" not in sys.modules and "optax" not in sys.modules
    print("ok")
    """
)


def test_loading_and_patching_never_imports_jax(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
