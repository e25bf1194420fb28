// The graftlab VS Code client: starts `<python> -m graftlab_lsp --stdio` for experiment files
// (Python files matching graft.toml's experiments directory or `graftlab.experimentGlobs`),
// next to the Python extension: one server per workspace folder, each on that folder's
// interpreter (folders can use different environments), and adds commands to run an experiment, show it
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
  commandArgsForServer,
  commandLine,
  commandTargetUri,
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
import { findRepoRoot, relativePosix, runTarget } from "./core/experiment";
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
  /** One language server per workspace folder (key: the folder's URI; "" without a folder). */
  private readonly clients = new Map<string, LanguageClient>();
  private readonly selectors = new Map<string, PythonFileFilter[]>();
  private selector: PythonFileFilter[] = [];
  /** The interpreter each folder's server and commands use. */
  private readonly pythons = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private warnedMissing = new Set<string>();
  /** "Does this interpreter have graftlab?", asked once per interpreter. */
  private readonly importCheck = new ImportCheck((python) => run(python, importCheckArgs(), undefined, 60_000));
  /** When servers were last stopped on purpose: the client logs their exit ("exited with
   * code 0") after `stop()` has returned, so that line is noise for a while after. */
  private stoppedOnPurposeAt = Number.NEGATIVE_INFINITY;
  /** The terminal of Run Experiment, one per repository root, reused while it is open. */
  private readonly runTerminals = new Map<string, vscode.Terminal>();
  /** The servers' commands, registered with VS Code once for every folder's server. */
  private readonly serverCommands = new Set<string>();
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
      // The server's Run code lens passes the document URI as a string.
      vscode.commands.registerCommand("graftlab.runExperiment", (uri?: vscode.Uri | string) =>
        this.runExperiment(typeof uri === "string" ? vscode.Uri.parse(uri) : uri),
      ),
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
        for (const [root, term] of this.runTerminals) if (term === t) this.runTerminals.delete(root);
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

  /** The workspace folder of a file (the first folder when it is in none). */
  private folderOf(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
    return (uri && vscode.workspace.getWorkspaceFolder(uri)) || vscode.workspace.workspaceFolders?.[0];
  }

  private static keyOf(folder: vscode.WorkspaceFolder | undefined): string {
    return folder?.uri.toString() ?? "";
  }

  private folderOfKey(key: string): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === key);
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
            const folders = vscode.workspace.workspaceFolders ?? [undefined];
            if (folders.some((f) => !this.interpreterSetting(f))) {
              void this.serialize(() => this.restart("Python environment changed"));
            }
          }),
        );
      }
    } catch (e) {
      this.log(`the Python extension's API is not available: ${(e as Error).message}`);
    }
  }

  private interpreterSetting(folder: vscode.WorkspaceFolder | undefined): string | undefined {
    const value = vscode.workspace.getConfiguration("graftlab", folder?.uri).get<string>("interpreter");
    return expandInterpreterSetting(value, folder?.uri.fsPath);
  }

  async resolvePython(folder: vscode.WorkspaceFolder | undefined): Promise<string> {
    const resolved = await resolveInterpreter([
      { name: "setting graftlab.interpreter", get: () => this.interpreterSetting(folder) },
      { name: "Python extension", get: () => pythonExtensionInterpreter(this.pythonApi, folder?.uri) },
    ]);
    for (const note of resolved.notes) this.log(note);
    this.log(`interpreter${folder ? ` of ${folder.name}` : ""}: ${resolved.python} (from ${resolved.source})`);
    return resolved.python;
  }

  private async computeSelector(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    this.selectors.clear();
    for (const f of folders) {
      const toml = parseGraftToml(await readText(path.join(f.uri.fsPath, "graft.toml")));
      if (toml.error) this.log(`${f.uri.fsPath}: ${toml.error}`);
      const globs = mergeGlobs(toml.globs, vscode.workspace.getConfiguration("graftlab", f.uri).get("experimentGlobs"));
      this.selectors.set(GraftExtension.keyOf(f), documentSelector(f.uri.fsPath, globs));
    }
    if (folders.length === 0) {
      const globs = mergeGlobs(parseGraftToml(undefined).globs, vscode.workspace.getConfiguration("graftlab").get("experimentGlobs"));
      this.selectors.set("", documentSelector("", globs).map((s) => ({ ...s, pattern: `**${s.pattern}` })));
    }
    const selector = [...this.selectors.values()].flat();
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

  /** Start a folder's server once an experiment file of that folder is open. */
  private async startIfNeeded(): Promise<void> {
    this.updateContext(vscode.window.activeTextEditor);
    for (const [key, selector] of this.selectors) {
      if (this.clients.has(key) || selector.length === 0) continue;
      if (!vscode.workspace.textDocuments.some((d) => vscode.languages.match(selector, d) > 0)) continue;
      await this.start(key, selector);
    }
  }

  private async start(key: string, selector: PythonFileFilter[]): Promise<void> {
    const folder = this.folderOfKey(key);
    const python = await this.resolvePython(folder);
    this.pythons.set(key, python);
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
    // No file watcher of the extension's own: the server registers one for `**/*.py` and
    // `**/graft.toml` (workspace/didChangeWatchedFiles); a second sent each change twice.
    const config = vscode.workspace.getConfiguration("graftlab", folder?.uri);
    const clientOptions: LanguageClientOptions = {
      documentSelector: selector,
      // Restricted Mode: the server runs nothing of the workspace (static checks only)
      initializationOptions: { trusted: vscode.workspace.isTrusted, logLevel: config.get<string>("logLevel") ?? "info" },
      // one failed start is one notification, not a retry loop
      initializationFailedHandler: () => false,
      outputChannel: this.filteredOutput(),
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      workspaceFolder: folder,
    };
    const client = new LanguageClient("graftlab", "graftlab", serverOptions, clientOptions);
    // The client would register the server's commands with VS Code, which takes one
    // registration per command: the second folder's server then failed to start. The
    // extension registers them once and routes each to its document's server instead.
    client.getFeature(ExecuteCommandRequest.method).register = () => undefined;
    this.clients.set(key, client);
    this.log(`starting${folder ? ` for ${folder.name}` : ""}: ${python} ${serverArgs(extra).join(" ")}`);
    try {
      await client.start();
      this.registerServerCommands(client);
      const info = client.initializeResult?.serverInfo;
      this.log(`language server started: ${info?.name ?? "graftlab-lsp"} ${info?.version ?? "(no version)"} on ${python}`);
      const ours = (this.context.extension?.packageJSON as { version?: string } | undefined)?.version;
      const mismatch = ours ? versionMismatch(ours, info?.version) : undefined;
      if (mismatch) this.notify("warning", mismatch, []);
    } catch (e) {
      this.log(`the language server failed to start: ${(e as Error).message}`);
      this.clients.delete(key);
      await client.dispose().catch(() => undefined);
      // The cause: what the server says when started alone (its import errors, a bad argument).
      const probe = await run(python, serverArgs([...extra, "--version"]), folder?.uri.fsPath, 30_000);
      if (probe.stderr.trim()) this.log(probe.stderr.trim());
      // Not awaited: the queue of starts and restarts must not wait for the user to close it.
      this.notify("error", startFailureMessage(python, probe.stderr), [...START_FAILURE_ACTIONS]);
      return;
    }
  }

  /**
   * Register a server's commands with VS Code, once for all folders' servers (they offer the
   * same): each call goes to the server of the document it names (every graftlab server
   * command takes the document's URI first), else of the active editor's document.
   */
  private registerServerCommands(client: LanguageClient): void {
    const commands = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    for (const command of commands) {
      if (this.serverCommands.has(command)) continue;
      this.serverCommands.add(command);
      try {
        this.disposables.push(
          vscode.commands.registerCommand(command, (...args: unknown[]) => this.routeServerCommand(command, args)),
        );
      } catch (e) {
        this.log(`the server's command ${command} is not available: ${(e as Error).message}`);
      }
    }
  }

  private async routeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    const target = commandTargetUri(args);
    const uri = target ? vscode.Uri.parse(target) : vscode.window.activeTextEditor?.document.uri;
    const client = uri ? this.clientFor(uri) : undefined;
    if (!client || client.state !== State.Running) {
      void vscode.window.showWarningMessage(`graftlab: the language server is not running (${command}).`);
      return undefined;
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: commandArgsForServer(args) });
  }

  private stoppingOnPurpose(): boolean {
    return Date.now() - this.stoppedOnPurposeAt < 15_000;
  }

  /** The output channel without the client's noise (see `isNoise`). */
  private filteredOutput(): vscode.OutputChannel {
    const out = Object.create(this.output) as vscode.OutputChannel;
    out.append = (v: string) => {
      if (!isNoise(v, this.stoppingOnPurpose())) this.output.append(v);
    };
    out.appendLine = (v: string) => {
      if (!isNoise(v, this.stoppingOnPurpose())) this.output.appendLine(v);
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
            const term = vscode.window.createTerminal({ name: "graftlab install" });
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
    const clients = [...this.clients.values()];
    this.clients.clear();
    if (clients.length === 0) return;
    this.stoppedOnPurposeAt = Date.now();
    try {
      await Promise.all(
        clients.map((c) => c.stop(5000).catch((e) => this.log(`stopping the server: ${(e as Error).message}`))),
      );
    } finally {
      this.stoppedOnPurposeAt = Date.now();
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
    const root = findRepoRoot(file, fs.existsSync) ?? this.folderOf(doc.uri)?.uri.fsPath ?? path.dirname(file);
    return { file, uri: doc.uri, root };
  }

  /** The interpreter of the file's folder (its server's, else resolved now). */
  private async pythonForCommands(uri: vscode.Uri): Promise<string> {
    const folder = this.folderOf(uri);
    const key = GraftExtension.keyOf(folder);
    let python = this.pythons.get(key);
    if (!python) {
      python = await this.resolvePython(folder);
      this.pythons.set(key, python);
    }
    return python;
  }

  /**
   * Commands that load experiments run the workspace's code (its modules are imported): in
   * Restricted Mode they explain that and offer to manage trust instead of running.
   */
  private trusted(what: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    const message = `graftlab: ${what} runs this workspace's code, and the workspace is not trusted (Restricted Mode).`;
    this.log(message);
    void vscode.window.showWarningMessage(message, "Manage Workspace Trust").then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    });
    return false;
  }

  async runExperiment(uri?: vscode.Uri): Promise<void> {
    const target = await this.fileOf(uri);
    if (!target || !this.trusted("Run Experiment")) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri.toString());
    if (doc?.isDirty) await doc.save();
    const toml = parseGraftToml(await readText(path.join(target.root, "graft.toml")));
    // A name under the experiments directory, else the path (`graft run PATH` takes any file).
    const name = runTarget(target.file, target.root, toml.experimentsDir);
    const python = await this.pythonForCommands(target.uri);
    // Check first: an interpreter without graftlab would only show a traceback in the terminal.
    const check = await this.importCheck.check(python);
    if (check.code !== 0) {
      this.reportMissing(python, check);
      return;
    }
    // One terminal per repository (runs start at its root), reused while it is open.
    const term = this.runTerminals.get(target.root) ?? vscode.window.createTerminal({ name: "graft run", cwd: target.root });
    this.runTerminals.set(target.root, term);
    term.show();
    const graft = graftInvocation(python, runArgs(name), fs.existsSync);
    term.sendText(commandLine(graft.program, graft.args, shellKind(vscode.env.shell)));
  }

  private clientFor(uri: vscode.Uri): LanguageClient | undefined {
    return this.clients.get(GraftExtension.keyOf(this.folderOf(uri)));
  }

  private async executeServerCommand<T>(uri: vscode.Uri, command: string, args: unknown[]): Promise<T | null | undefined> {
    const client = this.clientFor(uri);
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
    const first = await this.executeServerCommand<T>(uri, command, [uri.toString()]);
    if (first !== null) return first;
    try {
      return await this.executeServerCommand<T>(uri, command, [[uri.toString()]]);
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
      if (!this.trusted("Show Materialized Experiment")) return;
      const python = await this.pythonForCommands(target.uri);
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
    if (!this.trusted("Semantic Diff")) return;
    const rev = revision ? cleanRevision(revision) : await this.pickRevision(target.root);
    if (!rev) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri.toString());
    if (doc?.isDirty) await doc.save();
    const python = await this.pythonForCommands(target.uri);
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
    if (!this.clientFor(target.uri)) {
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
        : [this.folderOf(target.uri)?.uri.fsPath, target.root].filter((r): r is string => !!r).map((r) => path.join(r, err!.file!));
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
