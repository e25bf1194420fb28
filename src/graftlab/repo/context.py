"""What a running experiment can report to the run record: logs, metrics, artifacts.

``graft run`` creates a ``RunContext`` for each run and passes it to the experiment's
``run(context)``. Running an experiment by hand (``experiment.run()``) uses a local context
that prints logs and keeps metrics in memory. Metrics are appended to ``metrics.jsonl`` in
the run's work directory as they arrive, so a crash loses nothing already reported.

A resumed run continues the recorded metrics: the first report after the resume drops the
entries at or after its step (they came from steps the resumed run repeats), so the file
never holds a step twice and the final metrics include every metric ever reported.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


@dataclass
class RunContext:
    """The channel between a running experiment and its run record."""

    run_id: str
    workdir: Path
    seed: int | None = None
    resume: bool = False
    show_progress: bool = True
    log_stream: TextIO | None = None
    metrics_log: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    _pending_resume: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        path = self.workdir / "metrics.jsonl"
        if self.resume and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill
                if isinstance(entry, dict) and "step" in entry:
                    self.metrics_log.append(entry)
            self._pending_resume = True
            self._rewrite()

    def _rewrite(self) -> None:
        """Write ``metrics.jsonl`` from ``metrics_log`` (atomically: a temporary file renamed)."""
        path = self.workdir / "metrics.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(json.dumps(e) + "\n" for e in self.metrics_log), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def local(cls, *, seed: int | None = None, show_progress: bool = True) -> RunContext:
        """A context for running an experiment by hand (a temporary work directory)."""
        workdir = Path(tempfile.mkdtemp(prefix="graft-run-"))
        return cls(
            run_id="local",
            workdir=workdir,
            seed=seed,
            show_progress=show_progress,
            log_stream=sys.stderr,
        )

    @property
    def checkpoint_dir(self) -> Path:
        """Where checkpoints go (kept across a resume of the same run)."""
        path = self.workdir / "checkpoints"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def log(self, message: str) -> None:
        """A line for the run's log."""
        line = f"{time.strftime('%H:%M:%S')} {message}"
        with open(self.workdir / "log.txt", "a", encoding="utf-8") as f:
            f.write(line + "\n")
        if self.log_stream is not None:
            print(line, file=self.log_stream, flush=True)

    def metrics(self, step: int, **values: float) -> None:
        """Metrics at a training step (``loss=0.3, accuracy=0.9``), streamed to the record."""
        entry = {"step": int(step), "time": round(time.time() - self.started, 3)}
        entry.update({k: float(v) for k, v in values.items()})
        if self._pending_resume:  # the resumed run repeats the steps from here on
            self._pending_resume = False
            kept = [e for e in self.metrics_log if e.get("step", 0) < int(step)]
            if len(kept) != len(self.metrics_log):
                self.metrics_log[:] = kept
                self._rewrite()
        self.metrics_log.append(entry)
        with open(self.workdir / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def artifact(self, path: str | Path) -> None:
        """A (small) file to keep in the run record."""
        self.artifacts.append(Path(path))

    def final_metrics(self) -> dict[str, float]:
        """The last reported value of every metric."""
        out: dict[str, float] = {}
        for entry in self.metrics_log:
            out.update({k: v for k, v in entry.items() if k not in ("step", "time")})
        return out
