#!/usr/bin/env node
// End-to-end test of the graftlab extension in a real VS Code: code-server on 127.0.0.1 with
// the packaged .vsix installed, driven through headless Chromium by playwright-core.
//
//   node e2e/run.mjs --code-server DIR --python PY [--vsix FILE] [--artifacts DIR] [--keep]
//                    [--phases main,restricted,multiroot]
//
// DIR is what scripts/setup_vscode_e2e.sh prints (the directory with out/node/entry.js).
// It creates a sample graftlab repository (`graft init` + a toy module + experiments, one
// with a misspelled keyword argument), opens that file, and checks:
//   1. the Problems panel shows graftlab's diagnostic ("... did you mean 'width'?");
//   2. completion inside a call offers the missing keyword argument (it needs graftlab's
//      static index; GRAFTLAB_E2E_REQUIRE_COMPLETION=0 turns a failure into a warning);
//   3. "graftlab: Show Materialized Experiment" opens a read-only view;
//   4. "graftlab: Semantic Diff with Revision..." with HEAD shows the uncommitted change;
//   5. "graftlab: Reveal Error of Last Failed Run" puts the cursor at the argument that built
//      the failing object (from a `graft run` that failed before VS Code started);
//   6. "graftlab: Run Experiment" on configs/extra.py, a file matched only by
//      `graftlab.experimentGlobs`, runs it in a terminal: `graft runs` lists the run, succeeded;
//   7. an interpreter without graftlab (settings changed while VS Code runs): one notification
//      that says so, however many experiment files are opened;
//   8. Restricted Mode (a second code-server, workspace trust on, a stranger's repository):
//      the static diagnostic is shown, Run Experiment refuses, and the repository's canary
//      module (imported by its experiment) never runs;
//   9. two workspace folders (a .code-workspace file, a third code-server), each a graftlab
//      repository with its own class: in folder B's file the diagnostic and completion come
//      from B's index (B's class offered, A's not); one server per folder, started in it; a
//      class added to B's module on disk is offered (once per change: no second watcher);
//      a folder added to the workspace file while VS Code runs is checked with its own
//      index, and the server of a folder removed from it stops (no exit noise logged).
// --phases runs only some sessions: main (1-7), restricted (8), multiroot (9).
// Screenshots and a result.json go to the artifacts directory. Every process it starts is
// started in its own process group and killed in `finally`. Exit code 0 iff the checks pass.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT_DIR = path.resolve(HERE, "..");

function parseArgs(argv) {
  const out = {
    codeServer: process.env.CODE_SERVER,
    python: process.env.GRAFTLAB_PYTHON,
    vsix: path.join(EXT_DIR, "dist", "graftlab.vsix"),
    artifacts: process.env.GRAFTLAB_E2E_ARTIFACTS || path.join(EXT_DIR, "test-artifacts", "vscode-e2e"),
    chromium: process.env.CHROMIUM || "/usr/bin/chromium",
    keep: false,
    // Which sessions to run (all by default): main (checks 1-7), restricted (8), multiroot (9).
    phases: process.env.GRAFTLAB_E2E_PHASES || "main,restricted,multiroot",
    timeout: Number(process.env.GRAFTLAB_E2E_TIMEOUT_S || 240),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--code-server") out.codeServer = next();
    else if (a === "--python") out.python = next();
    else if (a === "--vsix") out.vsix = next();
    else if (a === "--artifacts") out.artifacts = path.resolve(next());
    else if (a === "--chromium") out.chromium = next();
    else if (a === "--keep") out.keep = true;
    else if (a === "--phases") out.phases = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.codeServer) throw new Error("--code-server DIR (or $CODE_SERVER) is required");
  if (!out.python) throw new Error("--python PY (or $GRAFTLAB_PYTHON) is required");
  const known = new Set(["main", "restricted", "multiroot"]);
  out.phases = new Set(String(out.phases).split(",").map((p) => p.trim()).filter(Boolean));
  for (const p of out.phases) if (!known.has(p)) throw new Error(`unknown phase ${p} (known: ${[...known].join(", ")})`);
  return out;
}

const args = parseArgs(process.argv.slice(2));
const requireCompletion = process.env.GRAFTLAB_E2E_REQUIRE_COMPLETION !== "0";
const t0 = Date.now();
const log = (msg) => console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

// -- processes -----------------------------------------------------------------------------------

const children = [];

/** Start a process in its own process group (killed with the whole group at the end). */
function start(cmd, argv, options) {
  const child = spawn(cmd, argv, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function stopAll() {
  for (const c of children) killGroup(c, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && children.some((c) => c.exitCode === null && c.signalCode === null)) await sleep(100);
  for (const c of children) killGroup(c, "SIGKILL");
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    for (const c of children) killGroup(c, "SIGKILL");
    process.exit(130);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 120_000, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

// -- the sample repository ---------------------------------------------------------------------

const TOY = `"""Symbolic components for the VS Code end-to-end test."""

import graftlab as gl


@gl.symbolize
class Optimizer:
    def __init__(self, learning_rate: float = 0.1, momentum: float = 0.9) -> None:
        self.learning_rate = learning_rate
        self.momentum = momentum


@gl.symbolize
class Layer:
    def __init__(self, width: int = 4, dropout: float = 0.0) -> None:
        self.width = width
        self.dropout = dropout


@gl.symbolize
class Trainer:
    def __init__(self, layers: list[Layer], optimizer: Optimizer, steps: int = 3) -> None:
        self.layers = layers
        self.optimizer = optimizer
        self.steps = steps

    def run(self, context):
        for i, layer in enumerate(self.layers):
            if layer.width < 0:
                raise gl.ComponentError(f"negative width {layer.width}", f"layers[{i}]")
        return {"loss": 0.0}
`;

// Fails when run, at layers[1]: the run record points at line 6, column 29 (1-based).
const BROKEN = `"""An experiment that fails when it runs."""

from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=-1)],
    optimizer=Optimizer(),
)
`;

const BASELINE = `"""The baseline."""

from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=8)],
    optimizer=Optimizer(learning_rate=0.1),
    steps=3,
)
`;

// Line 6 (1-based) has the misspelled argument; line 8 is where completion is triggered.
const TYPO = `"""An experiment with a misspelled argument."""

from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(widht=4)],
    optimizer=Optimizer(learning_rate=0.1),
    steps=3,
)
`;

function makeRepo(dir, python) {
  const env = { ...process.env, GIT_AUTHOR_NAME: "e2e", GIT_AUTHOR_EMAIL: "e2e@example.com", GIT_COMMITTER_NAME: "e2e", GIT_COMMITTER_EMAIL: "e2e@example.com" };
  run(python, ["-m", "graftlab.cli", "init", dir], { env });
  const tomlPath = path.join(dir, "graft.toml");
  const toml = fs.readFileSync(tomlPath, "utf8").replace(/allowed_modules = \[([^\]]*)\]/, (_m, inner) => `allowed_modules = [${inner ? `${inner}, ` : ""}"toy"]`);
  if (!toml.includes('"toy"')) throw new Error(`could not add "toy" to allowed_modules in:\n${toml}`);
  fs.writeFileSync(tomlPath, toml);
  fs.writeFileSync(path.join(dir, "toy.py"), TOY);
  fs.mkdirSync(path.join(dir, "experiments"), { recursive: true });
  fs.writeFileSync(path.join(dir, "experiments", "baseline.py"), BASELINE);
  fs.writeFileSync(path.join(dir, "experiments", "typo.py"), TYPO);
  fs.writeFileSync(path.join(dir, "experiments", "broken.py"), BROKEN);
  // Outside the experiments directory: an experiment only `graftlab.experimentGlobs` matches.
  fs.mkdirSync(path.join(dir, "configs"), { recursive: true });
  fs.writeFileSync(path.join(dir, "configs", "extra.py"), BASELINE);
  const vsSettings = path.join(dir, ".vscode", "settings.json");
  const ws = JSON.parse(fs.readFileSync(vsSettings, "utf8"));
  ws["graftlab.experimentGlobs"] = [...(ws["graftlab.experimentGlobs"] ?? []), "configs/**/*.py"];
  fs.writeFileSync(vsSettings, JSON.stringify(ws, null, 2));
  run("git", ["add", "-A"], { cwd: dir, env });
  run("git", ["commit", "-q", "-m", "e2e experiments"], { cwd: dir, env });
  // An uncommitted change, for the semantic diff against HEAD.
  fs.writeFileSync(path.join(dir, "experiments", "baseline.py"), BASELINE.replace("width=8", "width=16"));
  // A failed run, for "reveal the error of the last failed run".
  const failed = spawnSync(python, ["-m", "graftlab.cli", "run", "broken", "--json", "--no-progress"], {
    cwd: dir,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (failed.status !== 1 || !failed.stdout.trim()) {
    throw new Error(`graft run broken should fail with exit 1 and print its record:\n${failed.stdout}\n${failed.stderr}`);
  }
  return JSON.parse(failed.stdout).error;
}

// A stranger's repository: its component module writes CANARY_RAN when imported, and its
// experiment misspells an argument (a static diagnostic, decided without importing anything).
const CANARY = `"""Imported only when the workspace is trusted."""

import pathlib

import graftlab as gl

pathlib.Path(__file__).with_name("CANARY_RAN").write_text("imported")


@gl.symbolize
class Layer:
    def __init__(self, width: int = 4) -> None:
        self.width = width
`;

const CLONE = `from canary import Layer

experiment = Layer(widht=4)
`;

function makeStrangerRepo(dir, python) {
  const env = { ...process.env, GIT_AUTHOR_NAME: "e2e", GIT_AUTHOR_EMAIL: "e2e@example.com", GIT_COMMITTER_NAME: "e2e", GIT_COMMITTER_EMAIL: "e2e@example.com" };
  run(python, ["-m", "graftlab.cli", "init", dir], { env });
  const tomlPath = path.join(dir, "graft.toml");
  const toml = fs.readFileSync(tomlPath, "utf8").replace(/allowed_modules = \[([^\]]*)\]/, (_m, inner) => `allowed_modules = [${inner ? `${inner}, ` : ""}"canary"]`);
  fs.writeFileSync(tomlPath, toml);
  fs.writeFileSync(path.join(dir, "canary.py"), CANARY);
  fs.mkdirSync(path.join(dir, "experiments"), { recursive: true });
  fs.writeFileSync(path.join(dir, "experiments", "clone.py"), CLONE);
}

// -- VS Code helpers ------------------------------------------------------------------------------

const mod = process.platform === "darwin" ? "Meta" : "Control";

/**
 * Run a command from the palette. A command whose `when` clause depends on a context key the
 * extension sets on editor change (graftlab.isExperiment) can be missing for a moment after the
 * editor switches; a user would look again, so the palette is reopened a few times before failing.
 */
async function runCommand(page, title, attempts = 4) {
  const input = page.locator(".quick-input-widget input");
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("F1");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: "visible", timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt >= attempts) throw e;
      log(`palette has no "${title}" yet (attempt ${attempt}); retrying`);
      await page.keyboard.press("Escape");
      await sleep(2_000);
    }
  }
  await page.keyboard.press("Enter");
}

async function openFile(page, relPath, attempts = 3) {
  await runCommand(page, "View: Close All Editors");
  await page.locator(".editor-group-container .tab").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
  const input = page.locator(".quick-input-widget input");
  // The active tab of any group: after a notification had the focus no group is marked active.
  const tab = page.locator(`.editor-group-container .tab.active[aria-label*="${path.basename(relPath)}"]`);
  for (let attempt = 1; ; attempt++) {
    try {
      // Quick Open from the palette: it works wherever the keyboard focus is (a notification, a terminal).
      await runCommand(page, "Go to File");
      await input.waitFor({ state: "visible", timeout: 15_000 });
      await input.fill(relPath);
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: path.basename(relPath) }).first();
      await row.waitFor({ state: "visible", timeout: 20_000 });
      await page.keyboard.press("Enter");
      await tab.waitFor({ timeout: 15_000 });
      break;
    } catch (e) {
      if (attempt >= attempts) throw e;
      log(`opening ${relPath} failed (attempt ${attempt}: ${String(e.message).split("\n")[0]}); retrying`);
      await screenshot(page, `open-retry-${attempt}`);
      await page.keyboard.press("Escape");
      await sleep(1_000);
    }
  }
  await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 20_000 });
}

/** Open a file by clicking its row in the Explorer (its folder expanded already). */
async function openFromExplorer(page, name) {
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: new RegExp(`^\\s*${name.replace(".", "\\.")}\\s*$`) }).first();
  await row.waitFor({ state: "visible", timeout: 15_000 });
  await row.dblclick();
  await page.locator(`.editor-group-container .tab[aria-label*="${name}"]`).first().waitFor({ timeout: 15_000 });
}

/** Move the cursor with "Go to Line/Column" (1-based). */
async function gotoLine(page, line, column) {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await sleep(300);
}

async function screenshot(page, name) {
  const file = path.join(args.artifacts, `${name}.png`);
  await page.screenshot({ path: file }).catch((e) => log(`screenshot ${name} failed: ${e.message}`));
  return file;
}


/**
 * code-server on `folder` (its own user data, extensions and config: nothing in $HOME is
 * touched) and headless Chromium on it. `trust`: workspace trust on, folders open in
 * Restricted Mode without asking.
 */
async function openSession(tmp, name, folder, extraSettings, trust, result) {
  const data = path.join(tmp, `cs-data-${name}`);
  const extensions = path.join(tmp, "cs-extensions");
  const config = path.join(tmp, "cs-config.yaml");
  fs.mkdirSync(path.join(data, "User"), { recursive: true });
  fs.writeFileSync(config, "auth: none\ncert: false\n");
  const settings = {
    "graftlab.interpreter": args.python,
    "graftlab.trace.server": "verbose",
    "security.workspace.trust.enabled": trust,
    "security.workspace.trust.startupPrompt": "never",
    "security.workspace.trust.banner": "never",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "git.enabled": false,
    "terminal.integrated.enablePersistentSessions": false,
    "editor.quickSuggestions": { other: false, comments: false, strings: false },
    "editor.suggestOnTriggerCharacters": false,
    "editor.wordBasedSuggestions": "off",
    "window.restoreWindows": "none",
    ...extraSettings,
  };
  const settingsFile = path.join(data, "User", "settings.json");
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  const csBase = ["--config", config, "--user-data-dir", data, "--extensions-dir", extensions];
  const env = { ...process.env, CS_DISABLE_GETTING_STARTED_OVERRIDE: "1" };
  delete env.VSCODE_IPC_HOOK_CLI;
  const entry = path.join(args.codeServer, "out", "node", "entry.js");

  if (!fs.existsSync(path.join(extensions, "extensions.json")) || !result.checks.installed) {
    log("installing the extension");
    const installed = run("node", [entry, ...csBase, "--install-extension", args.vsix], { env, timeout: 180_000 });
    log(installed.trim().split("\n").pop());
    const listed = run("node", [entry, ...csBase, "--list-extensions", "--show-versions"], { env });
    if (!/graftlab\.graftlab@/.test(listed)) throw new Error(`extension not installed:\n${listed}`);
    result.checks.installed = listed.trim();
  }

  const port = await freePort();
  const csLogFile = path.join(args.artifacts, `code-server-${name}.log`);
  const csLog = fs.createWriteStream(csLogFile);
  const cs = start(
    "node",
    [entry, ...csBase, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
      ...(trust ? [] : ["--disable-workspace-trust"]), "--disable-getting-started-override", "--ignore-last-opened", "--log", "info", folder],
    { env },
  );
  cs.stdout.pipe(csLog);
  cs.stderr.pipe(csLog);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (cs.exitCode !== null) throw new Error(`code-server exited (${cs.exitCode}); see ${csLogFile}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 600) throw new Error("code-server did not start in 60 s");
    await sleep(100);
  }
  log(`code-server (${name}) on ${url}`);

  // Chromium: headless, nothing from outside, a fresh profile.
  const context = await chromium.launchPersistentContext(path.join(tmp, `chromium-profile-${name}`), {
    executablePath: args.chromium,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.setDefaultTimeout(30_000);
  const what = folder.endsWith(".code-workspace") ? "workspace" : "folder";
  await page.goto(`${url}/?${what}=${encodeURIComponent(folder)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });
  await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ timeout: 60_000 }).catch(() => undefined);
  await sleep(2000); // let the workbench settle (extensions host, restored views)
  log(`workbench loaded (${name})`);
  return { context, page, consoleLines, settingsFile, settings };
}

/** Rows of the Problems panel (whitespace folded), polled until one matches `want`. */
async function problemsMatching(page, want, timeoutMs) {
  await runCommand(page, "View: Focus Problems");
  const markers = page.locator(".markers-panel .monaco-list-row");
  let texts = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    texts = (await markers.allInnerTexts().catch(() => [])).map((s) => s.replace(/\s+/g, " ").trim());
    if (texts.some((s) => want.test(s))) break;
    await sleep(500);
  }
  return texts;
}

/** Messages of every notification so far (the notification center lists them all). */
async function notificationMessages(page) {
  await runCommand(page, "Notifications: Show Notifications");
  const items = page.locator(".notifications-center .notification-list-item-message");
  await sleep(500);
  const texts = (await items.allInnerTexts().catch(() => [])).map((s) => s.replace(/\s+/g, " ").trim());
  await page.keyboard.press("Escape");
  return texts;
}

/** `graft runs --json` of a repository, polled until `done(runs)` or the timeout. */
async function runsUntil(repo, done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let runs = [];
  while (Date.now() < deadline) {
    const r = spawnSync(args.python, ["-m", "graftlab.cli", "runs", "--json"], { cwd: repo, encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) {
      try {
        runs = JSON.parse(r.stdout);
      } catch {
        runs = [];
      }
      if (done(runs)) return runs;
    }
    await sleep(1000);
  }
  return runs;
}

// -- the test ---------------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(args.artifacts, { recursive: true });
  for (const name of fs.readdirSync(args.artifacts)) {
    if (/\.png$|^result\.json$|^code-server.*\.log$|^vscode-logs/.test(name)) {
      fs.rmSync(path.join(args.artifacts, name), { recursive: true, force: true });
    }
  }
  const entry = path.join(args.codeServer, "out", "node", "entry.js");
  if (!fs.existsSync(entry)) throw new Error(`no code-server at ${entry} (run scripts/setup_vscode_e2e.sh)`);
  if (!fs.existsSync(args.vsix)) throw new Error(`no extension package at ${args.vsix} (npm run package)`);
  if (!fs.existsSync(args.chromium)) throw new Error(`no chromium at ${args.chromium}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "graftlab-vscode-e2e-"));
  const result = { ok: false, checks: {}, tmp, artifacts: args.artifacts };
  let context;
  let consoleLines = [];
  // graftlab's did-you-mean for the misspelled `widht` (checks 1 and 8).
  const want = /unknown.*widht|widht.*did you mean|did you mean.*width/i;
  try {
    if (args.phases.has("main")) {
    const repo = path.join(tmp, "lab");
    const runError = makeRepo(repo, args.python);
    result.checks.runError = { file: runError.file, line: runError.line, column: runError.column };
    log(`sample repository: ${repo}`);

    const session = await openSession(tmp, "main", repo, {}, false, result);
    context = session.context;
    const page = session.page;
    consoleLines = session.consoleLines;

    await openFile(page, "experiments/typo.py");
    log("opened experiments/typo.py");

    // 1. diagnostics in the Problems panel.
    const problemTexts = await problemsMatching(page, want, 90_000);
    await screenshot(page, "01-problems");
    result.checks.problems = problemTexts;
    const hit = problemTexts.find((s) => want.test(s));
    if (!hit) throw new Error(`no graftlab diagnostic in the Problems panel; rows: ${JSON.stringify(problemTexts)}`);
    if (!/did you mean/i.test(hit) || !/width/.test(hit)) throw new Error(`unexpected diagnostic: ${hit}`);
    log(`diagnostic: ${hit}`);
    // The squiggle is in the editor at the misspelled argument.
    const squiggles = await page.locator(".monaco-editor .squiggly-error").count();
    result.checks.squiggles = squiggles;
    if (squiggles < 1) throw new Error("no error squiggle in the editor");

    // 2. completion of keyword arguments inside a call: `Optimizer(learning_rate=0.1, |)`.
    await page.locator(".monaco-editor .view-lines").first().click();
    const line7 = TYPO.split("\n")[6];
    await gotoLine(page, 7, line7.indexOf("0.1)") + 4); // right after "learning_rate=0.1"
    await page.keyboard.type(", ");
    const labels = await completionLabels(page);
    result.checks.completion = labels;
    await screenshot(page, "02-completion");
    await page.keyboard.press("Escape");
    const expected = ["momentum"];
    const completionOk = expected.every((w) => labels.some((l) => l.startsWith(w)));
    result.checks.completionOk = completionOk;
    if (completionOk) log(`completion offers: ${labels.join(", ")}`);
    else if (requireCompletion) throw new Error(`completion did not offer ${expected}: ${JSON.stringify(labels)}`);
    else log(`WARNING: completion did not offer ${expected} (got ${JSON.stringify(labels)}); not required`);
    // Undo the edit so the file is as on disk again.
    await page.keyboard.press(`${mod}+Z`);
    await page.keyboard.press(`${mod}+Z`);

    // 3. the materialized view of the baseline, through the command palette.
    await openFile(page, "experiments/baseline.py");
    await runCommand(page, "graftlab: Show Materialized Experiment");
    const tab = page.locator('.tab[aria-label*="(materialized)"]');
    await tab.first().waitFor({ timeout: 60_000 });
    await sleep(500);
    const viewText = await page.locator(".editor-group-container.active .view-lines").first().innerText();
    result.checks.materialized = viewText.slice(0, 2000);
    if (!/Trainer\(/.test(viewText)) throw new Error(`materialized view has no Trainer(...):\n${viewText}`);
    log("materialized view opened");
    await screenshot(page, "03-materialized");

    // 4. the semantic diff against HEAD (baseline.py has an uncommitted width change).
    await openFile(page, "experiments/baseline.py");
    await runCommand(page, "graftlab: Semantic Diff with Revision");
    const pick = page.locator(".quick-input-widget input");
    await pick.waitFor({ state: "visible", timeout: 15_000 });
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "HEAD~1" }).first().waitFor({ timeout: 15_000 });
    await pick.fill("HEAD");
    await sleep(300);
    await page.keyboard.press("Enter");
    await page.locator('.tab[aria-label*="(HEAD vs working tree)"]').first().waitFor({ timeout: 90_000 });
    await sleep(500);
    const diffText = (await page.locator(".editor-group-container.active .view-lines").first().innerText()).replace(/\u00a0/g, " ");
    result.checks.diff = diffText.slice(0, 3000);
    if (!/layers\[1\]\.width: 8 → 16/.test(diffText)) throw new Error(`unexpected diff view:\n${diffText}`);
    log("semantic diff view opened");
    await screenshot(page, "04-diff");

    // 5. reveal the error of the last failed run (experiments/broken.py, recorded in git).
    await openFile(page, "experiments/broken.py");
    await runCommand(page, "graftlab: Reveal Error of Last Failed Run");
    const toast = page.locator(".notifications-toasts .notification-list-item-message", { hasText: "negative width" });
    await toast.first().waitFor({ timeout: 30_000 });
    const status = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    const want5 = `Ln ${runError.line}, Col ${runError.column}`;
    let position = "";
    for (let i = 0; i < 20; i++) {
      position = (await status.innerText()).trim();
      if (position.startsWith(want5)) break;
      await sleep(250);
    }
    result.checks.reveal = { toast: (await toast.first().innerText()).trim(), position };
    await screenshot(page, "05-run-error");
    if (!position.startsWith(want5)) throw new Error(`the cursor is at ${position}, not at the run error (${want5})`);
    log(`run error revealed at ${position}: ${result.checks.reveal.toast}`);

    // 6. Run Experiment on a file matched only by graftlab.experimentGlobs: a run is recorded.
    await openFile(page, "configs/extra.py");
    await runCommand(page, "graftlab: Run Experiment");
    const runs = await runsUntil(repo, (rs) => rs.some((r) => r.experiment === "configs/extra.py" && r.status !== "running"), 120_000);
    await screenshot(page, "06-run-experiment");
    const ran = runs.filter((r) => r.experiment === "configs/extra.py");
    result.checks.run = ran;
    if (ran.length !== 1 || ran[0].status !== "succeeded") {
      throw new Error(`Run Experiment recorded no succeeded run of configs/extra.py: ${JSON.stringify(runs)}`);
    }
    log(`Run Experiment recorded run ${ran[0].id} (${ran[0].status})`);
    await runCommand(page, "View: Hide Panel"); // the terminal keeps the keyboard otherwise

    // 7. An interpreter without graftlab: one notification that says so, not one per file.
    const bare = path.join(tmp, "bare-python");
    fs.writeFileSync(bare, `#!/bin/sh\nexec "${args.python}" -I -S "$@"\n`, { mode: 0o755 });
    // The workspace's settings (what a user edits; VS Code watches the file).
    const vsSettings = path.join(repo, ".vscode", "settings.json");
    const ws = JSON.parse(fs.readFileSync(vsSettings, "utf8"));
    fs.writeFileSync(vsSettings, JSON.stringify({ ...ws, "graftlab.interpreter": bare }, null, 2));
    const missing = /graftlab is not installed in .*bare-python/;
    let notes = [];
    for (let i = 0; i < 20 && !notes.some((s) => missing.test(s)); i++) {
      await sleep(2000);
      notes = await notificationMessages(page);
    }
    if (!notes.some((s) => missing.test(s))) throw new Error(`no "not installed" notification: ${JSON.stringify(notes)}`);
    // More experiment files opened (from the Explorer: the notification keeps the keyboard).
    await openFromExplorer(page, "fast_lr.py");
    await openFromExplorer(page, "wide.py");
    await sleep(3000);
    notes = await notificationMessages(page);
    await screenshot(page, "07-no-graftlab");
    const missingNotes = notes.filter((s) => missing.test(s));
    result.checks.noGraftlab = notes;
    if (missingNotes.length !== 1) throw new Error(`expected one "not installed" notification, got: ${JSON.stringify(notes)}`);
    log(`interpreter without graftlab: ${missingNotes[0]}`);
    await context.close().catch(() => undefined);
    context = undefined;
    }

    if (args.phases.has("restricted")) {
    // 8. Restricted Mode: a stranger's repository whose experiment imports a canary module.
    const stranger = path.join(tmp, "stranger");
    makeStrangerRepo(stranger, args.python);
    const restricted = await openSession(tmp, "restricted", stranger, {}, true, result);
    context = restricted.context;
    const rpage = restricted.page;
    await openFile(rpage, "experiments/clone.py");
    const rTexts = await problemsMatching(rpage, want, 90_000);
    await screenshot(rpage, "08-restricted");
    result.checks.restrictedProblems = rTexts;
    if (!rTexts.some((s) => want.test(s))) throw new Error(`Restricted Mode: no static diagnostic; rows: ${JSON.stringify(rTexts)}`);
    await openFile(rpage, "experiments/clone.py");
    await runCommand(rpage, "graftlab: Run Experiment");
    const refused = rpage.locator(".notifications-toasts .notification-list-item-message", { hasText: "not trusted" });
    await refused.first().waitFor({ timeout: 30_000 });
    result.checks.restrictedRun = (await refused.first().innerText()).trim();
    await sleep(2000);
    const canary = path.join(stranger, "CANARY_RAN");
    result.checks.canary = fs.existsSync(canary);
    if (fs.existsSync(canary)) throw new Error(`Restricted Mode ran the workspace's code: ${fs.readFileSync(canary, "utf8")}`);
    log(`Restricted Mode: ${rTexts.find((s) => want.test(s))}; Run Experiment refused; canary not imported`);
    await context.close().catch(() => undefined);
    context = undefined;
    }

    if (args.phases.has("multiroot")) {
      context = await multiRoot(tmp, result, (c) => {
        context = c;
      });
      await context.close().catch(() => undefined);
      context = undefined;
    }

    result.console = consoleLines.slice(-200);
    result.ok = true;
  } catch (e) {
    result.error = String(e?.stack ?? e);
    if (context) {
      const page = context.pages()[0];
      if (page) await screenshot(page, "failure");
    }
    throw e;
  } finally {
    result.seconds = (Date.now() - t0) / 1000;
    fs.writeFileSync(path.join(args.artifacts, "result.json"), JSON.stringify(result, null, 2));
    if (context) await context.close().catch(() => undefined);
    await stopAll();
    // The extension host's and the language server's logs, for failures.
    for (const name of ["main", "restricted", "multiroot"]) {
      try {
        const logs = path.join(tmp, `cs-data-${name}`, "logs");
        if (fs.existsSync(logs)) fs.cpSync(logs, path.join(args.artifacts, `vscode-logs-${name}`), { recursive: true });
      } catch {
        /* best effort */
      }
    }
    if (!args.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// -- 9. a multi-root workspace ----------------------------------------------------------------

/** A minimal graftlab repository (no git needed) whose one class only it has. */
function makeFolderRepo(dir, module, cls, arg, typo) {
  const name = path.basename(dir);
  fs.mkdirSync(path.join(dir, "experiments"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "graft.toml"),
    `[graft]\nname = "${name}"\nallowed_modules = ["${module}"]\nexperiments = "experiments"\n`,
  );
  fs.writeFileSync(
    path.join(dir, `${module}.py`),
    `"""The components of ${name} (no other folder has them)."""\n\nimport graftlab as gl\n\n\n@gl.symbolize\nclass ${cls}:\n` +
      `    def __init__(self, ${arg}: int = 1) -> None:\n        self.${arg} = ${arg}\n`,
  );
  // Line 6 (1-based) is empty: completion is tried there.
  fs.writeFileSync(
    path.join(dir, "experiments", `${name}_exp.py`),
    `"""An experiment of ${name}, with a misspelled argument."""\n\nfrom ${module} import ${cls}\n\nexperiment = ${cls}(${typo}=2)\n`,
  );
}

/**
 * The graftlab language servers running now whose working directory is under `dir`: the
 * extension starts one per workspace folder, in that folder. Map: working directory -> pids.
 */
function serversUnder(dir) {
  const real = fs.realpathSync(dir);
  const out = new Map();
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let argv;
    let cwd;
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or a zombie
    }
    if (!argv.includes("graftlab_lsp") || !argv.includes("--stdio")) continue;
    if (cwd !== real && !cwd.startsWith(real + path.sep)) continue;
    out.set(cwd, [...(out.get(cwd) ?? []), Number(pid)]);
  }
  return out;
}

/**
 * The "graftlab" output channel logs under a code-server logs directory, one per extension
 * host, oldest first (`<session>/exthostN/output_logging_TIME/N-graftlab.log`).
 */
function graftlabChannels(logs) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^\d+-graftlab\.log$/.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(logs)) walk(logs);
  const host = (p) => Number(/exthost(\d+)/.exec(p)?.[1] ?? 0);
  return out.sort((a, b) => host(a) - host(b) || a.localeCompare(b)).map((p) => fs.readFileSync(p, "utf8"));
}

/** The changes ("TYPE URI") of each workspace/didChangeWatchedFiles in a traced channel. */
function watchedFileNotifications(channel) {
  const out = [];
  for (const block of channel.split(/\n(?=\[(?:Trace|Info|Error|Warn|Debug)\s*- )/)) {
    if (!block.includes("Sending notification 'workspace/didChangeWatchedFiles'")) continue;
    const params = block.slice(block.indexOf("Params: ") + "Params: ".length);
    try {
      out.push(JSON.parse(params.trim()).changes.map((c) => `${c.type} ${c.uri}`));
    } catch {
      /* not a complete trace block */
    }
  }
  return out;
}

/** Every "graftlab" output channel's text (see graftlabChannels). */
function graftlabChannel(logs) {
  return graftlabChannels(logs).join("\n");
}

/** Poll `serversUnder(dir)` until `done(map)` or the timeout; the last map either way. */
async function serversUntil(dir, done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let servers = serversUnder(dir);
  while (!done(servers) && Date.now() < deadline) {
    await sleep(500);
    servers = serversUnder(dir);
  }
  return servers;
}

/**
 * 9. Two workspace folders (a .code-workspace file), each a graftlab repository with its own
 * class: in a file of folder B, diagnostics and completion come from B's index (B's class is
 * offered, A's is not); each folder has its own server, started in that folder; a folder
 * added to the workspace file while VS Code runs gets its own server and index, and the
 * server of a folder removed from it stops.
 */
async function multiRoot(tmp, result, setContext) {
  const dir = path.join(tmp, "multi");
  const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => path.join(dir, n));
  makeFolderRepo(alpha, "alpha_parts", "ZetaAlpha", "depth", "deph");
  makeFolderRepo(beta, "beta_parts", "ZetaBeta", "width", "widht");
  makeFolderRepo(gamma, "gamma_parts", "ZetaGamma", "size", "sise");
  const wsFile = path.join(dir, "lab.code-workspace");
  const writeWorkspace = (names) =>
    fs.writeFileSync(wsFile, JSON.stringify({ folders: names.map((n) => ({ path: n })), settings: {} }, null, 2));
  writeWorkspace(["alpha", "beta"]);
  const checks = {};
  result.checks.multiRoot = checks;

  // No preview editors: opening a file must not close the other (its server would not restart).
  // No auto save: the edit for completion is reverted, never written.
  const session = await openSession(tmp, "multiroot", wsFile, { "workbench.editor.enablePreview": false, "files.autoSave": "off" }, false, result);
  setContext(session.context);
  const page = session.page;

  // Folder A first, so that a server that served every folder from the first would be A's.
  await openFile(page, "alpha_exp.py");
  const wantA = /ZetaAlpha has no argument 'deph'.*did you mean 'depth'/;
  checks.alphaProblems = await problemsMatching(page, wantA, 90_000);
  if (!checks.alphaProblems.some((s) => wantA.test(s))) throw new Error(`folder alpha: no diagnostic; rows: ${JSON.stringify(checks.alphaProblems)}`);
  log(`multi-root: ${checks.alphaProblems.find((s) => wantA.test(s))}`);

  // Folder B: its class is known (the did-you-mean needs B's index) ...
  await openFile(page, "beta_exp.py");
  const wantB = /ZetaBeta has no argument 'widht'.*did you mean 'width'/;
  checks.betaProblems = await problemsMatching(page, wantB, 90_000);
  await screenshot(page, "09-multiroot-problems");
  if (!checks.betaProblems.some((s) => wantB.test(s))) throw new Error(`folder beta: no diagnostic from beta's index; rows: ${JSON.stringify(checks.betaProblems)}`);
  log(`multi-root: ${checks.betaProblems.find((s) => wantB.test(s))}`);

  // ... and completion offers B's class, not A's.
  await page.locator(".monaco-editor .view-lines").first().click();
  await gotoLine(page, 6, 1);
  await page.keyboard.type("probe = Zeta");
  let labels = [];
  for (let attempt = 0; attempt < 3 && !labels.includes("ZetaBeta"); attempt++) {
    if (attempt > 0) await sleep(2000);
    labels = await completionLabels(page);
    log(`multi-root completion attempt ${attempt + 1}: ${JSON.stringify(labels)}`);
    await page.keyboard.press("Escape");
  }
  await screenshot(page, "09-multiroot-completion");
  checks.betaCompletion = labels;
  await runCommand(page, "File: Revert File");
  if (!labels.includes("ZetaBeta")) throw new Error(`completion in folder beta does not offer ZetaBeta: ${JSON.stringify(labels)}`);
  if (labels.some((l) => l.startsWith("ZetaAlpha"))) throw new Error(`completion in folder beta offers alpha's class: ${JSON.stringify(labels)}`);
  log(`multi-root completion in beta: ${labels.join(", ")}`);

  // A change on disk (a class added to beta's module, as a `git checkout` would): the file
  // watcher tells beta's server, whose completion then offers the new class.
  fs.appendFileSync(
    path.join(beta, "beta_parts.py"),
    `\n\n@gl.symbolize\nclass ZetaBetaTwo:\n    def __init__(self, depth: int = 1) -> None:\n        self.depth = depth\n`,
  );
  await page.locator(".monaco-editor .view-lines").first().click();
  await gotoLine(page, 6, 1);
  await page.keyboard.type("probe = Zeta");
  labels = [];
  for (let attempt = 0; attempt < 5 && !labels.includes("ZetaBetaTwo"); attempt++) {
    if (attempt > 0) await sleep(2000);
    labels = await completionLabels(page);
    await page.keyboard.press("Escape");
  }
  checks.betaCompletionAfterChange = labels;
  await runCommand(page, "File: Revert File");
  if (!labels.includes("ZetaBetaTwo")) throw new Error(`a class added on disk is not offered in beta: ${JSON.stringify(labels)}`);
  log(`multi-root: a class added on disk is offered: ${labels.join(", ")}`);

  // One server per folder, each started in its folder.
  const realAlpha = fs.realpathSync(alpha);
  const realBeta = fs.realpathSync(beta);
  const realGamma = fs.realpathSync(gamma);
  const one = (m, d) => (m.get(d) ?? []).length === 1;
  let servers = await serversUntil(dir, (m) => one(m, realAlpha) && one(m, realBeta), 30_000);
  checks.serversBefore = Object.fromEntries(servers);
  if (!(one(servers, realAlpha) && one(servers, realBeta) && servers.size === 2)) {
    throw new Error(`expected one language server in each of alpha and beta: ${JSON.stringify(checks.serversBefore)}`);
  }
  log(`multi-root servers: ${JSON.stringify(checks.serversBefore)}`);

  // A folder added while VS Code runs (the workspace file changes on disk, as when a user
  // edits it or runs "Add Folder to Workspace"): its file is checked with its own index.
  writeWorkspace(["alpha", "beta", "gamma"]);
  await openFile(page, "gamma_exp.py");
  const wantC = /ZetaGamma has no argument 'sise'.*did you mean 'size'/;
  checks.gammaProblems = await problemsMatching(page, wantC, 90_000);
  if (!checks.gammaProblems.some((s) => wantC.test(s))) throw new Error(`added folder gamma: no diagnostic from gamma's index; rows: ${JSON.stringify(checks.gammaProblems)}`);
  servers = await serversUntil(dir, (m) => one(m, realGamma), 30_000);
  checks.serversAdded = Object.fromEntries(servers);
  if (!one(servers, realGamma)) throw new Error(`no language server for the added folder gamma: ${JSON.stringify(checks.serversAdded)}`);
  log(`multi-root: folder gamma added: ${checks.gammaProblems.find((s) => wantC.test(s))}`);

  // A folder removed: its server stops, the others keep theirs. (Beta, not the first folder:
  // removing the first one restarts VS Code's extension host, every extension with it.)
  // Adding gamma restarted the servers of open files: beta's file is opened again, beside gamma's.
  try {
    await openFromExplorer(page, "beta_exp.py");
  } catch (e) {
    log(`opening beta_exp.py from the Explorer failed (${String(e.message).split("\n")[0]}); retrying`);
    await screenshot(page, "open-retry-explorer");
    await page.keyboard.press("Escape");
    await runCommand(page, "File: Refresh Explorer");
    await openFromExplorer(page, "beta_exp.py");
  }
  servers = await serversUntil(dir, (m) => one(m, realBeta) && one(m, realGamma), 30_000);
  checks.serversBeforeRemoval = Object.fromEntries(servers);
  if (!(one(servers, realBeta) && one(servers, realGamma))) {
    throw new Error(`expected the servers of beta and gamma before beta is removed: ${JSON.stringify(checks.serversBeforeRemoval)}`);
  }
  writeWorkspace(["alpha", "gamma"]);
  servers = await serversUntil(dir, (m) => !m.has(realBeta) && one(m, realGamma), 60_000);
  await screenshot(page, "09-multiroot-removed");
  checks.serversRemoved = Object.fromEntries(servers);
  if (servers.has(realBeta)) throw new Error(`the server of the removed folder beta still runs: ${JSON.stringify(checks.serversRemoved)}`);
  if (!one(servers, realGamma)) throw new Error(`no language server for gamma after beta was removed: ${JSON.stringify(checks.serversRemoved)}`);
  log(`multi-root: folder beta removed, its server stopped: ${JSON.stringify(checks.serversRemoved)}`);
  // The "graftlab" output channel: the restart is logged, the servers' normal exit is not
  // (the client reports it after the stop, as "[Error ...] Server process exited with code 0").
  await sleep(2000);
  const channel = graftlabChannel(path.join(tmp, "cs-data-multiroot", "logs"));
  checks.restartLogged = /restarting \(workspace folders changed\)/.test(channel);
  checks.exitNoise = channel.split("\n").filter((l) => /exited with code 0/.test(l));
  if (!checks.restartLogged) throw new Error("the output channel does not log the restart for the changed folders");
  if (checks.exitNoise.length > 0) throw new Error(`the output channel shows the servers' normal exit: ${JSON.stringify(checks.exitNoise)}`);
  // Each change on disk reaches a server once (not once per watcher).
  checks.watchedFiles = watchedFileNotifications(channel);
  const repeated = checks.watchedFiles.filter((changes) => new Set(changes).size !== changes.length);
  if (checks.watchedFiles.length === 0) throw new Error("no workspace/didChangeWatchedFiles in the trace");
  if (repeated.length > 0) throw new Error(`a change on disk was sent twice in one notification: ${JSON.stringify(repeated)}`);
  return session.context;
}

async function completionLabels(page) {
  const rows = page.locator(".editor-widget.suggest-widget.visible .monaco-list-row");
  for (let attempt = 0; attempt < 6; attempt++) {
    await page.keyboard.press("Control+Space");
    try {
      await rows.first().waitFor({ state: "visible", timeout: 5000 });
      await sleep(300);
      const labels = await page.locator(".editor-widget.suggest-widget.visible .monaco-list-row .label-name").allInnerTexts();
      if (labels.length > 0 && !labels.every((l) => /No suggestions/i.test(l))) return labels.map((l) => l.trim());
    } catch {
      /* no widget yet: the server may still be indexing */
    }
    await page.keyboard.press("Escape");
    await sleep(2000);
  }
  return [];
}

main().then(
  () => {
    log("PASS");
    process.exit(0);
  },
  (e) => {
    console.error(`[e2e] FAIL: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
