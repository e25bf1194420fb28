"""Tunes in git: ``refs/graft/tunes/<id>`` holds ``tune.json`` (what was asked for).

Trials are ordinary runs under ``refs/graft/runs/`` whose record names the tune, the trial
number and the decisions; a tune's progress and results are read from them, so nothing but
the runs themselves has to survive a crash.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import git

from graftlab.repo import gitio, records
from graftlab.symbolic.errors import GraftError

TUNE_PREFIX = "refs/graft/tunes/"


@dataclass
class TuneRecord:
    id: str
    experiment: str
    algorithm: str
    trials: int
    objectives: list[str]
    workers: int = 1
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    early_stopping: str | None = None
    stopping_options: dict[str, Any] = field(default_factory=dict)
    backend: str = "local"
    created: float = field(default_factory=time.time)
    space: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TuneRecord:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def write_tune(repo: git.Repo, tune: TuneRecord) -> None:
    """Store ``tune.json`` under the tune's ref (created once)."""
    data = (json.dumps(asdict(tune), indent=2, sort_keys=True) + "\n").encode()
    tree = gitio.write_tree(repo, {"tune.json": data})
    commit = gitio.write_commit(repo, tree, f"graft tune {tune.id}: {tune.experiment}", [])
    gitio.update_ref(repo, TUNE_PREFIX + tune.id, commit, None)


def list_tunes(repo: git.Repo) -> list[TuneRecord]:
    """Every tune, newest first."""
    out = repo.git.for_each_ref(TUNE_PREFIX, "--sort=-refname", "--format=%(objectname)")
    tunes = []
    for sha in out.split():
        raw = gitio.read_blob(repo, f"{sha}:tune.json")
        tunes.append(TuneRecord.from_json(json.loads(raw)))
    return tunes


def resolve_tune(repo: git.Repo, prefix: str) -> TuneRecord:
    """The one tune whose id starts with ``prefix``."""
    matches = [t for t in list_tunes(repo) if t.id.startswith(prefix)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise GraftError(f"no tune with id {prefix!r} (graft tunes lists them)")
    raise GraftError(f"tune id {prefix!r} is ambiguous: {', '.join(t.id for t in matches[:5])}")


def read_trials(repo: git.Repo, tune_id: str) -> list[records.RunRecord]:
    """The recorded trials of a tune, by trial number."""
    recs = [r for r in records.read_records(repo) if r.tune == tune_id]
    return sorted(recs, key=lambda r: (r.trial if r.trial is not None else -1, r.started))
