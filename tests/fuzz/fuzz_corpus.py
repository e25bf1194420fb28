"""Seeds and settings of the fuzz targets (issue #16): the repository's own experiment files,
mutated the way an adversary (or a typing user) would.

In CI each target runs a bounded number of examples (the whole fuzz suite about two
minutes); ``GRAFT_FUZZ_EXAMPLES=N`` runs N examples per target instead, for the nightly run
described in docs/security.md. Every crash found becomes an ``@example`` of its target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("GRAFT_FUZZ_EXAMPLES", "0") or 0)

FUZZ = settings(
    max_examples=EXAMPLES or 500,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def template_repo() -> Path:
    """A repository made from the template (``graft init``), once per process."""
    global _REPO
    if _REPO is None:
        from graftlab.repo.init import init_repo

        _REPO = init_repo(Path(tempfile.mkdtemp(prefix="graft-fuzz-")) / "fuzzrepo", commit=False)
    return _REPO


_REPO: Path | None = None


def corpus() -> list[str]:
    """The repository's experiment files: the template's, and those its docs describe."""
    files = sorted((template_repo() / "experiments").glob("*.py"))
    texts = [p.read_text(encoding="utf-8") for p in files]
    texts += [
        # the docs' own examples of the format and of derived experiments
        'from graftlab import Derived\n\nexperiment = Derived(base="baseline", '
        'patches=["team/widen?factor=2", "scale_width?factor=0.5&minimum=8"])\n',
        "from graftlab.cli.demo_components import Conv\n\n"
        "stem = Conv(features=32, kernel_size=5)\nexperiment = [stem, stem, "
        '{"lr": 1e-3, "steps": [1, 2, 3], "name": "x"}, (1, 2.5, None, True)]\n',
    ]
    return texts


CORPUS = corpus()

# Pieces an adversary splices in: every construct the format forbids, and its edge cases.
TOKENS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    ".",
    "*",
    "**",
    "-",
    "+",
    "\n",
    "\r\n",
    "\t",
    " ",
    "#",
    "'",
    '"',
    '"""',
    "\\",
    "\x00",
    "\ufeff",
    "\ud800",
    "é",
    "😀",
    "import os\n",
    "import graftlab.cli.__main__\n",
    "from graftlab.cli import main\n",
    "import graftlab.annotate.__main__\n",
    "from graftlab import cli\n",
    "__import__('os')",
    "__class__",
    ".__dict__",
    "lambda: 0",
    "[i for i in x]",
    "x = 1\n",
    "experiment",
    "stem",
    "graftlab.cli.main.main",
    "1e999",
    "0x1f",
    "1_000",
    "9" * 5000,
    "True",
    "None",
    "float('nan')",
    "float('x')",
    "Derived(base='../x')",
    "Derived(base='/etc/passwd')",
    "f'x'",
    "b'x'",
    "...",
    "await x",
    "yield",
    "[" * 120,
    "]" * 120,
    "a = [b, b]\nb = [a, a]\n",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str] | None = None) -> str:
    """A seed text with a few insertions, deletions, replacements and splices."""
    seeds = seeds or CORPUS
    text = draw(st.sampled_from(seeds))
    piece = st.one_of(st.sampled_from(TOKENS), st.text(max_size=6))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "splice", "repeat"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        if op == "insert":
            text = text[:i] + draw(piece) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "replace":
            text = text[:i] + draw(piece) + text[j:]
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            k = draw(st.integers(0, len(other)))
            text = text[:i] + other[k : k + 60] + text[j:]
        else:
            text = text[:i] + text[i:j] * draw(st.integers(2, 8)) + text[j:]
    return text
