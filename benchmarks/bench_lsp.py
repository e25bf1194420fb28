"""The language server: completion and diagnostics latency, initialize, index build.

A generated workspace of 1,000 symbolic classes (10 modules) and a 5,000-line experiment
file. Both servers run as real subprocesses over stdio, driven by pytest-lsp's client with
VS Code's capabilities: graftlab's (``python -m graftlab_lsp --stdio``) and, for reference
on the same completion requests, jedi-language-server (the anchor column; it completes
Python in general, not graftlab's schemas).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import Measurement

TITLE = "language server: 1,000 symbolic classes, a 5,000-line experiment file"
MODULES, PER_MODULE = 10, 100


def library(m: int) -> str:
    out = ["import enum", "from typing import Literal", "", "import graftlab as gl", ""]
    out += [f"class Mode{m}(enum.Enum):", "    A = 1", "    B = 2", ""]
    for k in range(PER_MODULE):
        out += [
            "@gl.symbolize",
            f"class C{m}_{k}:",
            f'    """Class {k} of module {m}.',
            "",
            "    Args:",
            "      size: how big.",
            "      mode: which mode.",
            '    """',
            "",
            f"    def __init__(self, size: int = {k}, mode: Mode{m} = Mode{m}.A,"
            " kind: Literal['x', 'y'] = 'x', child: object = None, rate: float = 0.5):",
            "        self.size = size",
            "",
        ]
    return "\n".join(out) + "\n"


def experiment_file(lines: int = 5000) -> str:
    """About ``lines`` lines: 5-line assignments of calls, then the experiment."""
    head = [
        f"from lib_{m:02d} import " + ", ".join(f"C{m}_{k}" for k in range(0, 100, 7))
        for m in range(MODULES)
    ]
    head += ["from lib_00 import Mode0", ""]
    body: list[str] = []
    i = 0
    while len(head) + len(body) < lines - 8:
        m, k = i % MODULES, (i * 7) % 98
        body += [
            f"x{i} = C{m}_{k}(",
            f"    size={i % 50},",
            "    kind='y',",
            "    rate=0.25,",
            ")",
        ]
        i += 1
    tail = ["experiment = C0_0(", "    size=1,", "    mode=Mode0.B,", "    child=x0,", ")", ""]
    return "\n".join(head + body + tail)


def make_workspace(root: Path) -> Path:
    root.mkdir(parents=True)
    names = [f"lib_{m:02d}" for m in range(MODULES)]
    for m, name in enumerate(names):
        (root / f"{name}.py").write_text(library(m))
    allowed = ", ".join(f'"{n}"' for n in names)
    (root / "graft.toml").write_text(f"[graft]\nallowed_modules = [{allowed}]\n")
    (root / "experiments").mkdir()
    (root / "experiments" / "big.py").write_text(experiment_file())
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


async def _session(cmd: list[str], root: Path) -> tuple[Any, float, dict[str, list[Any]]]:
    from lsprotocol import types as t
    from pytest_lsp import LanguageClient, client_capabilities
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    client = LanguageClient()
    published: dict[str, list[Any]] = {}

    def publish(ls: Any, params: t.PublishDiagnosticsParams) -> None:
        published.setdefault(params.uri, []).append(
            (time.perf_counter(), list(params.diagnostics), params.version)
        )

    register_lsp_features(
        client, {**DEFAULT_CLIENT_FEATURES, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish}
    )
    t0 = time.perf_counter()
    await client.start_io(*cmd, cwd=str(root))
    await client.initialize_session(
        t.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
    return client, time.perf_counter() - t0, published


async def _stop(client: Any) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), 10)
    except Exception:
        pass
    await client.stop()


def _positions(text: str) -> list[tuple[int, int]]:
    """Cursor positions for completion: after ``(`` of calls spread over the file, and after
    ``size=`` (a keyword's value)."""
    lines = text.split("\n")
    out = []
    for n, line in enumerate(lines):
        if line.startswith("x") and line.endswith("(") and n % 250 < 5:
            out.append((n, len(line)))
        if line.startswith("    kind=") and n % 250 < 10:
            out.append((n, len("    kind=")))
    return out


def _watch_responses(client: Any) -> dict[str, float]:
    """Note when each response arrives (as JSON, before the Python client turns it into
    objects: that conversion takes ~0.1 ms per completion item, which an editor does not pay)."""
    arrived: dict[str, float] = {}
    original = client.protocol.structure_message

    def structure(data: dict[str, Any]) -> Any:
        if "id" in data and ("result" in data or "error" in data):
            arrived["last"] = time.perf_counter()
        return original(data)

    client.protocol.structure_message = structure
    return arrived


async def _completion_times(
    client: Any, uri: str, positions: list[tuple[int, int]], rounds: int
) -> tuple[list[float], list[float], int]:
    from lsprotocol import types as t

    arrived = _watch_responses(client)
    wire, total, count = [], [], 0
    for _ in range(rounds):
        for line, col in positions:
            t0 = time.perf_counter()
            result = await client.text_document_completion_async(
                t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(line, col))
            )
            total.append(time.perf_counter() - t0)
            wire.append(arrived["last"] - t0)
            items = result.items if hasattr(result, "items") else (result or [])
            count = max(count, len(items))
    return wire, total, count


async def _graftlab(root: Path, quick: bool) -> dict[str, Any]:
    from lsprotocol import types as t

    # trusted: the loader's diagnostics are measured (restricted is the default)
    cmd = [sys.executable, "-P", "-m", "graftlab_lsp", "--stdio", "--trusted"]
    client, init_time, published = await _session(cmd, root)
    out: dict[str, Any] = {"initialize": init_time}
    path = root / "experiments" / "big.py"
    text = path.read_text()
    uri = path.as_uri()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", 1, text))
    )
    # the first completion waits for the index; the first check starts the worker
    t0 = time.perf_counter()
    while not published.get(uri):  # one publication per version
        await asyncio.sleep(0.005)
    out["first diagnostics"] = time.perf_counter() - t0
    positions = _positions(text)
    await _completion_times(client, uri, positions[:1], 1)  # warm up
    times, total, count = await _completion_times(client, uri, positions, 2 if quick else 5)
    out["completion"] = times
    out["completion_total"] = total
    out["items"] = count
    # diagnostics after an edit: make a value wrong, time until the loader's error arrives
    lines = text.split("\n")
    target = next(n for n, line in enumerate(lines) if line == "    size=1,")
    version = 1
    diag_times, fix_times = [], []
    pid = client._server.pid
    workers = _children(pid)  # the worker process that runs the loader's check
    cpu0 = (_cpu(pid), sum(_cpu(w) for w in workers))
    for _i in range(5 if quick else 20):
        for bad in (True, False):
            version += 1
            new = '    size="x",' if bad else "    size=1,"
            old_len = len(lines[target])
            lines[target] = new
            before = len(published[uri])
            t0 = time.perf_counter()
            client.text_document_did_change(
                t.DidChangeTextDocumentParams(
                    t.VersionedTextDocumentIdentifier(version=version, uri=uri),
                    [
                        t.TextDocumentContentChangePartial(
                            range=t.Range(t.Position(target, 0), t.Position(target, old_len)),
                            text=new,
                        )
                    ],
                )
            )
            while True:
                got = published[uri][before:]
                if any(v == version for _, _, v in got):  # one publication per version
                    break
                await asyncio.sleep(0.001)
            assert bool(got[-1][1]) == bad
            (diag_times if bad else fix_times).append(got[-1][0] - t0)
    out["diagnostics"] = diag_times
    out["fixed"] = fix_times
    checks = len(diag_times) + len(fix_times)
    out["check cpu"] = (
        (_cpu(pid) - cpu0[0]) / checks,
        (sum(_cpu(w) for w in workers) - cpu0[1]) / checks if workers else float("nan"),
    )
    # completion at the end of a 100,000-character line (linear context analysis)
    long_uri = (root / "experiments" / "long.py").as_uri()
    long_line = 'x = ["' + "a" * 100_000 + '", C0_0('
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            t.TextDocumentItem(long_uri, "python", 1, "from lib_00 import C0_0\n\n" + long_line)
        )
    )
    long_pos = [(2, len(long_line))] * (5 if quick else 20)
    out["long line"], _, _ = await _completion_times(client, long_uri, long_pos, 1)
    # memory: the server's resident size before and after 1,000 edits, then the slope over
    # 4,000 more (the first thousand includes warm-up: threads' arenas, caches filling)
    rss0 = _rss(pid)
    n_edits = 200 if quick else 1000
    more = 800 if quick else 4000
    for i in range(n_edits + more):
        if i == n_edits:
            while not any(v == version for _, _, v in published[uri][-3:]):
                await asyncio.sleep(0.01)
            out["memory growth"] = _rss(pid) - rss0
            rss1 = _rss(pid)
        version += 1
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [
                    t.TextDocumentContentChangePartial(
                        range=t.Range(
                            t.Position(target, 0), t.Position(target, len(lines[target]))
                        ),
                        text=f"    size={i % 7 + 1},",
                    )
                ],
            )
        )
        lines[target] = f"    size={i % 7 + 1},"
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    while not any(v == version for _, _, v in published[uri][-3:]):
        await asyncio.sleep(0.01)
    out["memory slope"] = (_rss(pid) - rss1) * 1000 / more
    out["more edits"] = more
    out["edits"] = n_edits
    await _stop(client)
    return out


def _spread(xs: list[float]) -> Measurement:
    """The median, with the spread (min-max over the rounds) as its note."""
    return Measurement(statistics.median(xs), f"{min(xs):.2f}-{max(xs):.2f} s, {len(xs)} rounds")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux): unlike the wall clock,
    not inflated by other processes on a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _until_offered(root: Path, cold: bool) -> dict[str, Any]:
    """Start the server and ask for completion of the last class of the library until it is
    offered (the index is published whole, so then every class is): wall and CPU seconds
    from start, and whether ``$/progress`` showed the build. ``cold``: no index cache."""
    from lsprotocol import types as t
    from pytest_lsp import LanguageClient
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    if cold:
        for cache in (root / ".git" / "graft").glob("index-cache*.json"):
            cache.unlink()
    progress: list[str] = []

    def on_progress(ls: Any, params: t.ProgressParams) -> None:
        kind = params.value.get("kind") if isinstance(params.value, dict) else None
        progress.append(str(kind or getattr(params.value, "kind", "")))

    client = LanguageClient()
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, t.PROGRESS: on_progress})
    t0 = time.perf_counter()
    await client.start_io(sys.executable, "-P", "-m", "graftlab_lsp", "--stdio", cwd=str(root))
    pid = client._server.pid
    init_cpu = await _initialize(client, root, pid)
    last = f"C{MODULES - 1}_{PER_MODULE - 1}"
    text = f"from lib_{MODULES - 1:02d} import {last}\n\nx = {last}"
    uri = (root / "experiments" / "probe.py").as_uri()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", 1, text))
    )
    labels: list[str] = []
    while time.perf_counter() - t0 < 120:
        result = await client.text_document_completion_async(
            t.CompletionParams(
                t.TextDocumentIdentifier(uri), t.Position(2, len(text.split("\n")[2]))
            )
        )
        items = result.items if hasattr(result, "items") else (result or [])
        labels = [i.label for i in items]
        if last in labels:
            break
        await asyncio.sleep(0.02)
    out = {"wall": time.perf_counter() - t0, "cpu": _cpu(pid), "init cpu": init_cpu}
    out["offered"] = last in labels
    await asyncio.sleep(0.2)  # the end of the progress follows the publication
    out["progress"] = "begin" in progress and "end" in progress
    await _stop(client)
    return out


def _children(pid: int) -> list[int]:
    """The child processes of a process (Linux)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            out += [int(c) for c in children.read_text().split()]
    return out


async def _initialize(client: Any, root: Path, pid: int) -> float:
    """``initialize`` the server (then ``initialized``, as a client does); the server's CPU
    seconds when the response arrived, read before the client sends anything else."""
    from lsprotocol import types as t
    from pytest_lsp import client_capabilities

    at: list[float] = []
    original = client.protocol.structure_message

    def structure(data: dict[str, Any]) -> Any:
        if not at and "id" in data and ("result" in data or "error" in data):
            at.append(_cpu(pid))
        return original(data)

    client.protocol.structure_message = structure
    try:
        await client.initialize_session(
            t.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=root.as_uri(),
                workspace_folders=[t.WorkspaceFolder(root.as_uri(), root.name)],
            )
        )
    finally:
        client.protocol.structure_message = original
    return at[0]


_BARE = "from pygls.lsp.server import LanguageServer\nLanguageServer('bare', '1').start_io()\n"


async def _bare_initialize(root: Path) -> float:
    """The floor under ``initialize``: a pygls server with no features at all (the same
    interpreter, pygls and lsprotocol), its CPU seconds at the response."""
    from pytest_lsp import LanguageClient
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    client = LanguageClient()
    register_lsp_features(client, DEFAULT_CLIENT_FEATURES)
    await client.start_io(sys.executable, "-P", "-c", _BARE, cwd=str(root))
    cpu = await _initialize(client, root, client._server.pid)
    await _stop(client)
    return cpu


def _warm_build(root: Path) -> tuple[float, float]:
    """CPU seconds of importing the index and of building it from a warm cache, in a fresh
    process: the index's part of a warm start, without the server around it."""
    code = (
        "import sys, time; t = time.process_time()\n"
        "from pathlib import Path; from graftlab.index import Index\n"
        "import graftlab.index.workspace\n"
        "t1 = time.process_time(); ix = Index.for_workspace(Path(sys.argv[1]))\n"
        "assert ix.from_snapshot and not ix.stats['parsed'], ix.stats\n"
        "print(t1 - t, time.process_time() - t1)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def _rss(pid: int) -> float:
    """The resident size of a process, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) * 1024
    return float("nan")


async def _jedi(root: Path, quick: bool) -> dict[str, Any] | None:
    from lsprotocol import types as t

    exe = shutil.which("jedi-language-server") or str(
        Path(sys.executable).parent / "jedi-language-server"
    )
    if not Path(exe).exists():
        return None
    client, init_time, _ = await _session([exe], root)
    path = root / "experiments" / "big.py"
    text = path.read_text()
    uri = path.as_uri()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", 1, text))
    )
    positions = _positions(text)
    await _completion_times(client, uri, positions[:1], 1)  # warm up
    times, total, count = await _completion_times(client, uri, positions, 1 if quick else 3)
    await _stop(client)
    return {"initialize": init_time, "completion": times, "completion_total": total, "items": count}


def _index_build(package_dir: Path) -> float:
    """Index a copy of a real package's source, cold (no cache), in a fresh process."""
    code = (
        "import sys, time; from pathlib import Path; from graftlab.index import Index\n"
        "t = time.perf_counter(); ix = Index.for_workspace(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))\n"
        "print(time.perf_counter() - t, len(ix.classes), ix.stats['parsed'])\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(
            package_dir, ws / package_dir.name, ignore=shutil.ignore_patterns("__pycache__")
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(ws), str(Path(tmp) / "cache")],
            check=True,
            capture_output=True,
            text=True,
        )
    seconds, classes, parsed = done.stdout.split()
    _index_build.info = f"{parsed} files, {classes} classes"  # type: ignore[attr-defined]
    return float(seconds)


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = make_workspace(Path(tmp) / "ws")
        # a warm index cache, as in a workspace the server has seen before
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from graftlab.index import Index; Index.for_workspace(Path(sys.argv[1]))",
                str(root),
            ],
            check=True,
        )
        g = asyncio.run(_graftlab(root, quick))
        j = asyncio.run(_jedi(root, quick))
        # index start-up, rounds interleaved: cold (no cache) and warm (the cache of a run before)
        starts: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": []}
        bare: list[float] = []
        builds: list[tuple[float, float]] = []
        for _ in range(1 if quick else 3):
            for kind in ("cold", "warm"):
                starts[kind].append(asyncio.run(_until_offered(root, kind == "cold")))
            bare.append(asyncio.run(_bare_initialize(root)))
            builds.append(_warm_build(root))
    comp = g["completion"]
    row = {
        "case": f"completion median ({g['items']} items)",
        "graftlab": Measurement(statistics.median(comp)),
        "target": None,
    }
    if j:
        row["anchor"] = Measurement(statistics.median(j["completion"]))
    rows.append(row)
    row = {"case": "completion p95", "graftlab": Measurement(_pct(comp, 0.95)), "target": 0.020}
    if j:
        row["anchor"] = Measurement(_pct(j["completion"], 0.95))
    rows.append(row)
    row = {
        "case": "completion p95, incl. the Python test client's decoding",
        "graftlab": Measurement(_pct(g["completion_total"], 0.95)),
        "target": None,
    }
    if j:
        row["anchor"] = Measurement(_pct(j["completion_total"], 0.95))
    rows.append(row)
    d = g["diagnostics"]
    rows.append(
        {
            "case": "diagnostics after an edit, median",
            "graftlab": Measurement(statistics.median(d)),
            "target": None,
        }
    )
    rows.append(
        {
            "case": "diagnostics after an edit, p95",
            "graftlab": Measurement(_pct(d, 0.95)),
            "target": 0.100,
        }
    )
    f = g["fixed"]
    rows.append(
        {
            "case": "diagnostics after the fixing edit (file loads), median",
            "graftlab": Measurement(statistics.median(f)),
            "target": None,
        }
    )
    rows.append(
        {
            "case": "diagnostics after the fixing edit (file loads), p95",
            "graftlab": Measurement(_pct(f, 0.95)),
            "target": 0.100,
        }
    )
    rows.append(
        {
            "case": "completion p95 at the end of a 100,000-character line",
            "graftlab": Measurement(_pct(g["long line"], 0.95)),
            "target": 0.020,
        }
    )
    rows.append(
        {
            "case": f"server memory growth over {g['edits']:,} edits",
            "graftlab": Measurement(g["memory growth"]),
            "target": 1_000_000 * g["edits"] / 1000,  # 1 MB per 1,000 edits
            "unit_fmt": lambda v: "-" if v is None else f"{v / 1e6:.2f} MB",
        }
    )
    server_cpu, worker_cpu = g["check cpu"]
    rows.append(
        {
            "case": "diagnostics after an edit, CPU per check: worker (the loader) / server",
            "graftlab": Measurement(worker_cpu, f"server {server_cpu * 1000:.1f} ms"),
            "target": None,
        }
    )
    rows.append(
        {
            "case": f"server memory growth per 1,000 edits, slope over {g['more edits']:,} more",
            "graftlab": Measurement(g["memory slope"]),
            "target": 1_000_000,
            "unit_fmt": lambda v: "-" if v is None else f"{v / 1e6:.2f} MB",
        }
    )
    row = {"case": "initialize", "graftlab": Measurement(g["initialize"]), "target": 0.5}
    if j:
        row["anchor"] = Measurement(j["initialize"])
    rows.append(row)
    rows.append(
        {
            "case": "first diagnostics after open (worker start)",
            "graftlab": Measurement(g["first diagnostics"]),
            "target": None,
        }
    )
    for kind, target in (("cold", 2.0), ("warm", 0.5)):
        rs = starts[kind]
        assert all(r["offered"] for r in rs), f"{kind}: the last class was never offered"
        shown = "progress shown" if all(r["progress"] for r in rs) else "NO progress"
        rows.append(
            {
                "case": f"index {kind}, start to every class offered, CPU ({shown})",
                "graftlab": _spread([r["cpu"] for r in rs]),
                "target": target,
            }
        )
        rows.append(
            {
                "case": f"index {kind}, start to every class offered, wall",
                "graftlab": _spread([r["wall"] for r in rs]),
                "target": None,
            }
        )
    rows.append(
        {
            "case": "initialize, server CPU at the response",
            "graftlab": _spread([r["init cpu"] for r in starts["warm"]]),
            "target": 0.5,
        }
    )
    rows.append(
        {
            "case": "initialize floor: a pygls server with no features, CPU at the response",
            "graftlab": _spread(bare),
            "target": None,
        }
    )
    imports, build = (statistics.median(x) for x in zip(*builds, strict=True))
    rows.append(
        {
            "case": "index warm, the index alone in a fresh process, CPU "
            f"(import {imports:.2f} s + build from the cache {build:.2f} s)",
            "graftlab": _spread([i + b for i, b in builds]),
            "target": None,
        }
    )
    import graftlab

    pkg = Path(graftlab.__file__).parent
    seconds = _index_build(pkg)
    rows.append(
        {
            "case": f"index build, graftlab's source, cold ({_index_build.info})",
            "graftlab": Measurement(seconds),
            "target": None,
        }
    )  # type: ignore[attr-defined]
    try:
        import importlib.util

        spec = importlib.util.find_spec("fiddle")
        if spec is not None and spec.origin:
            seconds = _index_build(Path(spec.origin).parent)
            rows.append(
                {
                    "case": f"index build, fiddle's source, cold ({_index_build.info})",
                    "graftlab": Measurement(seconds),
                    "target": None,
                }
            )  # type: ignore[attr-defined]
    except Exception:
        pass
    return rows


if __name__ == "__main__":
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))
