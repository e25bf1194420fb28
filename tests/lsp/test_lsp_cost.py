"""The language service's checks are linear in the document (issue #16, item 3), measured by
counting the calls they make (deterministic), never by timing."""

from __future__ import annotations

from _support.work import work
from graftlab_lsp import LanguageService


def document(n: int) -> str:
    lines = ["from graftlab.cli.demo_components import Conv", ""]
    lines += [f"c{i} = Conv(features={i + 1}, kernel_size=3)" for i in range(n)]
    lines.append("uses = [" + ", ".join(f"c{i}" for i in range(n)) + ", c0, c0]")
    lines.append("bad = [i for i in uses]")  # one diagnostic
    lines.append("data = [" + ", ".join(str(i) for i in range(n * 10)) + "]")
    return "\n".join(lines) + "\n"


def test_static_checks_and_symbols_are_linear() -> None:
    service = LanguageService(None)
    for feature in (
        lambda t: service.static_diagnostics(t, "exp.py"),
        service.symbols,
        lambda t: service.code_actions(t, service.static_diagnostics(t, "exp.py")),
    ):
        small, large = document(200), document(400)
        w_small = work(lambda f=feature, t=small: f(t))
        w_large = work(lambda f=feature, t=large: f(t))
        assert w_large / w_small < 2.3
