"""The accelerator check behind ``scripts/device_check.sh``: train the demo CNN and the
Transformer experiment with ``graft run``'s trainer, time a hand-written NNX loop on the same
model and data, and train data-parallel over every device, printing one line per result.

``--cpu`` is the dry mode the tests run: the CPU backend, a few steps, and the data-parallel
run over 2 simulated host devices (in a subprocess, since the device count is fixed when JAX
starts). Each result line reads ``NAME: key=value ...`` so that a script can parse it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _line(name: str, **values: Any) -> None:
    text = " ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
    )
    print(f"{name}: {text}", flush=True)


def _run(exp: Any) -> tuple[dict[str, float], float]:
    """Train ``exp``; its final metrics and the steady-state steps per second."""
    from graftlab.ml.runtime.loop import LAST_RUN
    from graftlab.repo.context import RunContext

    with tempfile.TemporaryDirectory() as d:
        final = exp.run(RunContext(run_id="check", workdir=Path(d), show_progress=False))
    steady = (LAST_RUN["elapsed"] - LAST_RUN["compile"]) / max(LAST_RUN["steps"] - 1, 1)
    return final, 1.0 / steady


def _data_parallel(steps: int) -> dict[str, Any]:
    """The demo CNN over every device, next to the same run on one device."""
    import jax

    from graftlab.ml import demo

    n = jax.device_count()
    exp = demo.digits_cnn(steps=steps)
    exp.rebind({"trainer.batch_size": 64 * n, "trainer.eval_every": steps})
    many, sps = _run(exp)
    return {"devices": n, "eval_accuracy": many["eval_accuracy"], "steps_per_s": sps}


def main(argv: list[str]) -> int:
    cpu = "--cpu" in argv
    if "--data-parallel" in argv:  # the subprocess of the dry mode
        print(json.dumps(_data_parallel(int(argv[argv.index("--data-parallel") + 1]))))
        return 0
    steps = 30 if cpu else 600
    t0 = time.perf_counter()
    import jax

    from graftlab.ml import demo

    devices = jax.devices()
    _line("backend", platform=devices[0].platform, devices=len(devices), jax=jax.__version__)
    if not cpu and devices[0].platform == "cpu":
        print("error: JAX found no accelerator (see the install step above)", file=sys.stderr)
        return 2

    exp = demo.digits_cnn(steps=steps)
    exp.rebind({"trainer.eval_every": max(steps // 3, 1)})
    final, sps = _run(exp)
    _line("demo", steps=steps, steps_per_s=sps, eval_accuracy=final["eval_accuracy"])

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_training as B

    # the benchmark's CNN: graft run's trainer next to the tuned hand-written NNX loop
    ours = 1.0 / B.one("graftlab", steps)
    hand = 1.0 / B.one("tuned", steps)
    _line("graftlab", model="bench_cnn", steps=steps, steps_per_s=ours)
    _line("hand_written", model="bench_cnn", steps=steps, steps_per_s=hand, ratio=hand / ours)

    tsteps = 20 if cpu else 300
    final, sps = _run(demo.copy_transformer(steps=tsteps))
    _line(
        "transformer",
        steps=tsteps,
        steps_per_s=sps,
        eval_sequence_accuracy=final.get("eval_sequence_accuracy", float("nan")),
    )

    if cpu:  # two simulated host devices, in a fresh process
        env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
        out = subprocess.run(
            [sys.executable, __file__, "--data-parallel", str(steps)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        dp = json.loads(out.stdout.strip().splitlines()[-1])
    else:
        dp = _data_parallel(steps)
    _line("data_parallel", **dp)
    _line("total", seconds=time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
