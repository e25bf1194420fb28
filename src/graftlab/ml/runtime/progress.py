"""A rich progress bar for training, or nothing when it is not wanted or not a terminal."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Progress:
    """``with Progress(total, enabled) as p: p.update(step, loss=...)``."""

    def __init__(self, total: int, enabled: bool, start: int = 0) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total
        self.start = start
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[info]}"),
                console=Console(file=sys.stderr),
                transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(
                "train", total=self.total, completed=self.start, info=""
            )
        return self

    def update(self, step: int, **info: float) -> None:
        if self._bar is None:
            return
        text = "  ".join(f"{k}={v:.4g}" for k, v in info.items())
        kwargs: dict[str, Any] = {"completed": step}
        if text:
            kwargs["info"] = text
        self._bar.update(self._task, **kwargs)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)
