import * as assert from "node:assert/strict";
import { test } from "node:test";

import {
  cleanRevision,
  commandArgsForServer,
  commandTargetUri,
  commandLine,
  diffArgs,
  graftInvocation,
  importCheckArgs,
  revisionChoices,
  runArgs,
  runErrorRange,
  runErrorSummary,
  serverArgs,
  shellKind,
  showArgs,
  versionArgs,
} from "../src/core/commands";

test("the server and CLI arguments", () => {
  // -P: a workspace file graftlab_lsp.py (the working directory) never runs
  assert.deepEqual(serverArgs(), ["-P", "-m", "graftlab_lsp", "--stdio"]);
  assert.deepEqual(serverArgs(["--log", "/tmp/l"]), ["-P", "-m", "graftlab_lsp", "--stdio", "--log", "/tmp/l"]);
  assert.deepEqual(importCheckArgs(), ["-P", "-c", "import graftlab_lsp"]);
  assert.deepEqual(versionArgs(), ["-P", "-m", "graftlab_lsp", "--version"]);
  assert.deepEqual(runArgs("a/b"), ["-m", "graftlab.cli", "run", "a/b"]);
  assert.deepEqual(showArgs("/r/experiments/a.py"), ["-m", "graftlab.cli", "show", "/r/experiments/a.py", "--materialized"]);
  assert.deepEqual(diffArgs("HEAD~1", "experiments/a/b.py"), [
    "-m",
    "graftlab.cli",
    "diff",
    "HEAD~1:experiments/a/b.py",
    "experiments/a/b.py",
  ]);
});

test("revisions typed by the user", () => {
  assert.equal(cleanRevision("  main "), "main");
  assert.equal(cleanRevision("origin/feature-x"), "origin/feature-x");
  assert.equal(cleanRevision(""), undefined);
  assert.equal(cleanRevision("a b"), undefined);
  assert.equal(cleanRevision("HEAD:x"), undefined);
  assert.equal(cleanRevision("--output=x"), undefined);
  assert.equal(cleanRevision(undefined), undefined);
});

test("revision choices: HEAD, its parent, then refs (no run refs, no remote HEAD)", () => {
  assert.deepEqual(revisionChoices("main\nfeature\norigin/HEAD\norigin/main\nv1.0\n\nHEAD\n"), [
    "HEAD",
    "HEAD~1",
    "main",
    "feature",
    "origin/main",
    "v1.0",
  ]);
  assert.deepEqual(revisionChoices(""), ["HEAD", "HEAD~1"]);
});

test("terminal command lines are quoted for the shell", () => {
  assert.equal(commandLine("/venv/bin/python", runArgs("a/b"), "posix"), "/venv/bin/python -m graftlab.cli run a/b");
  assert.equal(
    commandLine("/my venv/bin/python", runArgs("it's"), "posix"),
    "'/my venv/bin/python' -m graftlab.cli run 'it'\\''s'",
  );
  assert.equal(
    commandLine("C:\\My Env\\python.exe", runArgs("a/b"), "powershell"),
    "& 'C:\\My Env\\python.exe' -m graftlab.cli run a/b",
  );
  assert.equal(commandLine("C:\\My Env\\python.exe", ["-c", 'print("x")'], "cmd"), '"C:\\My Env\\python.exe" -c "print(""x"")"');
});

test("shell kinds", () => {
  assert.equal(shellKind("/bin/bash"), "posix");
  assert.equal(shellKind("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"), "powershell");
  assert.equal(shellKind("C:\\Program Files\\PowerShell\\7\\pwsh.exe"), "powershell");
  assert.equal(shellKind("C:\\Windows\\System32\\cmd.exe"), "cmd");
  assert.equal(shellKind("", "win32"), "powershell");
  assert.equal(shellKind(undefined, "linux"), "posix");
});

test("run errors: one-based positions become a zero-based range", () => {
  assert.deepEqual(runErrorRange({ line: 4, column: 29 }), { line: 3, column: 28, endLine: 3, endColumn: 29 });
  assert.deepEqual(runErrorRange({ line: 2, column: 5, end_line: 2, end_column: 12 }), {
    line: 1,
    column: 4,
    endLine: 1,
    endColumn: 11,
  });
  assert.deepEqual(runErrorRange({}), { line: 0, column: 0, endLine: 0, endColumn: 1 });
  assert.equal(
    runErrorSummary({ run: "r1", path: "steps[1]", type: "ComponentError", message: "shape mismatch" }),
    "Run r1 failed at steps[1]: ComponentError: shape mismatch",
  );
});

test("graft is the script next to the interpreter when there is one", () => {
  const have = new Set(["/venv/bin/graft", "C:\\venv\\Scripts\\graft.exe"]);
  const exists = (p: string) => have.has(p);
  assert.deepEqual(graftInvocation("/venv/bin/python", runArgs("a/b"), exists, "linux"), {
    program: "/venv/bin/graft",
    args: ["run", "a/b"],
  });
  assert.deepEqual(graftInvocation("C:\\venv\\Scripts\\python.exe", showArgs("x.py"), exists, "win32"), {
    program: "C:\\venv\\Scripts\\graft.exe",
    args: ["show", "x.py", "--materialized"],
  });
  // No script next to it, or a bare command: python -m graftlab.cli.
  assert.deepEqual(graftInvocation("/usr/bin/python3", runArgs("a"), exists, "linux"), {
    program: "/usr/bin/python3",
    args: ["-m", "graftlab.cli", "run", "a"],
  });
  assert.deepEqual(graftInvocation("python3", runArgs("a"), exists, "linux"), {
    program: "python3",
    args: ["-m", "graftlab.cli", "run", "a"],
  });
  // The server is never run through the script.
  assert.deepEqual(graftInvocation("/venv/bin/python", serverArgs(), exists, "linux").program, "/venv/bin/python");
});

test("the document a server command is about, and its arguments as JSON", () => {
  const uri = "file:///r/experiments/a.py";
  // vscode.Uri: an object with scheme and path whose toString() is the URI
  const vsUri = { scheme: "file", path: "/r/experiments/a.py", toString: () => uri };
  assert.equal(commandTargetUri([uri]), uri);
  assert.equal(commandTargetUri([[uri]]), uri);
  assert.equal(commandTargetUri([{ uri }]), uri);
  assert.equal(commandTargetUri([{ uri: vsUri }]), uri);
  assert.equal(commandTargetUri([vsUri, "x"]), uri);
  assert.equal(commandTargetUri([]), undefined);
  assert.equal(commandTargetUri([42]), undefined);
  assert.equal(commandTargetUri([{ other: 1 }]), undefined);
  assert.deepEqual(commandArgsForServer([vsUri, "b", 3, { k: 1 }]), [uri, "b", 3, { k: 1 }]);
});
