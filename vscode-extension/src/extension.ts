// The graftlab VS Code client: starts `<python> -m graftlab_lsp --stdio` for experiment files
// (Python files matching graft.toml's experiments directory or `graftlab.experimentGlobs`),
// next to the Python extension, and adds commands to run an experiment, show it
// materialized, diff it against a revision and reveal the error of its last failed run.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";

import {
  cleanRevision,
  commandLine,
  diffArgs,
  graftInvocation,
  importCheckArgs,
  type RunError,
  revisionChoices,
  runArgs,
  runErrorRange,
  runErrorSummary,
  serverArgs,
  shellKind,
  showArgs,
} from "./core/commands";
import { experimentName, findRepoRoot, relativePosix } from "./core/experiment";
import { ImportCheck } from "./core/importCheck";
import { isNoise, shouldNotify, START_FAILURE_ACTIONS, startFailureMessage, versionMismatch, type Level } from "./core/notify";
import { documentSelector, mergeGlobs, parseGraftToml, type PythonFileFilter } from "./core/globs";
import {
  expandInterpreterSetting,
  type PythonEnvironmentsApi,
  pythonExtensionInterpreter,
  resolveInterpreter,
} from "./core/interpreter";

const VIEW_SCHEME = "graftlab-view";
const INSTALL_HINT = "pip install graftlab";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: { code?: string | number | null; message: string };
}

function run(program: string, args: string[], cwd: string | undefined, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1", TERM: "dumb", COLUMNS: "120" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), error: error ?? undefined });
      },
    );
  });
}

/** Read-only virtual documents: materialized experiments and semantic diffs. */
class Views implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  async show(name: string, text: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${name}` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
}

class GraftExtension implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel("graftlab");
  private client: LanguageClient | undefined;
  private selector: PythonFileFilter[] = [];
  private python: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private warnedMissing = new Set<string>();
  /** "Does this interpreter have graftlab?", asked once per interpreter. */
  private readonly importCheck = new ImportCheck((python) => run(python, importCheckArgs(), this.folder?.uri.fsPath, 60_000));
  private stoppingOnPurpose = false;
  private runTerminal: vscode.Terminal | undefined;
  private readonly views = new Views();
  private readonly disposables: vscode.Disposable[] = [];
  private pythonApi: (PythonEnvironmentsApi & { onDidChangeActiveEnvironmentPath?: vscode.Event<unknown> }) | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  log(message: string): void {
    this.output.appendLine(`[${new Date().toISOString()}] ${message}`);
  }

  async activate(): Promise<void> {
    const d = this.disposables;
    d.push(vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, this.views));
    d.push(
      vscode.commands.registerCommand("graftlab.restartServer", () => this.serialize(() => this.restart("restart command", true))),
      vscode.commands.registerCommand("graftlab.showOutput", () => this.output.show(true)),
      vscode.commands.registerCommand("graftlab.runExperiment", (uri?: vscode.Uri) => this.runExperiment(uri)),
      vscode.commands.registerCommand("graftlab.showMaterialized", (uri?: vscode.Uri) => this.showMaterialized(uri)),
      vscode.commands.registerCommand("graftlab.diffWithRevision", (uri?: vscode.Uri, rev?: string) => this.diffWithRevision(uri, rev)),
      vscode.commands.registerCommand("graftlab.revealLastRunError", (uri?: vscode.Uri) => this.revealLastRunError(uri)),
    );
    d.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          ["graftlab.interpreter", "graftlab.experimentGlobs", "graftlab.serverArgs", "graftlab.logLevel"].some((s) =>
            e.affectsConfiguration(s),
          )
        ) {
          void this.serialize(() => this.restart("settings changed"));
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.serialize(() => this.restart("workspace folders changed"))),
      vscode.workspace.onDidOpenTextDocument(() => void this.serialize(() => this.startIfNeeded())),
      vscode.window.onDidChangeActiveTextEditor((e) => this.updateContext(e)),
      // Restricted Mode ends: start again trusted (the loader may now import the workspace)
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.serialize(() => this.restart("workspace trusted"))),
      vscode.window.onDidCloseTerminal((t) => {
        if (t === this.runTerminal) this.runTerminal = undefined;
      }),
    );
    const tomlWatcher = vscode.workspace.createFileSystemWatcher("**/graft.toml");
    const onToml = () => void this.serialize(() => this.restart("graft.toml changed"));
    d.push(tomlWatcher, tomlWatcher.onDidChange(onToml), tomlWatcher.onDidCreate(onToml), tomlWatcher.onDidDelete(onToml));
    await this.hookPythonExtension();
    await this.serialize(async () => {
      await this.computeSelector();
      await this.startIfNeeded();
    });
  }

  /** Run lifecycle operations one after another. */
  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch((e) => this.log(`error: ${(e as Error)?.stack ?? String(e)}`));
    return next;
  }

  private get folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  private async hookPythonExtension(): Promise<void> {
    const ext = vscode.extensions.getExtension("ms-python.python");
    if (!ext) return;
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      this.pythonApi = api?.environments;
      const event = this.pythonApi?.onDidChangeActiveEnvironmentPath;
      if (event) {
        this.disposables.push(
          event(() => {
            if (!this.interpreterSetting()) void this.serialize(() => this.restart("Python environment changed"));
          }),
        );
      }
    } catch (e) {
      this.log(`the Python extension's API is not available: ${(e as Error).message}`);
    }
  }

  private interpreterSetting(): string | undefined {
    const folder = this.folder;
    const value = vscode.workspace.getConfiguration("graftlab", folder?.uri).get<string>("interpreter");
    return expandInterpreterSetting(value, folder?.uri.fsPath);
  }

  async resolvePython(): Promise<string> {
    const folder = this.folder;
    const resolved = await resolveInterpreter([
      { name: "setting graftlab.interpreter", get: () => this.interpreterSetting() },
      { name: "Python extension", get: () => pythonExtensionInterpreter(this.pythonApi, folder?.uri) },
    ]);
    for (const note of resolved.notes) this.log(note);
    this.log(`interpreter: ${resolved.python} (from ${resolved.source})`);
    return resolved.python;
  }

  private async computeSelector(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const selector: PythonFileFilter[] = [];
    for (const f of folders) {
      const toml = parseGraftToml(await readText(path.join(f.uri.fsPath, "graft.toml")));
      if (toml.error) this.log(`${f.uri.fsPath}: ${toml.error}`);
      const globs = mergeGlobs(toml.globs, vscode.workspace.getConfiguration("graftlab", f.uri).get("experimentGlobs"));
      selector.push(...documentSelector(f.uri.fsPath, globs));
    }
    if (folders.length === 0) {
      const globs = mergeGlobs(parseGraftToml(undefined).globs, vscode.workspace.getConfiguration("graftlab").get("experimentGlobs"));
      selector.push(...documentSelector("", globs).map((s) => ({ ...s, pattern: `**${s.pattern}` })));
    }
    this.selector = selector;
    this.log(`experiment files: ${selector.map((s) => s.pattern).join(", ")}`);
    this.updateContext(vscode.window.activeTextEditor);
  }

  isExperiment(doc: vscode.TextDocument | undefined): boolean {
    return doc !== undefined && this.selector.length > 0 && vscode.languages.match(this.selector, doc) > 0;
  }

  private updateContext(editor: vscode.TextEditor | undefined): void {
    void vscode.commands.executeCommand("setContext", "graftlab.isExperiment", this.isExperiment(editor?.document));
  }

  /** Start the server once an experiment file is open. */
  private async startIfNeeded(): Promise<void> {
    this.updateContext(vscode.window.activeTextEditor);
    if (this.client) return;
    if (!vscode.workspace.textDocuments.some((d) => this.isExperiment(d))) return;
    await this.start();
  }

  private async start(): Promise<void> {
    const folder = this.folder;
    const python = await this.resolvePython();
    this.python = python;
    const check = await this.importCheck.check(python);
    if (check.code !== 0) {
      this.reportMissing(python, check);
      return;
    }
    const extra = vscode.workspace.getConfiguration("graftlab", folder?.uri).get<string[]>("serverArgs") ?? [];
    const serverOptions: ServerOptions = {
      command: python,
      args: serverArgs(extra),
      options: { cwd: folder?.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: "1" } },
    };
    const watcher = vscode.workspace.createFileSystemWatcher("**/{*.py,graft.toml}");
    const config = vscode.workspace.getConfiguration("graftlab", folder?.uri);
    const clientOptions: LanguageClientOptions = {
      documentSelector: this.selector,
      // Restricted Mode: the server runs nothing of the workspace (static checks only)
      initializationOptions: { trusted: vscode.workspace.isTrusted, logLevel: config.get<string>("logLevel") ?? "info" },
      // one failed start is one notification, not a retry loop
      initializationFailedHandler: () => false,
      outputChannel: this.filteredOutput(),
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      workspaceFolder: folder,
      synchronize: { fileEvents: watcher },
    };
    const client = new LanguageClient("graftlab", "graftlab", serverOptions, clientOptions);
    this.client = client;
    this.log(`starting: ${python} ${serverArgs(extra).join(" ")}`);
    try {
      await client.start();
      const info = client.initializeResult?.serverInfo;
      this.log(`language server started: ${info?.name ?? "graftlab-lsp"} ${info?.version ?? "(no version)"} on ${python}`);
      const ours = (this.context.extension?.packageJSON as { version?: string } | undefined)?.version;
      const mismatch = ours ? versionMismatch(ours, info?.version) : undefined;
      if (mismatch) this.notify("warning", mismatch, []);
    } catch (e) {
      this.log(`the language server failed to start: ${(e as Error).message}`);
      this.client = undefined;
      watcher.dispose();
      await client.dispose().catch(() => undefined);
      // The cause: what the server says when started alone (its import errors, a bad argument).
      const probe = await run(python, serverArgs([...extra, "--version"]), folder?.uri.fsPath, 30_000);
      if (probe.stderr.trim()) this.log(probe.stderr.trim());
      // Not awaited: the queue of starts and restarts must not wait for the user to close it.
      this.notify("error", startFailureMessage(python, probe.stderr), [...START_FAILURE_ACTIONS]);
      return;
    }
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) watcher.dispose();
    });
  }

  /** The output channel without the client's noise (see `isNoise`). */
  private filteredOutput(): vscode.OutputChannel {
    const out = Object.create(this.output) as vscode.OutputChannel;
    out.append = (v: string) => {
      if (!isNoise(v, this.stoppingOnPurpose)) this.output.append(v);
    };
    out.appendLine = (v: string) => {
      if (!isNoise(v, this.stoppingOnPurpose)) this.output.appendLine(v);
    };
    return out;
  }

  /** A notification if `graftlab.showNotifications` allows it (always logged); never awaited. */
  private notify(level: Level, message: string, actions: string[]): void {
    this.log(message);
    const setting = vscode.workspace.getConfiguration("graftlab").get<string>("showNotifications");
    if (!shouldNotify(setting, level)) return;
    const show =
      level === "error"
        ? vscode.window.showErrorMessage
        : level === "warning"
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    void show(message, ...actions).then((choice) => {
      if (choice === "Show Output") this.output.show(true);
      else if (choice === "Restart") void this.serialize(() => this.restart("restart from a notification", true));
      else if (choice === "Set Interpreter") void vscode.commands.executeCommand("workbench.action.openSettings", "graftlab.interpreter");
    });
  }

  private reportMissing(python: string, check: RunResult): void {
    const notFound = check.error?.code === "ENOENT";
    const why = notFound
      ? `the Python interpreter "${python}" was not found`
      : `graftlab is not installed in ${python}`;
    this.log(`${why}${check.stderr ? `:\n${check.stderr.trim()}` : ""}`);
    const key = `${python}:${notFound}`;
    if (this.warnedMissing.has(key)) return;
    this.warnedMissing.add(key);
    void vscode.window
      .showErrorMessage(`graftlab: ${why}. The graftlab language server needs it.`, "How to Install", "Set Interpreter", "Show Output")
      .then(async (choice) => {
        if (choice === "How to Install") {
          const cmd = notFound ? INSTALL_HINT : commandLine(python, ["-m", "pip", "install", "graftlab"], shellKind(vscode.env.shell));
          const next = await vscode.window.showInformationMessage(
            "Install graftlab into the Python environment of this workspace",
            {
              modal: true,
              detail: `Run in a terminal:\n\n    ${cmd}\n\n(or \`${INSTALL_HINT}\` with that environment activated; a development checkout: \`pip install -e .\`). Then run "graftlab: Restart Language Server".`,
            },
            "Run in Terminal",
            "Copy Command",
          );
          if (next === "Copy Command") await vscode.env.clipboard.writeText(cmd);
          if (next === "Run in Terminal") {
            const term = vscode.window.createTerminal({ name: "graftlab install", cwd: this.folder?.uri });
            term.show();
            term.sendText(cmd);
          }
        } else if (choice === "Set Interpreter") {
          await vscode.commands.executeCommand("workbench.action.openSettings", "graftlab.interpreter");
        } else if (choice === "Show Output") {
          this.output.show(true);
        }
      });
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stoppingOnPurpose = true;
    try {
      await client.stop(5000);
    } catch (e) {
      this.log(`stopping the server: ${(e as Error).message}`);
    } finally {
      this.stoppingOnPurpose = false;
    }
  }

  private async restart(reason: string, force = false): Promise<void> {
    this.log(`restarting (${reason})`);
    await this.stop();
    if (force) {
      this.warnedMissing.clear();
      this.importCheck.forget();
    }
    await this.computeSelector();
    await this.startIfNeeded();
  }

  // -- commands ---------------------------------------------------------------------------

  private targetDocument(uri?: vscode.Uri): vscode.TextDocument | undefined {
    const doc = uri
      ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
      : vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme === "file") return doc;
    if (uri && uri.scheme === "file") return undefined;
    void vscode.window.showWarningMessage("graftlab: open an experiment file first.");
    return undefined;
  }

  private async fileOf(uri?: vscode.Uri): Promise<{ file: string; uri: vscode.Uri; root: string } | undefined> {
    let doc = this.targetDocument(uri);
    if (!doc && uri?.scheme === "file") doc = await vscode.workspace.openTextDocument(uri);
    if (!doc) return undefined;
    const file = doc.uri.fsPath;
    const root = findRepoRoot(file, fs.existsSync) ?? this.folder?.uri.fsPath ?? path.dirname(file);
    return { file, uri: doc.uri, root };
  }

  private async pythonForCommands(): Promise<string> {
    return this.python ?? (this.python = await this.resolvePython());
  }

  async runExperiment(uri?: vscode.Uri): Promise<void> {
    const target = await this.fileOf(uri);
    if (!target) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri.toString());
    if (doc?.isDirty) await doc.save();
    const toml = parseGraftToml(await readText(path.join(target.root, "graft.toml")));
    const name = experimentName(target.file, target.root, toml.experimentsDir) ?? target.file;
    const python = await this.pythonForCommands();
    // Check first: an interpreter without graftlab would only show a traceback in the terminal.
    const check = await this.importCheck.check(python);
    if (check.code !== 0) {
      this.reportMissing(python, check);
      return;
    }
    // One terminal for every run, reused while it is open.
    const term = this.runTerminal ?? vscode.window.createTerminal({ name: "graft run", cwd: target.root });
    this.runTerminal = term;
    term.show();
    const graft = graftInvocation(python, runArgs(name), fs.existsSync);
    term.sendText(commandLine(graft.program, graft.args, shellKind(vscode.env.shell)));
  }

  private async executeServerCommand<T>(command: string, args: unknown[]): Promise<T | null | undefined> {
    const client = this.client;
    if (!client || client.state !== State.Running) return undefined;
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T | null>;
  }

  /**
   * A server command that takes a document URI. The URI is sent as the command's one
   * argument (`arguments: [uri]`); when that gives no answer it is sent once more wrapped in
   * a list (`arguments: [[uri]]`), for servers whose handler takes the argument list as one
   * parameter under pygls 2 (which passes each argument as its own parameter).
   */
  private async uriCommand<T>(command: string, uri: vscode.Uri): Promise<T | null | undefined> {
    const first = await this.executeServerCommand<T>(command, [uri.toString()]);
    if (first !== null) return first;
    try {
      return await this.executeServerCommand<T>(command, [[uri.toString()]]);
    } catch {
      return null;
    }
  }

  async showMaterialized(uri?: vscode.Uri): Promise<void> {
    const target = await this.fileOf(uri);
    if (!target) return;
    const rel = relativePosix(target.root, target.file) ?? path.basename(target.file);
    let text: string | null | undefined;
    try {
      text = await this.uriCommand<string>("graftlab.materialized", target.uri);
    } catch (e) {
      this.log(`graftlab.materialized: ${(e as Error).message}`);
    }
    if (!text) {
      const python = await this.pythonForCommands();
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: "graftlab: materializing" },
        () => this.graft(python, showArgs(target.file), target.root),
      );
      if (result.code !== 0) return this.cliFailed("graft show --materialized", result);
      text = result.stdout;
    }
    await this.views.show(`${rel.replace(/\.py$/, "")} (materialized).py`, text);
  }

  async diffWithRevision(uri?: vscode.Uri, revision?: string): Promise<void> {
    const target = await this.fileOf(uri);
    if (!target) return;
    const rel = relativePosix(target.root, target.file);
    if (!rel) {
      void vscode.window.showWarningMessage("graftlab: this file is not inside the graftlab repository.");
      return;
    }
    const rev = revision ? cleanRevision(revision) : await this.pickRevision(target.root);
    if (!rev) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri.toString());
    if (doc?.isDirty) await doc.save();
    const python = await this.pythonForCommands();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `graftlab: diff with ${rev}` },
      () => this.graft(python, diffArgs(rev, rel), target.root),
    );
    if (result.code !== 0) return this.cliFailed(`graft diff ${rev}:${rel} ${rel}`, result);
    const safeRev = rev.replace(/[/\\]/g, "_");
    await this.views.show(`${rel.replace(/\.py$/, "")} (${safeRev} vs working tree).txt`, result.stdout || "(no differences)\n");
  }

  private graft(python: string, args: string[], cwd: string): Promise<RunResult> {
    const g = graftInvocation(python, args, fs.existsSync);
    this.log(`running: ${g.program} ${g.args.join(" ")} (in ${cwd})`);
    return run(g.program, g.args, cwd);
  }

  private async pickRevision(root: string): Promise<string | undefined> {
    const refs = await run("git", ["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags", "refs/remotes"], root, 20_000);
    const choices = revisionChoices(refs.code === 0 ? refs.stdout : "");
    const pick = vscode.window.createQuickPick();
    pick.title = "graftlab: semantic diff with revision";
    pick.placeholder = "A branch, tag or commit (type any revision)";
    const base = choices.map((label) => ({ label }));
    pick.items = base;
    pick.onDidChangeValue((v) => {
      const typed = cleanRevision(v);
      pick.items = typed && !choices.includes(typed) ? [{ label: typed, description: "revision" }, ...base] : base;
    });
    return new Promise((resolve) => {
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0]?.label ?? pick.value;
        resolve(cleanRevision(chosen));
        pick.hide();
      });
      pick.onDidHide(() => {
        resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }

  private cliFailed(what: string, result: RunResult): void {
    const detail = (result.stderr || result.stdout || result.error?.message || "").trim();
    this.log(`${what} failed (exit ${result.code}):\n${detail}`);
    const line = detail.split("\n").filter((l) => l.trim() !== "").pop() ?? "unknown error";
    void vscode.window.showErrorMessage(`graftlab: ${what} failed: ${line}`, "Show Output").then((c) => {
      if (c === "Show Output") this.output.show(true);
    });
  }

  async revealLastRunError(uri?: vscode.Uri): Promise<void> {
    const target = await this.fileOf(uri);
    if (!target) return;
    if (!this.client) {
      void vscode.window.showWarningMessage("graftlab: the language server is not running.");
      return;
    }
    let err: RunError | null | undefined;
    try {
      err = await this.uriCommand<RunError>("graftlab.lastRunError", target.uri);
    } catch (e) {
      this.log(`graftlab.lastRunError: ${(e as Error).message}`);
    }
    if (!err) {
      void vscode.window.showInformationMessage("graftlab: no failed run is recorded for this experiment.");
      return;
    }
    let file = target.file;
    if (err.file) {
      const candidates = path.isAbsolute(err.file)
        ? [err.file]
        : [this.folder?.uri.fsPath, target.root].filter((r): r is string => !!r).map((r) => path.join(r, err!.file!));
      file = candidates.find((c) => fs.existsSync(c)) ?? file;
    }
    const r = runErrorRange(err);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const range = new vscode.Range(r.line, r.column, r.endLine, r.endColumn);
    const editor = await vscode.window.showTextDocument(doc);
    // The argument is selected, with the cursor at its start.
    editor.selection = new vscode.Selection(range.end, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    void vscode.window.showErrorMessage(`graftlab: ${runErrorSummary(err)}`);
  }

  async dispose(): Promise<void> {
    await this.stop();
    for (const d of this.disposables) d.dispose();
    this.output.dispose();
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

let extension: GraftExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new GraftExtension(context);
  await extension.activate();
}

export async function deactivate(): Promise<void> {
  await extension?.dispose();
  extension = undefined;
}
