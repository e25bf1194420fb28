"""Importing graftlab, its hyper and tuning packages and the CLI pulls in no Optuna or Ray."""

from __future__ import annotations

import subprocess
import sys


def test_import_graftlab_is_free_of_optuna_ray_and_jax() -> None:
    code = (
        "import sys, graftlab, graftlab.hyper, graftlab.hyper.algorithms, graftlab.tuning\n"
        "from graftlab.cli.main import build_parser\n"
        "build_parser()\n"
        "print(sorted(m for m in ('optuna', 'ray', 'jax', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


def test_optuna_is_imported_only_when_a_sampler_is_asked_for() -> None:
    code = (
        "import sys\nfrom graftlab.hyper.algorithms import get_algorithm\n"
        "get_algorithm('evolution')\nprint('optuna' in sys.modules)\n"
        "get_algorithm('tpe')\nprint('optuna' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["False", "False"]  # the sampler is built at setup
